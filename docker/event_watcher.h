// Keeps a ContainerCache current from the engine's /events stream, surviving engine
// restarts. One background thread loops:
//   1. Resync the cache (one list call); on failure wait with backoff and retry;
//   2. on_resync() — the caller re-enqueues everything: a gap may have hidden events;
//   3. StreamEvents(since = just before that list) → change = cache.Apply(e), then
//      on_event(e, change): every event reaches the cache; the callback decides what
//      else it is worth (exec_*, attach and repeated health_status usually nothing);
//   4. when the stream breaks (Unavailable: engine restarted or gone), back off and
//      start again at 1. The backoff doubles from min to max, and is reset to min
//      after a stream that lived at least `backoff_max`.
// Events between the list and the stream start are replayed, never lost (replays are
// harmless: Apply is applied in order and converges to the engine's state).
//
//   EventWatcher watcher(docker, cache, {}, {.on_event = [&](const Event& e,
//                                                             const ContainerChange& c) { ... },
//                                           .on_resync = [&] { queue.AddAll(); }});
//   watcher.Start();
//   ...
//   watcher.Stop();  // joins in ≤ ~0.5 s unless a list call is in flight
//
// Callbacks run on the watcher thread, one at a time; they must not block for long and
// must not call Stop(). `client` and `cache` must outlive this object. connected() and
// resyncs() may be called from any thread. The destructor calls Stop().
#ifndef NXT_DOCKER_EVENT_WATCHER_H_
#define NXT_DOCKER_EVENT_WATCHER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "docker/container_cache.h"
#include "docker/docker_client.h"

namespace nxt::docker {

struct EventWatcherOptions {
  // Events filter; the default matches the cache's default selector.
  LabelSelector selector = {{kLabelManagedBy, kManagedByValue}};
  std::string event_type = "container";  // "" for every type
  absl::Duration backoff_min = absl::Milliseconds(100);
  absl::Duration backoff_max = absl::Seconds(5);
  // The stream starts this long before each list (covers the time the list takes).
  absl::Duration since_margin = absl::Seconds(1);
  const Clock* clock = nullptr;  // RealClock when null
};

struct EventWatcherCallbacks {
  // After cache.Apply(event), with what it changed.
  std::function<void(const Event&, const ContainerChange&)> on_event = nullptr;
  std::function<void()> on_resync = nullptr;  // after every successful Resync
};

class EventWatcher {
 public:
  using Options = EventWatcherOptions;
  using Callbacks = EventWatcherCallbacks;

  EventWatcher(DockerClient& client, ContainerCache& cache, Options options = {},
               Callbacks callbacks = {});
  ~EventWatcher();
  EventWatcher(const EventWatcher&) = delete;
  EventWatcher& operator=(const EventWatcher&) = delete;

  // Starts the thread (once; later calls do nothing).
  void Start();
  // Stops and joins the thread. Idempotent.
  void Stop();

  // True while the cache is synced and the events stream is open.
  bool connected() const { return connected_.load(); }
  // Successful resyncs so far (1 after start; +1 after each reconnect).
  int64_t resyncs() const { return resyncs_.load(); }

 private:
  void Run();
  // One resync + stream attempt; returns how long the stream lived (zero: no stream).
  absl::Duration RunOnce();
  // Waits `d` or until Stop(); returns false when stopping.
  bool Sleep(absl::Duration d);

  DockerClient& client_;
  ContainerCache& cache_;
  const Options options_;
  const Callbacks callbacks_;
  const Clock& clock_;

  std::atomic<bool> stop_{false};
  std::atomic<bool> connected_{false};
  std::atomic<int64_t> resyncs_{0};
  absl::Mutex mu_;  // for Sleep's wake-up on Stop
  absl::Mutex thread_mu_;
  std::thread thread_ ABSL_GUARDED_BY(thread_mu_);
};

}  // namespace nxt::docker

#endif  // NXT_DOCKER_EVENT_WATCHER_H_
