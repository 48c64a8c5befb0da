#include "controllers/containerset/status.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "controllers/common/conditions.h"
#include "controllers/common/owner.h"

namespace nxt::containerset {
namespace {

struct Counts {
  int existing = 0;  // every member container, extras included
  int ready = 0;
  int updated = 0;
  int valid = 0;  // members with a wanted ordinal and name
};

Counts CountMembers(const DesiredState& d, const ObservedState& o) {
  Counts c;
  std::set<int> seen;
  for (const ObservedMember& m : o.members) {
    ++c.existing;
    bool valid = m.ordinal >= 0 && m.ordinal < d.replicas &&
                 m.name == controllers::ContainerName(d.name, m.ordinal) &&
                 seen.insert(m.ordinal).second;
    if (!valid) continue;
    ++c.valid;
    if (IsReady(m)) ++c.ready;
    if (m.config_hash == d.config_hash) ++c.updated;
  }
  return c;
}

// The reason the set is not converged yet, and a message for it.
std::pair<std::string, std::string> Progress(const DesiredState& d, const Counts& c) {
  std::string detail =
      absl::StrCat(c.updated, "/", d.replicas, " updated, ", c.ready, "/", d.replicas, " ready");
  if (c.valid > 0 && c.updated < c.valid) return {kReasonRollingUpdate, detail};
  if (c.existing > c.valid) return {kReasonScalingDown, detail};
  if (c.valid < d.replicas) return {kReasonScalingUp, detail};
  return {kReasonWaitingForReady, detail};
}

}  // namespace

bool Converged(const DesiredState& d, const ObservedState& o) {
  Counts c = CountMembers(d, o);
  return c.existing == d.replicas && c.valid == d.replicas && c.ready == d.replicas &&
         c.updated == d.replicas;
}

resources::ObjectStatus BuildStatus(const StatusInput& in) {
  const DesiredState& d = *in.desired;
  Counts c = CountMembers(d, *in.observed);
  const bool converged = Converged(d, *in.observed);
  resources::ObjectStatus s;
  if (in.previous != nullptr) s.conditions = in.previous->conditions;
  s.observed_generation = in.generation;
  controllers::RoundOutcome round;
  std::string summary;
  if (d.suspend) {
    summary = kReasonSuspended;
    round = {.outcome = controllers::Outcome::kSuspended,
             .reason = kReasonSuspended,
             .ready_reason = converged ? kReasonAvailable : kReasonSuspended,
             .ready_message = "suspended",
             .serving = converged};
  } else if (!in.start_failures.empty() || !in.error.ok()) {
    bool start_failed = !in.start_failures.empty();
    std::string reason = start_failed ? kReasonStartFailed : kReasonReconcileError;
    std::string message = start_failed ? absl::StrCat("exited right after start: ",
                                                      absl::StrJoin(in.start_failures, ", "))
                                       : std::string(in.error.message());
    summary = absl::StrCat(reason, ": ", message);
    round = {
        .outcome = controllers::Outcome::kTransientError, .reason = reason, .message = message};
  } else if (converged) {
    summary = kReasonAvailable;
    round = {.outcome = controllers::Outcome::kConverged,
             .reason = kReasonConverged,
             .ready_reason = kReasonAvailable,
             .ready_message = absl::StrCat(c.ready, "/", d.replicas, " ready")};
  } else {
    auto [reason, message] = Progress(d, c);
    summary = absl::StrCat(reason, " (", message, ")");
    round = {.outcome = controllers::Outcome::kProgressing, .reason = reason, .message = message};
  }
  controllers::SetConditions(round, in.now, s);
  s.fields["replicas"] = c.existing;
  s.fields["readyReplicas"] = c.ready;
  s.fields["updatedReplicas"] = c.updated;
  s.fields["desiredReplicas"] = d.replicas;
  s.fields["ready"] = absl::StrCat(c.ready, "/", d.replicas);
  s.fields["summary"] = summary;
  s.fields["configHash"] = d.config_hash.substr(0, 12);
  return s;
}

}  // namespace nxt::containerset
