#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"
#include "reconciler/manager_impl.h"
#include "reconciler/metrics.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/status_matchers.h"

namespace nxt::reconciler {
namespace {

using resources::ObjectKey;
using testing::IsOk;
using testing::StatusIs;
using ::testing::UnorderedElementsAre;

// An in-memory Store with just what the manager uses: objects and listeners.
class FakeStore : public Store {
 public:
  resources::ObjectPtr Get(const ObjectKey& key) const override {
    absl::MutexLock lock(&mu_);
    auto it = objects_.find(key);
    return it == objects_.end() ? nullptr : it->second;
  }
  std::vector<resources::ObjectPtr> List(const std::string& kind) const override {
    absl::MutexLock lock(&mu_);
    std::vector<resources::ObjectPtr> out;
    for (const auto& [key, object] : objects_) {
      if (kind.empty() || key.kind == kind) {
        out.push_back(object);
      }
    }
    return out;
  }
  ApplyOutcome Apply(resources::Object object) override {
    const ObjectKey key = object.Key();
    {
      absl::MutexLock lock(&mu_);
      objects_[key] = std::make_shared<const resources::Object>(std::move(object));
    }
    Notify(key);
    return ApplyOutcome::kCreated;
  }
  absl::Status Delete(const ObjectKey& key) override {
    Notify(key);
    return absl::OkStatus();
  }
  void Finalize(const ObjectKey& key) override {
    absl::MutexLock lock(&mu_);
    objects_.erase(key);
  }
  void SetManifestErrors(const ObjectKey&, std::vector<resources::FieldError>) override {}
  std::vector<resources::FieldError> ManifestErrors(const ObjectKey&) const override { return {}; }
  std::optional<resources::ObjectStatus> GetStatus(const ObjectKey&) const override {
    return std::nullopt;
  }
  absl::Status UpdateStatus(const ObjectKey&, resources::ObjectStatus) override {
    return absl::OkStatus();
  }
  absl::Status RecordEvent(const ObjectKey&, const std::string&, const std::string&,
                           const std::string&) override {
    return absl::OkStatus();
  }
  std::vector<Event> Events(const ObjectKey&) const override { return {}; }
  void AddListener(Listener listener) override {
    absl::MutexLock lock(&mu_);
    listeners_.push_back(std::move(listener));
  }

 private:
  void Notify(const ObjectKey& key) {
    std::vector<Listener> listeners;
    {
      absl::MutexLock lock(&mu_);
      listeners = listeners_;
    }
    for (const Listener& listener : listeners) {
      listener(key);
    }
  }

  mutable absl::Mutex mu_;
  std::map<ObjectKey, resources::ObjectPtr> objects_ ABSL_GUARDED_BY(mu_);
  std::vector<Listener> listeners_ ABSL_GUARDED_BY(mu_);
};

resources::Object MakeObject(const std::string& kind, const std::string& name) {
  resources::Object object;
  object.kind = kind;
  object.metadata.name = name;
  return object;
}

// Records reconciled keys; thread-safe; lets a test wait for a count.
class RecordingReconciler : public Reconciler {
 public:
  absl::StatusOr<Result> Reconcile(const Request& request) override {
    absl::MutexLock lock(&mu_);
    seen_.push_back(request.key);
    return Result{};
  }
  std::vector<ObjectKey> AwaitSeen(size_t n) {
    absl::MutexLock lock(&mu_);
    auto enough = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return seen_.size() >= n; };
    mu_.Await(absl::Condition(&enough));
    return seen_;
  }

 private:
  absl::Mutex mu_;
  std::vector<ObjectKey> seen_ ABSL_GUARDED_BY(mu_);
};

ControllerOptions Options(const std::string& name, const std::string& kind) {
  ControllerOptions options;
  options.name = name;
  options.kind = kind;
  options.resync_period = absl::Minutes(10);
  return options;
}

class ManagerTest : public ::testing::Test {
 protected:
  ManagerTest() : manager_(clock_, store_, nullptr, ManagerImplOptions{.run_threads = false}) {}

