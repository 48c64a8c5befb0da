#include "controllers/rediscluster/step_pacer.h"

#include <algorithm>
#include <utility>

namespace nxt::rediscluster {

StepPacer::StepPacer(Options options) : options_(options) {}

absl::Duration StepPacer::Next(const std::string& key, bool acted, const std::string& waiting_for) {
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = paces_.try_emplace(key, Pace{waiting_for, options_.first});
  Pace& pace = it->second;
  if (inserted || acted || pace.waiting_for != waiting_for) {
    pace = Pace{waiting_for, options_.first};
  } else {
    pace.delay = std::min(pace.delay * 2, options_.max);
  }
  return pace.delay;
}

void StepPacer::Forget(const std::string& key) {
  absl::MutexLock lock(&mu_);
  paces_.erase(key);
}

}  // namespace nxt::rediscluster
