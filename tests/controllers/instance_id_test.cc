#include "controllers/common/instance_id.h"

#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "controllers/common/owner.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reconciler/state_files.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace nxt::controllers {
namespace {

using ::nxt::testing::IsOk;
using ::nxt::testing::StatusIs;
using ::nxt::testing::TempDir;
using ::testing::MatchesRegex;

TEST(InstanceIdTest, ANewStateDirectoryGetsARandomIdThatIsKept) {
  TempDir a;
  TempDir b;
  absl::StatusOr<std::string> first = LoadOrCreateInstanceId(a.path());
  ASSERT_THAT(first, IsOk());
  EXPECT_THAT(*first, MatchesRegex("[0-9a-f]{16}"));
  EXPECT_NE(*first, InstanceIdForStateDir(a.path()));  // not derived from the path
  absl::StatusOr<std::string> again = LoadOrCreateInstanceId(a.path());
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(*again, *first);  // kept
  absl::StatusOr<std::string> other = LoadOrCreateInstanceId(b.path());
  ASSERT_THAT(other, IsOk());
  EXPECT_NE(*other, *first);
  absl::StatusOr<std::string> file = reconciler::ReadFileToString(a.Join(kInstanceIdFile));
  ASSERT_THAT(file, IsOk());
  EXPECT_EQ(*file, *first + "\n");
  struct stat st;
  ASSERT_EQ(::stat(a.Join(kInstanceIdFile).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(InstanceIdTest, TheSamePathOnTwoHostsGivesTwoIds) {
  // Two hosts, one path: modelled by the same directory emptied in between.
  TempDir dir;
  absl::StatusOr<std::string> host1 = LoadOrCreateInstanceId(dir.path());
  ASSERT_THAT(host1, IsOk());
  ASSERT_EQ(::unlink(dir.Join(kInstanceIdFile).c_str()), 0);
  absl::StatusOr<std::string> host2 = LoadOrCreateInstanceId(dir.path());
  ASSERT_THAT(host2, IsOk());
  EXPECT_NE(*host1, *host2);
}

TEST(InstanceIdTest, AStateDirectoryInUseKeepsItsLegacyPathDerivedId) {
  TempDir dir;
  dir.Write("objects/ContainerSet/default/web.json", "{}");
  dir.Write("nxtd.lock", "123\n");
  absl::StatusOr<std::string> id = LoadOrCreateInstanceId(dir.path());
  ASSERT_THAT(id, IsOk());
  EXPECT_EQ(*id, InstanceIdForStateDir(dir.path()));
  absl::StatusOr<std::string> file = reconciler::ReadFileToString(dir.Join(kInstanceIdFile));
  ASSERT_THAT(file, IsOk());
  EXPECT_EQ(*file, *id + "\n");
}

TEST(InstanceIdTest, OnlyTheLockAndEmptyDirectoriesMeanNew) {
  TempDir dir;
  dir.Write("nxtd.lock", "123\n");
  ASSERT_TRUE(std::filesystem::create_directories(dir.Join("objects/ContainerSet")));
  absl::StatusOr<std::string> id = LoadOrCreateInstanceId(dir.path());
  ASSERT_THAT(id, IsOk());
  EXPECT_NE(*id, InstanceIdForStateDir(dir.path()));
}

TEST(InstanceIdTest, ACorruptIdFileStopsTheStart) {
  TempDir dir;
  dir.Write(kInstanceIdFile, "not hex\n");
  EXPECT_THAT(
      LoadOrCreateInstanceId(dir.path()),
      StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("not an instance id")));
}

}  // namespace
}  // namespace nxt::controllers
