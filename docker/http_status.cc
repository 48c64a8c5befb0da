#include "docker/http_status.h"

#include "absl/strings/str_cat.h"

namespace nxt::docker {

absl::Status StatusFromHttp(int http_code, const std::string& engine_message,
                            const std::string& call, CallKind kind) {
  if ((http_code >= 200 && http_code < 300) || http_code == 304) return absl::OkStatus();
  std::string message = absl::StrCat(call, ": HTTP ", http_code);
  if (!engine_message.empty()) absl::StrAppend(&message, ": ", engine_message);
  absl::StatusCode code = absl::StatusCode::kUnknown;
  if (http_code == 400) {
    code = absl::StatusCode::kInvalidArgument;
  } else if (http_code == 401 || http_code == 403) {
    code = absl::StatusCode::kPermissionDenied;
  } else if (http_code == 404) {
    code = absl::StatusCode::kNotFound;
  } else if (http_code == 409) {
    code = kind == CallKind::kCreate ? absl::StatusCode::kAlreadyExists
                                     : absl::StatusCode::kFailedPrecondition;
  } else if (http_code >= 500 && http_code < 600) {
    code = absl::StatusCode::kUnavailable;
  }
  return absl::Status(code, message);
}

absl::Status StatusFromTransport(bool timed_out, const std::string& detail,
                                 const std::string& call) {
  if (timed_out) return absl::DeadlineExceededError(absl::StrCat(call, ": ", detail));
  return absl::UnavailableError(absl::StrCat(call, ": docker engine unreachable: ", detail));
}

}  // namespace nxt::docker
