// Internal to resources/: the first, cheap pass over one YAML document, on yaml-cpp's
// event stream, before any node is built. It bounds what the second pass costs:
// yaml-cpp's node graph (about 0.5 KB a node, so a 1 MiB file of "[1,1,1,...]" would take
// ~240 MB) and the expanded document (yaml-cpp keeps one node per anchor, but the
// conversion to JSON copies an alias's anchor each time it is used, so 20,000 aliases to a
// 500 KB scalar would take 10 GB). Counting stops at the first limit crossed.
#ifndef NXT_RESOURCES_YAML_SCAN_H_
#define NXT_RESOURCES_YAML_SCAN_H_

#include <cstddef>
#include <optional>
#include <string>

#include "resources/field_error.h"

namespace nxt::resources::internal {

// At most this many nodes per document; an alias counts every node of its anchor each time
// it is used (so "billion laughs" nesting is caught). Reading a document at this limit
// peaks under 40 MB (`nxtctl validate`, 20,000 env entries); the largest example manifest
// has a few hundred nodes.
inline constexpr size_t kMaxYamlNodes = 20000;
// At most this many bytes per document once expanded: every scalar value each time it is
// reached (through an alias too), every mapping key, and the field path recorded for every
// node ("spec.args[12]"; long keys repeat in every path below them). That is what the
// converted document and its position index hold; 4 MiB is 4 times the file size limit.
inline constexpr size_t kMaxYamlExpandedBytes = 4 << 20;
inline constexpr int kMaxYamlDepth = 64;

struct YamlScan {
  int documents = 0;               // documents seen, counting stops at 2
  SourcePosition second_document;  // where the second one starts (documents == 2)
  // The first limit crossed (nodes, expanded bytes, depth, an alias used inside its own
  // anchor), at the node or alias that crossed it, with its field path.
  std::optional<FieldError> too_large;
};

// Scans `text` (`first_line`: the 1-based line of its first line in `file`). Only the
// first document is measured. Throws YAML::Exception on bad syntax: call it only where
// yaml-cpp's exceptions are caught (yaml_json.cc).
YamlScan ScanYamlDocument(const std::string& text, const std::string& file, int first_line);

}  // namespace nxt::resources::internal

#endif  // NXT_RESOURCES_YAML_SCAN_H_
