#include "resources/resource_limits.h"

#include <boost/json.hpp>
#include <string>

#include "absl/strings/str_cat.h"
#include "resources/containerset.h"

namespace nxt::resources {
namespace {

struct Quantity {
  const char* key;
  const char* path;
  absl::StatusOr<int64_t> (*parse)(const std::string&);
  int64_t ResourceLimits::*out;
};

constexpr Quantity kQuantities[] = {
    {"memory", "spec.resources.memory", ParseMemoryQuantity, &ResourceLimits::memory_bytes},
    {"cpus", "spec.resources.cpus", ParseCpuQuantity, &ResourceLimits::nano_cpus},
};

}  // namespace

ResourceLimits ReadResourceLimits(const boost::json::object& spec,
                                  std::vector<FieldError>& errors) {
  ResourceLimits limits;
  const boost::json::value* resources = spec.if_contains("resources");
  if (resources == nullptr || !resources->is_object()) {
    return limits;
  }
  for (const Quantity& q : kQuantities) {
    const boost::json::value* v = resources->get_object().if_contains(q.key);
    if (v == nullptr || !v->is_string()) {
      continue;
    }
    const std::string text(v->get_string());
    absl::StatusOr<int64_t> value = q.parse(text);
    if (!value.ok()) {
      errors.push_back(
          {{},
           q.path,
           absl::StrCat("Invalid value: ", boost::json::serialize(boost::json::value(text)), ": ",
                        std::string(value.status().message()))});
      continue;
    }
    limits.*q.out = *value;
  }
  return limits;
}

}  // namespace nxt::resources
