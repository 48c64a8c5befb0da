// The observed state of managed containers, fed by one list call plus the events
// stream, so a no-op resync of N objects costs one list call instead of N inspects.
//
//   ContainerCache cache(docker);               // selector io.nxt.managed-by=nxtd
//   NXT_RETURN_IF_ERROR(cache.Resync());         // one GET /containers/json
//   for (const auto& c : cache.List({{kLabelName, "web"}})) ...
//
// Rows come from the list call (Resync) and are then kept current by Apply(event) and
// by the controller's own writes (Upsert after create/start, Erase after remove).
// What events cannot tell, and so the cache does not know until the next Resync:
//   - the human `status` text beyond what an event implies: after `start` it reads "Up",
//     after `die` "Exited (<exitCode>)", after `health_status: X` "Up (X)" (so
//     ContainerSummary::Health() works); uptime is not tracked;
//   - `kill` does not change the state (the signal may be ignored; a `die` follows
//     when the process ends);
//   - restarts done by the engine's restart policy appear as die → start pairs;
//   - anything about containers whose labels do not match the selector;
//   - exit codes and the finish time beyond the status text (inspect for those).
// Events of unknown containers that match the selector add a row from the event's
// attributes (labels, name, image), so a container created during a gap appears.
// Resync lists without holding the lock and then swaps the snapshot in, so events or
// Upserts that land while the list call is in flight can be overwritten by the older
// snapshot; EventWatcher covers this by streaming from just before the list (the
// events are replayed after the swap).
// Thread-safe: every method may be called from any thread.
#ifndef NXT_DOCKER_CONTAINER_CACHE_H_
#define NXT_DOCKER_CONTAINER_CACHE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "docker/docker_client.h"
#include "docker/types.h"

namespace nxt::docker {

// True when every selector entry is in `labels` (an empty value: the key is present).
bool LabelsMatch(const LabelSelector& selector, const std::map<std::string, std::string>& labels);

// What one event did to the cache's row of its container: what a controller's predicate
// decides on (an event alone cannot say whether `health_status: healthy` repeats the
// health the container already had; the row before the event can).
struct ContainerChange {
  std::string action;        // the event's action without its detail: "health_status", "exec_start"
  std::string detail;        // after "action: " ("healthy"; the command of exec_*); "" otherwise
  bool known = false;        // the cache had a row for the container before the event
  std::string state_before;  // ContainerSummary::state; "" when there was no row
  std::string state_after;   // "" when there is no row after it (destroy, ignored)
  std::string health_before;  // ContainerSummary::Health(); "" without a check or a row
  std::string health_after;
};

// The list-call shape of an inspected container, for ContainerCache::Upsert after the
// caller's own create/start: state, and a status text that ContainerSummary::Health()
// reads the same way as the engine's.
ContainerSummary SummaryOf(const ContainerInfo& info);

class ContainerCache {
 public:
  // `client` must outlive this object.
  explicit ContainerCache(DockerClient& client,
                          LabelSelector selector = {{kLabelManagedBy, kManagedByValue}});
  ContainerCache(const ContainerCache&) = delete;
  ContainerCache& operator=(const ContainerCache&) = delete;

  // One ListContainers(selector); replaces the whole snapshot on success, keeps the old
  // one on error (and returns it: Unavailable when the engine is down).
  absl::Status Resync();
  // Number of list calls made by Resync.
  int64_t list_calls() const;
  // True once a Resync has succeeded.
  bool synced() const;

  // Rows whose labels match `selector` (the cache's own selector already applies),
  // sorted by name. Never calls the engine.
  std::vector<ContainerSummary> List(const LabelSelector& selector) const;
  // By name (without "/") or by full id.
  std::optional<ContainerSummary> Get(const std::string& name_or_id) const;

  // Folds one event in (non-container events and non-matching labels are ignored) and
  // says what it changed. Every event is folded in, whatever a controller makes of it.
  ContainerChange Apply(const Event& event);

  // Write-through for the caller's own actions, so it does not wait for the event.
  // Upsert needs row.id and labels matching the cache's selector (ignored otherwise); it
  // replaces a row of the same name.
  void Upsert(const ContainerSummary& row);
  void Erase(const std::string& name_or_id);

  const LabelSelector& selector() const { return selector_; }

 private:
  // The id of a row by id or name; "" when unknown.
  std::string FindIdLocked(const std::string& name_or_id) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ApplyLocked(const Event& event, const ContainerChange& change)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The indexes below follow by_id_: every row is entered after it is added or changed
  // and left before it is changed or removed.
  void IndexLocked(const ContainerSummary& row) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void UnindexLocked(const ContainerSummary& row) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void EraseLocked(const std::string& id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  DockerClient& client_;
  const LabelSelector selector_;

  mutable absl::Mutex mu_;
  std::map<std::string, ContainerSummary> by_id_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> with_health_ ABSL_GUARDED_BY(mu_);  // ids with a health check
  // name → ids (two only between a replacement and the old row's destroy event), and
  // owner (kind, namespace, name labels) → ids: a controller's List and Get touch only
  // its own rows, so a reconcile costs the same with 10 or 10,000 containers cached.
  std::map<std::string, std::set<std::string>> ids_by_name_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::set<std::string>> ids_by_owner_ ABSL_GUARDED_BY(mu_);
  int64_t list_calls_ ABSL_GUARDED_BY(mu_) = 0;
  bool synced_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace nxt::docker

#endif  // NXT_DOCKER_CONTAINER_CACHE_H_
