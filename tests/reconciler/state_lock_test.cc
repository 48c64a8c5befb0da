#include "reconciler/state_lock.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace nxt::reconciler {
namespace {

using ::nxt::testing::IsOk;
using ::nxt::testing::StatusIs;
using ::nxt::testing::TempDir;
using ::testing::HasSubstr;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(StateLockTest, SecondHolderIsRefusedNamingThePidAndPath) {
  TempDir dir;
  const std::string state = dir.Join("state");
  auto first = StateLock::Acquire(state);
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ((*first)->path(), state + "/nxtd.lock");
  EXPECT_EQ(ReadAll(state + "/nxtd.lock"), absl::StrCat(::getpid(), "\n"));

  auto second = StateLock::Acquire(state);
  EXPECT_THAT(second, StatusIs(absl::StatusCode::kFailedPrecondition,
                               HasSubstr(absl::StrCat("another nxtd (pid ", ::getpid(), ") holds ",
                                                      state, "/nxtd.lock"))));
}

TEST(StateLockTest, ReleasedOnDestructionSoTheNextOneGetsIt) {
  TempDir dir;
  auto first = StateLock::Acquire(dir.path());
  ASSERT_THAT(first, IsOk());
  first->reset();
  auto second = StateLock::Acquire(dir.path());
  EXPECT_THAT(second, IsOk());
}

TEST(StateLockTest, ADeadHolderLeavesNoStaleLock) {
  TempDir dir;
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto lock = StateLock::Acquire(dir.path());
    ::_exit(lock.ok() ? 0 : 1);  // dies holding it
  }
  int wstatus = 0;
  ASSERT_EQ(::waitpid(child, &wstatus, 0), child);
  ASSERT_TRUE(WIFEXITED(wstatus));
  ASSERT_EQ(WEXITSTATUS(wstatus), 0);
  EXPECT_THAT(StateLock::Acquire(dir.path()), IsOk());
}

TEST(StateLockTest, CreatesTheStateDirectoryPrivate) {
  TempDir dir;
  const std::string state = dir.Join("a/b");
  ASSERT_THAT(StateLock::Acquire(state), IsOk());
  struct stat st;
  ASSERT_EQ(::stat(state.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat((state + "/nxtd.lock").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

}  // namespace
}  // namespace nxt::reconciler
