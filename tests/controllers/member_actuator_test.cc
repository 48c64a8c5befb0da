#include "controllers/common/member_actuator.h"

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/logging.h"
#include "controllers/common/owner.h"
#include "docker/container_cache.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/fake_docker_client.h"
#include "tests/testing/fake_store.h"
#include "tests/testing/status_matchers.h"

namespace nxt::controllers {
namespace {

using ::nxt::testing::FakeDockerClient;
using ::nxt::testing::IsOk;
using ::nxt::testing::StatusIs;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using M = FakeDockerClient::Method;
using T = MemberAction::Type;

const resources::ObjectKey kKey{"TalkBackend", "default", "talk"};

class MemberActuatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    docker_.AddEventListener([this](const docker::Event& e) { cache_.Apply(e); });
    ASSERT_THAT(cache_.Resync(), IsOk());
    SetLogLevel(LogLevel::kError);
    resources::Object owner;  // events are recorded on objects the store holds
    owner.kind = kKey.kind;
    owner.metadata.namespace_ = kKey.namespace_;
    owner.metadata.name = kKey.name;
    store_.Apply(owner);
  }

  // A member on the owner's network with a data volume and a secret file.
  static RenderedMember Member(int ordinal, const std::string& hash = "h1") {
    RenderedMember m;
    m.spec.name = "talk-nats-" + std::to_string(ordinal);
    m.spec.image = "nxt/nats:2";
    m.spec.labels = OwnerLabels(kKey, "nats", ordinal);
    m.spec.labels[docker::kLabelConfigHash] = hash;
    m.spec.networks = {NetworkName(kKey.namespace_, kKey.name)};
    m.spec.mounts = {{docker::Mount::Type::kVolume,
                      VolumeName(kKey.namespace_, kKey.name, ordinal, "data"), "/data", false}};
    m.files = {{"/etc/nxt/nats.conf", "port: 4222\n", 0644}, {"/etc/nxt/secret", "s3cr3t", 0600}};
    return m;
  }

  MemberOutcome Run(const std::vector<MemberAction>& actions,
                    const std::vector<RenderedMember>& members) {
    std::map<std::string, RenderedMember> by_name;
    for (const RenderedMember& m : members) by_name[m.spec.name] = m;
    MemberActuator actuator(docker_, cache_, store_, kKey, Options());
    return actuator.Run(actions, by_name);
  }

  static MemberActuator::Options Options() {
    MemberActuator::Options options;
    options.component = "test";
    return options;
  }

  std::vector<std::string> EventReasons() {
    std::vector<std::string> out;
    for (const reconciler::Event& e : store_.Events(kKey)) out.push_back(e.reason);
    return out;
  }

  nxt::testing::FakeClock clock_;
  FakeDockerClient docker_{&clock_};
  docker::ContainerCache cache_{docker_};
  nxt::testing::FakeStore store_{clock_};
};

TEST_F(MemberActuatorTest, CreateMakesNetworkAndVolumeWritesFilesBeforeStart) {
  MemberOutcome out =
      Run({{T::kCreate, "talk-nats-0"}, {T::kCreate, "talk-nats-1"}}, {Member(0), Member(1)});
  ASSERT_THAT(out.error, IsOk());
  EXPECT_EQ(out.changes, 2);
  EXPECT_THAT(docker_.NetworkNames(), Contains("nxt-default-talk"));
  EXPECT_THAT(docker_.VolumeNames(), Contains("nxt-default-talk-1-data"));
  std::optional<std::map<std::string, std::string>> labels =
      docker_.VolumeLabels("nxt-default-talk-1-data");
  ASSERT_TRUE(labels.has_value());
  EXPECT_THAT(*labels, Contains(Pair(docker::kLabelOrdinal, "1")));
  std::optional<FakeDockerClient::Container> c = docker_.GetContainer("talk-nats-1");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->state, "running");
  EXPECT_THAT(c->files, Contains(Pair("/etc/nxt/secret", Pair("s3cr3t", 0600))));
  ASSERT_TRUE(cache_.Get("talk-nats-1").has_value()) << "written through to the cache";
  EXPECT_EQ(cache_.Get("talk-nats-1")->state, "running");
  EXPECT_THAT(EventReasons(), ElementsAre("Created", "Created"));
}

