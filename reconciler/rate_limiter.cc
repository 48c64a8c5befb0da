#include "reconciler/rate_limiter.h"

#include <cstdint>

namespace nxt::reconciler {

ExponentialFailureRateLimiter::ExponentialFailureRateLimiter(absl::Duration min, absl::Duration max)
    : min_(min), max_(max < min ? min : max) {}

absl::Duration ExponentialFailureRateLimiter::When(const resources::ObjectKey& key) {
  int exponent;
  {
    absl::MutexLock lock(&mu_);
    exponent = failures_[key]++;
  }
  // absl::Duration saturates to infinity on overflow, which the cap turns into max.
  if (exponent >= 62) {
    return max_;
  }
  const absl::Duration backoff = min_ * (int64_t{1} << exponent);
  return backoff > max_ ? max_ : backoff;
}

void ExponentialFailureRateLimiter::Forget(const resources::ObjectKey& key) {
  absl::MutexLock lock(&mu_);
  failures_.erase(key);
}

int ExponentialFailureRateLimiter::NumRequeues(const resources::ObjectKey& key) const {
  absl::MutexLock lock(&mu_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

}  // namespace nxt::reconciler
