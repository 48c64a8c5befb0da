// The fake must behave like the engine where controllers rely on it.
#include "tests/testing/fake_docker_client.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace nxt::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using M = FakeDockerClient::Method;

docker::ContainerSpec Spec(const std::string& name, bool healthcheck = false) {
  docker::ContainerSpec s;
  s.name = name;
  s.image = "img";
  s.labels = {{"app", "web"}, {"tier", name}};
  if (healthcheck) s.healthcheck = docker::Healthcheck{{"CMD", "true"}};
  return s;
}

TEST(FakeDockerClientTest, ContainerLifecycleAndUniqueNames) {
  FakeDockerClient d;
  absl::StatusOr<std::string> id = d.CreateContainer(Spec("a"));
  ASSERT_THAT(id, IsOk());
  EXPECT_EQ(d.GetContainer("a")->state, "created");
  EXPECT_THAT(d.CreateContainer(Spec("a")), StatusIs(absl::StatusCode::kAlreadyExists));
  ASSERT_THAT(d.StartContainer(id->substr(0, 12)), IsOk());  // id prefix works
  EXPECT_EQ(d.GetContainer("a")->state, "running");
  EXPECT_THAT(d.RemoveContainer("a", false), StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_THAT(d.StopContainer("a", absl::Seconds(1)), IsOk());
  EXPECT_EQ(d.GetContainer("a")->state, "exited");
  ASSERT_THAT(d.RemoveContainer("a", false), IsOk());
  EXPECT_THAT(d.InspectContainer("a"), StatusIs(absl::StatusCode::kNotFound));
}

TEST(FakeDockerClientTest, ListFiltersByLabelsAndReportsHealthInStatus) {
  FakeDockerClient d;
  ASSERT_THAT(d.CreateContainer(Spec("a", true)), IsOk());
  ASSERT_THAT(d.CreateContainer(Spec("b")), IsOk());
  ASSERT_THAT(d.StartContainer("a"), IsOk());
  auto rows = d.ListContainers({{"tier", "a"}});
  ASSERT_THAT(rows, IsOk());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].Health(), "healthy");
  ASSERT_THAT(d.SetHealth("a", "unhealthy"), IsOk());
  EXPECT_EQ((*d.ListContainers({{"tier", "a"}}))[0].Health(), "unhealthy");
  EXPECT_EQ(d.ListContainers({{"app", ""}})->size(), 2u);
  EXPECT_THAT(*d.ListContainers({{"app", "db"}}), IsEmpty());
  EXPECT_EQ(d.EventLog().back().action, "health_status: unhealthy");
}

TEST(FakeDockerClientTest, ConfiguredStartFailureLeavesContainerExited) {
  FakeDockerClient d;
  d.SetImageStartFailure("img", 2);
  ASSERT_THAT(d.CreateContainer(Spec("a")), IsOk());
  ASSERT_THAT(d.StartContainer("a"), IsOk());  // like the engine: start succeeds, then dies
  EXPECT_EQ(d.GetContainer("a")->state, "exited");
  EXPECT_EQ(d.GetContainer("a")->exit_code, 2);
}

TEST(FakeDockerClientTest, NetworksKeepTheirSubnetAndAnOverlapIsRefusedAsByTheEngine) {
  FakeDockerClient d;
  ASSERT_THAT(d.CreateNetwork("a", {}, "10.213.0.0/26"), IsOk());
  ASSERT_THAT(d.CreateNetwork("plain", {}), IsOk());
  EXPECT_THAT(d.CreateNetwork("b", {}, "10.213.0.0/24"),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("overlaps")));
  ASSERT_THAT(d.CreateNetwork("c", {}, "10.213.0.64/26"), IsOk());
  EXPECT_EQ(d.InspectNetwork("a")->subnets, std::vector<std::string>{"10.213.0.0/26"});
  EXPECT_TRUE(d.InspectNetwork("plain")->subnets.empty());
  EXPECT_EQ(d.ListNetworks({})->size(), 3u);
}

