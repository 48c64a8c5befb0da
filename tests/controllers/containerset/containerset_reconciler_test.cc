#include "controllers/containerset/containerset_reconciler.h"

#include <algorithm>
#include <boost/json.hpp>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/logging.h"
#include "controllers/common/secret_store.h"
#include "docker/container_cache.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reconciler/reconciler.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/fake_docker_client.h"
#include "tests/testing/fake_store.h"
#include "tests/testing/no_http_client.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace nxt::containerset {
namespace {

using ::nxt::testing::FakeDockerClient;
using ::nxt::testing::IsOk;
using ::nxt::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using M = FakeDockerClient::Method;

const resources::ObjectKey kKey{"ContainerSet", "default", "web"};
constexpr char kImage[] = "nxt/testapp:latest";

class ContainerSetReconcilerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    docker_.AddEventListener([this](const docker::Event& e) { cache_.Apply(e); });
    ASSERT_THAT(cache_.Resync(), IsOk());
    docker_.ResetCalls();
    SetLogLevel(LogLevel::kError);
  }

  static boost::json::object Spec(int replicas) {
    return {{"image", kImage}, {"replicas", replicas}};
  }
  static boost::json::object WithHealthcheck(boost::json::object spec) {
    spec["healthcheck"] = boost::json::object{{"command", boost::json::array{"true"}}};
    return spec;
  }
  static boost::json::object WithVolume(boost::json::object spec) {
    spec["volumes"] =
        boost::json::array{boost::json::object{{"name", "data"}, {"mountPath", "/data"}}};
    return spec;
  }

  void ApplySpec(boost::json::object spec) {
    resources::Object o;
    o.kind = resources::kContainerSetKind;
    o.metadata.name = kKey.name;
    o.metadata.namespace_ = kKey.namespace_;
    o.spec = std::move(spec);
    store_.Apply(std::move(o));
  }

  absl::StatusOr<reconciler::Result> Reconcile() { return reconciler_.Reconcile({kKey}); }

  // Reconciles until converged (Result{} with no requeue) or `rounds` run out.
  void Converge(int rounds = 10) {
    for (int i = 0; i < rounds; ++i) {
      absl::StatusOr<reconciler::Result> r = Reconcile();
      ASSERT_THAT(r, IsOk());
      if (r->requeue_after == absl::ZeroDuration() && !r->requeue) return;
    }
    FAIL() << "not converged after " << rounds << " reconciles";
  }

  int64_t Field(const std::string& name) {
    std::optional<resources::ObjectStatus> s = store_.GetStatus(kKey);
    if (!s.has_value() || !s->fields.contains(name)) return -1;
    return s->fields.at(name).as_int64();
  }
  std::string StringField(const std::string& name) {
    std::optional<resources::ObjectStatus> s = store_.GetStatus(kKey);
    if (!s.has_value() || !s->fields.contains(name)) return "";
    return std::string(s->fields.at(name).as_string());
  }
  std::string Condition(const char* type) {
    std::optional<resources::ObjectStatus> s = store_.GetStatus(kKey);
    const resources::Condition* c = s.has_value() ? s->FindCondition(type) : nullptr;
    return c == nullptr ? "" : c->status + "/" + c->reason;
  }
  std::string HashOf(const std::string& name) {
    auto c = docker_.GetContainer(name);
    return c.has_value() ? c->spec.labels.at(docker::kLabelConfigHash) : "";
  }
  std::string StateOf(const std::string& name) {
    auto c = docker_.GetContainer(name);
    return c.has_value() ? c->state : "absent";
  }
  int AllCalls() {
    int total = 0;
    for (int m = 0; m <= static_cast<int>(M::kStreamEvents); ++m) {
      total += docker_.calls(static_cast<M>(m));
    }
    return total;
  }

  ::nxt::testing::FakeClock clock_;
  FakeDockerClient docker_{&clock_};
  docker::ContainerCache cache_{docker_};
  ::nxt::testing::FakeStore store_{clock_};
  ::nxt::testing::TempDir state_;
  controllers::SecretStore secrets_{state_.path()};  // ContainerSet keeps none
  ::nxt::testing::NoHttpClient http_;
  ContainerSetReconciler reconciler_{{.store = store_,
                                      .docker = docker_,
                                      .cache = cache_,
                                      .secrets = secrets_,
                                      .http = http_,
                                      .clock = clock_,
                                      .allowed_host_path_roots = {"/srv/nxt"}},
                                     {.stop_timeout = absl::Seconds(1)}};
};

