// Internal to resources/: one YAML document → JSON, with the position of every field.
// The only code (with manifest_reader.cc's emitter) that calls yaml-cpp; no exception
// escapes.
#ifndef NXT_RESOURCES_YAML_JSON_H_
#define NXT_RESOURCES_YAML_JSON_H_

#include <boost/json/value.hpp>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "resources/field_error.h"
#include "resources/object.h"

namespace nxt::resources::internal {

inline constexpr size_t kMaxYamlNodes = 100000;  // aliases count every time they expand
inline constexpr int kMaxYamlDepth = 64;

struct YamlDocument {
  bool empty = false;  // only comments / whitespace / an explicit null
  // The parser stopped (bad syntax): nothing else is set.
  std::optional<FieldError> syntax_error;
  // Structural problems found while converting (duplicate key, non-string key, too many
  // nodes, too deep). `value` is still filled as far as possible.
  std::vector<FieldError> errors;
  // Conversion stopped early (too many nodes, too deep): `value` is incomplete.
  bool truncated = false;
  boost::json::value value;
  // Field path ("spec.ports[0].hostPort") → where its key (or sequence item) was written.
  std::map<std::string, SourcePosition> positions;
  SourcePosition root;  // where the document's top node starts
};

// Parses `text` (one document; `first_line` is the 1-based file line of its first line).
YamlDocument LoadYamlDocument(const std::string& text, const std::string& file, int first_line);

// A plain (unquoted) scalar per the YAML 1.2 core schema: null, bool, int, float, else string.
boost::json::value ResolvePlainScalar(const std::string& text);

}  // namespace nxt::resources::internal

#endif  // NXT_RESOURCES_YAML_JSON_H_