TEST(FakeDockerClientTest, VolumesAndNetworksInUseCannotBeRemoved) {
  FakeDockerClient d;
  ASSERT_THAT(d.CreateNetwork("n", {}), IsOk());
  ASSERT_THAT(d.CreateNetwork("n", {}), IsOk());  // idempotent
  docker::ContainerSpec s = Spec("a");
  s.networks = {"n"};
  s.mounts = {{docker::Mount::Type::kVolume, "v", "/data", false}};
  docker::ContainerSpec bad = Spec("b");
  bad.networks = {"missing"};
  EXPECT_THAT(d.CreateContainer(bad), StatusIs(absl::StatusCode::kNotFound));
  ASSERT_THAT(d.CreateContainer(s), IsOk());
  EXPECT_THAT(d.VolumeNames(), ElementsAre("v"));  // created on the fly, unlabelled
  ASSERT_THAT(d.StartContainer("a"), IsOk());
  EXPECT_THAT(d.RemoveNetwork("n"), StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_THAT(d.StopContainer("a", absl::Seconds(1)), IsOk());
  EXPECT_THAT(d.RemoveVolume("v"), StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_THAT(d.RemoveNetwork("n"), IsOk());
  ASSERT_THAT(d.RemoveContainer("a", true), IsOk());
  ASSERT_THAT(d.RemoveVolume("v"), IsOk());
}

TEST(FakeDockerClientTest, ExecAndPutFile) {
  FakeDockerClient d;
  ASSERT_THAT(d.CreateContainer(Spec("a")), IsOk());
  ASSERT_THAT(d.PutFile("a", "/etc/x.conf", "k=v", 0600), IsOk());  // before start
  EXPECT_EQ(d.GetContainer("a")->files.at("/etc/x.conf"), std::make_pair(std::string("k=v"), 0600));
  EXPECT_THAT(d.Exec("a", {"true"}, absl::Seconds(1), ""),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_THAT(d.StartContainer("a"), IsOk());
  d.SetExecResult("a", {"echo", "hi"}, {0, "hi\n", ""});
  EXPECT_EQ(d.Exec("a", {"echo", "hi"}, absl::Seconds(1), "")->stdout_text, "hi\n");
  EXPECT_EQ(d.Exec("a", {"other"}, absl::Seconds(1), "")->exit_code, 127);
  d.SetExecHandler([](const std::string&, const std::vector<std::string>&,
                      const std::string& in) -> std::optional<docker::ExecResult> {
    return docker::ExecResult{0, in, ""};
  });
  EXPECT_EQ(d.Exec("a", {"cat"}, absl::Seconds(1), "secret")->stdout_text, "secret");
}

TEST(FakeDockerClientTest, FaultInjectionFailsTheNextCallsWithoutEffect) {
  FakeDockerClient d;
  d.FailNext(M::kCreateContainer, 2, absl::UnavailableError("boom"));
  EXPECT_THAT(d.CreateContainer(Spec("a")), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(d.CreateContainer(Spec("a")), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(d.ContainerNames(), IsEmpty());
  EXPECT_THAT(d.CreateContainer(Spec("a")), IsOk());
  EXPECT_EQ(d.calls(M::kCreateContainer), 3);
  EXPECT_EQ(d.total_mutating_calls(), 3);
}

TEST(FakeDockerClientTest, StreamEventsDeliversMatchingEventsUntilStoppedOrBroken) {
  FakeDockerClient d;
  std::atomic<bool> stop{false};
  std::vector<std::string> seen;
  absl::Notification got_start;
  absl::Status result;
  std::thread t([&] {
    result = d.StreamEvents(
        {{"app", "web"}}, "container", absl::InfinitePast(),
        [&](const docker::Event& e) {
          seen.push_back(e.action);
          if (e.action == "start") got_start.Notify();
        },
        stop);
  });
  // Subscribed once the first call is counted; events before that are not delivered.
  while (d.calls(M::kStreamEvents) == 0) std::this_thread::yield();
  ASSERT_THAT(d.CreateNetwork("n", {}), IsOk());  // a network event: filtered out
  ASSERT_THAT(d.CreateContainer(Spec("a")), IsOk());
  ASSERT_THAT(d.StartContainer("a"), IsOk());
  got_start.WaitForNotification();
  d.BreakEventStreams();
  t.join();
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(seen, ElementsAre("create", "start"));
  // `since` replays the log.
  stop = true;
  seen.clear();
  EXPECT_THAT(d.StreamEvents(
                  {}, "container", absl::UnixEpoch(),
                  [&](const docker::Event& e) { seen.push_back(e.action); }, stop),
              IsOk());
  EXPECT_THAT(seen, ElementsAre("create", "start"));
}

}  // namespace
}  // namespace nxt::testing
