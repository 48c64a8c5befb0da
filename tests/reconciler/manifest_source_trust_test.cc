// ManifestSource: nothing is deleted on doubt (unreadable, unwatchable or untrusted files
// and directories; a manifest directory that is not the one the objects came from) and
// StrictModes.
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reconciler/manifest_trust.h"
#include "tests/reconciler/manifest_source_fixture.h"

namespace nxt::reconciler {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class ManifestSourceTrustTest : public ManifestSourceTest {
 protected:
  ManifestSourceTrustTest() {
    record_ = dir_.Join("state/manifest-source");
    add_watch_ = [this](int fd, const std::string& dir, uint32_t mask) {
      if (!unwatchable_.empty() && dir == M(unwatchable_)) {
        errno = ENOSPC;
        return -1;
      }
      return ::inotify_add_watch(fd, dir.c_str(), mask);
    };
  }

  void Restart() {
    source_.reset();
    NewStore();
    Open();
  }
  void Chmod(const std::string& rel, mode_t mode) {
    ASSERT_EQ(::chmod(rel.empty() ? Manifests().c_str() : M(rel).c_str(), mode), 0);
  }

  std::string unwatchable_;  // relative directory whose watch fails with ENOSPC
};

TEST_F(ManifestSourceTrustTest, GroupWritableFileIsRefusedAndKeepsTheLastGoodObject) {
  Write("a.yaml", WidgetYaml("a", "v1"));
  Open();
  ASSERT_EQ(Image("a"), "v1");
  Chmod("a.yaml", 0664);
  Write("a.yaml", WidgetYaml("a", "v2"));  // keeps the mode
  Settle();
  EXPECT_EQ(Image("a"), "v1");
  EXPECT_FALSE(IsDeleted("a"));
  EXPECT_THAT(StalledMessage("a"), HasSubstr("refused: the file is group-writable (mode 0664)"));
  Chmod("a.yaml", 0644);  // IN_ATTRIB: read again
  Settle();
  EXPECT_EQ(Image("a"), "v2");
  EXPECT_EQ(StalledMessage("a"), "");
}

TEST_F(ManifestSourceTrustTest, FilesOfAnotherOwnerOrWorldWritableAreNeverApplied) {
  Write("mine.yaml", WidgetYaml("mine", "v1"));
  Write("other.yaml", WidgetYaml("other", "v1"));
  Write("world.yaml", WidgetYaml("world", "v1"));
  ASSERT_EQ(::chown(M("other.yaml").c_str(), 4242, 4242), 0);
  Chmod("world.yaml", 0666);
  Open();
  EXPECT_EQ(Image("mine"), "v1");
  EXPECT_EQ(Get("other"), nullptr);
  EXPECT_EQ(Get("world"), nullptr);
  auto errors = source_->Errors();
  ASSERT_EQ(errors.count(M("other.yaml")), 1u);
  EXPECT_THAT(errors[M("other.yaml")].at(0).message, HasSubstr("is owned by uid 4242"));
  EXPECT_THAT(errors[M("world.yaml")].at(0).message, HasSubstr("is world-writable (mode 0666)"));
}

TEST_F(ManifestSourceTrustTest, UntrustedDirectoryRefusesEveryFileBelowIt) {
  Write("team/a.yaml", WidgetYaml("a", "v1"));
  Write("team/deep/b.yaml", WidgetYaml("b", "v1"));
  Open();
  Chmod("team", 0777);
  Write("team/deep/b.yaml", WidgetYaml("b", "v2"));
  Settle();
  EXPECT_EQ(Image("b"), "v1");
  EXPECT_THAT(StalledMessage("a"),
              HasSubstr("refused: directory " + M("team") + " is world-writable"));
  EXPECT_THAT(StalledMessage("b"), HasSubstr("directory " + M("team")));
  Chmod("team", 0755);
  Settle();
  EXPECT_EQ(Image("b"), "v2");
  EXPECT_EQ(StalledMessage("a"), "");
  EXPECT_THAT(deleted_, IsEmpty());
}

TEST_F(ManifestSourceTrustTest, UntrustedRootAtStartKeepsEveryObject) {
  Write("a.yaml", WidgetYaml("a", "v1"));
  Open();
  Chmod("", 0777);
  Write("b.yaml", WidgetYaml("b", "v1"));
  Restart();
  EXPECT_FALSE(IsDeleted("a"));
  EXPECT_EQ(Get("b"), nullptr);
  EXPECT_THAT(StalledMessage("a"), HasSubstr("directory " + Manifests() + " is world-writable"));
  EXPECT_THAT(deleted_, IsEmpty());
}

TEST_F(ManifestSourceTrustTest, UnwatchableDirectoryKeepsItsObjectsAndIsRetried) {
  Write("team/a.yaml", WidgetYaml("a", "v1"));
  Write("b.yaml", WidgetYaml("b", "v1"));
  Open();
  unwatchable_ = "team";  // the inotify watch limit, reached by the time nxtd restarts
  Restart();
  EXPECT_FALSE(IsDeleted("a"));
  EXPECT_EQ(Image("b"), "v1");
  EXPECT_THAT(StalledMessage("a"), HasSubstr("cannot watch directory " + M("team")));
  EXPECT_THAT(StalledMessage("a"), HasSubstr("fs.inotify.max_user_watches"));
  unwatchable_.clear();
  Write("team/a.yaml", WidgetYaml("a", "v2"));  // not seen: no watch there yet
  clock_.Advance(absl::Seconds(10));            // the retry
  Settle();
  EXPECT_EQ(Image("a"), "v2");
  EXPECT_EQ(StalledMessage("a"), "");
  EXPECT_THAT(deleted_, IsEmpty());
}

TEST_F(ManifestSourceTrustTest, FirstStartRecordsTheDirectory0600) {
  Write("a.yaml", WidgetYaml("a", "v1"));
  Open();
  auto recorded = ReadSourceRecord(record_);
  ASSERT_THAT(recorded.status(), IsOk());
  ASSERT_TRUE(recorded->has_value());
  auto current = IdentifyDirectory(Manifests());
  ASSERT_THAT(current.status(), IsOk());
  EXPECT_TRUE((*recorded)->SameDirectory(*current));
  struct stat st;
  ASSERT_EQ(::stat(record_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(ManifestSourceTrustTest, ADifferentDirectoryAtTheSamePathDeletesNothingUntilConfirmed) {
  Write("a.yaml", WidgetYaml("a", "v1"));
  Open();
  source_.reset();
  // What an unmounted mount point or a re-created directory looks like: another inode.
  fs::rename(Manifests(), dir_.Join("old-manifests"));
  fs::create_directories(Manifests());
  Write("z.yaml", WidgetYaml("z", "v1"));
  NewStore();
  Open();
  EXPECT_FALSE(IsDeleted("a"));
  EXPECT_EQ(Image("z"), "v1");
  EXPECT_THAT(StalledMessage("a"), HasSubstr("kept although no manifest defines it"));
  EXPECT_THAT(StalledMessage("a"), HasSubstr("came from"));
  SourceState state = source_->State();
  EXPECT_THAT(state.held, ElementsAre(WidgetKey("a")));
  EXPECT_THAT(state.held_reason, HasSubstr("nxtd was started on " + Manifests()));

  auto deleted = source_->ConfirmSource();
  ASSERT_THAT(deleted.status(), IsOk());
  EXPECT_THAT(*deleted, ElementsAre(WidgetKey("a")));
  EXPECT_TRUE(IsDeleted("a"));
  EXPECT_EQ(source_->State().held_reason, "");
  Restart();  // the new directory is the recorded source now
  EXPECT_EQ(source_->State().held_reason, "");
}

TEST_F(ManifestSourceTrustTest, AnEmptyDirectoryHoldsUntilFilesDefineTheObjectsAgain) {
  Write("a.yaml", WidgetYaml("a", "v1"));
  Write("b.yaml", WidgetYaml("b", "v1"));
  Open();
  fs::remove(M("a.yaml"));
  fs::remove(M("b.yaml"));
  Restart();
  EXPECT_FALSE(IsDeleted("a"));
  EXPECT_FALSE(IsDeleted("b"));
  EXPECT_THAT(source_->State().held_reason, HasSubstr("defines no object while 2 stored objects"));
  Write("a.yaml", WidgetYaml("a", "v1"));
  Write("b.yaml", WidgetYaml("b", "v1"));
  Settle();
  EXPECT_EQ(source_->State().held_reason, "");
  EXPECT_EQ(StalledMessage("a"), "");
  EXPECT_THAT(deleted_, IsEmpty());
}

TEST_F(ManifestSourceTrustTest, TheRecordedDirectoryPrunesWhatItNoLongerDefines) {
  Write("a.yaml", WidgetYaml("a", "v1"));
  Write("b.yaml", WidgetYaml("b", "v1"));
  Open();
  fs::remove(M("b.yaml"));
  Restart();
  EXPECT_TRUE(IsDeleted("b"));
  EXPECT_FALSE(IsDeleted("a"));
  EXPECT_EQ(source_->State().held_reason, "");
}

TEST_F(ManifestSourceTrustTest, WithoutARecordTheDirectoryMustDefineAStoredObject) {
  record_.clear();  // an nxtd from before the record
  Write("a.yaml", WidgetYaml("a", "v1"));
  Write("b.yaml", WidgetYaml("b", "v1"));
  Open();
  record_ = dir_.Join("state/manifest-source");
  fs::remove(M("b.yaml"));
  Restart();  // defines a: the same directory; recorded, b pruned
  EXPECT_TRUE(IsDeleted("b"));
  ASSERT_TRUE(ReadSourceRecord(record_)->has_value());

  fs::remove(record_);
  fs::remove(M("a.yaml"));
  Write("z.yaml", WidgetYaml("z", "v1"));
  Restart();  // defines none of them: held
  EXPECT_FALSE(IsDeleted("a"));
  EXPECT_THAT(source_->State().held_reason, HasSubstr("no record says where"));
}

}  // namespace
}  // namespace nxt::reconciler
