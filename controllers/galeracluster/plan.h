// The GaleraCluster plan: a pure function from desired and observed state to the next
// step. Galera changes membership one node at a time, so a round yields at most one
// membership-changing action (deletion excepted). No I/O; table-tested.
//
// Rules, in order:
//   - deleting: remove every node (clean stop first), the network, and the volumes only
//     with deletionPolicy: Delete.
//   - suspend: nothing.
//   - never bootstrapped and no node exists: Bootstrap node 0 (initialise its data
//     directory, start it with --wsrep-new-cluster). This happens once per cluster: the
//     fact is recorded before the server starts.
//   - no Primary component anywhere: while a node is still settling (running, not
//     Primary, inside the grace period) wait; otherwise stop every running node, then
//     Recover (recovery.h decides which node bootstraps from the volumes).
//   - with a Primary component:
//       users not yet provisioned → Provision on a ready node;
//       a node settling (joining, donor, starting, inside the grace period) → wait;
//       a node not ready past the grace period and not in a state transfer → Restart
//         (a bootstrap-mode node with peers is Replaced in join mode instead);
//     "In a state transfer": the server says Joining or Donor, or `docker top` shows an
//     SST process (wsrep_sst_*, mariabackup, rsync) in the container; such a node is
//     never restarted, however long it takes. "Past the grace period" (stuck): not
//     ready, no transfer, and PlanInput::StuckLimit() (grace + grace_per_gib per GiB of
//     data) elapsed since ObservedNode::ProgressAt (the latest of the container's
//     StartedAt, the first time it was seen not ready, the last time an SST process was
//     seen in it, and the last new progress line of its log: a state change, an IST or
//     SST step, InnoDB start-up), so a restart, a transfer or any step forward starts it
//     anew. A node joining by its log (JOINER, no process) is restarted only when stuck.
//       a stopped member → Start (join mode, current hash) or Replace;
//       a missing member → Join, lowest ordinal first;
//       an extra node (ordinal >= replicas) → Leave (clean stop, remove; volume stays),
//         highest first, only while every member is ready;
//       an outdated member (config hash, or bootstrap mode with peers) → Replace, one at a
//         time, only while every member is ready and the cluster has exactly `replicas`
//         nodes.
#ifndef NXT_CONTROLLERS_GALERACLUSTER_PLAN_H_
#define NXT_CONTROLLERS_GALERACLUSTER_PLAN_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "controllers/galeracluster/galera_log.h"
#include "controllers/galeracluster/wsrep.h"

namespace nxt::galera {

struct DesiredCluster {
  int replicas = 0;
  std::string config_hash;
  bool suspend = false;
  bool deleting = false;
  bool delete_volumes = false;
};

struct ObservedNode {
  std::string name;
  int ordinal = -1;   // -1: label missing or unparsable
  std::string state;  // created, running, restarting, exited, dead, ...
  std::string config_hash;
  bool bootstrap_mode = false;
  std::optional<WsrepStatus> wsrep;  // nullopt: not running, or the probe got no answer
  // When this container was first seen running but not ready (InfinitePast: ready or
  // not running). A restart keeps the container id, so this may predate started_at.
  absl::Time not_ready_since = absl::InfinitePast();
  // The container's State.StartedAt (InfinitePast: unknown, or not inspected because the
  // node is ready). A restart moves it, and so restarts the grace period.
  absl::Time started_at = absl::InfinitePast();
  // The state transfer method whose process runs in the container now (`docker top`:
  // wsrep_sst_<method>, mariabackup, rsync), "" when none is visible.
  std::string transfer;
  // When a state transfer process was last seen in this container since it started
  // (InfinitePast: never).
  absl::Time transfer_seen = absl::InfinitePast();
  // What its log says since it started (read only while it is running and not ready).
  NodeLog log;
  // When the log's last progress line (NodeLog::progress) was first seen to change
  // (InfinitePast: never).
  absl::Time log_progress_seen = absl::InfinitePast();
  // How this container's last (re)join got its state: "IST", "SST" or "" (unknown),
  // and for an SST why IST could not serve. Kept once the node is ready.
  std::string last_transfer;
  std::string last_sst_reason;

