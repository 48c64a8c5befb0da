// A compiled openAPIV3Schema (the subset nxt supports) and the validator.
//
// Supported keywords: type (object, array, string, integer, number, boolean), properties,
// required, items, enum, pattern (ECMAScript regex, whole-string search semantics as in
// Kubernetes: it must match somewhere), minimum, maximum, exclusiveMinimum,
// exclusiveMaximum (booleans, OpenAPI 3.0 style), minLength, maxLength, minItems, maxItems,
// default, description, additionalProperties (a schema, or false), nullable,
// x-kubernetes-preserve-unknown-fields, x-kubernetes-int-or-string, format (informational).
// Any other keyword makes Compile fail: an unsupported rule is never silently ignored.
// Unknown fields of an object with `properties` and no `additionalProperties` are errors.
#ifndef NXT_RESOURCES_SCHEMA_H_
#define NXT_RESOURCES_SCHEMA_H_

#include <boost/json/value.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace nxt::resources {

struct SchemaViolation {
  std::string field_path;  // relative to the validated value's root, e.g. "spec.replicas"
  std::string message;     // "must be >= 0", "unknown field", "is required", ...
};

class Schema {
 public:
  virtual ~Schema() = default;
  // Compiles `open_api_v3_schema` (the value under versions[].schema.openAPIV3Schema).
  // InvalidArgument naming the schema path on an unsupported keyword or bad shape.
  static absl::StatusOr<std::unique_ptr<Schema>> Compile(const boost::json::value& schema);

  // Fills the schema's defaults into `value`, as a Kubernetes API server defaults a
  // structural schema: a property absent from an object gets a copy of its `default`,
  // itself defaulted, recursively through properties, additionalProperties and array
  // items. A value of the wrong type is left as it is (Validate reports it); a null is
  // not absent. Idempotent. The CRD is the one source of defaults: code reading a spec
  // (the kinds' Decode<Kind>Spec) holds no fallback of its own.
  virtual void ApplyDefaults(boost::json::value& value) const = 0;

  // Validates `value` as it is (defaults are not filled). `root_path` prefixes the
  // reported paths ("" for the object root). All violations are returned, not only the
  // first.
  virtual std::vector<SchemaViolation> Validate(const boost::json::value& value,
                                                const std::string& root_path) const = 0;

  // ApplyDefaults, then Validate.
  std::vector<SchemaViolation> ValidateAndDefault(boost::json::value& value,
                                                  const std::string& root_path) const {
    ApplyDefaults(value);
    return Validate(value, root_path);
  }
};

}  // namespace nxt::resources

#endif  // NXT_RESOURCES_SCHEMA_H_
