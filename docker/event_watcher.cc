#include "docker/event_watcher.h"

#include <algorithm>

#include "common/logging.h"

namespace nxt::docker {

EventWatcher::EventWatcher(DockerClient& client, ContainerCache& cache, Options options,
                           Callbacks callbacks)
    : client_(client),
      cache_(cache),
      options_(std::move(options)),
      callbacks_(std::move(callbacks)),
      clock_(options_.clock != nullptr ? *options_.clock : RealClock::Get()) {}

EventWatcher::~EventWatcher() { Stop(); }

void EventWatcher::Start() {
  absl::MutexLock lock(&thread_mu_);
  if (thread_.joinable() || stop_.load()) return;
  thread_ = std::thread([this] { Run(); });
}

void EventWatcher::Stop() {
  {
    absl::MutexLock lock(&mu_);  // Sleep's condition is re-checked on release
    stop_.store(true);
  }
  absl::MutexLock lock(&thread_mu_);
  if (thread_.joinable()) thread_.join();
  connected_.store(false);
}

bool EventWatcher::Sleep(absl::Duration d) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(
                           +[](std::atomic<bool>* stop) { return stop->load(); }, &stop_),
                       d);
  return !stop_.load();
}

void EventWatcher::Run() {
  absl::Duration backoff = options_.backoff_min;
  while (!stop_.load()) {
    absl::Duration streamed_for = RunOnce();
    if (stop_.load()) break;
    // A stream that lived a while was a healthy connection: reconnect fast. One that
    // fails at once (or a failing list) backs off, so a sick engine is not hammered.
    backoff = streamed_for >= options_.backoff_max ? options_.backoff_min
                                                   : std::min(backoff * 2, options_.backoff_max);
    if (!Sleep(backoff)) break;
  }
  connected_.store(false);
}

absl::Duration EventWatcher::RunOnce() {
  absl::Time since = clock_.Now() - options_.since_margin;
  if (absl::Status s = cache_.Resync(); !s.ok()) {
    Log(LogLevel::kWarning, "docker", "resync failed, retrying",
        {{"error", std::string(s.message())}});
    return absl::ZeroDuration();
  }
  resyncs_.fetch_add(1);
  connected_.store(true);
  if (callbacks_.on_resync) callbacks_.on_resync();
  absl::Time stream_start = clock_.Now();
  absl::Status s = client_.StreamEvents(
      options_.selector, options_.event_type, since,
      [this](const Event& e) {
        ContainerChange change = cache_.Apply(e);
        if (callbacks_.on_event) callbacks_.on_event(e, change);
      },
      stop_);
  connected_.store(false);
  if (!stop_.load()) {
    Log(LogLevel::kWarning, "docker", "events stream ended, reconnecting",
        {{"error", s.ok() ? std::string("closed") : std::string(s.message())}});
  }
  return clock_.Now() - stream_start;
}

}  // namespace nxt::docker
