#include "resources/field_error.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace nxt::resources {

std::string FieldError::ToString() const {
  std::vector<std::string> parts;
  std::string where = position.ToString();
  if (!where.empty()) {
    parts.push_back(where);
  }
  if (!field_path.empty()) {
    parts.push_back(field_path);
  }
  parts.push_back(message);
  return absl::StrJoin(parts, ": ");
}

std::string JoinErrors(const std::vector<FieldError>& errors) {
  return absl::StrJoin(errors, "\n",
                       [](std::string* out, const FieldError& e) { out->append(e.ToString()); });
}

absl::Status ToStatus(const std::vector<FieldError>& errors) {
  if (errors.empty()) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(JoinErrors(errors));
}

}  // namespace nxt::resources
