// Internal to resources/: one YAML document → JSON, with the position of every field.
// With yaml_scan.cc (its first pass) and manifest_writer.cc's emitter, the only code that
// calls yaml-cpp; no exception escapes.
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
#include "resources/yaml_scan.h"

namespace nxt::resources::internal {

struct YamlDocument {
  bool empty = false;  // only comments / whitespace / an explicit null
  // The parser stopped (bad syntax): nothing else is set.
  std::optional<FieldError> syntax_error;
  // Structural problems (duplicate key, non-string key; too many nodes, too many bytes
  // once expanded, too deep: see yaml_scan.h). `value` is still filled as far as possible.
  std::vector<FieldError> errors;
  // Conversion stopped early (too many nodes, too deep): `value` is incomplete.
  bool truncated = false;
  boost::json::value value;
  // Field path ("spec.ports[0].hostPort") → where its key (or sequence item) was written.
  std::map<std::string, SourcePosition> positions;
  SourcePosition root;  // where the document's top node starts
};

// Parses `text` (one document; `first_line` is the 1-based file line of its first line).
// ScanYamlDocument measures it first: a document over a limit is refused (`truncated`,
// one error) before yaml-cpp builds any node.
YamlDocument LoadYamlDocument(const std::string& text, const std::string& file, int first_line);

// A plain (unquoted) scalar per the YAML 1.2 core schema: null, bool, int, float, else string.
boost::json::value ResolvePlainScalar(const std::string& text);

}  // namespace nxt::resources::internal

#endif  // NXT_RESOURCES_YAML_JSON_H_
