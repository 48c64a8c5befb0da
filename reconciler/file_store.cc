#include "reconciler/file_store.h"

#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <filesystem>
#include <memory>
#include <system_error>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "reconciler/state_codec.h"
#include "reconciler/state_files.h"

namespace nxt::reconciler {
namespace {

using resources::Object;
using resources::ObjectKey;
using resources::ObjectPtr;

bool SafePathComponent(const std::string& s) {
  return !s.empty() && s != "." && s != ".." && s.find('/') == std::string::npos &&
         s.find('\0') == std::string::npos;
}

void LogIoError(const std::string& what, const ObjectKey& key, const absl::Status& status) {
  Log(LogLevel::kError, "store", what,
      {{"key", key.ToString()}, {"error", std::string(status.message())}});
}

// FieldError's operator== needs SourcePosition's, which object.h does not declare.
bool SameErrors(const std::vector<resources::FieldError>& a,
                const std::vector<resources::FieldError>& b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](const auto& x, const auto& y) {
           return x.position.file == y.position.file && x.position.line == y.position.line &&
                  x.position.column == y.position.column && x.field_path == y.field_path &&
                  x.message == y.message;
         });
}

}  // namespace

const char* ApplyOutcomeName(ApplyOutcome outcome) {
  switch (outcome) {
    case ApplyOutcome::kCreated:
      return "created";
    case ApplyOutcome::kConfigured:
      return "configured";
    case ApplyOutcome::kUnchanged:
      return "unchanged";
  }
  return "unknown";
}

FileStore::FileStore(Clock& clock, std::string state_dir)
    : clock_(clock), state_dir_(std::move(state_dir)), objects_dir_(state_dir_ + "/objects") {}

absl::Status FileStore::Load() {
  absl::Status made = MakeDirs(objects_dir_, 0700);
  if (!made.ok()) {
    return made;
  }
  std::error_code ec;
  std::vector<std::string> files;
  for (auto it = std::filesystem::recursive_directory_iterator(objects_dir_, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) {
      continue;
    }
    const std::string name = it->path().filename().string();
    if (absl::StartsWith(name, ".tmp-")) {
      std::filesystem::remove(it->path(), ec);  // an interrupted write: the old file holds
      ec.clear();
    } else if (absl::EndsWith(name, ".json")) {
      files.push_back(it->path().string());
    }
  }
  if (ec) {
    return absl::InternalError(absl::StrCat("read ", objects_dir_, ": ", ec.message()));
  }
  std::sort(files.begin(), files.end());
  for (const std::string& file : files) {
    absl::Status status = LoadFile(file);
    if (!status.ok()) {
      Log(LogLevel::kWarning, "store", "skipping unreadable state file",
          {{"file", file}, {"error", std::string(status.message())}});
    }
  }
  return absl::OkStatus();
}

absl::Status FileStore::LoadFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) {
    return text.status();
  }
  absl::StatusOr<PersistedRecord> decoded = DecodeRecord(*text);
  if (!decoded.ok()) {
    return decoded.status();
  }
  const ObjectKey key = decoded->object.Key();
  if (PathOf(key) != path) {
    return absl::InvalidArgumentError(
        absl::StrCat("holds ", key.ToString(), ", which belongs in ", PathOf(key)));
  }
  Record record;
  record.canonical = CanonicalDesiredState(decoded->object);
  record.object = std::make_shared<const Object>(std::move(decoded->object));
  record.status = std::move(decoded->status);
  record.events.assign(decoded->events.begin(), decoded->events.end());
  absl::MutexLock lock(&mu_);
  records_[key] = std::move(record);
  return absl::OkStatus();
}

std::string FileStore::PathOf(const ObjectKey& key) const {
  if (!SafePathComponent(key.kind) || !SafePathComponent(key.namespace_) ||
      !SafePathComponent(key.name)) {
    return "";
  }
  return absl::StrCat(objects_dir_, "/", key.kind, "/", key.namespace_, "/", key.name, ".json");
}

ObjectPtr FileStore::Get(const ObjectKey& key) const {
  absl::MutexLock lock(&mu_);
  auto it = records_.find(key);
  return it == records_.end() ? nullptr : it->second.object;
}

std::vector<ObjectPtr> FileStore::List(const std::string& kind) const {
  absl::MutexLock lock(&mu_);
  std::vector<ObjectPtr> out;
  for (const auto& [key, record] : records_) {
    if (kind.empty() || key.kind == kind) {
      out.push_back(record.object);
    }
  }
  return out;  // records_ is ordered by key
}

