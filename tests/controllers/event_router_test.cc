// ChangePredicate as a table (event → wake or not), and EventRouter fed by a real
// EventWatcher over the fake engine: exec and repeated health reports reach the cache but
// enqueue nothing; state changes enqueue the owner once.
#include "controllers/common/event_router.h"

#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "controllers/common/change_predicate.h"
#include "controllers/common/owner.h"
#include "docker/container_cache.h"
#include "docker/event_watcher.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "resources/containerset.h"
#include "tests/testing/fake_docker_client.h"

namespace nxt::controllers {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const resources::ObjectKey kWeb{resources::kContainerSetKind, "default", "web"};

docker::ContainerChange Change(const std::string& action, const std::string& health_before = "",
                               const std::string& health_after = "", bool known = true) {
  docker::ContainerChange c;
  c.action = action;
  c.known = known;
  c.state_before = c.state_after = known ? "running" : "";
  c.health_before = health_before;
  c.health_after = health_after;
  return c;
}

struct Row {
  docker::ContainerChange change;
  bool wakes;
};

TEST(ChangePredicateTest, DefaultWakesOnStateChangesOnly) {
  const std::vector<Row> table = {
      {Change("create", "", "", false), true},
      {Change("start"), true},
      {Change("restart"), true},
      {Change("die"), true},
      {Change("stop"), true},
      {Change("oom"), true},
      {Change("pause"), true},
      {Change("unpause"), true},
      {Change("rename"), true},
      {Change("update"), true},
      {Change("destroy"), true},
      {Change("kill"), false},  // the die that follows is the change
      {Change("exec_create"), false},
      {Change("exec_start"), false},
      {Change("exec_die"), false},
      {Change("exec_detach"), false},
      {Change("attach"), false},
      {Change("detach"), false},
      {Change("top"), false},
      {Change("resize"), false},
      {Change("commit"), false},
      {Change("copy"), false},
      {Change("archive-path"), false},
      {Change("extract-to-dir"), false},
      {Change("export"), false},
      {Change("health_status", "healthy", "healthy"), false},  // a repeat
      {Change("health_status", "unhealthy", "unhealthy"), false},
      {Change("health_status", "starting", "healthy"), true},
      {Change("health_status", "healthy", "unhealthy"), true},
      {Change("health_status", "", "healthy"), true},         // first report on a known row
      {Change("health_status", "", "healthy", false), true},  // a row made from the event
  };
  ChangePredicate predicate;
  for (const Row& row : table) {
    EXPECT_EQ(predicate.Wakes(row.change), row.wakes)
        << row.change.action << " " << row.change.health_before << " → " << row.change.health_after;
  }
}

TEST(ChangePredicateTest, AKindMayWidenOrNarrowIt) {
  ChangePredicate wide;
  wide.actions.insert("kill");
  wide.actions.insert("health_status");  // every probe
  EXPECT_TRUE(wide.Wakes(Change("kill")));
  EXPECT_TRUE(wide.Wakes(Change("health_status", "healthy", "healthy")));

  ChangePredicate narrow;
  narrow.actions = {"die", "destroy"};
  narrow.health_changes = false;
  EXPECT_TRUE(narrow.Wakes(Change("die")));
  EXPECT_FALSE(narrow.Wakes(Change("start")));
  EXPECT_FALSE(narrow.Wakes(Change("health_status", "healthy", "unhealthy")));
}

class EventRouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Register(resources::kContainerSetKind);
    docker::ContainerSpec spec;
    spec.name = "web-0";
    spec.image = "img";
    spec.labels = OwnerLabels(kWeb, "member", 0);
    spec.healthcheck = docker::Healthcheck{{"CMD", "true"}};
    ASSERT_TRUE(docker_.CreateContainer(spec).ok());
    docker_.SetDefaultHealth("starting");  // as the engine: the first probe reports healthy
    ASSERT_TRUE(docker_.StartContainer("web-0").ok());
    ASSERT_TRUE(docker_.SetHealth("web-0", "healthy").ok());
    watcher_.Start();
    // Create, start and starting → healthy (replayed from before the list) wake it.
    ASSERT_TRUE(WaitFor([&] { return router_.woken() >= 3; }));
    ASSERT_TRUE(WaitFor([&] { return cache_.Get("web-0").has_value(); }));
    absl::MutexLock lock(&mu_);
    offset_ = docker_.EventLog().size() - seen_;
    enqueued_.clear();
  }
  void TearDown() override { watcher_.Stop(); }

  static bool WaitFor(const std::function<bool()>& done) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (!done()) {
      if (absl::Now() > deadline) return false;
      absl::SleepFor(absl::Milliseconds(5));
    }
    return true;
  }
  // Waits until the watcher has handed over every event the fake emitted so far.
  void Drain() {
    const size_t n = docker_.EventLog().size();
    ASSERT_TRUE(WaitFor([&] {
      absl::MutexLock lock(&mu_);
      return seen_ + offset_ >= n;
    }));
  }
  std::vector<resources::ObjectKey> Enqueued() {
    absl::MutexLock lock(&mu_);
    return enqueued_;
  }
  void Clear() {
    absl::MutexLock lock(&mu_);
    enqueued_.clear();
  }

  nxt::testing::FakeDockerClient docker_;
  docker::ContainerCache cache_{docker_};
  absl::Mutex mu_;
  std::vector<resources::ObjectKey> enqueued_ ABSL_GUARDED_BY(mu_);
  size_t seen_ ABSL_GUARDED_BY(mu_) = 0;    // events handed to on_event
  size_t offset_ ABSL_GUARDED_BY(mu_) = 0;  // events the fake logged before the stream's `since`
  EventRouter router_{[this](const resources::ObjectKey& key) {
    absl::MutexLock lock(&mu_);
    enqueued_.push_back(key);
  }};
  docker::EventWatcher watcher_{
      docker_,
      cache_,
      {},
      {.on_event = [this](const docker::Event& e, const docker::ContainerChange& c) {
        (void)router_.Route(e, c);
        absl::MutexLock lock(&mu_);
        ++seen_;
      }}};
};

