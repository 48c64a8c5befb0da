#include "controllers/rediscluster/step_pacer.h"
#include "gtest/gtest.h"

namespace nxt::rediscluster {
namespace {

constexpr absl::Duration kFirst = absl::Milliseconds(50);

TEST(StepPacerTest, TheSameWaitDoublesUpToTheMaximum) {
  StepPacer pacer({kFirst, absl::Seconds(1)});
  EXPECT_EQ(pacer.Next("a", false, "x"), kFirst);
  EXPECT_EQ(pacer.Next("a", false, "x"), absl::Milliseconds(100));
  EXPECT_EQ(pacer.Next("a", false, "x"), absl::Milliseconds(200));
  EXPECT_EQ(pacer.Next("a", false, "x"), absl::Milliseconds(400));
  EXPECT_EQ(pacer.Next("a", false, "x"), absl::Milliseconds(800));
  EXPECT_EQ(pacer.Next("a", false, "x"), absl::Seconds(1));
  EXPECT_EQ(pacer.Next("a", false, "x"), absl::Seconds(1));
}

TEST(StepPacerTest, ActingOrANewWaitStartsOver) {
  StepPacer pacer({kFirst, absl::Seconds(1)});
  pacer.Next("a", false, "x");
  EXPECT_EQ(pacer.Next("a", false, "x"), absl::Milliseconds(100));
  EXPECT_EQ(pacer.Next("a", false, "y"), kFirst) << "the cluster moved on";
  EXPECT_EQ(pacer.Next("a", false, "y"), absl::Milliseconds(100));
  EXPECT_EQ(pacer.Next("a", true, ""), kFirst) << "a step was taken";
}

TEST(StepPacerTest, KeysArePacedApartAndForgetStartsOver) {
  StepPacer pacer({kFirst, absl::Seconds(1)});
  pacer.Next("a", false, "x");
  EXPECT_EQ(pacer.Next("a", false, "x"), absl::Milliseconds(100));
  EXPECT_EQ(pacer.Next("b", false, "x"), kFirst);
  pacer.Forget("a");
  EXPECT_EQ(pacer.Next("a", false, "x"), kFirst);
}

}  // namespace
}  // namespace nxt::rediscluster
