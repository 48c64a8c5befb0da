#include "common/status_macros.h"

#include "absl/strings/cord.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace nxt {
namespace {

using ::nxt::testing::IsOk;
using ::nxt::testing::StatusIs;
using ::testing::Eq;

absl::StatusOr<int> Half(int x) {
  if (x % 2 != 0) return absl::InvalidArgumentError("odd");
  return x / 2;
}

absl::StatusOr<int> Quarter(int x) {
  NXT_ASSIGN_OR_RETURN(int h, Half(x));
  NXT_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

absl::Status CheckEven(int x) {
  NXT_RETURN_IF_ERROR(Half(x).status());
  return absl::OkStatus();
}

TEST(StatusMacrosTest, AssignOrReturnPropagatesFirstError) {
  EXPECT_THAT(Quarter(8), IsOk());
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_THAT(Quarter(6), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CheckEven(3), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CheckEven(4), IsOk());
}

TEST(StatusMacrosTest, AnnotateKeepsCodeAndPrependsContext) {
  absl::Status s = Annotate(absl::NotFoundError("no such container"), "docker start web-0");
  EXPECT_THAT(s,
              StatusIs(absl::StatusCode::kNotFound, Eq("docker start web-0: no such container")));
  EXPECT_THAT(Annotate(absl::OkStatus(), "x"), IsOk());
}

TEST(StatusMacrosTest, AnnotateKeepsEveryPayload) {
  absl::Status refused = absl::FailedPreconditionError("name held by another object");
  refused.SetPayload("type.test/reason", absl::Cord("NameConflict"));
  refused.SetPayload("type.test/terminal", absl::Cord("true"));
  absl::Status s = Annotate(Annotate(refused, "create network nxt-default-db"), "galeracluster db");
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kFailedPrecondition,
                          Eq("galeracluster db: create network nxt-default-db: name held by "
                             "another object")));
  EXPECT_EQ(s.GetPayload("type.test/reason"), absl::Cord("NameConflict"));
  EXPECT_EQ(s.GetPayload("type.test/terminal"), absl::Cord("true"));
}

}  // namespace
}  // namespace nxt
