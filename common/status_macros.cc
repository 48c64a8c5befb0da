#include "common/status_macros.h"

namespace nxt {

absl::Status WithMessage(const absl::Status& status, const std::string& message) {
  if (status.ok()) return status;
  absl::Status out(status.code(), message);
  status.ForEachPayload(
      [&out](absl::string_view url, const absl::Cord& payload) { out.SetPayload(url, payload); });
  return out;
}

absl::Status Annotate(const absl::Status& status, const std::string& context) {
  if (status.ok()) return status;
  return WithMessage(status, absl::StrCat(context, ": ", std::string(status.message())));
}

}  // namespace nxt
