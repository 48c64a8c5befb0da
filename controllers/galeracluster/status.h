// The status a GaleraCluster reconcile writes: node states, readiness, the recorded
// bootstrap and provisioning facts, the last recovery decision, a summary and the
// Ready / Reconciling / Stalled conditions. Never holds a secret. Pure; thread-safe.
#ifndef NXT_CONTROLLERS_GALERACLUSTER_STATUS_H_
#define NXT_CONTROLLERS_GALERACLUSTER_STATUS_H_

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "controllers/galeracluster/plan.h"
#include "resources/object.h"

namespace nxt::galera {

// Status field names the controller reads back (facts that must survive nxtd restarts).
inline constexpr char kFieldBootstrapped[] = "bootstrapped";
inline constexpr char kFieldProvisioned[] = "provisioned";      // bool: provisionHash is current
inline constexpr char kFieldProvisionHash[] = "provisionHash";  // ProvisionHash last applied
inline constexpr char kFieldLastRecovery[] = "lastRecovery";
inline constexpr char kFieldRecoveries[] = "recoveries";

struct StatusInput {
  int64_t generation = 0;
  const PlanInput* plan = nullptr;  // required: desired, observed nodes, facts
  std::vector<Action> actions;      // this round's plan
  absl::Status error;               // this round's error, if any
  absl::Time now = absl::InfinitePast();
  const resources::ObjectStatus* previous = nullptr;  // optional
  // Set by this round (override `previous`): recorded facts and a new recovery.
  bool bootstrapped = false;
  bool provisioned = false;    // the database and users match the spec and secrets
  std::string provision_hash;  // ProvisionHash last applied ("" when never)
  const boost::json::object* recovery = nullptr;
  std::string config_hash;
};

// True when every member is Primary+Synced, all share one cluster state UUID, the
// cluster size equals replicas, and there is nothing left to change.
bool ClusterReady(const PlanInput& in);

resources::ObjectStatus BuildStatus(const StatusInput& in);

// The stored status with the nodes of `down` (name → Docker state: "exited", "dead", ...,
// or "missing") no longer ready: their node entries, readyReplicas, ready, and the Ready
// (False) and Reconciling (True) conditions. Written from the container cache alone
// before a round probes anything, so a die shows within the event's latency. nullopt
// when no node `previous` counts as ready is down (nothing to change).
std::optional<resources::ObjectStatus> MarkNodesDown(const resources::ObjectStatus& previous,
                                                     const std::map<std::string, std::string>& down,
                                                     absl::Time now);

// A recorded fact of a stored status (null: none): false / "" when absent or mistyped.
bool StatusBool(const resources::ObjectStatus* status, const char* field);
std::string StatusString(const resources::ObjectStatus* status, const char* field);

}  // namespace nxt::galera

#endif  // NXT_CONTROLLERS_GALERACLUSTER_STATUS_H_