ApplyOutcome FileStore::Apply(Object object) {
  const ObjectKey key = object.Key();
  std::string canonical = CanonicalDesiredState(object);
  ApplyOutcome outcome = ApplyOutcome::kUnchanged;
  bool notify = false;
  bool persist = true;
  {
    absl::MutexLock lock(&mu_);
    notify = manifest_errors_.erase(key) > 0;
    object.metadata.deletion_timestamp = absl::InfinitePast();
    auto it = records_.find(key);
    if (it == records_.end()) {
      object.metadata.uid = RandomHex(16);
      object.metadata.generation = 1;
      object.metadata.creation_timestamp = clock_.Now();
      outcome = ApplyOutcome::kCreated;
      Record& record = records_[key];
      record.canonical = std::move(canonical);
      record.object = std::make_shared<const Object>(std::move(object));
      notify = true;
    } else {
      Record& record = it->second;
      const Object& current = *record.object;
      const bool same = record.canonical == canonical;
      const bool resurrected = current.metadata.deletion_timestamp != absl::InfinitePast();
      object.metadata.uid = current.metadata.uid;
      object.metadata.creation_timestamp = current.metadata.creation_timestamp;
      object.metadata.generation = current.metadata.generation + (same ? 0 : 1);
      if (same && !resurrected) {
        outcome = ApplyOutcome::kUnchanged;
        persist = current.source.file != object.source.file;
      } else {
        outcome = ApplyOutcome::kConfigured;
        notify = true;
      }
      record.canonical = std::move(canonical);
      record.object = std::make_shared<const Object>(std::move(object));
    }
  }
  if (persist) {
    (void)Persist(key);  // logged; the object is kept in memory
  }
  if (notify) {
    Notify(key);
  }
  return outcome;
}

absl::Status FileStore::Delete(const ObjectKey& key) {
  {
    absl::MutexLock lock(&mu_);
    auto it = records_.find(key);
    if (it == records_.end()) {
      return absl::NotFoundError(absl::StrCat(key.ToString(), " not found"));
    }
    if (it->second.object->metadata.deletion_timestamp != absl::InfinitePast()) {
      return absl::OkStatus();  // already being deleted
    }
    auto deleted = std::make_shared<Object>(*it->second.object);
    deleted->metadata.deletion_timestamp = clock_.Now();
    it->second.object = std::move(deleted);
  }
  (void)Persist(key);  // logged; the deletion is kept in memory
  Notify(key);
  return absl::OkStatus();
}

void FileStore::Finalize(const ObjectKey& key) {
  {
    absl::MutexLock lock(&mu_);
    auto it = records_.find(key);
    if (it == records_.end()) {
      return;
    }
    if (it->second.object->metadata.deletion_timestamp == absl::InfinitePast()) {
      Log(LogLevel::kWarning, "store", "Finalize of an object that is not deleted; ignored",
          {{"key", key.ToString()}});
      return;
    }
    records_.erase(it);
    manifest_errors_.erase(key);
  }
  (void)Persist(key);  // logged
}

void FileStore::SetManifestErrors(const ObjectKey& key, std::vector<resources::FieldError> errors) {
  bool persist = false;
  {
    absl::MutexLock lock(&mu_);
    auto it = manifest_errors_.find(key);
    if (errors.empty()) {
      if (it == manifest_errors_.end()) {
        return;
      }
      manifest_errors_.erase(it);
    } else {
      if (it != manifest_errors_.end() && SameErrors(it->second.errors, errors)) {
        return;
      }
      const absl::Time since = it != manifest_errors_.end() ? it->second.since : clock_.Now();
      const std::string message = resources::JoinErrors(errors);
      manifest_errors_[key] = ManifestErrorState{std::move(errors), since};
      if (records_.count(key) > 0) {
        RecordEventLocked(key, "Warning", "InvalidManifest", message);
        persist = true;
      }
    }
  }
  if (persist) {
    (void)Persist(key);  // logged; the object is kept in memory
  }
  Notify(key);
}

std::vector<resources::FieldError> FileStore::ManifestErrors(const ObjectKey& key) const {
  absl::MutexLock lock(&mu_);
  auto it = manifest_errors_.find(key);
  return it == manifest_errors_.end() ? std::vector<resources::FieldError>{} : it->second.errors;
}

