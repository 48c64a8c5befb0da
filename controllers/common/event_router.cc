#include "controllers/common/event_router.h"

#include "controllers/common/owner.h"

namespace nxt::controllers {

void EventRouter::Register(const std::string& kind, ChangePredicate predicate) {
  absl::MutexLock lock(&mu_);
  predicates_[kind] = std::move(predicate);
}

std::optional<resources::ObjectKey> EventRouter::Route(const docker::Event& event,
                                                       const docker::ContainerChange& change) {
  std::optional<resources::ObjectKey> key = OwnerKeyForEvent(event);
  if (!key.has_value()) return std::nullopt;
  {
    absl::MutexLock lock(&mu_);
    auto it = predicates_.find(key->kind);
    if (it == predicates_.end()) return std::nullopt;
    if (!it->second.Wakes(change)) {
      ++dropped_;
      return std::nullopt;
    }
    ++woken_;
  }
  enqueue_(*key);
  return key;
}

int64_t EventRouter::woken() const {
  absl::MutexLock lock(&mu_);
  return woken_;
}

int64_t EventRouter::dropped() const {
  absl::MutexLock lock(&mu_);
  return dropped_;
}

}  // namespace nxt::controllers
