#include "reconciler/rate_limiter.h"

#include "gtest/gtest.h"

namespace nxt::reconciler {
namespace {

using resources::ObjectKey;

const ObjectKey kA{"ContainerSet", "default", "a"};
const ObjectKey kB{"ContainerSet", "default", "b"};

TEST(ExponentialFailureRateLimiterTest, DoublesFromMinPerFailure) {
  ExponentialFailureRateLimiter limiter(absl::Milliseconds(5), absl::Seconds(60));
  EXPECT_EQ(limiter.When(kA), absl::Milliseconds(5));
  EXPECT_EQ(limiter.When(kA), absl::Milliseconds(10));
  EXPECT_EQ(limiter.When(kA), absl::Milliseconds(20));
  EXPECT_EQ(limiter.When(kA), absl::Milliseconds(40));
  EXPECT_EQ(limiter.NumRequeues(kA), 4);
}

TEST(ExponentialFailureRateLimiterTest, CapsAtMax) {
  ExponentialFailureRateLimiter limiter(absl::Seconds(1), absl::Seconds(10));
  for (absl::Duration want : {absl::Seconds(1), absl::Seconds(2), absl::Seconds(4),
                              absl::Seconds(8), absl::Seconds(10), absl::Seconds(10)}) {
    EXPECT_EQ(limiter.When(kA), want);
  }
}

TEST(ExponentialFailureRateLimiterTest, LongFailureStreakDoesNotOverflow) {
  ExponentialFailureRateLimiter limiter(absl::Milliseconds(5), absl::Seconds(60));
  absl::Duration last;
  for (int i = 0; i < 200; ++i) {
    last = limiter.When(kA);
    ASSERT_GT(last, absl::ZeroDuration());
    ASSERT_LE(last, absl::Seconds(60));
  }
  EXPECT_EQ(last, absl::Seconds(60));
}

TEST(ExponentialFailureRateLimiterTest, ForgetResetsTheKey) {
  ExponentialFailureRateLimiter limiter(absl::Milliseconds(5), absl::Seconds(60));
  limiter.When(kA);
  limiter.When(kA);
  limiter.Forget(kA);
  EXPECT_EQ(limiter.NumRequeues(kA), 0);
  EXPECT_EQ(limiter.When(kA), absl::Milliseconds(5));
}

TEST(ExponentialFailureRateLimiterTest, KeysAreIndependent) {
  ExponentialFailureRateLimiter limiter(absl::Milliseconds(5), absl::Seconds(60));
  limiter.When(kA);
  limiter.When(kA);
  EXPECT_EQ(limiter.NumRequeues(kB), 0);
  EXPECT_EQ(limiter.When(kB), absl::Milliseconds(5));
  EXPECT_EQ(limiter.NumRequeues(kA), 2);
}

}  // namespace
}  // namespace nxt::reconciler
