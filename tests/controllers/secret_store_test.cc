#include "controllers/common/secret_store.h"

#include <sys/stat.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace nxt::controllers {
namespace {

using ::nxt::testing::IsOk;
using ::nxt::testing::StatusIs;
using ::testing::MatchesRegex;
using ::testing::Not;

const resources::ObjectKey kOwner{"RedisCluster", "default", "cache"};

TEST(SecretStoreTest, GeneratesOnceAndReusesAcrossInstances) {
  nxt::testing::TempDir dir;
  std::string first;
  {
    SecretStore store(dir.path());
    absl::StatusOr<std::string> s = store.GetOrCreate(kOwner, "password");
    ASSERT_THAT(s, IsOk());
    EXPECT_THAT(*s, MatchesRegex("[A-Za-z0-9]{32}"));
    first = *s;
    EXPECT_EQ(*store.GetOrCreate(kOwner, "password"), first);
  }
  SecretStore again(dir.path());  // as after an nxtd restart
  EXPECT_EQ(*again.GetOrCreate(kOwner, "password"), first);
  EXPECT_NE(*again.GetOrCreate(kOwner, "other", 16), first);
}

TEST(SecretStoreTest, FilesArePrivate) {
  nxt::testing::TempDir dir;
  SecretStore store(dir.path());
  ASSERT_THAT(store.GetOrCreate(kOwner, "password"), IsOk());
  struct stat st;
  ASSERT_EQ(::stat(dir.Join("secrets/RedisCluster/default/cache/password").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(dir.Join("secrets/RedisCluster/default/cache").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST(SecretStoreTest, RefusesBadNamesAndReportsMissing) {
  nxt::testing::TempDir dir;
  SecretStore store(dir.path());
  EXPECT_THAT(store.GetOrCreate(kOwner, "../escape"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store.Get(kOwner, "password"), StatusIs(absl::StatusCode::kNotFound));
}

TEST(SecretStoreTest, VersionIsStableAndDoesNotRevealTheValue) {
  EXPECT_EQ(SecretStore::Version("abc"), SecretStore::Version("abc"));
  EXPECT_NE(SecretStore::Version("abc"), SecretStore::Version("abd"));
  EXPECT_THAT(SecretStore::Version("abc"), Not(::testing::HasSubstr("abc")));
  EXPECT_EQ(SecretStore::Version("abc").size(), 12u);
}

TEST(SecretStoreTest, DeleteAllRemovesOnlyThatOwner) {
  nxt::testing::TempDir dir;
  SecretStore store(dir.path());
  const resources::ObjectKey other{"RedisCluster", "default", "other"};
  ASSERT_THAT(store.GetOrCreate(kOwner, "password"), IsOk());
  std::string kept = *store.GetOrCreate(other, "password");
  ASSERT_THAT(store.DeleteAll(kOwner), IsOk());
  EXPECT_THAT(store.Get(kOwner, "password"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(*store.Get(other, "password"), kept);
}

}  // namespace
}  // namespace nxt::controllers
