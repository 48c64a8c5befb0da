// Which changes of its containers wake a controller: controller-runtime's predicates
// (predicate.Funcs / ResourceVersionChangedPredicate) over what ContainerCache::Apply says
// one Docker event did. Every event still reaches the cache; a predicate only decides
// whether the owner is enqueued.
//
// The default wakes on state changes: create, start, restart, die, stop, oom, pause,
// unpause, rename, update, destroy, and a health_status whose health differs from the
// cached one. It ignores exec_*, attach, top, resize, commit, copy, archive-path,
// extract-to-dir, export, detach and every other action that leaves the container as it
// was (a reconcile that probes by `docker exec`, and every engine health probe, makes
// three exec events; waking on them fed a reconcile loop), a health_status that repeats
// the current health, and `kill`: a signal may be ignored, and the `die` that follows
// when the process ends is the state change.
//
//   ChangePredicate p;                       // the default
//   p.actions.insert("kill");                // a kind that wants signals too
//   if (p.Wakes(cache.Apply(event))) queue.Add(owner);
//
// A plain value; thread-safe for concurrent reads.
#ifndef NXT_CONTROLLERS_COMMON_CHANGE_PREDICATE_H_
#define NXT_CONTROLLERS_COMMON_CHANGE_PREDICATE_H_

#include <set>
#include <string>

#include "docker/container_cache.h"

namespace nxt::controllers {

// The actions the default predicate wakes on (without detail; health_status apart).
const std::set<std::string>& DefaultWakeActions();

struct ChangePredicate {
  // Actions that wake the controller whatever they changed.
  std::set<std::string> actions = DefaultWakeActions();
  // health_status wakes when the health after the event differs from the health before
  // it (starting → healthy, healthy → unhealthy, and the first report of a container
  // the cache did not know).
  bool health_changes = true;

  bool Wakes(const docker::ContainerChange& change) const;
};

}  // namespace nxt::controllers

#endif  // NXT_CONTROLLERS_COMMON_CHANGE_PREDICATE_H_
