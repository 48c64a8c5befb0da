// The one condition policy of every kind (docs/resources.md, "Conditions"): what a
// reconcile round came to decides Ready, Reconciling and Stalled, the same way for every
// kind, so an alert on any of them means one thing whatever the kind.
//
//   outcome          Ready                     Reconciling  Stalled
//   converged        True                      False        False
//   progressing      False                     True         False
//   transient error  False (the error)         True         False (its reason)
//   stalled          unchanged (False if none) False        True   (terminal / invalid spec)
//   suspended        True iff all ready        False        False  (reason Suspended)
//
// Every condition carries the round's reason; messages say what happens or what failed.
// Pure; thread-safe.
#ifndef NXT_CONTROLLERS_COMMON_CONDITIONS_H_
#define NXT_CONTROLLERS_COMMON_CONDITIONS_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "resources/object.h"

namespace nxt::controllers {

enum class Outcome {
  kConverged,       // the observed state is the desired one and every member is ready
  kProgressing,     // actions were taken or are awaited; the next round goes on
  kTransientError,  // the round failed and is retried with backoff (Docker, exec, probes)
  kStalled,         // nothing changes until the object does (invalid or refused spec)
  kSuspended,       // spec.suspend: no changes are made
};

// "Converged", "Progressing", "TransientError", "Stalled", "Suspended".
const char* OutcomeName(Outcome outcome);

struct RoundOutcome {
  Outcome outcome = Outcome::kProgressing;
  std::string reason = "";   // every condition's reason ("ScalingUp", "ReconcileError", ...)
  std::string message = "";  // the steps under way, or the error
  // Ready's own reason and message where they say more ("Available", "3/3 ready");
  // empty: `reason` and `message`.
  std::string ready_reason = "";
  std::string ready_message = "";
  bool serving = false;  // kSuspended only: Ready's value
};

// Sets the three conditions of `status` for `round` (each keeps its lastTransitionTime
// when its value does not change, as ObjectStatus::SetCondition does).
void SetConditions(const RoundOutcome& round, absl::Time now, resources::ObjectStatus& status);

// Status fields every kind reports, read by nxt_resource_replicas{state="desired|ready"}.
inline constexpr char kFieldDesiredReplicas[] = "desiredReplicas";
inline constexpr char kFieldReadyReplicas[] = "readyReplicas";

// Sets desiredReplicas and readyReplicas: the members the spec asks for (containers of
// every role) and those of them that are ready.
void SetReplicaCounts(int64_t desired, int64_t ready, resources::ObjectStatus& status);

}  // namespace nxt::controllers

#endif  // NXT_CONTROLLERS_COMMON_CONDITIONS_H_
