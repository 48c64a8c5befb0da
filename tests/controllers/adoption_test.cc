#include "controllers/common/adoption.h"

#include <boost/json.hpp>
#include <string>

#include "absl/status/status.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "controllers/common/owner.h"
#include "controllers/common/secret_store.h"
#include "controllers/containerset/containerset_reconciler.h"
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

namespace nxt::controllers {
namespace {

using ::nxt::testing::FakeDockerClient;
using ::nxt::testing::IsOk;
using ::nxt::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Optional;
using ::testing::StartsWith;
using M = FakeDockerClient::Method;

const resources::ObjectKey kMine{"ContainerSet", "b", "c-a"};
const resources::ObjectKey kTheirs{"ContainerSet", "b-c", "a"};

class AdoptionTest : public ::testing::Test {
 protected:
  void TearDown() override { SetInstanceId(""); }

  FakeDockerClient docker_;
};

TEST_F(AdoptionTest, CreatesAMissingNetworkAndVolumeWithTheOwnersLabels) {
  ASSERT_THAT(EnsureOwnedNetwork(docker_, "nxt-b-c--a", OwnerLabels(kMine, "network")), IsOk());
  const Labels volume_labels = OwnerLabels(kMine, "volume", 0);
  ASSERT_THAT(EnsureOwnedVolume(docker_, "nxt-b-c--a-0-data", volume_labels), IsOk());
  EXPECT_THAT(docker_.NetworkNames(), ElementsAre("nxt-b-c--a"));
  EXPECT_THAT(docker_.VolumeLabels("nxt-b-c--a-0-data"), Optional(volume_labels));
  // Again: adopted by their labels, nothing created twice.
  EXPECT_THAT(EnsureOwnedNetwork(docker_, "nxt-b-c--a", OwnerLabels(kMine, "network")), IsOk());
  EXPECT_THAT(EnsureOwnedVolume(docker_, "nxt-b-c--a-0-data", volume_labels), IsOk());
  EXPECT_EQ(docker_.calls(M::kCreateVolume), 1);
}

TEST_F(AdoptionTest, ANetworkOfAnotherObjectIsRefusedAndLeftAlone) {
  const Labels theirs = OwnerLabels(kTheirs, "network");
  ASSERT_THAT(docker_.CreateNetwork("shared-name", theirs), IsOk());
  absl::Status s = EnsureOwnedNetwork(docker_, "shared-name", OwnerLabels(kMine, "network"));
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kFailedPrecondition,
                          HasSubstr("network shared-name belongs to ContainerSet b-c/a, not to "
                                    "ContainerSet b/c-a")));
  EXPECT_THAT(ConflictReason(s), Optional(std::string(kReasonNameConflict)));
  absl::StatusOr<docker::NetworkInfo> kept = docker_.InspectNetwork("shared-name");
  ASSERT_THAT(kept, IsOk());
  EXPECT_EQ(kept->labels, theirs);
  EXPECT_EQ(docker_.calls(M::kRemoveNetwork), 0);
}

TEST_F(AdoptionTest, AnUnlabelledVolumeIsRefusedWithHowToLabelIt) {
  ASSERT_THAT(docker_.CreateVolume("nxt-b-c--a-0-data", {}), IsOk());
  absl::Status s = EnsureOwnedVolume(docker_, "nxt-b-c--a-0-data", OwnerLabels(kMine, "volume", 0));
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kFailedPrecondition,
                          HasSubstr("volume nxt-b-c--a-0-data exists but nxt did not create it "
                                    "for ContainerSet b/c-a (it has no labels)")));
  EXPECT_THAT(s.message(), HasSubstr("docker volume create --label io.nxt.kind=ContainerSet"));
  EXPECT_THAT(s.message(), HasSubstr("--label io.nxt.name=c-a"));
  EXPECT_THAT(docker_.VolumeLabels("nxt-b-c--a-0-data"), Optional(Labels{}));
}

TEST_F(AdoptionTest, AVolumeLabelledForSomethingElseIsRefused) {
  ASSERT_THAT(docker_.CreateVolume("v", {{"com.example.app", "billing"}}), IsOk());
  EXPECT_THAT(EnsureOwnedVolume(docker_, "v", OwnerLabels(kMine, "volume", 0)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("its labels name no such nxt object")));
}

