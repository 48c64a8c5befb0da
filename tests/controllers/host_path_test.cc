#include "controllers/common/host_path.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace nxt::controllers {
namespace {

using ::nxt::testing::IsOk;
using ::nxt::testing::StatusIs;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

TEST(HostPathTest, IsUnderRootComparesWholeComponents) {
  EXPECT_TRUE(IsUnderRoot("/srv/nxt", "/srv/nxt"));
  EXPECT_TRUE(IsUnderRoot("/srv/nxt/a/b", "/srv/nxt/"));
  EXPECT_TRUE(IsUnderRoot("/anything", "/"));
  EXPECT_FALSE(IsUnderRoot("/srv/nxt2", "/srv/nxt"));
  EXPECT_FALSE(IsUnderRoot("/srv", "/srv/nxt"));
  EXPECT_FALSE(IsUnderRoot("relative/path", "/srv"));
  EXPECT_FALSE(IsUnderRoot("/srv/nxt/../etc", "/srv/nxt"));
  EXPECT_FALSE(IsUnderRoot("/srv/nxt/a/../b", "/srv/nxt")) << "'..' is refused, not folded";
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
  EXPECT_THAT(CheckHostPathAllowed("spec.x", "/srv/nxt/a/../b", {"/srv/nxt"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "spec.x: /srv/nxt/a/../b: a \"..\" component is refused"));
  EXPECT_EQ(NormaliseHostPath("/srv//nxt/./a/"), "/srv/nxt/a");
}

// A real tree, walked with openat2 (param true) and with the O_NOFOLLOW fallback (false):
//   a/            allowed root      b/          allowed root
//   a/good/nested directory         outside/    not allowed
//   a/file        regular file      a/to-root   -> /
//   a/to-b        -> <tmp>/b        a/rel       -> good (relative)
//   link-a        -> a (a symlinked root)
class HostPathTreeTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    UseOpenat2ForTesting(GetParam());
    fs::create_directories(tmp_.Join("a/good/nested"));
    fs::create_directories(tmp_.Join("b"));
    fs::create_directories(tmp_.Join("outside"));
    tmp_.Write("a/file", "x");
    fs::create_directory_symlink("/", tmp_.Join("a/to-root"));
    fs::create_directory_symlink(tmp_.Join("b"), tmp_.Join("a/to-b"));
    fs::create_directory_symlink("good", tmp_.Join("a/rel"));
    fs::create_directory_symlink(tmp_.Join("a"), tmp_.Join("link-a"));
    roots_ = {tmp_.Join("a"), tmp_.Join("b")};
  }
  void TearDown() override { UseOpenat2ForTesting(true); }

  absl::StatusOr<std::string> Resolve(const std::string& rel,
                                      HostPathTarget target = HostPathTarget::kDirectory) {
    return ResolveHostPath("spec.volumes[1].hostPath", tmp_.Join(rel), roots_, target);
  }
  // The refusal text for `rel`: "spec.volumes[1].hostPath: <tmp>/<rel>: <why>".
  std::string Refused(const std::string& rel, const std::string& why) {
    return "spec.volumes[1].hostPath: " + tmp_.Join(rel) + ": " + why;
  }

  nxt::testing::TempDir tmp_;
  std::vector<std::string> roots_;
};

TEST_P(HostPathTreeTest, AGoodNestedDirectoryResolvesToItsText) {
  EXPECT_THAT(Resolve("a/good/nested"), IsOk());
  EXPECT_EQ(*Resolve("a/good/nested"), tmp_.Join("a/good/nested"));
  EXPECT_EQ(*Resolve("a/good/./nested/"), tmp_.Join("a/good/nested")) << "normalised";
  EXPECT_THAT(Resolve("a"), IsOk()) << "the root itself";
  EXPECT_THAT(Resolve("b"), IsOk());
}

TEST_P(HostPathTreeTest, ASymlinkToTheHostRootIsRefused) {
  EXPECT_THAT(Resolve("a/to-root"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       Refused("a/to-root", "component \"to-root\" is a symlink; refused")));
  EXPECT_THAT(Resolve("a/to-root/etc"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       Refused("a/to-root/etc", "component \"to-root\" is a symlink; refused")));
}

TEST_P(HostPathTreeTest, ASymlinkToAnotherAllowedRootIsRefused) {
  EXPECT_THAT(Resolve("a/to-b"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"to-b\" is a symlink")));
  EXPECT_THAT(Resolve("a/rel/nested"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"rel\" is a symlink")))
      << "even one that stays inside the root";
}

TEST_P(HostPathTreeTest, ASymlinkedRootIsRefused) {
  roots_ = {tmp_.Join("link-a")};
  EXPECT_THAT(Resolve("link-a/good"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       Refused("link-a/good", "component \"link-a\" is a symlink; refused")));
  EXPECT_THAT(CheckHostRoot(tmp_.Join("link-a")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("is a symlink")));
  EXPECT_THAT(CheckHostRoot(tmp_.Join("a")), IsOk());
}

