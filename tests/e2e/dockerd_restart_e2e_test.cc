// End to end: the Docker engine restarts under a running nxtd. Uses a private engine
// (private_dockerd.h) so the machine's engine and other tests are never disturbed.
#include <iostream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/e2e/private_dockerd.h"
#include "tests/testing/docker_env.h"

namespace nxt::e2e {
namespace {

constexpr absl::Duration kConverge = absl::Seconds(60);

class DockerdRestartE2eTest : public E2eTest {
 protected:
  void TearDown() override {
    if (nxtd_ != nullptr) nxtd_->Kill();
    if (engine_ != nullptr) {
      if (HasFailure()) std::cerr << "---- private dockerd log (tail) ----\n" << engine_->ReadLog();
      (void)CleanupNamespace(engine_->client(), ns_);
    }
    E2eTest::TearDown();  // prints nxtd's log on failure; cleans the main engine too
    engine_.reset();      // stops the private engine, removes its directory
  }

  // Members as the private engine sees them.
  std::map<std::string, docker::ContainerSummary> PrivateMembers(const std::string& name) {
    auto m = SetMembers(engine_->client(), ns_, name);
    return m.ok() ? *m : std::map<std::string, docker::ContainerSummary>{};
  }
  bool PrivateRunning(const std::string& name, int n) {
    auto members = PrivateMembers(name);
    if (static_cast<int>(members.size()) != n) return false;
    for (int i = 0; i < n; ++i) {
      auto it = members.find(absl::StrCat(name, "-", i));
      if (it == members.end() || it->second.state != "running") return false;
    }
    return true;
  }

  std::unique_ptr<PrivateDockerd> engine_;
};

TEST_F(DockerdRestartE2eTest, NxtdReconnectsAfterEngineRestartAndRepairsDrift) {
  const std::string web = SetName("web");
  engine_ = std::make_unique<PrivateDockerd>();
  ASSERT_TRUE(engine_->Start().ok()) << engine_->ReadLog();
  absl::Status loaded = engine_->LoadImage(nxt::testing::TestImage());
  ASSERT_TRUE(loaded.ok()) << loaded;
  absl::Status forwarding = engine_->AllowForwarding();
  ASSERT_TRUE(forwarding.ok()) << forwarding;

  NxtdOptions options;
  options.docker_socket = engine_->socket_path();
  // nxtd's networks inside the pool AllowForwarding opened.
  options.extra_flags = {absl::StrCat("--network-pool=", PrivateDockerd::kDefaultAddressPool)};
  StartNxtd(options);
  nxtd_->WriteManifest("web.yaml", SetManifest(ns_, web, 2).Yaml());
  ASSERT_TRUE(WaitFor([&] { return PrivateRunning(web, 2); }, kConverge)) << nxtd_->ReadLog();

  // The set's user-defined bridge works on this engine: members resolve and reach each
  // other by name.
  absl::StatusOr<docker::ExecResult> ping = engine_->client().Exec(
      web + "-0", {"ping", "-c", "1", "-W", "3", web + "-1"}, absl::Seconds(10));
  ASSERT_TRUE(ping.ok()) << ping.status();
  EXPECT_EQ(ping->exit_code, 0) << ping->stdout_text << ping->stderr_text;

  ASSERT_TRUE(engine_->Stop().ok()) << "private dockerd did not stop";
  ASSERT_TRUE(engine_->Start().ok()) << engine_->ReadLog();
  ASSERT_TRUE(WaitFor([&] { return PrivateRunning(web, 2); }, kConverge))
      << "members did not come back after the engine restart";

  const std::string old_id = PrivateMembers(web)[web + "-0"].id;
  // Right after a restart the engine may still be unmounting the container's old layer
  // ("device or resource busy"); the removal is retried until it goes through.
  absl::Status removed;
  ASSERT_TRUE(WaitFor(
      [&] {
        removed = engine_->client().RemoveContainer(web + "-0", /*force=*/true);
        return removed.ok();
      },
      absl::Seconds(30), absl::Milliseconds(500)))
      << removed;
  EXPECT_TRUE(WaitFor(
      [&] {
        auto members = PrivateMembers(web);
        return PrivateRunning(web, 2) && members[web + "-0"].id != old_id;
      },
      kConverge))
      << "nxtd did not repair web-0 after the engine restart";
  EXPECT_TRUE(nxtd_->running());
}

}  // namespace
}  // namespace nxt::e2e
