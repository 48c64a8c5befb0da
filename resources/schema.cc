// Compiling an openAPIV3Schema into SchemaNodes (validation is in schema_validate.cc).
#include "resources/schema.h"

#include <boost/json.hpp>
#include <regex>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "resources/schema_node.h"

namespace nxt::resources {
namespace {

using internal::SchemaNode;

constexpr int kMaxSchemaDepth = 32;

class CompiledSchema : public Schema {
 public:
  explicit CompiledSchema(std::unique_ptr<SchemaNode> root) : root_(std::move(root)) {}

  void ApplyDefaults(boost::json::value& value) const override {
    internal::DefaultNode(*root_, value);
  }

  std::vector<SchemaViolation> Validate(const boost::json::value& value,
                                        const std::string& root_path) const override {
    std::vector<SchemaViolation> violations;
    internal::ValidateNode(*root_, value, root_path, violations);
    return violations;
  }

 private:
  const std::unique_ptr<SchemaNode> root_;
};

absl::Status Bad(const std::string& path, const std::string& message) {
  return absl::InvalidArgumentError(absl::StrCat("schema ", path, ": ", message));
}

absl::StatusOr<double> Number(const boost::json::value& v, const std::string& path) {
  if (v.is_int64()) {
    return static_cast<double>(v.get_int64());
  }
  if (v.is_uint64()) {
    return static_cast<double>(v.get_uint64());
  }
  if (v.is_double()) {
    return v.get_double();
  }
  return Bad(path, "must be a number");
}

absl::StatusOr<uint64_t> Count(const boost::json::value& v, const std::string& path) {
  if (v.is_int64() && v.get_int64() >= 0) {
    return static_cast<uint64_t>(v.get_int64());
  }
  if (v.is_uint64()) {
    return v.get_uint64();
  }
  return Bad(path, "must be a non-negative integer");
}

absl::StatusOr<bool> Bool(const boost::json::value& v, const std::string& path) {
  if (!v.is_bool()) {
    return Bad(path, "must be a boolean");
  }
  return v.get_bool();
}

absl::StatusOr<std::unique_ptr<SchemaNode>> CompileNode(const boost::json::value& v,
                                                        const std::string& path, int depth);

absl::Status CompileProperties(const boost::json::value& v, const std::string& path, int depth,
                               SchemaNode& node) {
  if (!v.is_object()) {
    return Bad(path, "must be an object");
  }
  node.has_properties = true;
  for (const auto& [key, child] : v.get_object()) {
    std::string name(key);
    NXT_ASSIGN_OR_RETURN(auto compiled, CompileNode(child, absl::StrCat(path, ".", name), depth));
    node.properties.emplace_back(name, std::move(compiled));
  }
  return absl::OkStatus();
}

absl::Status CompileRequired(const boost::json::value& v, const std::string& path,
                             SchemaNode& node) {
  if (!v.is_array()) {
    return Bad(path, "must be an array of strings");
  }
  for (const auto& item : v.get_array()) {
    if (!item.is_string()) {
      return Bad(path, "must be an array of strings");
    }
    node.required.emplace_back(item.get_string());
  }
  return absl::OkStatus();
}

absl::Status CompilePattern(const boost::json::value& v, const std::string& path,
                            SchemaNode& node) {
  if (!v.is_string()) {
    return Bad(path, "must be a string");
  }
  node.pattern_text = std::string(v.get_string());
  try {
    node.pattern.emplace(node.pattern_text, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return Bad(path, absl::StrCat("invalid regular expression: ", e.what()));
  }
  return absl::OkStatus();
}

absl::Status CompileType(const boost::json::value& v, const std::string& path, SchemaNode& node) {
  static const std::set<std::string> kTypes = {"object",  "array",  "string",
                                               "integer", "number", "boolean"};
  if (!v.is_string() || !kTypes.contains(std::string(v.get_string()))) {
    return Bad(path, "must be one of object, array, string, integer, number, boolean");
  }
  node.type = std::string(v.get_string());
  return absl::OkStatus();
}

absl::Status CompileAdditionalProperties(const boost::json::value& v, const std::string& path,
                                         int depth, SchemaNode& node) {
  if (v.is_bool()) {
    node.additional_properties_false = !v.get_bool();
    return absl::OkStatus();
  }
  NXT_ASSIGN_OR_RETURN(node.additional_properties, CompileNode(v, path, depth));
  return absl::OkStatus();
}

// One keyword of a schema node. Unknown keywords are errors: a rule is never ignored.
absl::Status CompileKeyword(const std::string& key, const boost::json::value& v,
                            const std::string& path, int depth, SchemaNode& node) {
  const std::string at = absl::StrCat(path, ".", key);
  if (key == "type") return CompileType(v, at, node);
  if (key == "properties") return CompileProperties(v, at, depth, node);
  if (key == "required") return CompileRequired(v, at, node);
  if (key == "pattern") return CompilePattern(v, at, node);
  if (key == "additionalProperties") return CompileAdditionalProperties(v, at, depth, node);
  if (key == "items") {
    NXT_ASSIGN_OR_RETURN(node.items, CompileNode(v, at, depth));
    return absl::OkStatus();
  }
  if (key == "enum") {
    if (!v.is_array() || v.get_array().empty()) {
      return Bad(at, "must be a non-empty array");
    }
    node.enum_values.emplace(v.get_array().begin(), v.get_array().end());
    return absl::OkStatus();
  }
  if (key == "minimum") {
    NXT_ASSIGN_OR_RETURN(node.minimum, Number(v, at));
  } else if (key == "maximum") {
    NXT_ASSIGN_OR_RETURN(node.maximum, Number(v, at));
  } else if (key == "exclusiveMinimum") {
    NXT_ASSIGN_OR_RETURN(node.exclusive_minimum, Bool(v, at));
  } else if (key == "exclusiveMaximum") {
    NXT_ASSIGN_OR_RETURN(node.exclusive_maximum, Bool(v, at));
  } else if (key == "minLength") {
    NXT_ASSIGN_OR_RETURN(node.min_length, Count(v, at));
  } else if (key == "maxLength") {
    NXT_ASSIGN_OR_RETURN(node.max_length, Count(v, at));
  } else if (key == "minItems") {
    NXT_ASSIGN_OR_RETURN(node.min_items, Count(v, at));
  } else if (key == "maxItems") {
    NXT_ASSIGN_OR_RETURN(node.max_items, Count(v, at));
  } else if (key == "nullable") {
    NXT_ASSIGN_OR_RETURN(node.nullable, Bool(v, at));
  } else if (key == "x-kubernetes-preserve-unknown-fields") {
    NXT_ASSIGN_OR_RETURN(node.preserve_unknown_fields, Bool(v, at));
  } else if (key == "x-kubernetes-int-or-string") {
    NXT_ASSIGN_OR_RETURN(node.int_or_string, Bool(v, at));
  } else if (key == "default") {
    node.default_value = v;
  } else if (key == "description" || key == "format") {
    if (!v.is_string()) {
      return Bad(at, "must be a string");
    }
  } else {
    return Bad(path, absl::StrCat("unsupported keyword \"", key, "\""));
  }
  return absl::OkStatus();
}

// Rules that span keywords.
absl::Status CheckShape(const SchemaNode& node, const std::string& path) {
  if (node.has_properties && node.type != "object") {
    return Bad(path, "\"properties\" needs type: object");
  }
  if ((node.additional_properties || node.additional_properties_false) && node.type != "object") {
    return Bad(path, "\"additionalProperties\" needs type: object");
  }
  if (node.has_properties && node.additional_properties) {
    return Bad(path, "\"properties\" and \"additionalProperties\" are mutually exclusive");
  }
  if (node.items && node.type != "array") {
    return Bad(path, "\"items\" needs type: array");
  }
  if (node.type == "array" && !node.items) {
    return Bad(path, "type: array needs \"items\"");
  }
  if (node.int_or_string && !node.type.empty()) {
    return Bad(path, "x-kubernetes-int-or-string excludes \"type\"");
  }
  if (node.default_value) {
    boost::json::value copy = *node.default_value;
    internal::DefaultNode(node, copy);
    std::vector<SchemaViolation> violations;
    internal::ValidateNode(node, copy, "", violations);
    if (!violations.empty()) {
      return Bad(path, absl::StrCat("default does not validate: ", violations[0].message));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<SchemaNode>> CompileNode(const boost::json::value& v,
                                                        const std::string& path, int depth) {
  if (depth > kMaxSchemaDepth) {
    return Bad(path, absl::StrCat("nested deeper than ", kMaxSchemaDepth, " levels"));
  }
  if (!v.is_object()) {
    return Bad(path, "must be an object");
  }
  auto node = std::make_unique<SchemaNode>();
  for (const auto& [key, child] : v.get_object()) {
    NXT_RETURN_IF_ERROR(CompileKeyword(std::string(key), child, path, depth + 1, *node));
  }
  NXT_RETURN_IF_ERROR(CheckShape(*node, path));
  return node;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Schema>> Schema::Compile(const boost::json::value& schema) {
  NXT_ASSIGN_OR_RETURN(auto root, CompileNode(schema, "openAPIV3Schema", 0));
  return std::make_unique<CompiledSchema>(std::move(root));
}

}  // namespace nxt::resources