TEST_P(HostPathTreeTest, DotDotIsRefusedEvenWhenItWouldLandInside) {
  EXPECT_THAT(Resolve("a/good/../good"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       Refused("a/good/../good", "a \"..\" component is refused")));
  EXPECT_THAT(Resolve("a/../outside"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"..\"")));
}

TEST_P(HostPathTreeTest, AMissingPathIsRefusedUnlessAbsenceIsAllowed) {
  EXPECT_THAT(Resolve("a/good/missing/deeper"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       Refused("a/good/missing/deeper", "component \"missing\" does not exist")));
  EXPECT_THAT(Resolve("a/good/missing/deeper", HostPathTarget::kDirectoryOrAbsent), IsOk());
  EXPECT_THAT(Resolve("a/to-root/missing", HostPathTarget::kDirectoryOrAbsent),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("is a symlink")));
  roots_ = {tmp_.Join("gone")};
  EXPECT_THAT(
      Resolve("gone/x", HostPathTarget::kDirectoryOrAbsent),
      StatusIs(absl::StatusCode::kInvalidArgument,
               Refused("gone/x", "the allowed root " + tmp_.Join("gone") + " does not exist")));
}

TEST_P(HostPathTreeTest, AFileIsADirectoryOnlyWhereFilesAreAllowed) {
  EXPECT_THAT(Resolve("a/file"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       Refused("a/file", "component \"file\" is not a directory")));
  EXPECT_THAT(Resolve("a/file", HostPathTarget::kDirectoryOrFile), IsOk());
  EXPECT_THAT(Resolve("a/file/x", HostPathTarget::kDirectoryOrFile),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"file\" is not a dir")));
  EXPECT_THAT(Resolve("a/file", HostPathTarget::kDirectoryOrAbsent),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("is not a directory")));
}

TEST_P(HostPathTreeTest, APathOutsideEveryRootIsRefused) {
  EXPECT_THAT(
      Resolve("outside"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr(": " + tmp_.Join("outside") + " is not under an allowed host path root (" +
                         tmp_.Join("a") + ", " + tmp_.Join("b") + ")")));
}

TEST_P(HostPathTreeTest, MakeHostDirectoryCreatesBelowTheRootWithItsMode) {
  const mode_t old_umask = ::umask(077);
  absl::StatusOr<std::string> made =
      MakeHostDirectory("spec.drives[0].hostPath", tmp_.Join("a/d0/s3-0"), roots_, 0750);
  ::umask(old_umask);
  ASSERT_THAT(made, IsOk());
  EXPECT_EQ(*made, tmp_.Join("a/d0/s3-0"));
  for (const char* dir : {"a/d0", "a/d0/s3-0"}) {
    struct stat st;
    ASSERT_EQ(::lstat(tmp_.Join(dir).c_str(), &st), 0) << dir;
    EXPECT_TRUE(S_ISDIR(st.st_mode)) << dir;
    EXPECT_EQ(st.st_mode & 07777, 0750u) << dir << ": the umask does not apply";
  }
  EXPECT_THAT(MakeHostDirectory("spec.x", tmp_.Join("a/good/nested"), roots_, 0750), IsOk())
      << "existing directories are fine";
}

TEST_P(HostPathTreeTest, MakeHostDirectoryRefusesASymlinkedParentAndCreatesNothing) {
  fs::create_directory_symlink(tmp_.Join("outside"), tmp_.Join("a/d1"));
  EXPECT_THAT(MakeHostDirectory("spec.drives[1].hostPath", tmp_.Join("a/d1/s3-0"), roots_, 0750),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "spec.drives[1].hostPath: " + tmp_.Join("a/d1/s3-0") +
                           ": component \"d1\" is a symlink; refused"));
  EXPECT_FALSE(fs::exists(tmp_.Join("outside/s3-0"))) << "nothing created through the link";
  EXPECT_THAT(MakeHostDirectory("spec.x", tmp_.Join("a/to-root/nxt-test-never"), roots_, 0750),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("is a symlink")));
  EXPECT_FALSE(fs::exists("/nxt-test-never"));
  fs::create_directory_symlink("/", tmp_.Join("a/good/s3-1"));
  EXPECT_THAT(MakeHostDirectory("spec.x", tmp_.Join("a/good/s3-1"), roots_, 0750),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"s3-1\" is a symlink")))
      << "a link planted where the drive directory goes";
  EXPECT_THAT(MakeHostDirectory("spec.x", tmp_.Join("outside/x"), roots_, 0750),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("is not under")));
  EXPECT_FALSE(fs::exists(tmp_.Join("outside/x")));
}

INSTANTIATE_TEST_SUITE_P(Openat2AndFallback, HostPathTreeTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? std::string("Openat2") : std::string("OpenatWalk");
                         });

}  // namespace
}  // namespace nxt::controllers
