// Per-key retry delays for the workqueue, as client-go's workqueue.RateLimiter.
#ifndef NXT_RECONCILER_RATE_LIMITER_H_
#define NXT_RECONCILER_RATE_LIMITER_H_

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "resources/object.h"

namespace nxt::reconciler {

// Thread-safe.
class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // Records one more failure of `key` and returns how long to wait before retrying it.
  virtual absl::Duration When(const resources::ObjectKey& key) = 0;
  // Stops tracking `key` (it succeeded): its next When starts from scratch.
  virtual void Forget(const resources::ObjectKey& key) = 0;
  // Failures of `key` recorded since its last Forget.
  virtual int NumRequeues(const resources::ObjectKey& key) const = 0;
};

// client-go's ItemExponentialFailureRateLimiter: the n-th failure of a key since its
// last Forget waits min * 2^(n-1), capped at max. Keys are independent. Thread-safe.
class ExponentialFailureRateLimiter : public RateLimiter {
 public:
  ExponentialFailureRateLimiter(absl::Duration min, absl::Duration max);

  absl::Duration When(const resources::ObjectKey& key) override;
  void Forget(const resources::ObjectKey& key) override;
  int NumRequeues(const resources::ObjectKey& key) const override;

 private:
  const absl::Duration min_;
  const absl::Duration max_;

  mutable absl::Mutex mu_;
  absl::flat_hash_map<resources::ObjectKey, int> failures_ ABSL_GUARDED_BY(mu_);
};

}  // namespace nxt::reconciler

#endif  // NXT_RECONCILER_RATE_LIMITER_H_
