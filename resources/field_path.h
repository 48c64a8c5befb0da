// Internal to resources/: how field paths are spelled, so the YAML position index, the
// schema validator and the semantic checks agree ("spec.ports[1].name",
// "metadata.labels[app.kubernetes.io/name]", "spec.env.LOG_LEVEL").
#ifndef NXT_RESOURCES_FIELD_PATH_H_
#define NXT_RESOURCES_FIELD_PATH_H_

#include <cstddef>
#include <string>

namespace nxt::resources::internal {

// `parent.key` when key is an identifier ([A-Za-z_][A-Za-z0-9_-]*), otherwise `parent[key]`.
std::string ChildPath(const std::string& parent, const std::string& key);
// `parent[index]`.
std::string IndexPath(const std::string& parent, size_t index);

}  // namespace nxt::resources::internal

#endif  // NXT_RESOURCES_FIELD_PATH_H_