TEST_F(AdoptionTest, AVolumeOfTheSameObjectOfAnotherNxtdIsRefused) {
  SetInstanceId("aaaaaaaaaaaa");
  const Labels other_instance = OwnerLabels(kMine, "volume", 0);
  SetInstanceId("bbbbbbbbbbbb");
  ASSERT_THAT(docker_.CreateVolume("nxt-b-c--a-0-data", other_instance), IsOk());
  EXPECT_THAT(EnsureOwnedVolume(docker_, "nxt-b-c--a-0-data", OwnerLabels(kMine, "volume", 0)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("of another nxtd (instance aaaaaaaaaaaa)")));
}

TEST_F(AdoptionTest, ThisObjectsVolumeUnderTheLegacyNameIsNotReplacedByAnEmptyOne) {
  const Labels labels = OwnerLabels(kMine, "volume", 0);
  ASSERT_THAT(docker_.CreateVolume("nxt-b-c-a-0-data", labels), IsOk());  // the old name
  absl::Status s = EnsureOwnedVolume(docker_, VolumeName("b", "c-a", 0, "data"), labels);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kFailedPrecondition,
                          HasSubstr("volume nxt-b-c-a-0-data holds the data of ContainerSet b/c-a "
                                    "(ordinal 0) under the name an earlier nxt gave it")));
  EXPECT_THAT(s.message(), HasSubstr("docker volume rm nxt-b-c-a-0-data"));
  EXPECT_THAT(ConflictReason(s), Optional(std::string(kReasonLegacyVolume)));
  EXPECT_THAT(docker_.VolumeNames(), ElementsAre("nxt-b-c-a-0-data"));  // nothing new
  // Once the user made the new volume (with the labels), it is adopted.
  ASSERT_THAT(docker_.CreateVolume("nxt-b-c--a-0-data", labels), IsOk());
  EXPECT_THAT(EnsureOwnedVolume(docker_, "nxt-b-c--a-0-data", labels), IsOk());
}

TEST_F(AdoptionTest, AnotherObjectsVolumeUnderTheLegacyNameDoesNotBlock) {
  // b-c/a's volume: under the old scheme it had the name b/c-a wanted too.
  ASSERT_THAT(docker_.CreateVolume("nxt-b-c-a-0-data", OwnerLabels(kTheirs, "volume", 0)), IsOk());
  ASSERT_THAT(EnsureOwnedVolume(docker_, VolumeName("b", "c-a", 0, "data"),
                                OwnerLabels(kMine, "volume", 0)),
              IsOk());
  EXPECT_THAT(docker_.VolumeNames(), ElementsAre("nxt-b-c--a-0-data", "nxt-b-c-a-0-data"));
}

TEST_F(AdoptionTest, JoiningAnotherObjectsNetworkIsRefusedUsersNetworksAreFine) {
  ASSERT_THAT(docker_.CreateNetwork("backend", {}), IsOk());
  ASSERT_THAT(docker_.CreateNetwork("theirs", OwnerLabels(kTheirs, "network")), IsOk());
  ASSERT_THAT(docker_.CreateNetwork("mine", OwnerLabels(kMine, "network")), IsOk());
  EXPECT_THAT(CheckJoinableNetwork(docker_, kMine, "backend", "spec.networks[0]"), IsOk());
  EXPECT_THAT(CheckJoinableNetwork(docker_, kMine, "missing", "spec.networks[0]"), IsOk());
  EXPECT_THAT(CheckJoinableNetwork(docker_, kMine, "mine", "spec.networks[0]"), IsOk());
  absl::Status s = CheckJoinableNetwork(docker_, kMine, "theirs", "spec.networks[1]");
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kFailedPrecondition,
                          StartsWith("spec.networks[1]: network theirs is managed by nxt for "
                                     "ContainerSet b-c/a")));
  EXPECT_THAT(ConflictReason(s), Optional(std::string(kReasonForeignNetwork)));
}

TEST_F(AdoptionTest, TheReasonSurvivesAnnotation) {
  ASSERT_THAT(docker_.CreateVolume("v", {}), IsOk());
  absl::Status s =
      Annotate(EnsureOwnedVolume(docker_, "v", OwnerLabels(kMine, "volume", 0)), "create web-0");
  EXPECT_THAT(ConflictReason(s), Optional(std::string(kReasonNameConflict)));
  EXPECT_EQ(ConflictReason(absl::FailedPreconditionError("other")), std::nullopt);
}

