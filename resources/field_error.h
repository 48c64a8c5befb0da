// One problem found in a manifest, located by file:line:col and field path.
#ifndef NXT_RESOURCES_FIELD_ERROR_H_
#define NXT_RESOURCES_FIELD_ERROR_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "resources/object.h"

namespace nxt::resources {

struct FieldError {
  SourcePosition position;
  std::string field_path;  // "spec.replicas"; empty for document-level problems
  std::string message;

  // "stack.yaml:12:3: spec.replicas: must be >= 0"  (parts that are empty are left out)
  std::string ToString() const;
  friend bool operator==(const FieldError&, const FieldError&) = default;
};

// One error per line, in order. InvalidArgument (terminal: a bad manifest is never retried).
absl::Status ToStatus(const std::vector<FieldError>& errors);
std::string JoinErrors(const std::vector<FieldError>& errors);

}  // namespace nxt::resources

#endif  // NXT_RESOURCES_FIELD_ERROR_H_
