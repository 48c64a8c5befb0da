// Internal to resources/: the compiled form of one openAPIV3Schema node.
#ifndef NXT_RESOURCES_SCHEMA_NODE_H_
#define NXT_RESOURCES_SCHEMA_NODE_H_

#include <boost/json/value.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "resources/schema.h"

namespace nxt::resources::internal {

struct SchemaNode {
  std::string type;  // "" = any (with x-kubernetes-int-or-string: integer or string)
  bool nullable = false;
  bool int_or_string = false;
  bool preserve_unknown_fields = false;

  // object
  std::vector<std::pair<std::string, std::unique_ptr<SchemaNode>>> properties;
  bool has_properties = false;
  std::vector<std::string> required;
  bool additional_properties_false = false;
  std::unique_ptr<SchemaNode> additional_properties;

  // array
  std::unique_ptr<SchemaNode> items;
  std::optional<uint64_t> min_items;
  std::optional<uint64_t> max_items;

  // scalars
  std::optional<std::vector<boost::json::value>> enum_values;
  std::optional<std::regex> pattern;
  std::string pattern_text;
  std::optional<double> minimum;
  std::optional<double> maximum;
  bool exclusive_minimum = false;
  bool exclusive_maximum = false;
  std::optional<uint64_t> min_length;
  std::optional<uint64_t> max_length;

  std::optional<boost::json::value> default_value;

  const SchemaNode* Property(const std::string& name) const {
    for (const auto& [key, node] : properties) {
      if (key == name) {
        return node.get();
      }
    }
    return nullptr;
  }
};

// Schema.h's contracts for one node: ApplyDefaults and Validate (violations are appended
// to `out`).
void DefaultNode(const SchemaNode& node, boost::json::value& value);
void ValidateNode(const SchemaNode& node, const boost::json::value& value, const std::string& path,
                  std::vector<SchemaViolation>& out);

}  // namespace nxt::resources::internal

#endif  // NXT_RESOURCES_SCHEMA_NODE_H_