  bool Running() const { return state == "running" || state == "restarting"; }
  bool Ready() const { return state == "running" && wsrep.has_value() && wsrep->Ready(); }
  // Receiving or giving a state transfer, by the server's word or by its processes.
  bool Transferring() const {
    return !transfer.empty() || (wsrep.has_value() && wsrep->InTransfer());
  }
  // Joining by its own log (connected, not yet Synced), or in a state transfer.
  bool Joining() const { return Transferring() || (!Ready() && log.Joining()); }
  // The latest sign of progress: the container (re)started, was first seen not ready,
  // last ran a state transfer process, or wrote a new progress line (galera_log.h). The
  // grace period counts from here.
  absl::Time ProgressAt() const;
  bool Primary() const {
    return state == "running" && wsrep.has_value() && wsrep->cluster_status == "Primary";
  }
};

struct PlanInput {
  DesiredCluster desired;
  std::vector<ObservedNode> nodes;
  std::vector<std::string> volumes;  // read only when deleting
  bool network_present = false;      // read only when deleting
  bool bootstrapped = false;
  bool provisioned = false;
  absl::Time now = absl::InfinitePast();
  // How long a running node may stay not ready with no progress (ProgressAt) before it is
  // restarted: `grace` plus `grace_per_gib` for each GiB of data (data_bytes, as a ready
  // node counts it; 0 when unknown). A node in a state transfer is never restarted.
  absl::Duration grace = absl::Seconds(60);
  absl::Duration grace_per_gib = absl::Seconds(30);
  int64_t data_bytes = 0;

  absl::Duration StuckLimit() const;
};

struct Action {
  enum class Type {
    kBootstrap,        // ordinal: first bootstrap of a new cluster
    kProvision,        // ordinal: create database and users through this node
    kJoin,             // ordinal: create and start a node in join mode
    kStart,            // ordinal
    kRestart,          // ordinal: clean stop, start
    kReplace,          // ordinal: clean stop, remove, create in the desired mode
    kLeave,            // ordinal: clean stop, remove; the volume stays
    kStopForRecovery,  // ordinal
    kRecover,          // choose the most advanced node and bootstrap it
    kWait,             // ordinal (or -1); reason says what for
    kRemove,           // ordinal (or -1 with name): deletion
    kRemoveNetwork,
    kRemoveVolume,  // name
  };
  Type type;
  int ordinal = -1;
  std::string name;    // container / volume name where meaningful
  std::string reason;  // for events, logs and `nxtctl diff`

  std::string Describe() const;
  friend bool operator==(const Action&, const Action&) = default;
};

const char* ActionTypeName(Action::Type type);

// Whether node `n` needs replacing: outdated hash, or its mode differs from the one a
// cluster of `replicas` runs (bootstrap only when replicas == 1).
bool Outdated(const ObservedNode& n, const DesiredCluster& desired);

std::vector<Action> Plan(const PlanInput& in);

// How soon a round should look again while the cluster is not Ready (the reconciler maps
// each to a duration): kFinishing when a running node that the probe did not see Synced
// has its state by its log (the SST script's "... completed on joiner", or JOINED or
// SYNCED): what is left is InnoDB's start and the catch-up, a few seconds, so the status
// can turn Ready within a fraction of a second of Synced; kConverging otherwise. Before
// that a joining node is looked at no more often than any converging cluster: every round
// probes every node by `docker exec`, and on a loaded 2-core host those execs compete
// with the SST script's start-up on both sides, which is most of a rejoin's time.
enum class Pace { kConverging, kFinishing };
Pace PaceOf(const PlanInput& in);

}  // namespace nxt::galera

#endif  // NXT_CONTROLLERS_GALERACLUSTER_PLAN_H_
