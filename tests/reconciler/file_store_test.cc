#include "reconciler/file_store.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace nxt::reconciler {
namespace {

using ::nxt::testing::FakeClock;
using ::nxt::testing::IsOk;
using ::nxt::testing::StatusIs;
using ::nxt::testing::TempDir;
using resources::Condition;
using resources::Object;
using resources::ObjectKey;
using resources::ObjectStatus;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

Object Widget(const std::string& name, const std::string& image, int replicas = 1) {
  Object o;
  o.kind = "Widget";
  o.metadata.name = name;
  o.spec["image"] = image;
  o.spec["replicas"] = replicas;
  o.source = {"/m/" + name + ".yaml", 1, 1};
  return o;
}

ObjectKey Key(const std::string& name) { return {"Widget", "default", name}; }

mode_t ModeOf(const std::string& path) {
  struct stat st;
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

class FileStoreTest : public ::testing::Test {
 protected:
  FileStoreTest() { Reopen(); }

  void Reopen() {
    store_ = std::make_unique<FileStore>(clock_, dir_.Join("state"));
    ASSERT_THAT(store_->Load(), IsOk());
  }

  std::string StateFile(const std::string& name) const {
    return dir_.Join("state/objects/Widget/default/" + name + ".json");
  }

  TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<FileStore> store_;
};

TEST_F(FileStoreTest, ApplyCreatesWithGenerationOneUidAndCreationTime) {
  EXPECT_EQ(store_->Apply(Widget("web", "nginx")), ApplyOutcome::kCreated);
  resources::ObjectPtr got = store_->Get(Key("web"));
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(got->metadata.generation, 1);
  EXPECT_THAT(got->metadata.uid, MatchesRegex("[0-9a-f]{32}"));
  EXPECT_EQ(got->metadata.creation_timestamp, clock_.Now());
  EXPECT_EQ(got->metadata.deletion_timestamp, absl::InfinitePast());
  EXPECT_EQ(got->spec.at("image"), "nginx");
  EXPECT_STREQ(ApplyOutcomeName(ApplyOutcome::kCreated), "created");
}

TEST_F(FileStoreTest, UidsDifferBetweenObjects) {
  store_->Apply(Widget("a", "x"));
  store_->Apply(Widget("b", "x"));
  EXPECT_NE(store_->Get(Key("a"))->metadata.uid, store_->Get(Key("b"))->metadata.uid);
}

TEST_F(FileStoreTest, GenerationBumpsOnlyOnSpecLabelOrAnnotationChange) {
  store_->Apply(Widget("web", "nginx"));
  const std::string uid = store_->Get(Key("web"))->metadata.uid;

  Object moved = Widget("web", "nginx");
  moved.source = {"/m/other.yaml", 7, 1};  // same content, another place
  EXPECT_EQ(store_->Apply(moved), ApplyOutcome::kUnchanged);
  EXPECT_EQ(store_->Get(Key("web"))->source.file, "/m/other.yaml");

  Object reordered = Widget("web", "nginx");
  reordered.spec = boost::json::object{{"replicas", 1}, {"image", "nginx"}};
  EXPECT_EQ(store_->Apply(reordered), ApplyOutcome::kUnchanged);
  EXPECT_EQ(store_->Get(Key("web"))->metadata.generation, 1);

  EXPECT_EQ(store_->Apply(Widget("web", "nginx", 3)), ApplyOutcome::kConfigured);
  EXPECT_EQ(store_->Get(Key("web"))->metadata.generation, 2);

  Object labelled = Widget("web", "nginx", 3);
  labelled.metadata.labels["tier"] = "front";
  EXPECT_EQ(store_->Apply(labelled), ApplyOutcome::kConfigured);
  EXPECT_EQ(store_->Get(Key("web"))->metadata.generation, 3);

  labelled.metadata.annotations["note"] = "x";
  EXPECT_EQ(store_->Apply(labelled), ApplyOutcome::kConfigured);
  EXPECT_EQ(store_->Get(Key("web"))->metadata.generation, 4);
  EXPECT_EQ(store_->Get(Key("web"))->metadata.uid, uid);
}

TEST_F(FileStoreTest, StateSurvivesANewStoreOnTheSameDirectory) {
  store_->Apply(Widget("web", "nginx"));
  store_->Apply(Widget("web", "nginx", 2));
  ObjectStatus status;
  status.observed_generation = 2;
  status.SetCondition(Condition{"Ready", "True", "AllReady", "2/2", clock_.Now()});
  status.fields["readyReplicas"] = 2;
  EXPECT_TRUE(store_->UpdateStatus(Key("web"), status).ok());
  EXPECT_TRUE(store_->RecordEvent(Key("web"), "Normal", "Created", "created web-0").ok());
  clock_.Advance(absl::Seconds(5));
  EXPECT_TRUE(store_->RecordEvent(Key("web"), "Normal", "Created", "created web-0").ok());
  const resources::ObjectPtr before = store_->Get(Key("web"));

  Reopen();
  resources::ObjectPtr after = store_->Get(Key("web"));
  ASSERT_NE(after, nullptr);
  EXPECT_EQ(after->metadata.uid, before->metadata.uid);
  EXPECT_EQ(after->metadata.generation, 2);
  EXPECT_EQ(after->metadata.creation_timestamp, before->metadata.creation_timestamp);
  EXPECT_EQ(after->spec, before->spec);
  std::optional<ObjectStatus> got = store_->GetStatus(Key("web"));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->observed_generation, 2);
  EXPECT_EQ(got->conditions, status.conditions);
  EXPECT_EQ(got->fields.at("readyReplicas"), 2);
  std::vector<Event> events = store_->Events(Key("web"));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].count, 2);
  EXPECT_EQ(events[0].last_seen - events[0].first_seen, absl::Seconds(5));

  // The same manifest after the restart changes nothing; a new one bumps.
  EXPECT_EQ(store_->Apply(Widget("web", "nginx", 2)), ApplyOutcome::kUnchanged);
  EXPECT_EQ(store_->Get(Key("web"))->metadata.generation, 2);
  EXPECT_EQ(store_->Apply(Widget("web", "nginx", 4)), ApplyOutcome::kConfigured);
  EXPECT_EQ(store_->Get(Key("web"))->metadata.generation, 3);
  EXPECT_EQ(store_->Get(Key("web"))->metadata.uid, before->metadata.uid);
}