std::optional<resources::ObjectStatus> FileStore::GetStatus(const ObjectKey& key) const {
  absl::MutexLock lock(&mu_);
  auto it = records_.find(key);
  if (it == records_.end()) {
    return std::nullopt;
  }
  resources::ObjectStatus status = it->second.status;
  auto errors = manifest_errors_.find(key);
  if (errors != manifest_errors_.end()) {
    status.SetCondition(resources::Condition{
        .type = resources::kConditionStalled,
        .status = "True",
        .reason = "InvalidManifest",
        .message = resources::JoinErrors(errors->second.errors),
        .last_transition_time = errors->second.since,
    });
    // What `nxtctl get` shows in STATUS: the running object is fine, its manifest is not.
    status.fields["summary"] = "InvalidManifest";
  }
  return status;
}

absl::Status FileStore::UpdateStatus(const ObjectKey& key, resources::ObjectStatus status) {
  {
    absl::MutexLock lock(&mu_);
    auto it = records_.find(key);
    if (it == records_.end()) {
      return absl::OkStatus();
    }
    if (it->second.status == status && unpersisted_.count(key) == 0) {
      return absl::OkStatus();
    }
    it->second.status = std::move(status);
  }
  return Persist(key);
}

absl::Status FileStore::RecordEvent(const ObjectKey& key, const std::string& type,
                                    const std::string& reason, const std::string& message) {
  {
    absl::MutexLock lock(&mu_);
    if (records_.count(key) == 0) {
      return absl::OkStatus();
    }
    RecordEventLocked(key, type, reason, message);
  }
  return Persist(key);
}

void FileStore::RecordEventLocked(const ObjectKey& key, const std::string& type,
                                  const std::string& reason, const std::string& message) {
  std::deque<Event>& events = records_[key].events;
  const absl::Time now = clock_.Now();
  if (!events.empty() && events.back().type == type && events.back().reason == reason &&
      events.back().message == message) {
    events.back().count++;
    events.back().last_seen = now;
    return;
  }
  events.push_back(Event{type, reason, message, 1, now, now});
  while (events.size() > kMaxEventsPerObject) {
    events.pop_front();
  }
}

std::vector<Event> FileStore::Events(const ObjectKey& key) const {
  absl::MutexLock lock(&mu_);
  auto it = records_.find(key);
  if (it == records_.end()) {
    return {};
  }
  return {it->second.events.begin(), it->second.events.end()};
}

void FileStore::AddListener(Listener listener) {
  absl::MutexLock lock(&mu_);
  listeners_.push_back(std::move(listener));
}

void FileStore::Notify(const ObjectKey& key) {
  std::vector<Listener> listeners;
  {
    absl::MutexLock lock(&mu_);
    listeners = listeners_;
  }
  for (const Listener& listener : listeners) {
    listener(key);
  }
}

absl::Status FileStore::Persist(const ObjectKey& key) {
  const std::string path = PathOf(key);
  if (path.empty()) {
    LogIoError("not persisted: key is not a safe file name", key, absl::OkStatus());
    return absl::OkStatus();  // such a key lives in memory only
  }
  absl::MutexLock io_lock(&io_mu_);
  std::optional<std::string> text;
  {
    absl::MutexLock lock(&mu_);
    auto it = records_.find(key);
    if (it != records_.end()) {
      const Record& r = it->second;
      text = EncodeRecord(*r.object, r.status, {r.events.begin(), r.events.end()});
    }
  }
  const std::string dir = std::filesystem::path(path).parent_path().string();
  if (!text.has_value()) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      LogIoError("cannot remove state file", key, absl::InternalError(path));
    }
    ::rmdir(dir.c_str());  // only succeeds when empty; the kind directory stays
    absl::MutexLock lock(&mu_);
    unpersisted_.erase(key);
    return absl::OkStatus();
  }
  absl::Status status = MakeDirs(dir, 0700);
  if (status.ok()) {
    status = WriteFileAtomically(path, *text, 0600);
  }
  if (!status.ok()) {
    LogIoError("cannot persist object state", key, status);
  }
  absl::MutexLock lock(&mu_);
  if (status.ok()) {
    unpersisted_.erase(key);
  } else {
    unpersisted_.insert(key);
  }
  return status;
}

}  // namespace nxt::reconciler