TEST_F(MemberActuatorTest, TheNetworkIsMadeOnceBeforeConcurrentCreates) {
  // The Engine accepts two networks of one name when two creates race (found with
  // RustFSPool's four concurrent creates): the owner's network comes first, alone.
  docker_.FailNext(M::kCreateNetwork, 1, absl::UnavailableError("engine busy"));
  MemberOutcome out =
      Run({{T::kCreate, "talk-nats-0"}, {T::kCreate, "talk-nats-1"}}, {Member(0), Member(1)});
  EXPECT_THAT(out.error,
              StatusIs(absl::StatusCode::kUnavailable,
                       HasSubstr("create talk-nats-0: create network nxt-default-talk")));
  EXPECT_THAT(docker_.ContainerNames(), IsEmpty()) << "no create without the network";
  EXPECT_EQ(docker_.calls(M::kCreateNetwork), 1);
  EXPECT_THAT(EventReasons(), ElementsAre("ReconcileError"));

  ASSERT_THAT(
      Run({{T::kCreate, "talk-nats-0"}, {T::kCreate, "talk-nats-1"}}, {Member(0), Member(1)}).error,
      IsOk());
  std::vector<std::string> order;
  for (const docker::Event& e : docker_.EventLog()) {
    if (e.action == "create") order.push_back(e.type);
  }
  ASSERT_FALSE(order.empty());
  EXPECT_EQ(order.front(), "network");
}

TEST_F(MemberActuatorTest, AFailedFileWriteLeavesNoHalfConfiguredMember) {
  docker_.FailNext(M::kPutFile, 1, absl::UnavailableError("engine gone"));
  MemberOutcome out = Run({{T::kCreate, "talk-nats-0"}}, {Member(0)});
  EXPECT_THAT(out.error, StatusIs(absl::StatusCode::kUnavailable, HasSubstr("create talk-nats-0")));
  EXPECT_FALSE(docker_.GetContainer("talk-nats-0").has_value());
  EXPECT_THAT(EventReasons(), ElementsAre("ReconcileError"));
}

TEST_F(MemberActuatorTest, ReplaceRecreatesWithTheNewHashAndKeepsTheVolume) {
  ASSERT_THAT(Run({{T::kCreate, "talk-nats-0"}}, {Member(0)}).error, IsOk());
  const std::string old_id = docker_.GetContainer("talk-nats-0")->id;
  MemberOutcome out = Run({{T::kReplace, "talk-nats-0"}}, {Member(0, "h2")});
  ASSERT_THAT(out.error, IsOk());
  std::optional<FakeDockerClient::Container> c = docker_.GetContainer("talk-nats-0");
  ASSERT_TRUE(c.has_value());
  EXPECT_NE(c->id, old_id);
  EXPECT_EQ(c->spec.labels.at(docker::kLabelConfigHash), "h2");
  EXPECT_THAT(docker_.VolumeNames(), Contains("nxt-default-talk-0-data"));
}

TEST_F(MemberActuatorTest, BeforeCreateRefusalTouchesNeitherTheNewNorTheRunningMember) {
  ASSERT_THAT(Run({{T::kCreate, "talk-nats-0"}}, {Member(0)}).error, IsOk());
  const std::string old_id = docker_.GetContainer("talk-nats-0")->id;
  MemberActuator::Options options = Options();
  std::vector<std::string> checked;
  options.before_create = [&checked](const docker::ContainerSpec& spec) {
    checked.push_back(spec.name);
    return spec.name == "talk-nats-0" || spec.name == "talk-nats-1"
               ? absl::InvalidArgumentError("spec.drives[0].hostPath: /x: refused")
               : absl::OkStatus();
  };
  std::map<std::string, RenderedMember> members = {
      {"talk-nats-0", Member(0, "h2")}, {"talk-nats-1", Member(1)}, {"talk-nats-2", Member(2)}};
  docker_.ResetCalls();
  MemberActuator actuator(docker_, cache_, store_, kKey, options);
  MemberOutcome out = actuator.Run(
      {{T::kReplace, "talk-nats-0"}, {T::kCreate, "talk-nats-1"}, {T::kCreate, "talk-nats-2"}},
      members);
  EXPECT_THAT(out.refused,
              StatusIs(absl::StatusCode::kInvalidArgument, "spec.drives[0].hostPath: /x: refused"));
  EXPECT_THAT(out.error, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("refused")));
  EXPECT_EQ(out.changes, 1) << "only talk-nats-2 was made";
  EXPECT_THAT(checked,
              ::testing::UnorderedElementsAre("talk-nats-0", "talk-nats-1", "talk-nats-2"));
  EXPECT_EQ(docker_.GetContainer("talk-nats-0")->id, old_id) << "the running one stays";
  EXPECT_EQ(docker_.calls(M::kStopContainer), 0);
  EXPECT_EQ(docker_.calls(M::kRemoveContainer), 0);
  EXPECT_FALSE(docker_.GetContainer("talk-nats-1").has_value());
  EXPECT_TRUE(docker_.GetContainer("talk-nats-2").has_value());
}