TEST_F(FileStoreTest, IdenticalEventsAreCountedAndOnlyTheNewest50Kept) {
  store_->Apply(Widget("web", "nginx"));
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(store_->RecordEvent(Key("web"), "Warning", "BackOff", "restarting").ok());
    clock_.Advance(absl::Seconds(1));
  }
  EXPECT_TRUE(store_->RecordEvent(Key("web"), "Normal", "Started", "ok").ok());
  std::vector<Event> events = store_->Events(Key("web"));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].count, 3);
  EXPECT_EQ(events[0].last_seen - events[0].first_seen, absl::Seconds(2));
  EXPECT_EQ(events[1].reason, "Started");

  for (int i = 0; i < 60; ++i) {
    EXPECT_TRUE(store_->RecordEvent(Key("web"), "Normal", "Step", absl::StrCat("step ", i)).ok());
  }
  events = store_->Events(Key("web"));
  ASSERT_EQ(events.size(), FileStore::kMaxEventsPerObject);
  EXPECT_EQ(events.front().message, "step 10");
  EXPECT_EQ(events.back().message, "step 59");
}

TEST_F(FileStoreTest, EventsAndStatusOfAbsentObjectsAreIgnored) {
  EXPECT_TRUE(store_->RecordEvent(Key("ghost"), "Normal", "X", "y").ok());
  EXPECT_TRUE(store_->UpdateStatus(Key("ghost"), ObjectStatus{}).ok());
  EXPECT_TRUE(store_->Events(Key("ghost")).empty());
  EXPECT_FALSE(store_->GetStatus(Key("ghost")).has_value());
  EXPECT_FALSE(std::filesystem::exists(StateFile("ghost")));
}