TEST_F(ContainerSetReconcilerTest, CreatesThreeRunningMembersAndWritesStatus) {
  ApplySpec(Spec(3));
  absl::StatusOr<reconciler::Result> r = Reconcile();
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->requeue_after, absl::ZeroDuration());  // no healthcheck: ready at once
  EXPECT_THAT(docker_.ContainerNames(), ElementsAre("web-0", "web-1", "web-2"));
  for (const char* n : {"web-0", "web-1", "web-2"}) EXPECT_EQ(StateOf(n), "running");
  EXPECT_THAT(docker_.NetworkNames(), ElementsAre("nxt-default-web"));
  EXPECT_EQ(Field("replicas"), 3);
  EXPECT_EQ(Field("readyReplicas"), 3);
  EXPECT_EQ(Field("updatedReplicas"), 3);
  EXPECT_EQ(StringField("ready"), "3/3");
  EXPECT_EQ(Condition(resources::kConditionReady), "True/Available");
  EXPECT_EQ(Condition(resources::kConditionReconciling), "False/Converged");
  EXPECT_EQ(store_.GetStatus(kKey)->observed_generation, 1);
  std::vector<reconciler::Event> events = store_.Events(kKey);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].reason, "Created");
}

TEST_F(ContainerSetReconcilerTest, SecondReconcileMakesNoDockerCallAndNoStatusWrite) {
  ApplySpec(Spec(3));
  Converge();
  docker_.ResetCalls();
  int writes = store_.status_writes();
  absl::StatusOr<reconciler::Result> r = Reconcile();
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->requeue_after, absl::ZeroDuration());
  EXPECT_EQ(AllCalls(), 0);
  EXPECT_EQ(store_.status_writes(), writes);
}

TEST_F(ContainerSetReconcilerTest, ScalesUpThenDownHighestFirstKeepingVolumes) {
  ApplySpec(WithVolume(Spec(3)));
  Converge();
  ApplySpec(WithVolume(Spec(5)));
  Converge();
  EXPECT_THAT(docker_.ContainerNames(), ElementsAre("web-0", "web-1", "web-2", "web-3", "web-4"));
  EXPECT_EQ(Condition(resources::kConditionReady), "True/Available");
  ApplySpec(WithVolume(Spec(2)));
  Converge();
  EXPECT_THAT(docker_.ContainerNames(), ElementsAre("web-0", "web-1"));
  std::vector<std::string> destroyed;
  for (const docker::Event& e : docker_.EventLog()) {
    if (e.action == "destroy") destroyed.push_back(e.attributes.at("name"));
  }
  EXPECT_THAT(destroyed, ElementsAre("web-4", "web-3", "web-2"));
  EXPECT_EQ(docker_.VolumeNames().size(), 5u);  // scale-down keeps every volume
  EXPECT_EQ(Field("replicas"), 2);
  EXPECT_EQ(store_.GetStatus(kKey)->observed_generation, 3);
  // Volumes were created with owner labels, not implicitly by Docker.
  EXPECT_EQ(docker_.VolumeLabels("nxt-default-web-4-data")->at(docker::kLabelName), "web");
}

TEST_F(ContainerSetReconcilerTest, ImageChangeRollsOneContainerAtATimeGatedOnHealth) {
  ApplySpec(WithHealthcheck(Spec(3)));
  Converge();
  const std::string old_hash = HashOf("web-0");
  docker_.SetDefaultHealth("starting");
  boost::json::object changed = WithHealthcheck(Spec(3));
  changed["image"] = "nxt/testapp:v2";
  ApplySpec(changed);
  auto outdated = [&] {
    int n = 0;
    for (const char* c : {"web-0", "web-1", "web-2"}) n += HashOf(c) == old_hash ? 1 : 0;
    return n;
  };
  for (int expected_outdated : {2, 1, 0}) {
    docker_.ResetCalls();
    absl::StatusOr<reconciler::Result> r = Reconcile();
    ASSERT_THAT(r, IsOk());
    EXPECT_GT(r->requeue_after, absl::ZeroDuration());
    EXPECT_EQ(docker_.calls(M::kCreateContainer), 1);
    EXPECT_EQ(outdated(), expected_outdated);
    EXPECT_EQ(Condition(resources::kConditionReady),
              expected_outdated > 0 ? "False/RollingUpdate" : "False/WaitingForReady");
    // While the new member is starting, further reconciles replace nothing.
    docker_.ResetCalls();
    ASSERT_THAT(Reconcile(), IsOk());
    EXPECT_EQ(docker_.calls(M::kCreateContainer), 0);
    EXPECT_EQ(outdated(), expected_outdated);
    for (const char* c : {"web-0", "web-1", "web-2"}) {
      if (HashOf(c) != old_hash && docker_.GetContainer(c)->health == "starting") {
        ASSERT_THAT(docker_.SetHealth(c, "healthy"), IsOk());
      }
    }
  }
  Converge();
  EXPECT_EQ(Condition(resources::kConditionReady), "True/Available");
  EXPECT_EQ(docker_.GetContainer("web-1")->spec.image, "nxt/testapp:v2");
  EXPECT_EQ(Field("updatedReplicas"), 3);
}

