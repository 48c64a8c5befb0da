// EventWatcher against a mocked engine: the loop's order (resync → on_resync → stream),
// reconnects after a broken stream, and a prompt Stop. Threads, but no sleeps: the test
// waits on conditions with generous timeouts.
#include "docker/event_watcher.h"

#include <atomic>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/mocks/docker/mock_docker_client.h"
#include "tests/testing/fake_clock.h"

namespace nxt::docker {
namespace {

using ::testing::_;
using ::testing::Invoke;
using ::testing::NiceMock;
using ::testing::Return;

// Blocks like a healthy stream until told to stop.
absl::Status StreamUntilStopped(const std::atomic<bool>& stop) {
  while (!stop.load()) {
    absl::SleepFor(absl::Milliseconds(5));  // stands in for the engine's idle stream
  }
  return absl::OkStatus();
}

class EventWatcherTest : public ::testing::Test {
 protected:
  // Waits (bounded) until `pred` holds; re-checks whenever the log changes and at least
  // every 10 ms (the watcher's own state, connected(), changes outside mu_).
  bool WaitFor(const std::function<bool()>& pred) {
    absl::Time deadline = absl::Now() + absl::Seconds(10);
    absl::MutexLock lock(&mu_);
    while (!pred()) {
      if (absl::Now() > deadline) return false;
      mu_.AwaitWithTimeout(absl::Condition(&pred), absl::Milliseconds(10));
    }
    return true;
  }
  void Note(const std::string& what) {
    absl::MutexLock lock(&mu_);
    log_.push_back(what);
  }
  std::vector<std::string> Log() {
    absl::MutexLock lock(&mu_);
    return log_;
  }
  size_t Count(const std::string& what) {
    auto log = Log();
    return std::count(log.begin(), log.end(), what);
  }

  NiceMock<MockDockerClient> docker_;
  ContainerCache cache_{docker_};
  nxt::testing::FakeClock clock_;
  absl::Mutex mu_;
  std::vector<std::string> log_ ABSL_GUARDED_BY(mu_);
};

TEST_F(EventWatcherTest, ResyncsThenStreamsAndFeedsTheCache) {
  absl::Time listed_at = clock_.Now();
  EXPECT_CALL(docker_, ListContainers(_)).WillRepeatedly(Invoke([&](const LabelSelector&) {
    Note("list");
    return std::vector<ContainerSummary>{};
  }));
  EXPECT_CALL(docker_, StreamEvents(_, "container", listed_at - absl::Seconds(1), _, _))
      .WillOnce(Invoke([&](const LabelSelector&, const std::string&, absl::Time,
                           const std::function<void(const Event&)>& on_event,
                           const std::atomic<bool>& stop) {
        Note("stream");
        Event e;
        e.type = "container";
        e.action = "start";
        e.actor_id = "c1";
        e.attributes = {{kLabelManagedBy, kManagedByValue}, {"name", "web-0"}};
        on_event(e);
        return StreamUntilStopped(stop);
      }));
  EventWatcher watcher(docker_, cache_, {.clock = &clock_},
                       {.on_event =
                            [&](const Event& e, const ContainerChange&) {
                              EXPECT_TRUE(cache_.Get(e.actor_id).has_value()) << "applied first";
                              Note("event");
                            },
                        .on_resync = [&] { Note("resync"); }});
  watcher.Start();
  ASSERT_TRUE(WaitFor([&] { return log_.size() >= 4; }));
  EXPECT_THAT(Log(), ::testing::ElementsAre("list", "resync", "stream", "event"));
  EXPECT_TRUE(watcher.connected());
  EXPECT_EQ(cache_.Get("web-0")->state, "running");
  absl::Time before = absl::Now();
  watcher.Stop();
  EXPECT_LT(absl::Now() - before, absl::Seconds(1));
  EXPECT_FALSE(watcher.connected());
}

TEST_F(EventWatcherTest, ReconnectsAndResyncsAfterABrokenStreamOrADownEngine) {
  std::atomic<int> lists{0};
  EXPECT_CALL(docker_, ListContainers(_)).WillRepeatedly(Invoke([&](const LabelSelector&) {
    Note("list");
    // The second list finds the engine still down; the third succeeds.
    if (++lists == 2)
      return absl::StatusOr<std::vector<ContainerSummary>>(absl::UnavailableError("down"));
    return absl::StatusOr<std::vector<ContainerSummary>>(std::vector<ContainerSummary>{});
  }));
  std::atomic<int> streams{0};
  EXPECT_CALL(docker_, StreamEvents)
      .WillRepeatedly(
          Invoke([&](const LabelSelector&, const std::string&, absl::Time,
                     const std::function<void(const Event&)>&, const std::atomic<bool>& stop) {
            Note("stream");
            if (++streams == 1) return absl::UnavailableError("docker events: stream ended");
            return StreamUntilStopped(stop);
          }));
  EventWatcher watcher(docker_, cache_,
                       {.backoff_min = absl::Milliseconds(1), .backoff_max = absl::Milliseconds(4)},
                       {.on_resync = [&] { Note("resync"); }});
  watcher.Start();
  ASSERT_TRUE(WaitFor([&] { return streams >= 2 && watcher.connected(); }));
  EXPECT_THAT(Log(), ::testing::ElementsAre("list", "resync", "stream", "list", "list", "resync",
                                            "stream"));
  EXPECT_EQ(watcher.resyncs(), 2);
  EXPECT_EQ(cache_.list_calls(), 3);
  watcher.Stop();
  watcher.Stop();  // idempotent
}

TEST_F(EventWatcherTest, StopInterruptsTheBackoff) {
  EXPECT_CALL(docker_, ListContainers(_)).WillRepeatedly(Invoke([&](const LabelSelector&) {
    Note("list");
    return absl::StatusOr<std::vector<ContainerSummary>>(absl::UnavailableError("down"));
  }));
  EventWatcher watcher(docker_, cache_,
                       {.backoff_min = absl::Seconds(30), .backoff_max = absl::Seconds(60)});
  watcher.Start();
  ASSERT_TRUE(WaitFor([&] { return !log_.empty(); }));
  absl::Time before = absl::Now();
  watcher.Stop();
  EXPECT_LT(absl::Now() - before, absl::Seconds(1));
  EXPECT_EQ(Count("list"), 1u);
  EXPECT_FALSE(watcher.connected());
}

}  // namespace
}  // namespace nxt::docker