TEST_F(EventRouterTest, ExecEventsReachTheCacheButEnqueueNothing) {
  const int dropped = router_.dropped();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(docker_.Exec("web-0", {"mariadb", "-e", "SHOW STATUS"}, absl::Seconds(5), "").ok());
  }
  Drain();
  EXPECT_THAT(Enqueued(), IsEmpty());
  EXPECT_EQ(router_.dropped() - dropped, 15) << "exec_create, exec_start, exec_die × 5";
}

TEST_F(EventRouterTest, RepeatedHealthIsDroppedAndAChangeWakesOnce) {
  ASSERT_TRUE(docker_.ReportHealth("web-0").ok());  // healthy again, as after every probe
  ASSERT_TRUE(docker_.ReportHealth("web-0").ok());
  Drain();
  EXPECT_THAT(Enqueued(), IsEmpty());
  EXPECT_EQ(cache_.Get("web-0")->Health(), "healthy");

  ASSERT_TRUE(docker_.SetHealth("web-0", "unhealthy").ok());
  Drain();
  EXPECT_THAT(Enqueued(), ElementsAre(kWeb));
  EXPECT_EQ(cache_.Get("web-0")->Health(), "unhealthy") << "the cache follows every report";
  ASSERT_TRUE(docker_.ReportHealth("web-0").ok());
  Drain();
  EXPECT_THAT(Enqueued(), ElementsAre(kWeb));
}

TEST_F(EventRouterTest, KillWaitsForTheDieAndUnregisteredKindsAreNotWoken) {
  ASSERT_TRUE(docker_.StopBehindBack("web-0").ok());  // kill, die, stop
  Drain();
  EXPECT_THAT(Enqueued(), ElementsAre(kWeb, kWeb)) << "die and stop, not kill";

  Clear();
  docker::ContainerSpec other;
  other.name = "db-0";
  other.image = "img";
  other.labels = OwnerLabels({"OtherKind", "default", "db"}, "node", 0);
  ASSERT_TRUE(docker_.CreateContainer(other).ok());
  Drain();
  EXPECT_THAT(Enqueued(), IsEmpty()) << "no controller registered for the kind";
}

}  // namespace
}  // namespace nxt::controllers