TEST_F(FileStoreTest, ManifestErrorsAreMergedIntoStatusUntilCleared) {
  store_->Apply(Widget("web", "nginx"));
  ObjectStatus controller;
  controller.SetCondition(Condition{"Ready", "True", "AllReady", "", clock_.Now()});
  controller.SetCondition(Condition{"Stalled", "False", "Ok", "", clock_.Now()});
  EXPECT_TRUE(store_->UpdateStatus(Key("web"), controller).ok());
  std::vector<ObjectKey> notified;
  store_->AddListener([&](const ObjectKey& key) { notified.push_back(key); });

  std::vector<resources::FieldError> errors = {
      {{"/m/web.yaml", 5, 3}, "spec.replicas", "must be >= 0"}};
  store_->SetManifestErrors(Key("web"), errors);
  EXPECT_THAT(notified, ElementsAre(Key("web")));
  std::optional<ObjectStatus> status = store_->GetStatus(Key("web"));
  ASSERT_TRUE(status.has_value());
  const Condition* stalled = status->FindCondition("Stalled");
  ASSERT_NE(stalled, nullptr);
  EXPECT_EQ(stalled->status, "True");
  EXPECT_EQ(stalled->reason, "InvalidManifest");
  EXPECT_EQ(stalled->message, "/m/web.yaml:5:3: spec.replicas: must be >= 0");
  EXPECT_EQ(status->FindCondition("Ready")->status, "True");
  EXPECT_EQ(store_->ManifestErrors(Key("web")).size(), 1u);
  std::vector<Event> events = store_->Events(Key("web"));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "Warning");
  EXPECT_EQ(events[0].reason, "InvalidManifest");
  EXPECT_THAT(events[0].message, HasSubstr("spec.replicas: must be >= 0"));

  // The same errors again: no new event, no notification.
  store_->SetManifestErrors(Key("web"), errors);
  EXPECT_EQ(store_->Events(Key("web")).size(), 1u);
  EXPECT_EQ(notified.size(), 1u);

  // Whatever the controller writes meanwhile, Stalled shows the manifest errors.
  EXPECT_TRUE(store_->UpdateStatus(Key("web"), controller).ok());
  EXPECT_EQ(store_->GetStatus(Key("web"))->FindCondition("Stalled")->status, "True");
  // The object itself was not touched.
  EXPECT_EQ(store_->Get(Key("web"))->metadata.generation, 1);

  store_->SetManifestErrors(Key("web"), {});
  EXPECT_EQ(notified.size(), 2u);
  status = store_->GetStatus(Key("web"));
  EXPECT_EQ(status->FindCondition("Stalled")->status, "False");
  EXPECT_EQ(status->FindCondition("Stalled")->reason, "Ok");
  EXPECT_TRUE(store_->ManifestErrors(Key("web")).empty());
}

TEST_F(FileStoreTest, ApplyClearsManifestErrors) {
  store_->Apply(Widget("web", "nginx"));
  store_->SetManifestErrors(Key("web"), {{{"/m/web.yaml", 1, 1}, "", "bad"}});
  EXPECT_EQ(store_->Apply(Widget("web", "nginx")), ApplyOutcome::kUnchanged);
  EXPECT_TRUE(store_->ManifestErrors(Key("web")).empty());
  EXPECT_EQ(store_->GetStatus(Key("web"))->FindCondition("Stalled"), nullptr);
}

TEST_F(FileStoreTest, ManifestErrorsOfAnAbsentObjectAreKeptButHaveNoStatus) {
  store_->SetManifestErrors(Key("new"), {{{"/m/new.yaml", 1, 1}, "", "bad"}});
  EXPECT_EQ(store_->ManifestErrors(Key("new")).size(), 1u);
  EXPECT_FALSE(store_->GetStatus(Key("new")).has_value());
  EXPECT_EQ(store_->Get(Key("new")), nullptr);
}

TEST_F(FileStoreTest, DeleteMarksAndFinalizeRemovesEverything) {
  store_->Apply(Widget("web", "nginx"));
  EXPECT_TRUE(store_->RecordEvent(Key("web"), "Normal", "Created", "x").ok());
  EXPECT_THAT(store_->Delete(Key("nope")), StatusIs(absl::StatusCode::kNotFound));

  clock_.Advance(absl::Seconds(3));
  ASSERT_THAT(store_->Delete(Key("web")), IsOk());
  resources::ObjectPtr deleted = store_->Get(Key("web"));
  ASSERT_NE(deleted, nullptr);
  EXPECT_EQ(deleted->metadata.deletion_timestamp, clock_.Now());
  clock_.Advance(absl::Seconds(3));
  ASSERT_THAT(store_->Delete(Key("web")), IsOk());  // idempotent, timestamp kept
  EXPECT_EQ(store_->Get(Key("web"))->metadata.deletion_timestamp,
            deleted->metadata.deletion_timestamp);

  // Still there after a restart, for the controller to finish the teardown.
  Reopen();
  ASSERT_NE(store_->Get(Key("web")), nullptr);
  EXPECT_EQ(store_->Get(Key("web"))->metadata.deletion_timestamp,
            deleted->metadata.deletion_timestamp);
  EXPECT_EQ(store_->Events(Key("web")).size(), 1u);

  store_->Finalize(Key("web"));
  EXPECT_EQ(store_->Get(Key("web")), nullptr);
  EXPECT_TRUE(store_->Events(Key("web")).empty());
  EXPECT_FALSE(std::filesystem::exists(StateFile("web")));
  Reopen();
  EXPECT_EQ(store_->Get(Key("web")), nullptr);
}

TEST_F(FileStoreTest, FinalizeOfALiveObjectIsIgnored) {
  store_->Apply(Widget("web", "nginx"));
  store_->Finalize(Key("web"));
  EXPECT_NE(store_->Get(Key("web")), nullptr);
}