// Through a reconciler: refusals stall the object, terminally, and touch nothing running.
class ContainerSetAdoptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    docker_.AddEventListener([this](const docker::Event& e) { cache_.Apply(e); });
    ASSERT_THAT(cache_.Resync(), IsOk());
    SetLogLevel(LogLevel::kError);
  }

  void Apply(boost::json::object spec) {
    resources::Object o;
    o.kind = resources::kContainerSetKind;
    o.metadata.name = kMine.name;
    o.metadata.namespace_ = kMine.namespace_;
    o.spec = std::move(spec);
    store_.Apply(std::move(o));
  }
  std::string Stalled() {
    std::optional<resources::ObjectStatus> s = store_.GetStatus(kMine);
    const resources::Condition* c =
        s.has_value() ? s->FindCondition(resources::kConditionStalled) : nullptr;
    return c == nullptr ? "" : absl::StrCat(c->status, "/", c->reason, ": ", c->message);
  }

  ::nxt::testing::FakeClock clock_;
  FakeDockerClient docker_{&clock_};
  docker::ContainerCache cache_{docker_};
  ::nxt::testing::FakeStore store_{clock_};
  ::nxt::testing::TempDir state_;
  SecretStore secrets_{state_.path()};  // ContainerSet keeps none
  ::nxt::testing::NoHttpClient http_;
  containerset::ContainerSetReconciler reconciler_{{.store = store_,
                                                    .docker = docker_,
                                                    .cache = cache_,
                                                    .secrets = secrets_,
                                                    .http = http_,
                                                    .clock = clock_},
                                                   {.stop_timeout = absl::Seconds(1)}};
};

TEST_F(ContainerSetAdoptionTest, SpecNetworksNamingAnotherObjectsNetworkStallsBeforeAnyCreate) {
  ASSERT_THAT(docker_.CreateNetwork("theirs", OwnerLabels(kTheirs, "network")), IsOk());
  Apply({{"image", "img"}, {"replicas", 1}, {"networks", boost::json::array{"theirs"}}});
  absl::StatusOr<reconciler::Result> r = reconciler_.Reconcile({kMine});
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("spec.networks[0]")));
  EXPECT_TRUE(reconciler::IsTerminal(r.status()));
  EXPECT_THAT(Stalled(), StartsWith("True/ForeignNetwork: spec.networks[0]: network theirs is "
                                    "managed by nxt for ContainerSet b-c/a"));
  EXPECT_EQ(docker_.calls(M::kCreateContainer), 0);
}

TEST_F(ContainerSetAdoptionTest, AForeignVolumeInTheWayOfAReplaceKeepsTheRunningMember) {
  boost::json::object spec{{"image", "img"}, {"replicas", 1}};
  ASSERT_THAT(reconciler_.Reconcile({kMine}), IsOk());  // no object yet: nothing
  Apply(spec);
  ASSERT_THAT(reconciler_.Reconcile({kMine}), IsOk());
  ASSERT_THAT(docker_.ContainerNames(), ElementsAre("c-a-0"));
  // The new spec mounts a volume whose name a hand-made volume holds.
  ASSERT_THAT(docker_.CreateVolume(VolumeName("b", "c-a", 0, "data"), {}), IsOk());
  spec["volumes"] =
      boost::json::array{boost::json::object{{"name", "data"}, {"mountPath", "/data"}}};
  Apply(spec);
  absl::StatusOr<reconciler::Result> r = reconciler_.Reconcile({kMine});
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_TRUE(reconciler::IsTerminal(r.status()));
  EXPECT_THAT(Stalled(), HasSubstr("True/NameConflict: volume nxt-b-c--a-0-data exists but nxt "
                                   "did not create it"));
  EXPECT_EQ(docker_.calls(M::kRemoveContainer), 0);
  ASSERT_TRUE(docker_.GetContainer("c-a-0").has_value());
  EXPECT_EQ(docker_.GetContainer("c-a-0")->state, "running");
}

}  // namespace
}  // namespace nxt::controllers
