// The GaleraCluster controller.
//
// Reconcile(key): load the object (absent or being deleted → tear down: clean stop of
// every node, remove containers and network; volumes and secrets only with
// deletionPolicy: Delete; then Store::Finalize) → decode the spec (InvalidArgument →
// Stalled/InvalidSpec and a terminal error; the running nodes are left as they are) →
// secrets (root, user, health: SecretStore, generated once) → observe (ContainerCache
// for the node containers, one `docker exec mariadb` probe per running node; for a node
// that is not ready also inspect (StartedAt), `docker top` (an SST process) and `docker
// logs` since its start (galera_log.h); the data size from a ready node while a node
// could be judged stuck) → Plan (plan.h; pure) → status (before acting: a die shows in
// the ready count without waiting for the action) → act on the first action (actions
// change membership one node at a time) → status and events → requeue (every 30 s when
// Ready, so a node that degrades without a Docker event is still noticed; while
// converging every 2 s, and every 500 ms once a joining node's log says it has its state,
// so a rejoined node counts as ready within about a second of being Synced: plan.h
// PaceOf).
//
// Facts that must survive nxtd restarts: "bootstrapped" is written to a marker file
// under <state_dir>/galera/<namespace>/<name>/ BEFORE the bootstrap node starts, and to
// status; either one (or any existing node container) means the cluster must never be
// bootstrapped as new again. "provisioned" (users created) is in status; provisioning
// is idempotent.
//
// Errors come back annotated ("galeracluster default/db: join db-2: docker create ...")
// with their code kept (the workqueue retries with backoff). A recovery that finds no
// node that can bootstrap safely is FailedPrecondition and leaves everything stopped.
// Reconcile is the skeleton's (controllers/common/kind_reconciler.h), which adds the
// object prefix and stalls; the markers live under <KindDeps::state_dir>/galera/.
//
// Thread-safe: Reconcile may run concurrently for different keys (never for one key).
// The dependencies must outlive this object.
#ifndef NXT_CONTROLLERS_GALERACLUSTER_GALERA_RECONCILER_H_
#define NXT_CONTROLLERS_GALERACLUSTER_GALERA_RECONCILER_H_

#include <boost/json/object.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "controllers/common/kind_deps.h"
#include "controllers/common/kind_reconciler.h"
#include "controllers/common/secret_store.h"
#include "controllers/galeracluster/node_admin.h"
#include "controllers/galeracluster/plan.h"
#include "controllers/galeracluster/render.h"
#include "docker/container_cache.h"
#include "docker/docker_client.h"
#include "reconciler/reconciler.h"
#include "reconciler/store.h"
#include "resources/galeracluster.h"
#include "resources/object.h"

namespace nxt::galera {

// One round of one object: what it wants (Desire) and, as the round goes on, what it
// observed and did.
struct Round {
  resources::ObjectKey key;
  resources::GaleraClusterSpec spec;
  Passwords passwords;
  std::string config_hash;
  std::string provision_hash;          // what ProvisionSql would do now
  std::string applied_provision_hash;  // what it last did (status), set by kProvision
  PlanInput plan;
  // Set by actions, read by the status.
  bool bootstrapped_now = false;
  std::optional<boost::json::object> recovery;
};

class GaleraClusterReconciler : public controllers::KindReconciler<Round> {
 public:
  struct Options {
    // A running node that is not Primary+Synced this long with no progress (counted from
    // its start, or the last SST process seen in it; never while in a state transfer) is
    // restarted; with no Primary anywhere, recovery starts after it. See plan.h.
    absl::Duration grace = absl::Seconds(60);
    absl::Duration grace_per_gib = absl::Seconds(30);  // the grace grows with the data
    absl::Duration stop_timeout = absl::Seconds(120);  // a clean Galera leave
    absl::Duration requeue_while_converging = absl::Seconds(2);
    // While a node that is not ready yet has its state by its log (plan.h PaceOf).
    absl::Duration requeue_while_finishing = absl::Milliseconds(500);
    absl::Duration requeue_when_ready = absl::Seconds(30);
    NodeAdmin::Options admin;
  };

  GaleraClusterReconciler(const controllers::KindDeps& deps, Options options);

  // `nxtctl diff`: what the next round would do for `object`, as the plan describes it
  // (waits left out). Reads Docker and probes the running nodes as a round does, changes
  // nothing but generating missing secrets. InvalidArgument on an undecodable spec.
  absl::StatusOr<std::vector<std::string>> DescribePlan(const resources::Object& object);

  // The object a Docker event belongs to, from its labels.
  static std::optional<resources::ObjectKey> OwnerKeyForEvent(const docker::Event& event);

