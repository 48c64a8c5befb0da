// End to end: nxtd's life cycle — SIGKILL in the middle of a rollout, SIGTERM, and the
// one-daemon-per-state-directory lock.
#include <boost/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/e2e_fixture.h"

namespace nxt::e2e {
namespace {

using ::testing::AnyOf;
using ::testing::HasSubstr;

constexpr absl::Duration kConverge = absl::Seconds(60);

class DaemonE2eTest : public E2eTest {};

TEST_F(DaemonE2eTest, SigkillDuringRolloutThenRestartConvergesWithoutDuplicates) {
  const std::string roll = SetName("roll");
  StartNxtd();
  SetManifest m(ns_, roll, 4);
  m.env = {{"VERSION", "1"}};
  nxtd_->WriteManifest("roll.yaml", m.Yaml());
  WaitRunningMembers(roll, 4, kConverge);
  ASSERT_TRUE(WaitFor([&] { return IsReady(roll); }, absl::Seconds(30)));
  const std::string old_hash = Members(roll)[roll + "-0"].labels[docker::kLabelConfigHash];
  const int64_t generation = Generation(GetObject(roll));
  ASSERT_GT(generation, 0);

  m.env["VERSION"] = "2";
  nxtd_->WriteManifest("roll.yaml", m.Yaml());
  std::string new_hash;
  ASSERT_TRUE(WaitFor(
      [&] {
        int old_count = 0;
        for (auto& [name, c] : Members(roll)) {
          const std::string& h = c.labels[docker::kLabelConfigHash];
          if (h == old_hash) {
            ++old_count;
          } else {
            new_hash = h;
          }
        }
        return !new_hash.empty() && old_count > 0;
      },
      kConverge, absl::Milliseconds(10)))
      << "never saw the rollout in progress";
  nxtd_->Kill();

  ASSERT_TRUE(nxtd_->Start().ok());
  WaitRunningMembers(roll, 4, kConverge, new_hash);
  absl::StatusOr<NamespaceObjects> objects = ListNamespace(*docker_, ns_);
  ASSERT_TRUE(objects.ok()) << objects.status();
  EXPECT_EQ(objects->containers.size(), 4u) << "no duplicates, no orphans";
  ASSERT_TRUE(WaitFor([&] { return IsReady(roll); }, absl::Seconds(30)));
  EXPECT_EQ(Generation(GetObject(roll)), generation + 1)
      << "one spec change is one generation, restart or not";
  // And it stays that way: a converged set is left alone.
  const std::map<std::string, std::string> ids = MemberIds(roll);
  EXPECT_FALSE(
      WaitFor([&] { return MemberIds(roll) != ids; }, absl::Seconds(2), absl::Milliseconds(200)));
}

TEST_F(DaemonE2eTest, SigtermExitsZeroPromptlyAndSecondDaemonOnSameStateDirIsRefused) {
  const std::string one = SetName("one");
  StartNxtd();
  nxtd_->WriteManifest("one.yaml", SetManifest(ns_, one, 1).Yaml());
  WaitRunningMembers(one, 1, kConverge);

  NxtdProcess second(NxtdOptions{}, *nxtd_);
  ASSERT_TRUE(second.Spawn().ok());
  absl::StatusOr<int> refused = second.Wait(absl::Seconds(20));
  ASSERT_TRUE(refused.ok()) << "a second nxtd on a locked state directory kept running";
  EXPECT_NE(*refused, 0);
  EXPECT_THAT(second.ReadLog(), AnyOf(HasSubstr("another nxtd"), HasSubstr("locked")))
      << second.ReadLog();
  EXPECT_TRUE(nxtd_->running());
  EXPECT_EQ(nxtd_->Nxtctl({"get", "cs", one, "-n", ns_}).exit_code, 0);

  const absl::Time start = absl::Now();
  absl::StatusOr<int> code = nxtd_->Terminate(absl::Seconds(30));
  const absl::Duration took = absl::Now() - start;
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
  EXPECT_LT(took, absl::Seconds(10)) << "SIGTERM took " << took;
  EXPECT_THAT(nxtd_->ReadLog(), HasSubstr("stopped"));
  EXPECT_TRUE(HasRunningMembers(one, 1)) << "stopping nxtd leaves the containers running";

  // With the first one gone the lock is free again.
  ASSERT_TRUE(nxtd_->Start().ok());
  EXPECT_EQ(nxtd_->Nxtctl({"get", "cs", one, "-n", ns_}).exit_code, 0);
}

}  // namespace
}  // namespace nxt::e2e
