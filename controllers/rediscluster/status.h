// The status a RedisCluster reconcile writes: counts read from the cluster itself, a
// one-line summary, the members (for `describe`) and the Ready / Reconciling / Stalled
// conditions. Pure; thread-safe.
#ifndef NXT_CONTROLLERS_REDISCLUSTER_STATUS_H_
#define NXT_CONTROLLERS_REDISCLUSTER_STATUS_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "controllers/rediscluster/plan.h"
#include "resources/object.h"

namespace nxt::rediscluster {

inline constexpr char kReasonAvailable[] = "Available";
inline constexpr char kReasonCreating[] = "Creating";
inline constexpr char kReasonScalingUp[] = "ScalingUp";
inline constexpr char kReasonScalingDown[] = "ScalingDown";
inline constexpr char kReasonRepairing[] = "Repairing";
inline constexpr char kReasonRollingUpdate[] = "RollingUpdate";
inline constexpr char kReasonWaiting[] = "Waiting";
inline constexpr char kReasonNodeDown[] = "NodeDown";
inline constexpr char kReasonFailingOver[] = "FailingOver";
inline constexpr char kReasonReconcileError[] = "ReconcileError";
inline constexpr char kReasonInvalidSpec[] = "InvalidSpec";
inline constexpr char kReasonSuspended[] = "Suspended";

struct StatusInput {
  int64_t generation = 0;
  const DesiredState* desired = nullptr;    // required
  const ObservedState* observed = nullptr;  // required; after this round's actions
  std::vector<Action> actions;              // what this round did (or waits for)
  absl::Status error;
  absl::Time now = absl::InfinitePast();
  const resources::ObjectStatus* previous = nullptr;  // optional
};

// Fields: ready ("6/6"), nodes, down (nodes 0..nodes-1 whose container exists but does
// not run), masters, replicas, slots ("16384/16384"), slotsAssigned, slotsOk, slotsFail
// (assigned but pfail/fail), clusterState ("ok", "fail", "-"), knownNodes, openSlots,
// ghosts (cluster members no container holds at all; a stopped node is down, not a
// ghost), summary, configHash (12 hex digits), members [{name, container, up, ready, id,
// role, master, slots, link, state, knownNodes}] (up: it answered; ready: counted in
// `ready`; link: the anchor's link-state to the node and its failure flags).
resources::ObjectStatus BuildStatus(const StatusInput& in);

// The status as the containers alone show it (`containers`: the cache, no node asked),
// for the reconciler to write before it probes the nodes (a probe may take seconds):
// the members of `previous` whose container of nodes 0..nodes-1 stopped or vanished are
// no longer up or ready, `ready` and `down` are recounted, Ready is False and Reconciling
// True with reason NodeDown naming them. nullopt when the containers show nothing that
// `previous` does not already say.
std::optional<resources::ObjectStatus> FactsStatus(const DesiredState& desired,
                                                   const ObservedState& containers,
                                                   const resources::ObjectStatus& previous,
                                                   absl::Time now);

// Every node 0..nodes-1 runs the current config and is a healthy member, the cluster is
// ok with all slots, masters and replicas as desired, and the plan is empty.
bool Converged(const DesiredState& desired, const ObservedState& observed);

}  // namespace nxt::rediscluster

#endif  // NXT_CONTROLLERS_REDISCLUSTER_STATUS_H_