TEST_F(MemberActuatorTest, StartAndRemoveAndNotFoundCountsAsDone) {
  ASSERT_THAT(
      Run({{T::kCreate, "talk-nats-0"}, {T::kCreate, "talk-nats-1"}}, {Member(0), Member(1)}).error,
      IsOk());
  ASSERT_THAT(docker_.StopBehindBack("talk-nats-0"), IsOk());
  MemberOutcome out =
      Run({{T::kStart, "talk-nats-0"}, {T::kRemove, "talk-nats-1"}, {T::kRemove, "gone"}}, {});
  ASSERT_THAT(out.error, IsOk());
  EXPECT_EQ(docker_.GetContainer("talk-nats-0")->state, "running");
  EXPECT_FALSE(docker_.GetContainer("talk-nats-1").has_value());
  EXPECT_FALSE(cache_.Get("talk-nats-1").has_value());
  EXPECT_THAT(docker_.VolumeNames(), Contains("nxt-default-talk-1-data")) << "volumes stay";
}

TEST_F(MemberActuatorTest, AStartMeetingARemovalInProgressIsNotAnError) {
  ASSERT_THAT(Run({{T::kCreate, "talk-nats-0"}}, {Member(0)}).error, IsOk());
  ASSERT_THAT(docker_.StopBehindBack("talk-nats-0"), IsOk());
  docker_.FailNext(M::kStartContainer, 1,
                   absl::FailedPreconditionError(
                       "docker start talk-nats-0: HTTP 409: container is marked for removal and "
                       "cannot be started"));
  MemberOutcome out = Run({{T::kStart, "talk-nats-0"}}, {});
  EXPECT_THAT(out.error, IsOk()) << "`docker rm -f` is under way; its destroy event follows";
  EXPECT_THAT(EventReasons(), ElementsAre("Created", "Started"));
}

TEST_F(MemberActuatorTest, RefusesANameTakenByAContainerItDoesNotOwn) {
  docker::ContainerSpec foreign;
  foreign.name = "talk-nats-0";
  foreign.image = "busybox";
  ASSERT_TRUE(docker_.CreateContainer(foreign).ok());
  MemberOutcome out = Run({{T::kCreate, "talk-nats-0"}}, {Member(0)});
  EXPECT_THAT(out.error,
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("nxt does not manage")));
  EXPECT_EQ(docker_.GetContainer("talk-nats-0")->spec.image, "busybox") << "left alone";
}

TEST_F(MemberActuatorTest, MissingRenderIsAnErrorNotACrash) {
  MemberOutcome out = Run({{T::kCreate, "talk-nats-9"}}, {});
  EXPECT_THAT(out.error, StatusIs(absl::StatusCode::kInternal, HasSubstr("create talk-nats-9")));
}

TEST_F(MemberActuatorTest, TeardownKeepsVolumesUnlessAskedToDeleteThem) {
  ASSERT_THAT(
      Run({{T::kCreate, "talk-nats-0"}, {T::kCreate, "talk-nats-1"}}, {Member(0), Member(1)}).error,
      IsOk());
  MemberActuator actuator(docker_, cache_, store_, kKey, Options());
  ASSERT_THAT(actuator.Teardown(/*delete_volumes=*/false), IsOk());
  EXPECT_THAT(docker_.ContainerNames(), IsEmpty());
  EXPECT_THAT(docker_.NetworkNames(), IsEmpty());
  EXPECT_EQ(docker_.VolumeNames().size(), 2u);
  ASSERT_THAT(actuator.Teardown(/*delete_volumes=*/true), IsOk());
  EXPECT_THAT(docker_.VolumeNames(), IsEmpty());
  EXPECT_THAT(store_.Events(kKey), Contains(Field(&reconciler::Event::reason, "VolumeRemoved")));
}

}  // namespace
}  // namespace nxt::controllers