TEST_F(ContainerSetReconcilerTest, ContainerRemovedBehindItsBackIsRecreated) {
  ApplySpec(Spec(3));
  Converge();
  const std::string old_id = docker_.GetContainer("web-1")->id;
  ASSERT_THAT(docker_.RemoveBehindBack("web-1"), IsOk());
  Converge();
  ASSERT_EQ(StateOf("web-1"), "running");
  EXPECT_NE(docker_.GetContainer("web-1")->id, old_id);
  EXPECT_EQ(docker_.ContainerNames().size(), 3u);
}

TEST_F(ContainerSetReconcilerTest, ContainerStoppedBehindItsBackIsStartedAgain) {
  ApplySpec(Spec(2));
  Converge();
  const std::string id = docker_.GetContainer("web-0")->id;
  ASSERT_THAT(docker_.StopBehindBack("web-0"), IsOk());
  Converge();
  EXPECT_EQ(StateOf("web-0"), "running");
  EXPECT_EQ(docker_.GetContainer("web-0")->id, id);  // started, not replaced
}

// After an engine restart the engine may keep a stale task or endpoint of a stopped
// container and refuse every start of it: the member is removed (volume kept) and created
// again, instead of failing the same start forever.
TEST_F(ContainerSetReconcilerTest, AMemberTheEngineCannotStartIsRecreatedWithItsVolume) {
  ApplySpec(WithVolume(Spec(2)));
  Converge();
  const std::string id = docker_.GetContainer("web-0")->id;
  ASSERT_THAT(docker_.StopBehindBack("web-0"), IsOk());
  docker_.FailNext(M::kStartContainer, 1,
                   absl::InternalError("HTTP 500: task " + id + ": already exists"));
  EXPECT_THAT(Reconcile(), StatusIs(absl::StatusCode::kInternal, HasSubstr("already exists")));
  EXPECT_FALSE(docker_.GetContainer("web-0").has_value());
  Converge();
  ASSERT_EQ(StateOf("web-0"), "running");
  EXPECT_NE(docker_.GetContainer("web-0")->id, id);
  EXPECT_THAT(docker_.VolumeNames(),
              ElementsAre("nxt-default-web-0-data", "nxt-default-web-1-data"));
  // Any other start error leaves the container alone.
  const std::string kept = docker_.GetContainer("web-1")->id;
  ASSERT_THAT(docker_.StopBehindBack("web-1"), IsOk());
  docker_.FailNext(M::kStartContainer, 1, absl::InternalError("HTTP 500: no space left"));
  EXPECT_FALSE(Reconcile().ok());
  Converge();
  EXPECT_EQ(docker_.GetContainer("web-1")->id, kept);
}

TEST_F(ContainerSetReconcilerTest, DeletionRemovesContainersAndNetworkButKeepsVolumes) {
  ApplySpec(WithVolume(Spec(2)));
  Converge();
  ASSERT_THAT(store_.Delete(kKey), IsOk());
  ASSERT_THAT(Reconcile(), IsOk());
  EXPECT_THAT(docker_.ContainerNames(), IsEmpty());
  EXPECT_THAT(docker_.NetworkNames(), IsEmpty());
  EXPECT_THAT(docker_.VolumeNames(),
              ElementsAre("nxt-default-web-0-data", "nxt-default-web-1-data"));
  EXPECT_EQ(store_.Get(kKey), nullptr);  // finalized
  docker_.ResetCalls();
  ASSERT_THAT(Reconcile(), IsOk());  // absent and nothing left: no Docker call
  EXPECT_EQ(AllCalls(), 0);
}

TEST_F(ContainerSetReconcilerTest, DeletionWithDeletePolicyRemovesVolumes) {
  boost::json::object spec = WithVolume(Spec(2));
  spec["deletionPolicy"] = "Delete";
  ApplySpec(spec);
  Converge();
  ASSERT_THAT(store_.Delete(kKey), IsOk());
  ASSERT_THAT(Reconcile(), IsOk());
  EXPECT_THAT(docker_.ContainerNames(), IsEmpty());
  EXPECT_THAT(docker_.VolumeNames(), IsEmpty());
  EXPECT_EQ(store_.finalized(), 1);
}

