// The status a TalkBackend reconcile writes: ready counts per group, NATS routes, the
// TURN state, every member (for `describe`), a one-word summary and the Ready /
// Reconciling / Stalled conditions. Never a secret. Pure; thread-safe.
#ifndef NXT_CONTROLLERS_TALKBACKEND_STATUS_H_
#define NXT_CONTROLLERS_TALKBACKEND_STATUS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "controllers/talkbackend/plan.h"
#include "resources/object.h"
#include "resources/talkbackend.h"

namespace nxt::talkbackend {

inline constexpr char kReasonAvailable[] = "Available";
inline constexpr char kReasonCreating[] = "Creating";
inline constexpr char kReasonScalingUp[] = "ScalingUp";
inline constexpr char kReasonScalingDown[] = "ScalingDown";
inline constexpr char kReasonRollingUpdate[] = "RollingUpdate";
inline constexpr char kReasonRepairing[] = "Repairing";
inline constexpr char kReasonWaiting[] = "WaitingForReady";
inline constexpr char kReasonStartFailed[] = "StartFailed";
inline constexpr char kReasonReconcileError[] = "ReconcileError";
inline constexpr char kReasonInvalidSpec[] = "InvalidSpec";
inline constexpr char kReasonSuspended[] = "Suspended";

inline constexpr char kTurnDisabled[] = "Disabled";
inline constexpr char kTurnReady[] = "Ready";
inline constexpr char kTurnNotReady[] = "NotReady";

struct StatusInput {
  int64_t generation = 0;
  const resources::TalkBackendSpec* spec = nullptr;  // required
  const DesiredBackend* desired = nullptr;           // required
  const ObservedBackend* observed = nullptr;         // required; after this round's actions
  BackendPlan plan;                                  // what this round did (or waits for)
  absl::Status error;
  absl::Time now = absl::InfinitePast();
  const resources::ObjectStatus* previous = nullptr;  // optional
};

// Fields: signaling ("2/2"), signalingReady, nats ("3/3"), natsReady, natsRoutes ("6/6":
// routes between current nodes, out of n*(n-1)), turn (Ready, NotReady, Disabled),
// turnServers (what the signaling nodes hand out, when coturn is on), summary, members
// [{name, role, container, ready, upToDate, routes (NATS)}]. A member counts as ready
// when it runs the current config and its probe succeeded.
resources::ObjectStatus BuildStatus(const StatusInput& in);

// How long to wait before looking again at a backend that is still converging: a
// quarter of the time it has been Reconciling (its condition's lastTransitionTime),
// within [min, max]. Readiness comes from the services (routes, welcome, STUN), which
// Docker's events do not report: a fresh change is looked at often, a backend stuck for
// minutes (a port taken, a bad image) rarely.
absl::Duration RequeueWhileWaiting(const resources::ObjectStatus& status, absl::Time now,
                                   absl::Duration min, absl::Duration max);

}  // namespace nxt::talkbackend

#endif  // NXT_CONTROLLERS_TALKBACKEND_STATUS_H_