  // Drains the controller's queue on this thread; returns the keys reconciled.
  std::vector<ObjectKey> Drain(const std::string& name) {
    Controller* controller = manager_.FindController(name);
    std::vector<ObjectKey> keys;
    while (controller->queue().Len() > 0) {
      std::optional<ObjectKey> key = controller->queue().Get();
      keys.push_back(*key);
      controller->queue().Done(*key);
    }
    return keys;
  }

  testing::FakeClock clock_;
  FakeStore store_;
  RecordingReconciler reconciler_;
  ManagerImpl manager_;
};

TEST_F(ManagerTest, StoreChangeEnqueuesTheKeyOnItsKindsController) {
  manager_.AddController(Options("containerset", "ContainerSet"), reconciler_);
  manager_.AddController(Options("galeracluster", "GaleraCluster"), reconciler_);
  store_.Apply(MakeObject("ContainerSet", "web"));
  store_.Apply(MakeObject("GaleraCluster", "db"));
  store_.Apply(MakeObject("Unknown", "x"));
  EXPECT_THAT(Drain("containerset"),
              UnorderedElementsAre(ObjectKey{"ContainerSet", "default", "web"}));
  EXPECT_THAT(Drain("galeracluster"),
              UnorderedElementsAre(ObjectKey{"GaleraCluster", "default", "db"}));
  EXPECT_THAT(store_.Delete({"ContainerSet", "default", "web"}), IsOk());
  EXPECT_EQ(Drain("containerset").size(), 1u);
}

TEST_F(ManagerTest, StartEnqueuesEveryStoredObjectThenIsReady) {
  store_.Apply(MakeObject("ContainerSet", "a"));
  store_.Apply(MakeObject("ContainerSet", "b"));
  store_.Apply(MakeObject("GaleraCluster", "db"));
  manager_.AddController(Options("containerset", "ContainerSet"), reconciler_);
  EXPECT_FALSE(manager_.Ready());
  manager_.Start();
  EXPECT_TRUE(manager_.Ready());
  EXPECT_THAT(Drain("containerset"),
              UnorderedElementsAre(ObjectKey{"ContainerSet", "default", "a"},
                                   ObjectKey{"ContainerSet", "default", "b"}));
  EXPECT_THAT(manager_.Stop(absl::Seconds(1)), IsOk());
  EXPECT_FALSE(manager_.Ready());
}

TEST_F(ManagerTest, EnqueueAndEnqueueAll) {
  manager_.AddController(Options("containerset", "ContainerSet"), reconciler_);
  store_.Apply(MakeObject("ContainerSet", "a"));
  Drain("containerset");
  manager_.Enqueue({"ContainerSet", "default", "from-docker-event"});
  manager_.Enqueue({"NoSuchKind", "default", "x"});  // ignored
  EXPECT_EQ(Drain("containerset").size(), 1u);
  manager_.EnqueueAll();
  EXPECT_THAT(Drain("containerset"),
              UnorderedElementsAre(ObjectKey{"ContainerSet", "default", "a"}));
}

TEST_F(ManagerTest, ResyncCallsBeforeResyncThenEnqueuesTheKind) {
  int before_resync_calls = 0;
  ControllerOptions options = Options("containerset", "ContainerSet");
  options.before_resync = [&] { ++before_resync_calls; };
  manager_.AddController(options, reconciler_);
  store_.Apply(MakeObject("ContainerSet", "a"));
  store_.Apply(MakeObject("ContainerSet", "b"));
  const absl::Time start = clock_.Now();
  EXPECT_EQ(manager_.NextResync("containerset"), absl::InfiniteFuture()) << "not started";
  manager_.Start();
  Drain("containerset");

  const absl::Time next = manager_.NextResync("containerset");
  EXPECT_GE(next, start + absl::Minutes(9));
  EXPECT_LE(next, start + absl::Minutes(11));
  clock_.Advance(absl::Minutes(8));
  EXPECT_EQ(manager_.RunDueResyncs(), 0);
  EXPECT_EQ(before_resync_calls, 0);

  clock_.Set(next);
  EXPECT_EQ(manager_.RunDueResyncs(), 1);
  EXPECT_EQ(before_resync_calls, 1);
  EXPECT_EQ(Drain("containerset").size(), 2u);
  const absl::Time after = manager_.NextResync("containerset");
  EXPECT_GE(after, next + absl::Minutes(9));
  EXPECT_LE(after, next + absl::Minutes(11));
  EXPECT_EQ(manager_.RunDueResyncs(), 0) << "one round per period";
}

TEST_F(ManagerTest, ResyncIsJitteredWithinTenPercent) {
  for (int i = 0; i < 20; ++i) {
    manager_.AddController(Options("c" + std::to_string(i), "K" + std::to_string(i)), reconciler_);
  }
  manager_.Start();
  std::set<absl::Time> distinct;
  for (int i = 0; i < 20; ++i) {
    const absl::Time next = manager_.NextResync("c" + std::to_string(i));
    EXPECT_GE(next, clock_.Now() + absl::Minutes(9));
    EXPECT_LE(next, clock_.Now() + absl::Minutes(11));
    distinct.insert(next);
  }
  EXPECT_GT(distinct.size(), 1u);
}

TEST_F(ManagerTest, ZeroResyncPeriodNeverResyncs) {
  ControllerOptions options = Options("containerset", "ContainerSet");
  options.resync_period = absl::ZeroDuration();
  manager_.AddController(options, reconciler_);
  manager_.Start();
  EXPECT_EQ(manager_.NextResync("containerset"), absl::InfiniteFuture());
  clock_.Advance(absl::Hours(100));
  EXPECT_EQ(manager_.RunDueResyncs(), 0);
}

TEST(ManagerThreadsTest, ReconcilesStoreChangesAndStopsCleanly) {
  FakeStore store;
  RecordingReconciler reconciler;
  prometheus::Registry registry;
  ControllerMetrics metrics(registry);
  std::unique_ptr<Manager> manager = NewManager(RealClock::Get(), store, &metrics);
  store.Apply(MakeObject("ContainerSet", "initial"));
  manager->AddController(Options("containerset", "ContainerSet"), reconciler);
  manager->Start();
  EXPECT_TRUE(manager->Ready());
  store.Apply(MakeObject("ContainerSet", "changed"));
  std::vector<ObjectKey> seen = reconciler.AwaitSeen(2);
  EXPECT_THAT(seen, ::testing::IsSupersetOf({ObjectKey{"ContainerSet", "default", "initial"},
                                             ObjectKey{"ContainerSet", "default", "changed"}}));
  EXPECT_THAT(manager->Stop(absl::Seconds(5)), IsOk());
  EXPECT_FALSE(manager->Ready());
  const std::string text = prometheus::TextSerializer().Serialize(registry.Collect());
  EXPECT_THAT(text,
              ::testing::HasSubstr(
                  "controller_runtime_max_concurrent_reconciles{controller=\"containerset\"} 2"));
}

// Blocks every Reconcile until released.
class StuckReconciler : public Reconciler {
 public:
  absl::StatusOr<Result> Reconcile(const Request&) override {
    entered_.Notify();
    release_.WaitForNotification();
    return Result{};
  }
  absl::Notification entered_;
  absl::Notification release_;
};

// A new T that is never destroyed but stays reachable (so not a leak): for objects an
// abandoned worker thread may still use after the test returns.
template <typename T>
T* NeverDestroyed() {
  static auto* all = new std::vector<std::unique_ptr<T>>();
  all->push_back(std::make_unique<T>());
  return all->back().get();
}

TEST(ManagerThreadsTest, StopReportsDeadlineExceededForStuckReconciles) {
  FakeStore store;
  auto* reconciler = NeverDestroyed<StuckReconciler>();
  auto manager = std::make_unique<ManagerImpl>(RealClock::Get(), store, nullptr);
  ControllerOptions options = Options("containerset", "ContainerSet");
  options.workers = 1;
  manager->AddController(options, *reconciler);
  manager->Start();
  store.Apply(MakeObject("ContainerSet", "slow"));
  reconciler->entered_.WaitForNotification();
  EXPECT_THAT(manager->Stop(absl::Milliseconds(10)),
              StatusIs(absl::StatusCode::kDeadlineExceeded, ::testing::HasSubstr("containerset")));
  manager.reset();
  reconciler->release_.Notify();
}

}  // namespace
}  // namespace nxt::reconciler
