// The nxtd composition against the honest fake Docker client: real files, inotify,
// sockets and threads, no engine. (Real-engine runs are in tests/e2e/.)
#include "cmd/nxtd/daemon.h"

#include <filesystem>
#include <functional>
#include <sstream>
#include <thread>

#include "absl/time/clock.h"
#include "cmd/nxtctl/nxtctl.h"
#include "common/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/mocks/controllers/mock_http_client.h"
#include "tests/testing/fake_docker_client.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace nxt::nxtd {
namespace {

using ::nxt::testing::IsOk;
using ::nxt::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kManifest[] = R"(apiVersion: nxt.io/v1alpha1
kind: ContainerSet
metadata:
  name: web
spec:
  image: nxt/testapp:latest
  replicas: REPLICAS
  command: ["sleep", "3600"]
)";

std::string Manifest(int replicas) {
  std::string text = kManifest;
  text.replace(text.find("REPLICAS"), 8, std::to_string(replicas));
  return text;
}

// Polls `done` (real threads are at work) until it holds or 10 s pass.
bool Eventually(const std::function<bool()>& done) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return done();
}

class DaemonTest : public ::testing::Test {
 protected:
  DaemonTest() { std::filesystem::create_directories(dir_.Join("manifests")); }

  DaemonOptions Options() const {
    DaemonOptions options;
    options.manifests_dir = dir_.Join("manifests");
    options.state_dir = dir_.Join("state");
    options.api_socket = dir_.Join("run/nxtd.sock");
    options.metrics_addr = "127.0.0.1:0";
    options.manifest_debounce = absl::Milliseconds(20);
    options.shutdown_grace = absl::Seconds(5);
    return options;
  }

  int Nxtctl(const std::vector<std::string>& args, std::string* out) {
    std::vector<std::string> argv = {"--socket", dir_.Join("run/nxtd.sock")};
    argv.insert(argv.end(), args.begin(), args.end());
    std::ostringstream o, e;
    int code = nxtctl::RunNxtctl(argv, o, e, nxtctl::NxtctlEnv{});
    *out = o.str() + e.str();
    return code;
  }

  nxt::testing::TempDir dir_;
  nxt::testing::FakeDockerClient docker_;
  // Nothing answers HTTP here: the kinds that probe their services see them down.
  ::testing::NiceMock<controllers::MockHttpClient> http_;
};

TEST_F(DaemonTest, ConvergesManifestsAndServesTheApi) {
  dir_.Write("manifests/web.yaml", Manifest(2));
  Daemon daemon(Options(), RealClock::Get(), docker_, http_);
  ASSERT_THAT(daemon.Start(), IsOk());
  EXPECT_GT(daemon.metrics_port(), 0);

  EXPECT_TRUE(Eventually([&] { return docker_.ContainerNames().size() == 2; }));
  EXPECT_THAT(docker_.ContainerNames(), ElementsAre("web-0", "web-1"));

  std::string out;
  ASSERT_TRUE(Eventually([&] {
    return Nxtctl({"get", "cs", "web"}, &out) == 0 && out.find("2/2") != std::string::npos;
  })) << out;

  // An edit through the watched directory scales the set.
  dir_.Write("manifests/web.yaml", Manifest(3));
  EXPECT_TRUE(Eventually([&] { return docker_.ContainerNames().size() == 3; }));
  EXPECT_THAT(daemon.Stop(), IsOk());
}

TEST_F(DaemonTest, ASecondDaemonOnTheSameStateDirIsRefused) {
  Daemon first(Options(), RealClock::Get(), docker_, http_);
  ASSERT_THAT(first.Start(), IsOk());
  DaemonOptions options = Options();
  options.api_socket = dir_.Join("run/other.sock");
  Daemon second(options, RealClock::Get(), docker_, http_);
  EXPECT_THAT(second.Start(),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("another nxtd")));
  EXPECT_THAT(first.Stop(), IsOk());
}

TEST_F(DaemonTest, AMissingOrNonDirectoryManifestsDirIsRefusedNotCreated) {
  DaemonOptions options = Options();
  options.manifests_dir = dir_.Join("typo");
  Daemon missing(options, RealClock::Get(), docker_, http_);
  EXPECT_THAT(missing.Start(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                        HasSubstr("does not exist; refusing to start")));
  EXPECT_FALSE(std::filesystem::exists(dir_.Join("typo")));

  dir_.Write("file", "x");
  options.manifests_dir = dir_.Join("file");
  Daemon file(options, RealClock::Get(), docker_, http_);
  EXPECT_THAT(file.Start(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                     HasSubstr("is not a directory; refusing to start")));
  EXPECT_EQ(docker_.total_mutating_calls(), 0);
}

TEST_F(DaemonTest, AnInvalidEditLeavesTheContainersAlone) {
  dir_.Write("manifests/web.yaml", Manifest(2));
  Daemon daemon(Options(), RealClock::Get(), docker_, http_);
  ASSERT_THAT(daemon.Start(), IsOk());
  ASSERT_TRUE(Eventually([&] { return docker_.ContainerNames().size() == 2; }));
  docker_.ResetCalls();

  dir_.Write("manifests/web.yaml", Manifest(-1));
  std::string out;
  ASSERT_TRUE(Eventually([&] {
    Nxtctl({"get", "cs", "web"}, &out);
    return out.find("InvalidManifest") != std::string::npos;
  })) << out;
  EXPECT_EQ(docker_.total_mutating_calls(), 0);
  EXPECT_THAT(docker_.ContainerNames(), ElementsAre("web-0", "web-1"));
  EXPECT_THAT(daemon.Stop(), IsOk());
}

}  // namespace
}  // namespace nxt::nxtd