TEST_F(ContainerSetReconcilerTest, SuspendLeavesDockerAlone) {
  ApplySpec(Spec(2));
  Converge();
  boost::json::object spec = Spec(4);
  spec["suspend"] = true;
  ApplySpec(spec);
  ASSERT_THAT(docker_.RemoveBehindBack("web-0"), IsOk());
  docker_.ResetCalls();
  absl::StatusOr<reconciler::Result> r = Reconcile();
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->requeue_after, absl::ZeroDuration());
  EXPECT_EQ(docker_.total_mutating_calls(), 0);
  EXPECT_THAT(docker_.ContainerNames(), ElementsAre("web-1"));
  EXPECT_EQ(StringField("summary"), "Suspended");
}

TEST_F(ContainerSetReconcilerTest, DockerFaultIsReturnedAnnotatedAndRetriedWithoutDuplicates) {
  ApplySpec(Spec(3));
  docker_.FailNext(M::kCreateContainer, 1,
                   absl::UnavailableError("docker create: HTTP 500: engine hiccup"));
  absl::StatusOr<reconciler::Result> r = Reconcile();
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kUnavailable,
                          HasSubstr("containerset default/web: create web-")));
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kUnavailable, HasSubstr("HTTP 500: engine hiccup")));
  EXPECT_FALSE(reconciler::IsTerminal(r.status()));
  EXPECT_EQ(docker_.ContainerNames().size(), 2u);
  EXPECT_EQ(Condition(resources::kConditionReady), "False/ReconcileError");
  std::vector<reconciler::Event> events = store_.Events(kKey);
  EXPECT_TRUE(std::any_of(events.begin(), events.end(), [](const reconciler::Event& e) {
    return e.type == "Warning" && e.reason == "ReconcileError";
  }));
  Converge();
  EXPECT_THAT(docker_.ContainerNames(), ElementsAre("web-0", "web-1", "web-2"));
  EXPECT_EQ(docker_.calls(M::kCreateContainer), 4);  // 3 + the one retry
}

TEST_F(ContainerSetReconcilerTest, StaleCacheCreateConflictResolvesWithoutDuplicates) {
  ApplySpec(Spec(2));
  Converge();
  cache_.Erase("web-1");  // the cache missed a container
  EXPECT_THAT(Reconcile(), StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("create web-1")));
  docker_.ResetCalls();
  Converge();
  EXPECT_EQ(docker_.total_mutating_calls(), 0);  // the conflict read it back into the cache
  EXPECT_THAT(docker_.ContainerNames(), ElementsAre("web-0", "web-1"));
}

TEST_F(ContainerSetReconcilerTest, StartFailureIsReportedAndRetried) {
  docker_.SetStartFailure("web-1", 3);
  ApplySpec(Spec(2));
  absl::StatusOr<reconciler::Result> r = Reconcile();
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kUnavailable, HasSubstr("start web-1: exited")));
  // A start failure is retried: a transient error (Stalled=False with its reason).
  EXPECT_EQ(Condition(resources::kConditionStalled), "False/StartFailed");
  EXPECT_EQ(Condition(resources::kConditionReconciling), "True/StartFailed");
  EXPECT_EQ(StateOf("web-1"), "exited");
  docker_.ClearStartFailures();
  Converge();
  EXPECT_EQ(StateOf("web-1"), "running");
  EXPECT_EQ(Condition(resources::kConditionStalled), "False/Converged");
}

TEST_F(ContainerSetReconcilerTest, InvalidSpecIsTerminalStalledAndTouchesNothing) {
  boost::json::object spec = Spec(2);
  spec["volumes"] = boost::json::array{
      boost::json::object{{"name", "etc"}, {"mountPath", "/x"}, {"hostPath", "/etc"}}};
  ApplySpec(spec);
  absl::StatusOr<reconciler::Result> r = Reconcile();
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument,
                          HasSubstr("spec.volumes[0].hostPath: /etc is not under")));
  EXPECT_TRUE(reconciler::IsTerminal(r.status()));
  EXPECT_EQ(Condition(resources::kConditionStalled), "True/InvalidSpec");
  EXPECT_EQ(AllCalls(), 0);
}

TEST_F(ContainerSetReconcilerTest, AStatusTheStoreRefusedIsRetriedNotOnlyLogged) {
  ApplySpec(Spec(1));
  store_.FailWrites(absl::InternalError("state directory: no space left on device"));
  absl::StatusOr<reconciler::Result> r = Reconcile();
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kInternal, HasSubstr("write status: state directory")));
  EXPECT_FALSE(reconciler::IsTerminal(r.status())) << "retried with backoff";
  EXPECT_FALSE(store_.GetStatus(kKey).has_value());
  store_.FailWrites(absl::OkStatus());
  Converge();
  EXPECT_EQ(Condition(resources::kConditionReady), "True/Available");
}

