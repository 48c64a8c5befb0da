// The status a ContainerSet reconcile writes: counts, a one-line summary and the
// Ready / Reconciling / Stalled conditions. Pure; thread-safe.
#ifndef NXT_CONTROLLERS_CONTAINERSET_STATUS_H_
#define NXT_CONTROLLERS_CONTAINERSET_STATUS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "controllers/containerset/plan.h"
#include "resources/object.h"

namespace nxt::containerset {

// Condition reasons.
inline constexpr char kReasonAvailable[] = "Available";
inline constexpr char kReasonConverged[] = "Converged";
inline constexpr char kReasonScalingUp[] = "ScalingUp";
inline constexpr char kReasonScalingDown[] = "ScalingDown";
inline constexpr char kReasonRollingUpdate[] = "RollingUpdate";
inline constexpr char kReasonWaitingForReady[] = "WaitingForReady";
inline constexpr char kReasonStartFailed[] = "StartFailed";
inline constexpr char kReasonInvalidSpec[] = "InvalidSpec";
inline constexpr char kReasonReconcileError[] = "ReconcileError";
inline constexpr char kReasonSuspended[] = "Suspended";

struct StatusInput {
  int64_t generation = 0;
  const DesiredState* desired = nullptr;    // required
  const ObservedState* observed = nullptr;  // required; after this round's actions
  // Names of current-hash members that exited right after being started.
  std::vector<std::string> start_failures;
  absl::Status error;  // the round's Docker error, if any
  absl::Time now = absl::InfinitePast();
  // The status written last time (optional): conditions whose status does not change
  // keep their lastTransitionTime.
  const resources::ObjectStatus* previous = nullptr;
};

// Fields: replicas (member containers that exist), readyReplicas, updatedReplicas (current
// config hash), desiredReplicas, ready ("2/3"), summary ("Available", "RollingUpdate 1/3
// updated", ...), configHash (first 12 hex digits).
resources::ObjectStatus BuildStatus(const StatusInput& in);

// True when the observed state is exactly the desired one and every member is ready.
bool Converged(const DesiredState& desired, const ObservedState& observed);

}  // namespace nxt::containerset

#endif  // NXT_CONTROLLERS_CONTAINERSET_STATUS_H_
