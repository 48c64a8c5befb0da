// An in-memory reconciler::Store for unit tests: the Store contract without the disk.
// Apply fills in the CRD's defaults of a built-in kind (testing::Defaulted), as every
// object nxtd stores has come through ParseManifest, which does: a test may build a spec
// by hand with only the fields it cares about.
// Generation: 1 on create, +1 when spec, labels or annotations change. Events: identical
// (type, reason, message) as the last one increments its count; newest 50 kept.
// Does NOT model: persistence (FailWrites stands in for a refused write), manifest-error merging
// into status beyond a Stalled condition, listener ordering guarantees across threads. Thread-safe;
// listeners are called outside the lock.
#ifndef NXT_TESTS_TESTING_FAKE_STORE_H_
#define NXT_TESTS_TESTING_FAKE_STORE_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "reconciler/store.h"
#include "tests/testing/builtin_kinds.h"

namespace nxt::testing {

class FakeStore : public reconciler::Store {
 public:
  explicit FakeStore(const Clock& clock) : clock_(clock) {}

  resources::ObjectPtr Get(const resources::ObjectKey& key) const override {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(key);
    return it == entries_.end() ? nullptr : it->second.object;
  }

  std::vector<resources::ObjectPtr> List(const std::string& kind) const override {
    absl::MutexLock lock(&mu_);
    std::vector<resources::ObjectPtr> out;
    for (const auto& [key, e] : entries_) {
      if (kind.empty() || key.kind == kind) out.push_back(e.object);
    }
    return out;
  }

  reconciler::ApplyOutcome Apply(resources::Object object) override {
    object = Defaulted(std::move(object));
    const resources::ObjectKey key = object.Key();
    reconciler::ApplyOutcome outcome;
    {
      absl::MutexLock lock(&mu_);
      auto it = entries_.find(key);
      if (it == entries_.end()) {
        object.metadata.generation = 1;
        object.metadata.uid = absl::StrCat("uid-", ++next_uid_);
        object.metadata.creation_timestamp = clock_.Now();
        outcome = reconciler::ApplyOutcome::kCreated;
      } else {
        const resources::Object& old = *it->second.object;
        bool changed = old.spec != object.spec || old.metadata.labels != object.metadata.labels ||
                       old.metadata.annotations != object.metadata.annotations;
        bool resurrected = old.metadata.deletion_timestamp != absl::InfinitePast();
        object.metadata.generation = old.metadata.generation + (changed ? 1 : 0);
        object.metadata.uid = old.metadata.uid;
        object.metadata.creation_timestamp = old.metadata.creation_timestamp;
        object.metadata.deletion_timestamp = absl::InfinitePast();
        outcome = changed || resurrected ? reconciler::ApplyOutcome::kConfigured
                                         : reconciler::ApplyOutcome::kUnchanged;
      }
      entries_[key].object = std::make_shared<const resources::Object>(std::move(object));
      entries_[key].errors.clear();
    }
    if (outcome != reconciler::ApplyOutcome::kUnchanged) Notify(key);
    return outcome;
  }

  absl::Status Delete(const resources::ObjectKey& key) override {
    {
      absl::MutexLock lock(&mu_);
      auto it = entries_.find(key);
      if (it == entries_.end()) return absl::NotFoundError(key.ToString());
      auto copy = std::make_shared<resources::Object>(*it->second.object);
      copy->metadata.deletion_timestamp = clock_.Now();
      it->second.object = std::move(copy);
    }
    Notify(key);
    return absl::OkStatus();
  }

  void Finalize(const resources::ObjectKey& key) override {
    {
      absl::MutexLock lock(&mu_);
      entries_.erase(key);
      ++finalized_;
    }
    Notify(key);
  }

  void SetManifestErrors(const resources::ObjectKey& key,
                         std::vector<resources::FieldError> errors) override {
    {
      absl::MutexLock lock(&mu_);
      auto it = entries_.find(key);
      if (it == entries_.end()) return;
      it->second.errors = std::move(errors);
    }
    Notify(key);
  }

  std::vector<resources::FieldError> ManifestErrors(
      const resources::ObjectKey& key) const override {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(key);
    return it == entries_.end() ? std::vector<resources::FieldError>{} : it->second.errors;
  }

  std::optional<resources::ObjectStatus> GetStatus(const resources::ObjectKey& key) const override {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(key);
    if (it == entries_.end() || !it->second.status.has_value()) return std::nullopt;
    return it->second.status;
  }

  absl::Status UpdateStatus(const resources::ObjectKey& key,
                            resources::ObjectStatus status) override {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(key);
    // As the Store contract says: an identical status is not written.
    if (it == entries_.end() || (it->second.status == status && write_error_.ok())) {
      return absl::OkStatus();
    }
    if (!write_error_.ok()) return write_error_;  // kept out, as a refused disk write
    it->second.status = std::move(status);
    ++status_writes_;
    return absl::OkStatus();
  }

  absl::Status RecordEvent(const resources::ObjectKey& key, const std::string& type,
                           const std::string& reason, const std::string& message) override {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return absl::OkStatus();
    std::vector<reconciler::Event>& events = it->second.events;
    absl::Time now = clock_.Now();
    if (!events.empty() && events.back().type == type && events.back().reason == reason &&
        events.back().message == message) {
      ++events.back().count;
      events.back().last_seen = now;
      return write_error_;
    }
    events.push_back({type, reason, message, 1, now, now});
    if (events.size() > 50) events.erase(events.begin());
    return write_error_;
  }

  std::vector<reconciler::Event> Events(const resources::ObjectKey& key) const override {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(key);
    return it == entries_.end() ? std::vector<reconciler::Event>{} : it->second.events;
  }

  void AddListener(Listener listener) override {
    absl::MutexLock lock(&mu_);
    listeners_.push_back(std::move(listener));
  }

  // From now on UpdateStatus and RecordEvent fail with `error` (OK: they work again):
  // a status is then not written, an event is kept in memory, as FileStore does when the
  // state directory refuses a write.
  void FailWrites(absl::Status error) {
    absl::MutexLock lock(&mu_);
    write_error_ = std::move(error);
  }

  int status_writes() const {
    absl::MutexLock lock(&mu_);
    return status_writes_;
  }
  int finalized() const {
    absl::MutexLock lock(&mu_);
    return finalized_;
  }

 private:
  struct Entry {
    resources::ObjectPtr object;
    std::optional<resources::ObjectStatus> status;
    std::vector<reconciler::Event> events;
    std::vector<resources::FieldError> errors;
  };

  void Notify(const resources::ObjectKey& key) {
    std::vector<Listener> listeners;
    {
      absl::MutexLock lock(&mu_);
      listeners = listeners_;
    }
    for (const Listener& l : listeners) l(key);
  }

  const Clock& clock_;
  mutable absl::Mutex mu_;
  std::map<resources::ObjectKey, Entry> entries_ ABSL_GUARDED_BY(mu_);
  std::vector<Listener> listeners_ ABSL_GUARDED_BY(mu_);
  int next_uid_ ABSL_GUARDED_BY(mu_) = 0;
  int status_writes_ ABSL_GUARDED_BY(mu_) = 0;
  int finalized_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status write_error_ ABSL_GUARDED_BY(mu_);
};

}  // namespace nxt::testing

#endif  // NXT_TESTS_TESTING_FAKE_STORE_H_
