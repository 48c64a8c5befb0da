// The fixture of the ManifestSource tests: a real directory, a FileStore, real inotify,
// driven by SyncOnce and a fake clock.
#ifndef NXT_TESTS_RECONCILER_MANIFEST_SOURCE_FIXTURE_H_
#define NXT_TESTS_RECONCILER_MANIFEST_SOURCE_FIXTURE_H_

#include <unistd.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "reconciler/file_store.h"
#include "reconciler/manifest_source.h"
#include "tests/reconciler/state_test_util.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace nxt::reconciler {

namespace fs = std::filesystem;
using ::nxt::testing::FakeClock;
using ::nxt::testing::IsOk;
using ::nxt::testing::TempDir;
using resources::ObjectKey;
using testing::WidgetKey;
using testing::WidgetYaml;

// Driven by SyncOnce and a fake clock: deterministic, but with real inotify events.
class ManifestSourceTest : public ::testing::Test {
 protected:
  ManifestSourceTest() : kinds_(testing::WidgetRegistry()) {
    fs::create_directories(Manifests());
    NewStore();
  }

  std::string Manifests() const { return dir_.Join("manifests"); }
  std::string M(const std::string& rel) const { return Manifests() + "/" + rel; }

  void NewStore() {
    source_.reset();
    store_ = std::make_unique<FileStore>(clock_, dir_.Join("state"));
    ASSERT_THAT(store_->Load(), IsOk());
    store_->AddListener([this](const ObjectKey& key) {
      resources::ObjectPtr o = store_->Get(key);
      if (o != nullptr && o->metadata.deletion_timestamp != absl::InfinitePast()) {
        deleted_.push_back(key);
      }
    });
  }

  void Open() {
    ManifestSourceOptions options;
    options.dir = Manifests();
    options.debounce = absl::Milliseconds(150);
    options.on_manifest_errors = [this](int n) { error_count_ += n; };
    options.source_record = record_;
    options.trusted_uid = ::geteuid();
    options.add_watch = add_watch_;
    source_ = std::make_unique<ManifestSource>(*kinds_, *store_, clock_, options);
    ASSERT_THAT(source_->Open(), IsOk());
  }

  void Write(const std::string& rel, const std::string& content) {
    dir_.Write("manifests/" + rel, content);
  }

  // Lets the debounce window pass and processes what inotify reported.
  void Settle() {
    ASSERT_THAT(source_->SyncOnce(), IsOk());
    clock_.Advance(absl::Milliseconds(200));
    ASSERT_THAT(source_->SyncOnce(), IsOk());
  }

  resources::ObjectPtr Get(const std::string& name) { return store_->Get(WidgetKey(name)); }
  std::string Image(const std::string& name) {
    resources::ObjectPtr o = Get(name);
    return o == nullptr ? "" : std::string(o->spec.at("image").as_string());
  }
  std::string StalledMessage(const std::string& name) {
    std::optional<resources::ObjectStatus> s = store_->GetStatus(WidgetKey(name));
    const resources::Condition* c = s ? s->FindCondition("Stalled") : nullptr;
    return c != nullptr && c->reason == "InvalidManifest" ? c->message : "";
  }
  bool IsDeleted(const std::string& name) {
    resources::ObjectPtr o = Get(name);
    return o != nullptr && o->metadata.deletion_timestamp != absl::InfinitePast();
  }

  TempDir dir_;
  FakeClock clock_;
  std::shared_ptr<const resources::KindRegistry> kinds_;
  std::unique_ptr<FileStore> store_;
  std::unique_ptr<ManifestSource> source_;
  std::vector<ObjectKey> deleted_;
  int error_count_ = 0;
  // Options of the next Open(): the source record ("" none) and an inotify_add_watch
  // replacement for fault injection.
  std::string record_;
  std::function<int(int, const std::string&, uint32_t)> add_watch_;
};

}  // namespace nxt::reconciler

#endif  // NXT_TESTS_RECONCILER_MANIFEST_SOURCE_FIXTURE_H_
