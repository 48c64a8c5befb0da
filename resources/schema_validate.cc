// Defaulting and validation against compiled SchemaNodes (see schema.h for the contracts).
#include <boost/json.hpp>
#include <cmath>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "resources/field_path.h"
#include "resources/schema_node.h"

namespace nxt::resources::internal {
namespace {

// libstdc++'s std::regex recurses per character; longer strings are refused instead of
// risking the stack.
constexpr size_t kMaxPatternInput = 4096;
constexpr size_t kMaxShownChars = 64;

std::string FormatNumber(double d) {
  if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9e15) {
    return absl::StrCat(static_cast<int64_t>(d));
  }
  return absl::StrCat(d);
}

std::string Quote(const std::string& s) {
  std::string shown = s.size() > kMaxShownChars ? s.substr(0, kMaxShownChars) + "..." : s;
  return boost::json::serialize(boost::json::value(shown));
}

// The value as kubectl shows it in "Invalid value: ...".
std::string Show(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::string:
      return Quote(std::string(v.get_string()));
    case boost::json::kind::int64:
      return absl::StrCat(v.get_int64());
    case boost::json::kind::uint64:
      return absl::StrCat(v.get_uint64());
    case boost::json::kind::double_:
      return FormatNumber(v.get_double());
    case boost::json::kind::bool_:
      return v.get_bool() ? "true" : "false";
    case boost::json::kind::null:
      return "null";
    case boost::json::kind::array:
      return "array";
    case boost::json::kind::object:
      return "object";
  }
  return "?";
}

bool HasType(const SchemaNode& node, const boost::json::value& v) {
  if (node.int_or_string) {
    return v.is_int64() || v.is_uint64() || v.is_string();
  }
  const std::string& t = node.type;
  if (t.empty()) return true;
  if (t == "object") return v.is_object();
  if (t == "array") return v.is_array();
  if (t == "string") return v.is_string();
  if (t == "boolean") return v.is_bool();
  if (t == "integer") return v.is_int64() || v.is_uint64();
  if (t == "number") return v.is_int64() || v.is_uint64() || v.is_double();
  return false;
}

double AsDouble(const boost::json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  return v.get_double();
}

size_t CodePoints(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) {
    n += (c & 0xC0) != 0x80;
  }
  return n;
}

void Add(std::vector<SchemaViolation>& out, const std::string& path, std::string message) {
  out.push_back({path, std::move(message)});
}

void CheckEnum(const SchemaNode& node, const boost::json::value& v, const std::string& path,
               std::vector<SchemaViolation>& out) {
  for (const auto& allowed : *node.enum_values) {
    if (allowed == v) {
      return;
    }
  }
  std::vector<std::string> shown;
  for (const auto& allowed : *node.enum_values) {
    shown.push_back(Show(allowed));
  }
  Add(out, path,
      absl::StrCat("Unsupported value: ", Show(v),
                   ": supported values: ", absl::StrJoin(shown, ", ")));
}

void CheckString(const SchemaNode& node, const std::string& s, const std::string& path,
                 std::vector<SchemaViolation>& out) {
  size_t length = CodePoints(s);
  if (node.min_length && length < *node.min_length) {
    Add(out, path,
        absl::StrCat("Invalid value: ", Quote(s), ": must be at least ", *node.min_length,
                     " characters long"));
  }
  if (node.max_length && length > *node.max_length) {
    Add(out, path,
        absl::StrCat("Too long: may not be longer than ", *node.max_length, " characters"));
    return;
  }
  if (node.pattern) {
    if (s.size() > kMaxPatternInput) {
      Add(out, path,
          absl::StrCat("Too long: may not be longer than ", kMaxPatternInput, " characters"));
    } else if (!std::regex_search(s, *node.pattern)) {
      Add(out, path,
          absl::StrCat("Invalid value: ", Quote(s), ": must match the regular expression '",
                       node.pattern_text, "'"));
    }
  }
}