TEST_F(FileStoreTest, ReapplyResurrectsADeletedObject) {
  store_->Apply(Widget("web", "nginx"));
  const std::string uid = store_->Get(Key("web"))->metadata.uid;
  ASSERT_THAT(store_->Delete(Key("web")), IsOk());
  EXPECT_EQ(store_->Apply(Widget("web", "nginx")), ApplyOutcome::kConfigured);
  resources::ObjectPtr got = store_->Get(Key("web"));
  EXPECT_EQ(got->metadata.deletion_timestamp, absl::InfinitePast());
  EXPECT_EQ(got->metadata.generation, 1);
  EXPECT_EQ(got->metadata.uid, uid);
}

TEST_F(FileStoreTest, FilesAre0600AndDirectories0700) {
  store_->Apply(Widget("web", "nginx"));
  EXPECT_EQ(ModeOf(StateFile("web")), 0600u);
  EXPECT_EQ(ModeOf(dir_.Join("state/objects")), 0700u);
  EXPECT_EQ(ModeOf(dir_.Join("state/objects/Widget")), 0700u);
  EXPECT_EQ(ModeOf(dir_.Join("state/objects/Widget/default")), 0700u);
  // No temporary file left behind.
  int entries = 0;
  for (const auto& e :
       std::filesystem::directory_iterator(dir_.Join("state/objects/Widget/default"))) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 1);
}

TEST_F(FileStoreTest, ListIsSortedAndFilteredByKind) {
  store_->Apply(Widget("b", "x"));
  store_->Apply(Widget("a", "x"));
  Object other = Widget("c", "x");
  other.kind = "Gadget";
  store_->Apply(other);
  std::vector<std::string> names;
  for (const auto& o : store_->List("Widget")) {
    names.push_back(o->metadata.name);
  }
  EXPECT_THAT(names, ElementsAre("a", "b"));
  EXPECT_EQ(store_->List("").size(), 3u);
}

TEST_F(FileStoreTest, ListenersRunOutsideTheLockAndOnlyForDesiredStateChanges) {
  int calls = 0;
  store_->AddListener([&](const ObjectKey& key) {
    ++calls;
    EXPECT_NE(store_->Get(key), nullptr);  // would deadlock if called under the lock
  });
  store_->Apply(Widget("web", "nginx"));
  store_->Apply(Widget("web", "nginx"));  // unchanged
  ObjectStatus status;
  status.observed_generation = 1;
  EXPECT_TRUE(store_->UpdateStatus(Key("web"), status).ok());
  EXPECT_TRUE(store_->RecordEvent(Key("web"), "Normal", "X", "y").ok());
  EXPECT_EQ(calls, 1);
  store_->Apply(Widget("web", "nginx", 2));
  ASSERT_THAT(store_->Delete(Key("web")), IsOk());
  EXPECT_EQ(calls, 3);
}

TEST_F(FileStoreTest, CorruptAndTemporaryStateFilesAreSkipped) {
  store_->Apply(Widget("web", "nginx"));
  std::filesystem::create_directories(dir_.Join("state/objects/Widget/default"));
  std::ofstream(StateFile("broken")) << "{not json";
  std::ofstream(dir_.Join("state/objects/Widget/default/.tmp-x.json-abc")) << "partial";
  Reopen();
  EXPECT_NE(store_->Get(Key("web")), nullptr);
  EXPECT_EQ(store_->Get(Key("broken")), nullptr);
  EXPECT_FALSE(std::filesystem::exists(dir_.Join("state/objects/Widget/default/.tmp-x.json-abc")));
}

TEST_F(FileStoreTest, AStatusTheDiskRefusedIsReportedAndWrittenByTheNextUpdate) {
  store_->Apply(Widget("web", "nginx"));
  ObjectStatus status;
  status.observed_generation = 1;
  // A rename onto a non-empty directory fails: the state file cannot be replaced.
  std::filesystem::remove(StateFile("web"));
  std::filesystem::create_directories(StateFile("web") + "/in-the-way");
  EXPECT_THAT(store_->UpdateStatus(Key("web"), status), ::testing::Not(IsOk()));
  EXPECT_EQ(store_->GetStatus(Key("web"))->observed_generation, 1) << "kept in memory";
  std::filesystem::remove_all(StateFile("web"));
  // The same status again: written this time, although it equals the one in memory.
  EXPECT_THAT(store_->UpdateStatus(Key("web"), status), IsOk());
  Reopen();
  ASSERT_TRUE(store_->GetStatus(Key("web")).has_value());
  EXPECT_EQ(store_->GetStatus(Key("web"))->observed_generation, 1);
}

}  // namespace
}  // namespace nxt::reconciler
