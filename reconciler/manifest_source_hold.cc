// ManifestSource: what keeps an object that no manifest defines (nothing is deleted on
// doubt): unreadable or untrusted files and directories, and the hold on a directory
// that is not the one the stored objects came from.
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "reconciler/manifest_source.h"

namespace nxt::reconciler {
namespace {

constexpr char kConfirmHint[] =
    "nothing is deleted until files define these objects again or `nxtctl source confirm` "
    "accepts this directory";

}  // namespace

std::string ManifestSource::BadDirOf(const std::string& file) const {
  for (const auto& [dir, reason] : bad_dirs_) {
    if (absl::StartsWith(file, dir + "/")) {
      return reason;
    }
  }
  return "";
}

bool ManifestSource::KeepUnowned(const resources::Object& object) {
  const resources::ObjectKey key = object.Key();
  const std::string& source = object.source.file;
  if (auto file = files_.find(source); file != files_.end() && !file->second.complete) {
    // Its file is there but unreadable: keep the object, show why.
    owners_[key] = Owner{file->first, object.source};
    file->second.keys.push_back(key);
    store_.SetManifestErrors(key, file->second.errors);
    return true;
  }
  if (std::string bad = BadDirOf(source); !bad.empty()) {
    FileState& state = files_[source];
    state.complete = false;
    state.errors = {resources::FieldError{object.source, "", bad}};
    state.keys.push_back(key);
    owners_[key] = Owner{source, object.source};
    store_.SetManifestErrors(key, state.errors);
    return true;
  }
  if (held_reason_.empty()) {
    return false;
  }
  held_.insert(key);
  store_.SetManifestErrors(
      key, {resources::FieldError{object.source, "",
                                  absl::StrCat("kept although no manifest defines it: ",
                                               held_reason_, "; ", kConfirmHint)}});
  return true;
}

std::string ManifestSource::DecideHold(const std::set<resources::ObjectKey>& before) {
  if (options_.source_record.empty()) {
    return "";
  }
  absl::StatusOr<SourceIdentity> current = IdentifyDirectory(root_);
  if (!current.ok()) {
    return absl::StrCat("the manifest directory cannot be identified (",
                        std::string(current.status().message()), ")");
  }
  if (before.empty()) {
    (void)RecordSource(*current);
    return "";
  }
  const std::string count =
      absl::StrCat(before.size(), " stored object", before.size() == 1 ? "" : "s");
  if (owners_.empty()) {
    return absl::StrCat("the manifest directory ", root_, " defines no object while ", count,
                        " exist");
  }
  absl::StatusOr<std::optional<SourceIdentity>> recorded = ReadSourceRecord(options_.source_record);
  if (!recorded.ok()) {
    return absl::StrCat("the record of the manifest directory is unreadable (",
                        std::string(recorded.status().message()), ")");
  }
  if (!recorded->has_value()) {
    for (const resources::ObjectKey& key : before) {
      if (owners_.count(key) > 0) {  // an nxtd from before the record: same directory
        (void)RecordSource(*current);
        return "";
      }
    }
    return absl::StrCat("no record says where the ", count, " came from, and ", root_,
                        " defines none of them");
  }
  if (!(*recorded)->SameDirectory(*current)) {
    return absl::StrCat("nxtd was started on ", current->ToString(), " but the ", count,
                        " came from ", (*recorded)->ToString());
  }
  if ((*recorded)->path != current->path || (*recorded)->fsid != current->fsid ||
      (*recorded)->device != current->device) {
    (void)RecordSource(*current);
  }
  return "";
}

absl::Status ManifestSource::RecordSource(const SourceIdentity& identity) {
  absl::Status written = WriteSourceRecord(options_.source_record, identity);
  if (!written.ok()) {
    Log(LogLevel::kError, "manifests", "cannot record the manifest directory",
        {{"error", std::string(written.message())}});
  }
  return written;
}

void ManifestSource::MaybeEndHold() {
  if (held_reason_.empty()) {
    return;
  }
  for (auto it = held_.begin(); it != held_.end();) {
    resources::ObjectPtr object = store_.Get(*it);
    const bool gone =
        object == nullptr || object->metadata.deletion_timestamp != absl::InfinitePast();
    it = owners_.count(*it) > 0 || gone ? held_.erase(it) : std::next(it);
  }
  if (!held_.empty()) {
    return;
  }
  held_reason_.clear();
  if (absl::StatusOr<SourceIdentity> current = IdentifyDirectory(root_); current.ok()) {
    (void)RecordSource(*current);
  }
  Log(LogLevel::kInfo, "manifests",
      "hold ended: the manifest directory defines every stored object again; it is recorded "
      "as their source",
      {{"dir", root_}});
}

SourceState ManifestSource::State() const {
  absl::MutexLock lock(&mu_);
  SourceState state;
  state.dir = root_;
  if (absl::StatusOr<SourceIdentity> current = IdentifyDirectory(root_); current.ok()) {
    state.current = *current;
  }
  if (!options_.source_record.empty()) {
    if (auto recorded = ReadSourceRecord(options_.source_record); recorded.ok()) {
      state.recorded = *recorded;
    }
  }
  state.held_reason = held_reason_;
  state.held.assign(held_.begin(), held_.end());
  return state;
}

absl::StatusOr<std::vector<resources::ObjectKey>> ManifestSource::ConfirmSource() {
  absl::MutexLock lock(&mu_);
  if (inotify_fd_ < 0) {
    return absl::FailedPreconditionError("manifest source is not open");
  }
  absl::StatusOr<SourceIdentity> current = IdentifyDirectory(root_);
  if (!current.ok()) {
    return current.status();
  }
  if (!options_.source_record.empty()) {
    if (absl::Status s = RecordSource(*current); !s.ok()) {
      return s;
    }
  }
  Log(LogLevel::kWarning, "manifests",
      "the manifest directory was confirmed as the source; objects no manifest defines are "
      "deleted",
      {{"dir", root_}, {"held", absl::StrCat(held_.size())}});
  held_reason_.clear();
  std::vector<resources::ObjectKey> deleted;
  for (const resources::ObjectKey& key : held_) {
    if (owners_.count(key) > 0) {
      continue;
    }
    store_.SetManifestErrors(key, {});
    if (store_.Delete(key).ok()) {
      Log(LogLevel::kInfo, "manifests", "object deleted: no manifest defines it (confirmed)",
          {{"key", key.ToString()}});
      deleted.push_back(key);
    }
  }
  held_.clear();
  return deleted;
}

}  // namespace nxt::reconciler
