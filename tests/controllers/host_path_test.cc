#include "controllers/common/host_path.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace nxt::controllers {
namespace {

using ::nxt::testing::IsOk;
using ::nxt::testing::StatusIs;

TEST(HostPathTest, IsUnderRootComparesWholeComponents) {
  EXPECT_TRUE(IsUnderRoot("/srv/nxt", "/srv/nxt"));
  EXPECT_TRUE(IsUnderRoot("/srv/nxt/a/b", "/srv/nxt/"));
  EXPECT_TRUE(IsUnderRoot("/anything", "/"));
  EXPECT_FALSE(IsUnderRoot("/srv/nxt2", "/srv/nxt"));
  EXPECT_FALSE(IsUnderRoot("/srv", "/srv/nxt"));
  EXPECT_FALSE(IsUnderRoot("relative/path", "/srv"));
  EXPECT_FALSE(IsUnderRoot("/srv/nxt/../etc", "/srv/nxt"));
}

TEST(HostPathTest, CheckNamesTheFieldAndTheAllowedRoots) {
  EXPECT_THAT(CheckHostPathAllowed("spec.drives[0].hostPath", "/srv/nxt/s3", {"/srv/nxt"}), IsOk());
  EXPECT_THAT(CheckHostPathAllowed("spec.drives[1].hostPath", "/etc", {"/srv/nxt", "/data"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "spec.drives[1].hostPath: /etc is not under an allowed host path root "
                       "(/srv/nxt, /data)"));
  EXPECT_THAT(CheckHostPathAllowed("spec.x", "/srv/nxt", {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "spec.x: /srv/nxt is not under an allowed host path root (none are "
                       "configured)"));
  EXPECT_EQ(NormaliseHostPath("/srv//nxt/./a/"), "/srv/nxt/a");
}

}  // namespace
}  // namespace nxt::controllers
