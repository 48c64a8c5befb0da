#include "reconciler/reconciler.h"

#include "absl/strings/cord.h"

namespace nxt::reconciler {
namespace {

// The payload that marks a status terminal. Its value is irrelevant; presence counts.
constexpr char kTerminalPayloadUrl[] = "type.nxt.io/nxt.reconciler.TerminalError";

}  // namespace

absl::Status TerminalError(absl::Status status) {
  if (status.ok()) {
    // As controller-runtime's TerminalError(nil): still an error, still terminal.
    status = absl::InternalError("terminal error");
  }
  status.SetPayload(kTerminalPayloadUrl, absl::Cord("true"));
  return status;
}

bool IsTerminal(const absl::Status& status) {
  if (status.ok()) {
    return false;
  }
  if (status.code() == absl::StatusCode::kInvalidArgument) {
    return true;
  }
  return status.GetPayload(kTerminalPayloadUrl).has_value();
}

}  // namespace nxt::reconciler
