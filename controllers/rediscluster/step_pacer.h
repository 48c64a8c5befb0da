// When the next round of a RedisCluster that is still converging runs: soon after a round
// that acted or saw the cluster move, then less and less often while it waits for the
// same thing. A step's effect (a container listening, a MEET gossiped, a slot map agreed,
// a replica promoted) shows within tens of milliseconds to a few seconds, and no Docker
// event announces it; a fixed 1–2 s period added up to a second to every step.
//
//   StepPacer pacer({absl::Milliseconds(50), absl::Seconds(1)});
//   absl::Duration d = pacer.Next(key, /*acted=*/false, "cache-3 not answering");
//   pacer.Forget(key);   // converged or gone: the periodic resync takes over
//
// Thread-safe.
#ifndef NXT_CONTROLLERS_REDISCLUSTER_STEP_PACER_H_
#define NXT_CONTROLLERS_REDISCLUSTER_STEP_PACER_H_

#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace nxt::rediscluster {

class StepPacer {
 public:
  struct Options {
    absl::Duration first = absl::Milliseconds(50);
    absl::Duration max = absl::Seconds(1);
  };

  explicit StepPacer(Options options);

  // The delay before the next round of `key`: `first` when the round acted or waits for
  // something else than the previous round of `key` did (`waiting_for`), else twice the
  // previous delay, at most `max`.
  absl::Duration Next(const std::string& key, bool acted, const std::string& waiting_for);
  // Drops what is kept for `key`: its next wait starts at `first` again.
  void Forget(const std::string& key);

 private:
  struct Pace {
    std::string waiting_for;
    absl::Duration delay;
  };

  const Options options_;
  absl::Mutex mu_;
  std::map<std::string, Pace> paces_ ABSL_GUARDED_BY(mu_);
};

}  // namespace nxt::rediscluster

#endif  // NXT_CONTROLLERS_REDISCLUSTER_STEP_PACER_H_
