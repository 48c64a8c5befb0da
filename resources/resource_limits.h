// spec.resources.memory and spec.resources.cpus: the container limits every kind has.
#ifndef NXT_RESOURCES_RESOURCE_LIMITS_H_
#define NXT_RESOURCES_RESOURCE_LIMITS_H_

#include <boost/json/object.hpp>
#include <cstdint>
#include <vector>

#include "resources/field_error.h"

namespace nxt::resources {

struct ResourceLimits {
  int64_t memory_bytes = 0;  // 0: no limit
  int64_t nano_cpus = 0;     // 0: no limit
};

// Reads spec.resources of `spec` (absent, or a value that is not a string: no limit; the
// schema reports a wrong type). The one rule for both quantities, shared by every kind's
// check (which reports the errors with their positions) and decoder (which only meets
// checked specs): each quantity that does not parse adds an error at its field path,
// e.g. `spec.resources.memory: Invalid value: "12XB": must be a memory quantity ...`.
ResourceLimits ReadResourceLimits(const boost::json::object& spec, std::vector<FieldError>& errors);

}  // namespace nxt::resources

#endif  // NXT_RESOURCES_RESOURCE_LIMITS_H_