TEST_F(ContainerSetReconcilerTest, AStallWhoseStatusTheStoreRefusedIsRetried) {
  boost::json::object spec = Spec(1);
  spec["volumes"] = boost::json::array{
      boost::json::object{{"name", "etc"}, {"mountPath", "/x"}, {"hostPath", "/etc"}}};
  ApplySpec(spec);
  store_.FailWrites(absl::InternalError("state directory: read-only file system"));
  absl::StatusOr<reconciler::Result> r = Reconcile();
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kInternal,
                          HasSubstr("containerset default/web: write status: state directory")));
  EXPECT_FALSE(reconciler::IsTerminal(r.status()));
  store_.FailWrites(absl::OkStatus());
  EXPECT_TRUE(reconciler::IsTerminal(Reconcile().status()));
  EXPECT_EQ(Condition(resources::kConditionStalled), "True/InvalidSpec");
}

TEST_F(ContainerSetReconcilerTest, OrphansOfAnAbsentObjectAreRemovedVolumesKept) {
  ApplySpec(WithVolume(Spec(2)));
  Converge();
  store_.Finalize(kKey);  // gone from the store without a teardown
  ASSERT_THAT(Reconcile(), IsOk());
  EXPECT_THAT(docker_.ContainerNames(), IsEmpty());
  EXPECT_EQ(docker_.VolumeNames().size(), 2u);
}

TEST_F(ContainerSetReconcilerTest, DescribePlanListsTheNextActions) {
  ApplySpec(Spec(2));
  absl::StatusOr<std::vector<std::string>> plan = reconciler_.DescribePlan(*store_.Get(kKey));
  ASSERT_THAT(plan, IsOk());
  EXPECT_THAT(*plan, ElementsAre("create container web-0", "create container web-1"));
  EXPECT_EQ(AllCalls(), 0);
  Converge();
  plan = reconciler_.DescribePlan(*store_.Get(kKey));
  ASSERT_THAT(plan, IsOk());
  EXPECT_THAT(*plan, IsEmpty());
}

TEST_F(ContainerSetReconcilerTest, DockerEventsMapBackToTheirOwner) {
  ApplySpec(Spec(1));
  Converge();
  std::vector<docker::Event> log = docker_.EventLog();
  ASSERT_FALSE(log.empty());
  std::optional<resources::ObjectKey> owner = ContainerSetReconciler::OwnerKeyForEvent(log.back());
  ASSERT_TRUE(owner.has_value());
  EXPECT_EQ(*owner, kKey);
  EXPECT_FALSE(ContainerSetReconciler::OwnerKeyForEvent(docker::Event{}).has_value());
}

}  // namespace
}  // namespace nxt::containerset

namespace nxt::containerset {
namespace {

TEST_F(ContainerSetReconcilerTest, AForeignContainerHoldingTheNameIsRefusedAndLeftAlone) {
  docker::ContainerSpec foreign;
  foreign.name = "web-0";
  foreign.image = kImage;
  ASSERT_THAT(docker_.CreateContainer(foreign), IsOk());
  ApplySpec(Spec(1));
  absl::StatusOr<reconciler::Result> r = Reconcile();
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kFailedPrecondition,
                          HasSubstr("the name is taken by a container that nxt does not manage")));
  auto c = docker_.GetContainer("web-0");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->spec.labels.count(docker::kLabelManagedBy), 0u);  // untouched, not adopted
  EXPECT_EQ(docker_.calls(M::kRemoveContainer), 0);
}

TEST_F(ContainerSetReconcilerTest, ANetworkThatCannotBeCreatedStopsTheRoundBeforeAnyCreate) {
  docker_.FailNext(M::kCreateNetwork, 1, absl::UnavailableError("no address pool left"));
  ApplySpec(Spec(2));
  EXPECT_THAT(Reconcile(), StatusIs(absl::StatusCode::kUnavailable, HasSubstr("address pool")));
  EXPECT_EQ(docker_.calls(M::kCreateContainer), 0);
  EXPECT_THAT(docker_.ContainerNames(), IsEmpty());
  Converge();  // the next rounds succeed
  EXPECT_THAT(docker_.ContainerNames(), ElementsAre("web-0", "web-1"));
}

}  // namespace
}  // namespace nxt::containerset
