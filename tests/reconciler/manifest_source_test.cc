#include "reconciler/manifest_source.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/reconciler/manifest_source_fixture.h"

namespace nxt::reconciler {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

TEST_F(ManifestSourceTest, FullScanAtOpenReadsEveryFileInEverySubdirectory) {
  Write("a.yaml", WidgetYaml("a", "img-a"));
  Write("team/b.yml", WidgetYaml("b", "img-b") + "---\n" + WidgetYaml("c", "img-c"));
  Write("team/notes.txt", "not a manifest");
  Write(".hidden/d.yaml", WidgetYaml("d", "img-d"));
  Open();
  EXPECT_EQ(Image("a"), "img-a");
  EXPECT_EQ(Image("b"), "img-b");
  EXPECT_EQ(Image("c"), "img-c");
  EXPECT_EQ(Get("d"), nullptr);
  EXPECT_EQ(source_->FileOf(WidgetKey("c")), M("team/b.yml"));
  EXPECT_EQ(Get("a")->source.ToString(), M("a.yaml") + ":1:1");
  EXPECT_EQ(error_count_, 0);
}

TEST_F(ManifestSourceTest, NewFileIsReadOnlyAfterTheDebounce) {
  Open();
  Write("a.yaml", WidgetYaml("a", "v1"));
  ASSERT_THAT(source_->SyncOnce(), IsOk());
  EXPECT_EQ(Get("a"), nullptr);
  EXPECT_EQ(source_->PendingCount(), 1u);
  clock_.Advance(absl::Milliseconds(100));
  ASSERT_THAT(source_->SyncOnce(), IsOk());
  EXPECT_EQ(Get("a"), nullptr);
  clock_.Advance(absl::Milliseconds(60));
  ASSERT_THAT(source_->SyncOnce(), IsOk());
  ASSERT_NE(Get("a"), nullptr);
  EXPECT_EQ(Get("a")->metadata.generation, 1);
  EXPECT_EQ(source_->PendingCount(), 0u);
}

TEST_F(ManifestSourceTest, NewFileStillOpenForWritingIsNotReadBeforeItIsClosed) {
  Write("a.yaml", WidgetYaml("a", "v1") + "---\n" + WidgetYaml("b", "v1"));
  Open();
  {
    std::ofstream out(M("new.yaml"));
    out << WidgetYaml("c", "v1") << std::flush;  // a slow writer, half way through
    ASSERT_THAT(source_->SyncOnce(), IsOk());
    clock_.Advance(absl::Seconds(1));
    ASSERT_THAT(source_->SyncOnce(), IsOk());
    EXPECT_EQ(Get("c"), nullptr);
    out << "---\n" << WidgetYaml("d", "v1");
  }
  Settle();
  EXPECT_EQ(Image("c"), "v1");
  EXPECT_EQ(Image("d"), "v1");
}

TEST_F(ManifestSourceTest, AWriterThatNeverClosesIsReadAfterTheLongestWait) {
  Open();
  std::ofstream out(M("new.yaml"));
  out << WidgetYaml("c", "v1") << std::flush;
  ASSERT_THAT(source_->SyncOnce(), IsOk());
  clock_.Advance(absl::Milliseconds(1999));
  ASSERT_THAT(source_->SyncOnce(), IsOk());
  EXPECT_EQ(Get("c"), nullptr);
  clock_.Advance(absl::Milliseconds(1));
  ASSERT_THAT(source_->SyncOnce(), IsOk());
  EXPECT_EQ(Image("c"), "v1");
}

TEST_F(ManifestSourceTest, EditBumpsGeneration) {
  Write("a.yaml", WidgetYaml("a", "v1"));
  Open();
  Write("a.yaml", WidgetYaml("a", "v2"));
  Settle();
  EXPECT_EQ(Image("a"), "v2");
  EXPECT_EQ(Get("a")->metadata.generation, 2);
}

TEST_F(ManifestSourceTest, BrokenEditKeepsTheObjectAndStallsItUntilFixed) {
  Write("a.yaml", WidgetYaml("a", "v1"));
  Open();
  const resources::ObjectPtr before = Get("a");
  Write("a.yaml", "apiVersion: nxt.io/v1alpha1\nkind: Widget\nmetadata: {name: a\nspec: [\n");
  Settle();
  EXPECT_EQ(Get("a"), before);  // the very same snapshot: untouched
  EXPECT_THAT(StalledMessage("a"), HasSubstr(M("a.yaml") + ":"));
  EXPECT_GT(error_count_, 0);
  EXPECT_THAT(source_->Errors(), Not(IsEmpty()));
  EXPECT_EQ(store_->Events(WidgetKey("a")).back().reason, "InvalidManifest");
  EXPECT_TRUE(deleted_.empty());

  Write("a.yaml", WidgetYaml("a", "v1"));
  Settle();
  EXPECT_EQ(StalledMessage("a"), "");
  EXPECT_TRUE(store_->ManifestErrors(WidgetKey("a")).empty());
  EXPECT_EQ(Get("a")->metadata.generation, 1);
  EXPECT_THAT(source_->Errors(), IsEmpty());
}

TEST_F(ManifestSourceTest, InvalidDocumentStallsItsObjectWithFieldAndPosition) {
  Write("a.yaml", WidgetYaml("a", "v1") + "---\n" + WidgetYaml("b", "v1"));
  Open();
  Write("a.yaml", WidgetYaml("a", "v1", -1) + "---\n" + WidgetYaml("b", "v2"));
  Settle();
  EXPECT_EQ(Image("a"), "v1");
  EXPECT_EQ(Get("a")->spec.at("replicas"), 1);
  EXPECT_THAT(StalledMessage("a"), HasSubstr(M("a.yaml") + ":7:3: spec.replicas"));
  EXPECT_EQ(Image("b"), "v2");  // the other document still applies
  EXPECT_EQ(StalledMessage("b"), "");
}

TEST_F(ManifestSourceTest, SemanticCheckRunsAgainstTheStoredObject) {
  Write("a.yaml", WidgetYaml("a", "v1", 1, "  zone: eu\n"));
  Open();
  Write("a.yaml", WidgetYaml("a", "v2", 1, "  zone: us\n"));
  Settle();
  EXPECT_EQ(Image("a"), "v1");
  EXPECT_THAT(StalledMessage("a"), HasSubstr(M("a.yaml") + ":8:3: spec.zone: field is immutable"));
}

TEST_F(ManifestSourceTest, SaveByRenameIsOneUpdateAndNoDelete) {
  Write("a.yaml", WidgetYaml("a", "v1"));
  Open();
  const std::string uid = Get("a")->metadata.uid;
  // What vim does: probe file, backup by rename, write the new file, drop the backup.
  Write("4913", "");
  fs::remove(M("4913"));
  fs::rename(M("a.yaml"), M("a.yaml~"));
  Write("a.yaml", WidgetYaml("a", "v2"));
  fs::remove(M("a.yaml~"));
  // And what most other tools do: write a temporary file, rename it over the original.
  Write(".a.yaml.tmp123", WidgetYaml("a", "v3"));
  fs::rename(M(".a.yaml.tmp123"), M("a.yaml"));
  Settle();
  EXPECT_EQ(Image("a"), "v3");
  EXPECT_EQ(Get("a")->metadata.generation, 2);
  EXPECT_EQ(Get("a")->metadata.uid, uid);
  EXPECT_TRUE(deleted_.empty());
}

TEST_F(ManifestSourceTest, DeletingTheFileDeletesTheObject) {
  Write("a.yaml", WidgetYaml("a", "v1") + "---\n" + WidgetYaml("b", "v1"));
  Open();
  fs::remove(M("a.yaml"));
  Settle();
  EXPECT_TRUE(IsDeleted("a"));
  EXPECT_TRUE(IsDeleted("b"));
  EXPECT_EQ(source_->FileOf(WidgetKey("a")), std::nullopt);
}

TEST_F(ManifestSourceTest, RemovingADocumentFromAGoodFileDeletesOnlyThatObject) {
  Write("a.yaml", WidgetYaml("a", "v1") + "---\n" + WidgetYaml("b", "v1"));
  Open();
  Write("a.yaml", WidgetYaml("a", "v1"));
  Settle();
  EXPECT_FALSE(IsDeleted("a"));
  EXPECT_TRUE(IsDeleted("b"));
}

TEST_F(ManifestSourceTest, DocumentWithUnreadableKeyDeletesNothing) {
  Write("a.yaml", WidgetYaml("a", "v1") + "---\n" + WidgetYaml("b", "v1"));
  Open();
  // b's name was removed by mistake: it might still be b, so b stays (and is stalled).
  Write("a.yaml", WidgetYaml("a", "v1") +
                      "---\napiVersion: nxt.io/v1alpha1\nkind: Widget\nmetadata: {}\n"
                      "spec: {image: v2}\n");
  Settle();
  EXPECT_FALSE(IsDeleted("b"));
  EXPECT_EQ(Image("b"), "v1");
  EXPECT_THAT(StalledMessage("b"), HasSubstr("metadata.name"));
  EXPECT_EQ(StalledMessage("a"), "");
}

TEST_F(ManifestSourceTest, DirectoriesCreatedOrMovedInAfterStartAreWatched) {
  Open();
  // Created together with a file before the event is handled: found by the scan.
  Write("new/a.yaml", WidgetYaml("a", "v1"));
  Settle();
  EXPECT_EQ(Image("a"), "v1");
  // A later file in that directory: found through the directory's own watch.
  Write("new/deeper/b.yaml", WidgetYaml("b", "v1"));
  Settle();
  EXPECT_EQ(Image("b"), "v1");
  Write("new/deeper/b.yaml", WidgetYaml("b", "v2"));
  Settle();
  EXPECT_EQ(Image("b"), "v2");

  // A tree moved in from outside, then out again.
  dir_.Write("outside/sub/c.yaml", WidgetYaml("c", "v1"));
  fs::rename(dir_.Join("outside"), M("moved"));
  Settle();
  EXPECT_EQ(Image("c"), "v1");
  Write("moved/sub/c.yaml", WidgetYaml("c", "v2"));
  Settle();
  EXPECT_EQ(Image("c"), "v2");
  fs::rename(M("moved"), dir_.Join("gone"));
  Settle();
  EXPECT_TRUE(IsDeleted("c"));
  dir_.Write("gone/sub/c.yaml", WidgetYaml("c", "v3"));  // no longer watched
  Settle();
  EXPECT_EQ(Image("c"), "v2");
}

TEST_F(ManifestSourceTest, DuplicateKeyInTwoFilesIsAnErrorOnTheLaterOne) {
  Write("a.yaml", WidgetYaml("web", "from-a"));
  Open();
  Write("b.yaml", "# comment\n" + WidgetYaml("web", "from-b"));
  Settle();
  EXPECT_EQ(Image("web"), "from-a");
  auto errors = source_->Errors();
  ASSERT_EQ(errors.count(M("b.yaml")), 1u);
  EXPECT_EQ(
      resources::JoinErrors(errors[M("b.yaml")]),
      M("b.yaml") + ":2:1: duplicate Widget default/web: also defined at " + M("a.yaml") + ":1:1");
  EXPECT_EQ(error_count_, 1);
  EXPECT_EQ(source_->FileOf(WidgetKey("web")), M("a.yaml"));
  EXPECT_EQ(store_->Events(WidgetKey("web")).back().reason, "DuplicateManifest");

  // When the first one goes away, the other takes over: no delete.
  fs::remove(M("a.yaml"));
  Settle();
  EXPECT_EQ(Image("web"), "from-b");
  EXPECT_FALSE(IsDeleted("web"));
  EXPECT_EQ(source_->FileOf(WidgetKey("web")), M("b.yaml"));
}

TEST_F(ManifestSourceTest, SymlinkLeavingTheDirectoryIsRefused) {
  Write("data/inside.txt", WidgetYaml("inside", "v1"));
  fs::create_symlink("/etc/passwd", M("passwd.yaml"));
  fs::create_directories(M("links"));
  fs::create_symlink("../data/inside.txt", M("links/alias.yml"));
  Open();
  auto errors = source_->Errors();
  ASSERT_EQ(errors.count(M("passwd.yaml")), 1u);
  EXPECT_THAT(resources::JoinErrors(errors[M("passwd.yaml")]),
              HasSubstr("symlink resolves outside the manifest directory (/etc/passwd); refused"));
  EXPECT_EQ(error_count_, 1);
  // A symlink that stays inside the directory is read.
  EXPECT_EQ(Image("inside"), "v1");
  EXPECT_EQ(errors.size(), 1u);
}

TEST(ManifestSourceRootTest, TheDirectoryMayItselfBeASymlink) {
  TempDir dir;
  fs::create_directories(dir.Join("checkout"));
  fs::create_symlink(dir.Join("checkout"), dir.Join("manifests"));
  dir.Write("checkout/a.yaml", WidgetYaml("a", "v1"));
  FakeClock clock;
  auto kinds = testing::WidgetRegistry();
  FileStore store(clock, dir.Join("state"));
  ASSERT_THAT(store.Load(), IsOk());
  ManifestSourceOptions options;
  options.dir = dir.Join("manifests") + "/";
  ManifestSource source(*kinds, store, clock, options);
  ASSERT_THAT(source.Open(), IsOk());
  EXPECT_EQ(source.dir(), dir.Join("manifests"));
  EXPECT_NE(store.Get(WidgetKey("a")), nullptr);
  dir.Write("checkout/b.yaml", WidgetYaml("b", "v1"));
  ASSERT_THAT(source.SyncOnce(), IsOk());
  clock.Advance(absl::Seconds(1));
  ASSERT_THAT(source.SyncOnce(), IsOk());
  EXPECT_NE(store.Get(WidgetKey("b")), nullptr);
  EXPECT_EQ(source.FileOf(WidgetKey("b")), dir.Join("manifests/b.yaml"));
}

TEST_F(ManifestSourceTest, MovingADocumentBetweenFilesNeverDeletesIt) {
  Write("a.yaml", WidgetYaml("a", "v1") + "---\n" + WidgetYaml("b", "v1"));
  Open();
  const std::string uid = Get("b")->metadata.uid;
  Write("b.yaml", WidgetYaml("b", "v1"));
  Write("a.yaml", WidgetYaml("a", "v1"));
  Settle();
  EXPECT_TRUE(deleted_.empty());
  EXPECT_EQ(Get("b")->metadata.uid, uid);
  EXPECT_EQ(Get("b")->metadata.generation, 1);
  EXPECT_EQ(source_->FileOf(WidgetKey("b")), M("b.yaml"));
  EXPECT_THAT(source_->Errors(), IsEmpty());

  // A whole file renamed, also into another directory.
  fs::create_directories(M("sub"));
  fs::rename(M("b.yaml"), M("sub/renamed.yaml"));
  Settle();
  EXPECT_TRUE(deleted_.empty());
  EXPECT_EQ(source_->FileOf(WidgetKey("b")), M("sub/renamed.yaml"));
}

TEST_F(ManifestSourceTest, QueueOverflowRescansEverything) {
  Write("a.yaml", WidgetYaml("a", "v1"));
  Write("b.yaml", WidgetYaml("b", "v1"));
  Open();
  // Pretend every event about these changes was lost.
  Write("a.yaml", WidgetYaml("a", "v2"));
  fs::remove(M("b.yaml"));
  Write("dir/c.yaml", WidgetYaml("c", "v1"));
  source_->HandleQueueOverflow();
  EXPECT_EQ(Image("a"), "v2");
  EXPECT_TRUE(IsDeleted("b"));
  EXPECT_EQ(Image("c"), "v1");
  EXPECT_EQ(source_->PendingCount(), 0u);
  // The new directory is watched after the rescan.
  Write("dir/d.yaml", WidgetYaml("d", "v1"));
  Settle();
  EXPECT_EQ(Image("d"), "v1");
}

TEST_F(ManifestSourceTest, RestartKeepsIdentityAndDeletesWhatVanishedMeanwhile) {
  Write("a.yaml", WidgetYaml("a", "v1"));
  Write("b.yaml", WidgetYaml("b", "v1"));
  Write("c.yaml", WidgetYaml("c", "v1"));
  Open();
  const std::string uid_a = Get("a")->metadata.uid;

  // nxtd stops; meanwhile b.yaml is removed and c.yaml broken.
  source_.reset();
  fs::remove(M("b.yaml"));
  Write("c.yaml", "kind: Widget\nmetadata: [\n");
  NewStore();
  Open();
  EXPECT_EQ(Get("a")->metadata.uid, uid_a);
  EXPECT_EQ(Get("a")->metadata.generation, 1);
  EXPECT_TRUE(IsDeleted("b"));
  EXPECT_FALSE(IsDeleted("c"));
  EXPECT_EQ(Image("c"), "v1");
  EXPECT_THAT(StalledMessage("c"), HasSubstr(M("c.yaml")));
  EXPECT_EQ(source_->FileOf(WidgetKey("c")), M("c.yaml"));
}

TEST_F(ManifestSourceTest, RescanReadsNamedFilesAtOnce) {
  Open();
  Write("a.yaml", WidgetYaml("a", "v1"));
  source_->Rescan({"a.yaml"});
  EXPECT_EQ(Image("a"), "v1");
  EXPECT_EQ(source_->PendingCount(), 0u);
  source_->Rescan({"/etc/passwd"});  // outside: ignored
  EXPECT_EQ(error_count_, 0);
}

TEST_F(ManifestSourceTest, TooLargeAndBinaryFilesAreRefused) {
  Write("a.yaml", WidgetYaml("a", "v1"));
  Open();
  Write("a.yaml", std::string("kind: Widget\n\0\x01", 15));
  Write("big.yaml", std::string(2 << 20, '#'));
  Settle();
  EXPECT_EQ(Image("a"), "v1");
  EXPECT_THAT(StalledMessage("a"), HasSubstr("binary"));
  EXPECT_THAT(resources::JoinErrors(source_->Errors()[M("big.yaml")]), HasSubstr("too large"));
}

// The real thing: the watcher thread, the real clock, real inotify.
TEST(ManifestSourceThreadTest, FollowsTheDirectoryOnItsOwn) {
  TempDir dir;
  std::filesystem::create_directories(dir.Join("m"));
  auto kinds = testing::WidgetRegistry();
  FileStore store(RealClock::Get(), dir.Join("state"));
  ASSERT_THAT(store.Load(), IsOk());
  ManifestSourceOptions options;
  options.dir = dir.Join("m");
  options.debounce = absl::Milliseconds(20);
  ManifestSource source(*kinds, store, RealClock::Get(), options);
  ASSERT_THAT(source.Start(), IsOk());
  auto wait_for = [&](const std::function<bool()>& done) {
    for (int i = 0; i < 500 && !done(); ++i) {
      ::usleep(10'000);
    }
    return done();
  };
  const ObjectKey key = WidgetKey("a");
  dir.Write("m/sub/a.yaml", WidgetYaml("a", "v1"));
  EXPECT_TRUE(wait_for([&] { return store.Get(key) != nullptr; }));
  dir.Write("m/sub/a.yaml", WidgetYaml("a", "v2"));
  EXPECT_TRUE(wait_for([&] {
    auto o = store.Get(key);
    return o != nullptr && o->metadata.generation == 2;
  }));
  dir.Write("m/sub/a.yaml", "kind: [\n");
  EXPECT_TRUE(wait_for([&] { return !store.ManifestErrors(key).empty(); }));
  EXPECT_EQ(store.Get(key)->metadata.generation, 2);
  std::filesystem::remove(dir.Join("m/sub/a.yaml"));
  EXPECT_TRUE(wait_for([&] {
    auto o = store.Get(key);
    return o != nullptr && o->metadata.deletion_timestamp != absl::InfinitePast();
  }));
  source.Stop();
}

}  // namespace
}  // namespace nxt::reconciler
