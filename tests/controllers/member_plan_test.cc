#include "controllers/common/member_plan.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nxt::controllers {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using T = MemberAction::Type;

std::vector<WantedMember> Wanted(int n, const std::string& hash = "h1") {
  std::vector<WantedMember> out;
  for (int i = 0; i < n; ++i) out.push_back({"nats-" + std::to_string(i), i, hash});
  return out;
}

SeenMember Seen(int ordinal, const std::string& hash = "h1", const std::string& state = "running",
                bool ready = true) {
  return {"nats-" + std::to_string(ordinal), ordinal, hash, state, ready};
}

struct PlanCase {
  std::string name;
  std::vector<WantedMember> wanted;
  std::vector<SeenMember> seen;
  std::vector<MemberAction> want;
};

class MemberPlanTableTest : public ::testing::TestWithParam<PlanCase> {};

TEST_P(MemberPlanTableTest, PlansTheNextStep) {
  EXPECT_EQ(PlanMembers(GetParam().wanted, GetParam().seen), GetParam().want);
}

INSTANTIATE_TEST_SUITE_P(
    Rules, MemberPlanTableTest,
    ::testing::Values(
        PlanCase{"EmptyCreatesAllAtOnce",
                 Wanted(3),
                 {},
                 {{T::kCreate, "nats-0"}, {T::kCreate, "nats-1"}, {T::kCreate, "nats-2"}}},
        PlanCase{"ConvergedPlansNothing", Wanted(2), {Seen(0), Seen(1)}, {}},
        PlanCase{"NotReadyCurrentMemberIsLeftToBecomeReady",
                 Wanted(2),
                 {Seen(0), Seen(1, "h1", "running", false)},
                 {}},
        PlanCase{"StoppedIsStartedDeadIsReplaced",
                 Wanted(3),
                 {Seen(0, "h1", "exited", false), Seen(1, "h1", "dead", false), Seen(2)},
                 {{T::kStart, "nats-0"}, {T::kReplace, "nats-1"}}},
        PlanCase{"ExtrasRemovedHighestFirst",
                 Wanted(1),
                 {Seen(0), Seen(1), Seen(2), SeenMember{"stray", -1, "h1", "running", true}},
                 {{T::kRemove, "nats-2"}, {T::kRemove, "nats-1"}, {T::kRemove, "stray"}}},
        PlanCase{"OutdatedRollOneAtATimeHighestFirst",
                 Wanted(3, "h2"),
                 {Seen(0), Seen(1), Seen(2)},
                 {{T::kReplace, "nats-2"}}},
        PlanCase{"RolloutWaitsForTheReplacedMemberToBeReady",
                 Wanted(3, "h2"),
                 {Seen(0), Seen(1), Seen(2, "h2", "running", false)},
                 {{T::kWait, "nats-2"}}},
        PlanCase{"BrokenOutdatedMemberGoesFirst",
                 Wanted(3, "h2"),
                 {Seen(0, "h1", "exited", false), Seen(1), Seen(2)},
                 {{T::kReplace, "nats-0"}}},
        PlanCase{"ScaleUpCreatesNewAndWaitsBeforeRollingTheOld",
                 Wanted(3, "h2"),
                 {Seen(0), Seen(1)},
                 {{T::kCreate, "nats-2"}, {T::kWait, "nats-2"}}},
        PlanCase{"ScaleDownRemovesAndRollsTheRest",
                 Wanted(2, "h2"),
                 {Seen(0), Seen(1), Seen(2)},
                 {{T::kRemove, "nats-2"}}},
        PlanCase{"ThenRollsTheRestOneAtATime",
                 Wanted(2, "h2"),
                 {Seen(0), Seen(1)},
                 {{T::kReplace, "nats-1"}}}),
    [](const ::testing::TestParamInfo<PlanCase>& info) { return info.param.name; });

TEST(MemberPlanTest, ApplyingTheRolloutConvergesInOneStepPerOutdatedMember) {
  std::vector<WantedMember> wanted = Wanted(3, "h2");
  std::vector<SeenMember> seen = {Seen(0), Seen(1), Seen(2)};
  int rounds = 0;
  while (!MembersConverged(wanted, seen)) {
    ASSERT_LT(++rounds, 10);
    for (const MemberAction& a : PlanMembers(wanted, seen)) {
      ASSERT_EQ(a.type, T::kReplace) << a.Describe();
      for (SeenMember& s : seen) {
        if (s.name == a.name) s.config_hash = "h2";  // ready at once
      }
    }
  }
  EXPECT_EQ(rounds, 3);
  EXPECT_THAT(PlanMembers(wanted, seen), IsEmpty());
}

TEST(MemberPlanTest, ConvergedNeedsEveryMemberCurrentReadyAndNothingExtra) {
  EXPECT_TRUE(MembersConverged(Wanted(2), {Seen(0), Seen(1)}));
  EXPECT_FALSE(MembersConverged(Wanted(2), {Seen(0)}));
  EXPECT_FALSE(MembersConverged(Wanted(2), {Seen(0), Seen(1, "h0")}));
  EXPECT_FALSE(MembersConverged(Wanted(2), {Seen(0), Seen(1, "h1", "running", false)}));
  EXPECT_FALSE(MembersConverged(Wanted(1), {Seen(0), Seen(1)}));
}

TEST(MemberPlanTest, DescribesActionsForEventsAndDiff) {
  EXPECT_EQ((MemberAction{T::kReplace, "nats-1"}).Describe(), "replace nats-1 (config changed)");
  EXPECT_TRUE(OnlyWaits({{T::kWait, "a"}}));
  EXPECT_TRUE(OnlyWaits({}));
  EXPECT_FALSE(OnlyWaits({{T::kWait, "a"}, {T::kStart, "b"}}));
  EXPECT_THAT(PlanMembers(Wanted(1), {}), ElementsAre(MemberAction{T::kCreate, "nats-0"}));
}

}  // namespace
}  // namespace nxt::controllers
