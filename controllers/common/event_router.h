// Routes the Docker events of managed containers to the controller of their owner's kind,
// through that kind's ChangePredicate: the glue between EventWatcher's on_event and the
// manager's Enqueue (controller-runtime's Watches(source, handler, predicates...)).
//
//   EventRouter router([&](const resources::ObjectKey& key) { manager.Enqueue(key); });
//   router.Register(resources::kContainerSetKind, ChangePredicate{});
//   callbacks.on_event = [&](const Event& e, const ContainerChange& c) { router.Route(e, c); };
//
// Events of containers no registered kind owns enqueue nothing. Thread-safe; `enqueue`
// is called on the thread that calls Route, without the router's lock held.
#ifndef NXT_CONTROLLERS_COMMON_EVENT_ROUTER_H_
#define NXT_CONTROLLERS_COMMON_EVENT_ROUTER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "controllers/common/change_predicate.h"
#include "docker/container_cache.h"
#include "docker/types.h"
#include "resources/object.h"

namespace nxt::controllers {

class EventRouter {
 public:
  using Enqueue = std::function<void(const resources::ObjectKey&)>;

  explicit EventRouter(Enqueue enqueue) : enqueue_(std::move(enqueue)) {}
  EventRouter(const EventRouter&) = delete;
  EventRouter& operator=(const EventRouter&) = delete;

  // The predicate of `kind`'s controller (a second call replaces the first).
  void Register(const std::string& kind, ChangePredicate predicate = {});

  // Enqueues the owner of `event`'s container when its kind is registered and the kind's
  // predicate wakes on `change`; returns the key enqueued, nullopt otherwise.
  std::optional<resources::ObjectKey> Route(const docker::Event& event,
                                            const docker::ContainerChange& change);

  // Events routed to a controller, and events of owned containers a predicate dropped.
  int64_t woken() const;
  int64_t dropped() const;

 private:
  const Enqueue enqueue_;
  mutable absl::Mutex mu_;
  std::map<std::string, ChangePredicate> predicates_ ABSL_GUARDED_BY(mu_);
  int64_t woken_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace nxt::controllers

#endif  // NXT_CONTROLLERS_COMMON_EVENT_ROUTER_H_