 private:
  absl::StatusOr<Round> Desire(const resources::Object& object) override;
  absl::StatusOr<reconciler::Result> Converge(const resources::Object& object, Round r) override;
  absl::StatusOr<reconciler::Result> Teardown(const resources::ObjectKey& key,
                                              const resources::Object* object) override;
  absl::Status Prepare(const resources::Object& object, Round& round);
  // probe: exec a wsrep probe in each running node; track: remember since when a node
  // is not ready (the heal grace period), off for read-only callers.
  void Observe(Round& round, bool probe, bool track);
  // For a running node that is not ready: its StartedAt (inspect), the SST process in it
  // (`docker top`) and its log since it started (`docker logs`), without exec.
  void ObserveJoining(const docker::ContainerSummary& c, ObservedNode& n);
  // Remembers the group UUID of each running node's current run (from its probe).
  void RememberRun(const resources::ObjectKey& key, const ObservedNode& n);
  // The runs of this object's nodes whose container has exited or is gone, as (node,
  // UUID); forgets those of removed nodes when the view no longer counts them.
  std::vector<std::pair<std::string, std::string>> DeadRuns(const Round& r, bool stale_view);
  // A node whose container has exited or is gone while a Ready survivor's view still
  // counts more members than run: its dead run is evicted from the view on every Ready
  // survivor at once (NodeAdmin::Evict), once, with an event. Galera would drop it only after its
  // inactive timeout (15 s), stalling writes meanwhile and keeping the restarted node out.
  void EvictDeadMembers(const Round& r);
  // Carries what earlier rounds saw of container `id` into `n` and, when `record`,
  // remembers what this round adds (the grace's start, the last SST process and log
  // progress, the last transfer's kind) and records the event of a (re)join's transfer
  // kind once per start.
  void Track(const resources::ObjectKey& key, const std::string& id, ObservedNode& n,
             absl::Time now, bool record);
  // True (once) for a node that turned ready before a round read its transfer kind from
  // its log; *started_at is the start whose log to read.
  bool NeedsFinalLog(const std::string& id, absl::Time* started_at);
  // PlanInput::data_bytes from a ready node, asked at most every 10 minutes and only
  // while a node could be judged stuck.
  void ObserveDataSize(Round& round);
  absl::Status Act(Round& round, const Action& action);
  // Before a round probes anything: a node the stored status counts as ready whose
  // container the cache shows stopped or gone is marked down (status.h MarkNodesDown).
  absl::Status ReportDownNodes(const resources::ObjectKey& key);
  // Builds the status from the round (its observation, plan and `error`) and stores it;
  // the store's error when it could not.
  absl::Status WriteStatus(const resources::Object& object, const Round& round,
                           const std::vector<Action>& actions, const absl::Status& error);

  // Actions (galera_actions.cc).
  absl::Status Bootstrap(Round& round);
  // The cluster's network and the node's data volume, created or adopted by their labels
  // (refused when another object holds the name: see controllers/common/adoption.h).
  absl::Status EnsureNodePrerequisites(Round& round, int ordinal);
  absl::Status CreateNode(Round& round, int ordinal, NodeMode mode);
  // my.cnf, health.cnf and sst.cnf into a created or stopped node container (before it
  // starts).
  absl::Status WriteNodeFiles(Round& round, int ordinal, const std::string& name);
  // my.cnf (the current member list) into every member container, running or not,
  // before a node joins and after one left. The list is read only when a server starts,
  // so it is left out of the config hash: a change of `replicas` restarts no member, and
  // the next start of any member (by the controller or by the engine's restart policy)
  // reads the current list.
  absl::Status WriteMemberConfigs(Round& r);
  // Whether member `ordinal` was observed as created and never started (or not at all).
  static bool NeverStarted(const Round& r, int ordinal);
  // Before a node joins: every bootstrap-mode node gets restart policy "no" (1 → N).
  absl::Status DisarmBootstrapNodes(Round& round);
  absl::Status StopNode(const std::string& name);
  absl::Status RemoveNode(const std::string& name);
  absl::Status StartNode(const std::string& name);
  absl::Status Recover(Round& round);

  bool MarkerExists(const resources::ObjectKey& key) const;
  absl::Status WriteMarker(const resources::ObjectKey& key);
  std::string MarkerPath(const resources::ObjectKey& key) const;
  void Event(const resources::ObjectKey& key, const std::string& type, const std::string& reason,
             const std::string& message);

  const std::string state_dir_;
  const Options options_;
  NodeAdmin admin_;

  // What rounds remember of a node container, for the next rounds.
  struct NodeTrack {
    resources::ObjectKey owner;
    absl::Time not_ready_since = absl::InfinitePast();  // first seen not ready (reset when ready)
    absl::Time transfer_seen = absl::InfinitePast();    // last seen with an SST process
    std::string progress;                               // the log's last progress line
    absl::Time progress_seen = absl::InfinitePast();    // when it last changed
    absl::Time started_at = absl::InfinitePast();       // the start the log facts are of
    std::string transfer;                               // "IST" / "SST" of that start
    std::string sst_reason;
    std::string recovered;        // the start script's recovered position
    bool reported = false;        // the transfer's event was recorded for that start
    bool final_log_read = false;  // read once more when it turned ready
  };
  // What this round's facts add to `t` (a new start resets the log facts).
  static void UpdateTrack(NodeTrack& t, const ObservedNode& n, absl::Time now);
  struct DataSize {
    int64_t bytes = 0;
    absl::Time at = absl::InfinitePast();
  };

  absl::Mutex mu_;
  // Container id → its record (dropped once the container is gone).
  std::map<std::string, NodeTrack> tracks_ ABSL_GUARDED_BY(mu_);
  std::map<resources::ObjectKey, DataSize> data_sizes_ ABSL_GUARDED_BY(mu_);
  // (object, node name) → the group UUID of the node's last run seen running.
  std::map<std::pair<resources::ObjectKey, std::string>, std::string> runs_ ABSL_GUARDED_BY(mu_);
};

}  // namespace nxt::galera

#endif  // NXT_CONTROLLERS_GALERACLUSTER_GALERA_RECONCILER_H_
