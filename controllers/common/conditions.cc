#include "controllers/common/conditions.h"

namespace nxt::controllers {
namespace {

constexpr char kSuspendedMessage[] = "suspended: no changes are made";

resources::Condition Cond(const char* type, bool status, const std::string& reason,
                          const std::string& message, absl::Time now) {
  return {type, status ? "True" : "False", reason, message, now};
}

}  // namespace

const char* OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kConverged:
      return "Converged";
    case Outcome::kProgressing:
      return "Progressing";
    case Outcome::kTransientError:
      return "TransientError";
    case Outcome::kStalled:
      return "Stalled";
    case Outcome::kSuspended:
      return "Suspended";
  }
  return "Unknown";
}

void SetConditions(const RoundOutcome& round, absl::Time now, resources::ObjectStatus& status) {
  const std::string& reason = round.reason;
  const std::string& ready_reason = round.ready_reason.empty() ? reason : round.ready_reason;
  const std::string& ready_message =
      round.ready_message.empty() ? round.message : round.ready_message;
  using resources::kConditionReady;
  using resources::kConditionReconciling;
  using resources::kConditionStalled;
  switch (round.outcome) {
    case Outcome::kConverged:
      status.SetCondition(Cond(kConditionReady, true, ready_reason, ready_message, now));
      status.SetCondition(Cond(kConditionReconciling, false, reason, "", now));
      status.SetCondition(Cond(kConditionStalled, false, reason, "", now));
      return;
    case Outcome::kProgressing:
    case Outcome::kTransientError:
      status.SetCondition(Cond(kConditionReady, false, ready_reason, ready_message, now));
      status.SetCondition(Cond(kConditionReconciling, true, reason, round.message, now));
      status.SetCondition(Cond(kConditionStalled, false, reason, "", now));
      return;
    case Outcome::kStalled:
      // The members run on as they were: Ready keeps what it said.
      if (status.FindCondition(kConditionReady) == nullptr) {
        status.SetCondition(Cond(kConditionReady, false, ready_reason, ready_message, now));
      }
      status.SetCondition(Cond(kConditionReconciling, false, reason, round.message, now));
      status.SetCondition(Cond(kConditionStalled, true, reason, round.message, now));
      return;
    case Outcome::kSuspended:
      status.SetCondition(Cond(kConditionReady, round.serving, ready_reason, ready_message, now));
      status.SetCondition(Cond(kConditionReconciling, false, reason, kSuspendedMessage, now));
      status.SetCondition(Cond(kConditionStalled, false, reason, "", now));
      return;
  }
}

void SetReplicaCounts(int64_t desired, int64_t ready, resources::ObjectStatus& status) {
  status.fields[kFieldDesiredReplicas] = desired;
  status.fields[kFieldReadyReplicas] = ready;
}

}  // namespace nxt::controllers
