// ManifestSource: reading files and applying them to the Store (the inotify side is in
// manifest_source_inotify.cc).
#include "reconciler/manifest_source.h"

#include <sys/stat.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/logging.h"

namespace nxt::reconciler {
namespace {

using resources::FieldError;
using resources::ObjectKey;
using resources::SourcePosition;

std::string NormalizeRoot(const std::string& dir) {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::absolute(dir, ec);
  std::string out = (ec ? std::filesystem::path(dir) : p).lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') {
    out.pop_back();
  }
  return out;
}

FieldError FileError(const std::string& file, const std::string& message) {
  return FieldError{SourcePosition{file, 0, 0}, "", message};
}

std::string DuplicateMessage(const ObjectKey& key, const SourcePosition& other) {
  return absl::StrCat("duplicate ", key.kind, " ", key.NamespacedName(), ": also defined at ",
                      other.ToString());
}

void Append(std::vector<FieldError>& to, const std::vector<FieldError>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

}  // namespace

std::vector<FieldError> CheckAgainstStored(const resources::KindRegistry& kinds,
                                           const resources::Object& desired, const Store& store) {
  const resources::KindInfo* info = kinds.Find(desired.kind);
  if (info == nullptr || !info->check) {
    return {};
  }
  resources::ObjectPtr current = store.Get(desired.Key());
  std::vector<FieldError> errors = info->check(desired, current.get());
  for (FieldError& e : errors) {
    if (e.position.file.empty() && e.position.line == 0) {
      e.position = desired.PositionOf(e.field_path);
    }
  }
  return errors;
}

ManifestSource::ManifestSource(const resources::KindRegistry& kinds, Store& store, Clock& clock,
                               ManifestSourceOptions options)
    : kinds_(kinds),
      store_(store),
      clock_(clock),
      options_(std::move(options)),
      root_(NormalizeRoot(options_.dir)) {}

std::string ManifestSource::Normalize(const std::string& file) const {
  std::filesystem::path p(file);
  if (p.is_relative()) {
    p = std::filesystem::path(root_) / p;
  }
  std::string out = p.lexically_normal().string();
  return absl::StartsWith(out, root_ + "/") ? out : "";
}

ManifestSource::FileRead ManifestSource::ReadOne(const std::string& file) const {
  FileRead read;
  read.file = file;
  struct stat st;
  if (!resources::IsManifestFileName(std::filesystem::path(file).filename().string())) {
    return read;  // kGone
  }
  if (::lstat(file.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) {
      return read;  // kGone
    }
    read.kind = ReadKind::kFileError;  // there may still be a file: keep its objects
    read.errors.push_back(FileError(file, absl::StrCat("cannot stat: ", std::strerror(errno))));
    return read;
  }
  if (S_ISDIR(st.st_mode)) {
    return read;  // kGone
  }
  read.kind = ReadKind::kFileError;
  if (std::string bad = BadDirOf(file); !bad.empty()) {
    read.errors.push_back(FileError(file, bad));
    return read;
  }
  if (S_ISLNK(st.st_mode)) {
    char resolved[PATH_MAX];
    if (::realpath(file.c_str(), resolved) == nullptr) {
      read.errors.push_back(
          FileError(file, absl::StrCat("cannot resolve symlink: ", std::strerror(errno))));
      return read;
    }
    if (!absl::StartsWith(resolved, real_root_ + "/")) {
      read.errors.push_back(
          FileError(file, absl::StrCat("symlink resolves outside the manifest directory (",
                                       resolved, "); refused")));
      return read;
    }
    if (::stat(resolved, &st) != 0) {
      read.errors.push_back(FileError(file, "cannot stat the symlink's target"));
      return read;
    }
  }
  if (!S_ISREG(st.st_mode)) {
    read.errors.push_back(FileError(file, "not a regular file; refused"));
    return read;
  }
  if (std::string why = UntrustedReason(st, options_.trusted_uid); !why.empty()) {
    read.errors.push_back(FileError(file, UntrustedMessage("the file", why)));
    return read;
  }
  read.result = resources::ReadManifestFile(kinds_, file, options_.max_file_bytes);
  if (!read.result.file_errors.empty()) {
    if (::lstat(file.c_str(), &st) != 0) {
      read.kind = ReadKind::kGone;  // removed while we read it
      return read;
    }
    read.errors = read.result.file_errors;
    return read;
  }
  read.kind = ReadKind::kParsed;
  return read;
}

void ManifestSource::ProcessBatch(const std::set<std::string>& files) {
  std::vector<FileRead> reads;
  for (const std::string& file : files) {
    reads.push_back(ReadOne(file));
  }
  std::set<ObjectKey> released;
  for (const FileRead& read : reads) {
    released.merge(Release(read));
  }
  for (const FileRead& read : reads) {
    Claim(read);
  }
  // A released key that another file also defines (it lost as a duplicate): that file
  // takes over instead of the object being deleted.
  std::set<std::string> retry;
  for (const ObjectKey& key : released) {
    auto shadow = shadowed_.find(key);
    if (owners_.count(key) == 0 && shadow != shadowed_.end()) {
      retry.insert(shadow->second.begin(), shadow->second.end());
    }
  }
  std::vector<FileRead> retried;
  for (const std::string& file : retry) {
    retried.push_back(ReadOne(file));
  }
  for (const FileRead& read : retried) {
    released.merge(Release(read));
  }
  for (const FileRead& read : retried) {
    Claim(read);
  }
  for (const ObjectKey& key : released) {
    if (owners_.count(key) > 0) {
      continue;
    }
    shadowed_.erase(key);
    store_.SetManifestErrors(key, {});
    if (store_.Delete(key).ok()) {
      Log(LogLevel::kInfo, "manifests", "object deleted: its manifest is gone",
          {{"key", key.ToString()}});
    }
  }
  MaybeEndHold();
}

std::set<ObjectKey> ManifestSource::Release(const FileRead& read) {
  if (read.kind == ReadKind::kFileError) {
    return {};  // keeps everything, its lost duplicate claims included
  }
  for (auto it = shadowed_.begin(); it != shadowed_.end();) {
    it->second.erase(read.file);
    it = it->second.empty() ? shadowed_.erase(it) : std::next(it);
  }
  auto it = files_.find(read.file);
  if (it == files_.end()) {
    return {};
  }
  std::set<ObjectKey> keep;
  if (read.kind == ReadKind::kParsed) {
    for (const resources::Object& object : read.result.objects) {
      keep.insert(object.Key());
    }
    for (const resources::InvalidDocument& doc : read.result.invalid) {
      if (doc.key.has_value()) {
        keep.insert(*doc.key);
      } else {
        keep.insert(it->second.keys.begin(), it->second.keys.end());  // may be any of them
      }
    }
  }
  std::set<ObjectKey> released;
  for (const ObjectKey& key : it->second.keys) {
    auto owner = owners_.find(key);
    if (keep.count(key) == 0 && owner != owners_.end() && owner->second.file == read.file) {
      owners_.erase(owner);
      released.insert(key);
    }
  }
  if (read.kind == ReadKind::kGone) {
    files_.erase(it);
  }
  return released;
}

void ManifestSource::Claim(const FileRead& read) {
  if (read.kind == ReadKind::kGone) {
    return;
  }
  FileState& state = files_[read.file];
  if (read.kind == ReadKind::kFileError) {
    state.errors = read.errors;
    state.complete = false;
    for (const ObjectKey& key : state.keys) {
      store_.SetManifestErrors(key, read.errors);
    }
    ReportErrors(read.file, read.errors);
    return;
  }
  FileState next;
  std::set<ObjectKey> seen;
  std::vector<FieldError> keyless;
  for (const resources::Object& object : read.result.objects) {
    if (ClaimKey(read.file, object.Key(), object.source, seen, next)) {
      ApplyObject(object, next);
    }
  }
  for (const resources::InvalidDocument& doc : read.result.invalid) {
    Append(next.errors, doc.errors);
    if (!doc.key.has_value()) {
      next.complete = false;
      Append(keyless, doc.errors);
      continue;
    }
    if (seen.count(*doc.key) > 0) {
      continue;  // the reader reported it as a duplicate in this file
    }
    SourcePosition at{read.file, 0, 0};
    if (!doc.errors.empty()) {
      at = doc.errors.front().position;
    }
    if (ClaimKey(read.file, *doc.key, at, seen, next)) {
      store_.SetManifestErrors(*doc.key, doc.errors);
    }
  }
  if (!next.complete) {  // keys no document names any more may be in the unreadable one
    for (const ObjectKey& key : state.keys) {
      auto owner = owners_.find(key);
      if (seen.count(key) == 0 && owner != owners_.end() && owner->second.file == read.file) {
        next.keys.push_back(key);
        store_.SetManifestErrors(key, keyless);
      }
    }
  }
  ReportErrors(read.file, next.errors);
  state = std::move(next);
}

bool ManifestSource::ClaimKey(const std::string& file, const ObjectKey& key,
                              const SourcePosition& at, std::set<ObjectKey>& seen,
                              FileState& state) {
  auto owner = owners_.find(key);
  const bool again_in_file = !seen.insert(key).second;
  if (again_in_file || (owner != owners_.end() && owner->second.file != file)) {
    const std::string message =
        DuplicateMessage(key, owner != owners_.end() ? owner->second.position : at);
    state.errors.push_back(FieldError{at, "", message});
    if (!again_in_file) {
      shadowed_[key].insert(file);
    }
    (void)store_.RecordEvent(key, "Warning", "DuplicateManifest",  // the store logs a failure
                             absl::StrCat(at.ToString(), ": ", message));
    return false;
  }
  owners_[key] = Owner{file, at};
  state.keys.push_back(key);
  return true;
}

void ManifestSource::ApplyObject(const resources::Object& object, FileState& state) {
  std::vector<FieldError> errors = CheckAgainstStored(kinds_, object, store_);
  if (!errors.empty()) {
    Append(state.errors, errors);
    store_.SetManifestErrors(object.Key(), std::move(errors));
    return;
  }
  ApplyOutcome outcome = store_.Apply(object);
  if (outcome != ApplyOutcome::kUnchanged) {
    Log(LogLevel::kInfo, "manifests", "object applied",
        {{"key", object.Key().ToString()},
         {"outcome", ApplyOutcomeName(outcome)},
         {"source", object.source.ToString()}});
  }
}

void ManifestSource::ReportErrors(const std::string& file, const std::vector<FieldError>& errors) {
  if (errors.empty()) {
    return;
  }
  for (const FieldError& e : errors) {
    Log(LogLevel::kWarning, "manifests", "invalid manifest",
        {{"file", file}, {"error", e.ToString()}});
  }
  if (options_.on_manifest_errors) {
    options_.on_manifest_errors(static_cast<int>(errors.size()));
  }
}

void ManifestSource::PruneUnowned() {
  for (const resources::ObjectPtr& object : store_.List("")) {
    const ObjectKey key = object->Key();
    if (owners_.count(key) > 0 || object->metadata.deletion_timestamp != absl::InfinitePast()) {
      continue;
    }
    if (KeepUnowned(*object)) {
      continue;
    }
    store_.SetManifestErrors(key, {});
    if (store_.Delete(key).ok()) {
      Log(LogLevel::kInfo, "manifests", "object deleted: no manifest defines it any more",
          {{"key", key.ToString()}});
    }
  }
}

void ManifestSource::Rescan(const std::vector<std::string>& files) {
  absl::MutexLock lock(&mu_);
  std::set<std::string> batch;
  for (const std::string& file : files) {
    std::string normalized = Normalize(file);
    if (normalized.empty()) {
      Log(LogLevel::kWarning, "manifests", "rescan of a file outside the manifest directory",
          {{"file", file}});
      continue;
    }
    pending_.erase(normalized);
    batch.insert(std::move(normalized));
  }
  ProcessBatch(batch);
}

size_t ManifestSource::PendingCount() const {
  absl::MutexLock lock(&mu_);
  return pending_.size();
}

std::optional<std::string> ManifestSource::FileOf(const ObjectKey& key) const {
  absl::MutexLock lock(&mu_);
  auto it = owners_.find(key);
  if (it == owners_.end()) {
    return std::nullopt;
  }
  return it->second.file;
}

std::map<std::string, std::vector<FieldError>> ManifestSource::Errors() const {
  absl::MutexLock lock(&mu_);
  std::map<std::string, std::vector<FieldError>> out;
  for (const auto& [file, state] : files_) {
    if (!state.errors.empty()) {
      out[file] = state.errors;
    }
  }
  return out;
}

}  // namespace nxt::reconciler