void CheckNumber(const SchemaNode& node, const boost::json::value& v, const std::string& path,
                 std::vector<SchemaViolation>& out) {
  double d = AsDouble(v);
  if (node.minimum) {
    bool bad = node.exclusive_minimum ? !(d > *node.minimum) : !(d >= *node.minimum);
    if (bad) {
      Add(out, path,
          absl::StrCat("Invalid value: ", Show(v), ": must be greater than ",
                       node.exclusive_minimum ? "" : "or equal to ", FormatNumber(*node.minimum)));
    }
  }
  if (node.maximum) {
    bool bad = node.exclusive_maximum ? !(d < *node.maximum) : !(d <= *node.maximum);
    if (bad) {
      Add(out, path,
          absl::StrCat("Invalid value: ", Show(v), ": must be less than ",
                       node.exclusive_maximum ? "" : "or equal to ", FormatNumber(*node.maximum)));
    }
  }
}

void CheckArray(const SchemaNode& node, const boost::json::array& array, const std::string& path,
                std::vector<SchemaViolation>& out) {
  if (node.min_items && array.size() < *node.min_items) {
    Add(out, path,
        absl::StrCat("Invalid value: ", array.size(), " items: must have at least ",
                     *node.min_items, " items"));
  }
  if (node.max_items && array.size() > *node.max_items) {
    Add(out, path,
        absl::StrCat("Too many: ", array.size(), ": must have at most ", *node.max_items,
                     " items"));
  }
  for (size_t i = 0; i < array.size(); ++i) {
    ValidateNode(*node.items, array[i], IndexPath(path, i), out);
  }
}

void CheckObject(const SchemaNode& node, const boost::json::object& object, const std::string& path,
                 std::vector<SchemaViolation>& out) {
  bool closed =
      node.additional_properties_false ||
      (node.has_properties && !node.additional_properties && !node.preserve_unknown_fields);
  for (const auto& [key, child] : object) {
    std::string name(key);
    std::string child_path = ChildPath(path, name);
    if (const SchemaNode* property = node.Property(name)) {
      ValidateNode(*property, child, child_path, out);
    } else if (node.additional_properties) {
      ValidateNode(*node.additional_properties, child, child_path, out);
    } else if (closed) {
      Add(out, child_path, "unknown field");
    }
  }
  for (const std::string& name : node.required) {
    if (!object.contains(name)) {
      Add(out, ChildPath(path, name), "Required value");
    }
  }
}

}  // namespace

void DefaultNode(const SchemaNode& node, boost::json::value& value) {
  if (value.is_array() && node.items) {
    for (boost::json::value& item : value.get_array()) {
      DefaultNode(*node.items, item);
    }
    return;
  }
  if (!value.is_object() || !HasType(node, value)) {
    return;
  }
  boost::json::object& object = value.get_object();
  for (auto& [key, child] : object) {
    if (const SchemaNode* property = node.Property(std::string(key))) {
      DefaultNode(*property, child);
    } else if (node.additional_properties) {
      DefaultNode(*node.additional_properties, child);
    }
  }
  for (const auto& [name, property] : node.properties) {
    if (property->default_value && !object.contains(name)) {
      DefaultNode(*property, object[name] = *property->default_value);
    }
  }
}

void ValidateNode(const SchemaNode& node, const boost::json::value& value, const std::string& path,
                  std::vector<SchemaViolation>& out) {
  if (value.is_null() && (node.nullable || (node.type.empty() && !node.int_or_string))) {
    return;
  }
  if (!HasType(node, value)) {
    std::string type = node.int_or_string ? "integer or string" : node.type;
    Add(out, path, absl::StrCat("Invalid value: ", Show(value), ": must be of type ", type));
    return;
  }
  if (node.enum_values) {
    CheckEnum(node, value, path, out);
  }
  if (value.is_string()) {
    CheckString(node, std::string(value.get_string()), path, out);
  } else if (value.is_number()) {
    CheckNumber(node, value, path, out);
  } else if (value.is_array() && node.items) {
    CheckArray(node, value.get_array(), path, out);
  } else if (value.is_object()) {
    CheckObject(node, value.get_object(), path, out);
  }
}

}  // namespace nxt::resources::internal
