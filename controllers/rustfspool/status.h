// The status a RustFSPool reconcile writes: the pool's topology (from its recorded
// layout), nodes ready, buckets ready, each node and bucket (for `describe`), a one-word
// summary and the Ready / Reconciling / Stalled conditions. Never a key. Pure;
// thread-safe.
#ifndef NXT_CONTROLLERS_RUSTFSPOOL_STATUS_H_
#define NXT_CONTROLLERS_RUSTFSPOOL_STATUS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "controllers/common/member_plan.h"
#include "controllers/rustfspool/layout.h"
#include "controllers/rustfspool/plan.h"
#include "resources/object.h"
#include "resources/rustfspool.h"

namespace nxt::rustfspool {

inline constexpr char kReasonAvailable[] = "Available";
inline constexpr char kReasonCreating[] = "Creating";
inline constexpr char kReasonRollingUpdate[] = "RollingUpdate";
inline constexpr char kReasonRepairing[] = "Repairing";
inline constexpr char kReasonWaiting[] = "WaitingForNodes";
inline constexpr char kReasonBuckets[] = "ConfiguringBuckets";
inline constexpr char kReasonReconcileError[] = "ReconcileError";
inline constexpr char kReasonInvalidSpec[] = "InvalidSpec";
inline constexpr char kReasonTopologyImmutable[] = "TopologyImmutable";
inline constexpr char kReasonSuspended[] = "Suspended";

struct StatusInput {
  int64_t generation = 0;
  const PoolLayout* layout = nullptr;               // required
  const resources::RustFSPoolSpec* spec = nullptr;  // required
  std::vector<controllers::WantedMember> wanted;
  std::vector<controllers::SeenMember> seen;       // after this round's actions
  std::vector<controllers::MemberAction> actions;  // what this round did (or waits for)
  std::optional<BucketView> buckets;         // nullopt: not looked at this round (pool not ready)
  std::vector<BucketAction> bucket_actions;  // done (or tried) this round
  absl::Status error;
  absl::Time now = absl::InfinitePast();
  const resources::ObjectStatus* previous = nullptr;  // optional
};

// Fields: nodes, drivesPerNode, drives (nodes × drivesPerNode), volumes (RUSTFS_VOLUMES),
// ready ("3/4"), readyNodes, buckets ("1/1"), bucketsReady, bucketStatus [{name,
// versioning, ready}], members [{name, state, ready, upToDate}], summary. Bucket fields
// are carried over from `previous` when the buckets were not looked at this round.
resources::ObjectStatus BuildStatus(const StatusInput& in);

// Every node exists with its current hash and answers /health, and every bucket of the
// spec is ready.
bool Converged(const StatusInput& in);

}  // namespace nxt::rustfspool

#endif  // NXT_CONTROLLERS_RUSTFSPOOL_STATUS_H_
