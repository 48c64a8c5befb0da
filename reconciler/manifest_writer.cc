#include "reconciler/manifest_writer.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/logging.h"
#include "reconciler/state_codec.h"
#include "reconciler/state_files.h"
#include "resources/manifest_reader.h"

namespace nxt::reconciler {
namespace {

using resources::FieldError;
using resources::Object;
using resources::ObjectKey;

// The documents joined back the way the reader split them: text, "---" line, text...
std::string JoinDocuments(const std::vector<std::string>& docs) {
  std::string out;
  for (size_t i = 0; i < docs.size(); ++i) {
    if (i > 0) {
      if (!out.empty() && out.back() != '\n') {
        out += '\n';
      }
      out += "---\n";
    }
    out += docs[i];
  }
  return out;
}

// True for a document with nothing but blanks and comments.
bool IsBlankDocument(const std::string& text) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    absl::string_view stripped = absl::StripAsciiWhitespace(line);
    if (!stripped.empty() && stripped[0] != '#') {
      return false;
    }
  }
  return true;
}

// Where to write `path`: through a symlink to its target (the source only accepts
// symlinks that stay inside the manifest directory).
std::string WriteTarget(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
    char resolved[PATH_MAX];
    if (::realpath(path.c_str(), resolved) != nullptr) {
      return resolved;
    }
  }
  return path;
}

absl::Status WriteManifest(const std::string& path, const std::string& content) {
  const std::string target = WriteTarget(path);
  // New files 0600 in 0700 directories; a file rewritten keeps its mode, never writable
  // by group or others (the source would refuse it).
  mode_t mode = 0600;
  struct stat st;
  if (::stat(target.c_str(), &st) == 0) {
    mode = st.st_mode & 07755;
  }
  absl::Status made = MakeDirs(std::filesystem::path(target).parent_path().string(), 0700);
  if (!made.ok()) {
    return made;
  }
  return WriteFileAtomically(target, content, mode);
}

absl::Status RemoveManifest(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return absl::InternalError(absl::StrCat("remove ", path, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace

ManifestWriter::ManifestWriter(const resources::KindRegistry& kinds, Store& store,
                               ManifestSource& source)
    : kinds_(kinds), store_(store), source_(source) {}

absl::StatusOr<ApplyReport> ManifestWriter::Apply(const std::vector<ManifestFile>& files,
                                                  bool dry_run) {
  absl::MutexLock lock(&mu_);
  ApplyReport report;
  std::vector<Object> objects;
  std::map<ObjectKey, resources::SourcePosition> seen;
  for (const ManifestFile& file : files) {
    resources::ParseResult parsed = resources::ParseManifest(kinds_, file.name, file.content);
    std::vector<FieldError> errors = parsed.AllErrors();
    report.errors.insert(report.errors.end(), errors.begin(), errors.end());
    for (Object& object : parsed.objects) {
      auto [it, inserted] = seen.emplace(object.Key(), object.source);
      if (!inserted) {
        report.errors.push_back(
            FieldError{object.source, "",
                       absl::StrCat("duplicate ", object.kind, " ", object.Key().NamespacedName(),
                                    ": also defined at ", it->second.ToString())});
        continue;
      }
      std::vector<FieldError> check = CheckAgainstStored(kinds_, object, store_);
      report.errors.insert(report.errors.end(), check.begin(), check.end());
      // The file nxtd writes spells aliases out; the watcher must be able to read it.
      if (const size_t bytes = resources::ToManifestYaml(object).size();
          bytes > resources::kDefaultMaxManifestBytes) {
        report.errors.push_back(FieldError{
            object.source, "",
            absl::StrCat("the manifest nxtd would write for ", object.Key().NamespacedName(),
                         " is ", bytes, " bytes with its aliases spelled out, over the ",
                         resources::kDefaultMaxManifestBytes,
                         "-byte limit of a manifest file: write it without aliases")});
      }
      objects.push_back(std::move(object));
    }
  }
  if (!report.ok()) {
    return report;
  }
  std::map<std::string, std::vector<const Object*>> by_file;
  for (const Object& object : objects) {
    const ApplyOutcome outcome = OutcomeOf(object);
    const std::string file = source_.FileOf(object.Key()).value_or(NewFilePath(object));
    report.objects.push_back(ObjectOutcome{object.Key(), outcome, file});
    if (outcome != ApplyOutcome::kUnchanged) {
      by_file[file].push_back(&object);
    }
  }
  if (dry_run || by_file.empty()) {
    return report;
  }
  // Render everything first: a file that cannot be rewritten stops the whole apply.
  std::map<std::string, std::string> contents;
  for (const auto& [file, file_objects] : by_file) {
    absl::StatusOr<std::string> content = Render(file, file_objects);
    if (!content.ok()) {
      return content.status();
    }
    contents[file] = std::move(*content);
  }
  std::vector<std::string> written;
  for (const auto& [file, content] : contents) {
    absl::Status status = WriteManifest(file, content);
    if (!status.ok()) {
      source_.Rescan(written);
      return status;
    }
    written.push_back(file);
  }
  source_.Rescan(written);
  Log(LogLevel::kInfo, "manifests", "apply wrote manifests",
      {{"files", absl::StrJoin(written, ",")}});
  return report;
}

absl::StatusOr<std::vector<std::string>> ManifestWriter::Delete(
    const std::vector<ObjectKey>& keys) {
  absl::MutexLock lock(&mu_);
  std::map<std::string, std::vector<ObjectKey>> by_file;
  std::vector<std::string> missing;
  for (const ObjectKey& key : keys) {
    std::optional<std::string> file = source_.FileOf(key);
    if (!file.has_value()) {
      missing.push_back(key.ToString());
      continue;
    }
    by_file[*file].push_back(key);
  }
  if (!missing.empty()) {
    return absl::NotFoundError(
        absl::StrCat("not defined in the manifest directory: ", absl::StrJoin(missing, ", ")));
  }
  std::map<std::string, std::string> contents;
  for (const auto& [file, file_keys] : by_file) {
    absl::StatusOr<std::string> content = Without(file, file_keys);
    if (!content.ok()) {
      return content.status();
    }
    contents[file] = std::move(*content);
  }
  std::vector<std::string> changed;
  absl::Status status = absl::OkStatus();
  for (const auto& [file, content] : contents) {
    status = content.empty() ? RemoveManifest(file) : WriteManifest(file, content);
    if (!status.ok()) {
      break;
    }
    changed.push_back(file);
  }
  source_.Rescan(changed);
  if (!status.ok()) {
    return status;
  }
  return changed;
}

absl::StatusOr<std::string> ManifestWriter::Render(
    const std::string& path, const std::vector<const Object*>& objects) const {
  std::string existing;
  absl::StatusOr<std::string> read = ReadFileToString(path);
  if (read.ok()) {
    existing = std::move(*read);
  } else if (read.status().code() != absl::StatusCode::kNotFound) {
    return read.status();
  }
  std::vector<std::string> docs;
  std::set<ObjectKey> placed;
  if (!existing.empty()) {
    resources::ParseResult parsed = resources::ParseManifest(kinds_, path, existing);
    if (!parsed.file_errors.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(path,
                                                        " cannot be rewritten, fix it first:\n",
                                                        resources::JoinErrors(parsed.file_errors)));
    }
    for (const resources::DocumentText& doc : parsed.documents) {
      const Object* replacement = nullptr;
      for (const Object* object : objects) {
        if (doc.key.has_value() && *doc.key == object->Key() && placed.count(*doc.key) == 0) {
          replacement = object;
        }
      }
      if (replacement != nullptr) {
        placed.insert(replacement->Key());
        docs.push_back(resources::ToManifestYaml(*replacement));
      } else {
        docs.push_back(doc.text);
      }
    }
  }
  for (const Object* object : objects) {
    if (placed.count(object->Key()) == 0) {
      docs.push_back(resources::ToManifestYaml(*object));
    }
  }
  return JoinDocuments(docs);
}

absl::StatusOr<std::string> ManifestWriter::Without(const std::string& path,
                                                    const std::vector<ObjectKey>& keys) const {
  absl::StatusOr<std::string> existing = ReadFileToString(path);
  if (!existing.ok()) {
    return existing.status();
  }
  resources::ParseResult parsed = resources::ParseManifest(kinds_, path, *existing);
  if (!parsed.file_errors.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(path, " cannot be rewritten, fix it first:\n",
                                                      resources::JoinErrors(parsed.file_errors)));
  }
  const std::set<ObjectKey> drop(keys.begin(), keys.end());
  std::vector<std::string> docs;
  bool anything_left = false;
  for (const resources::DocumentText& doc : parsed.documents) {
    if (doc.key.has_value() && drop.count(*doc.key) > 0) {
      continue;
    }
    anything_left = anything_left || !IsBlankDocument(doc.text);
    docs.push_back(doc.text);
  }
  return anything_left ? JoinDocuments(docs) : "";
}

ApplyOutcome ManifestWriter::OutcomeOf(const Object& object) const {
  const ObjectKey key = object.Key();
  resources::ObjectPtr current = store_.Get(key);
  if (current == nullptr || current->metadata.deletion_timestamp != absl::InfinitePast()) {
    return ApplyOutcome::kCreated;
  }
  if (CanonicalDesiredState(*current) == CanonicalDesiredState(object) &&
      store_.ManifestErrors(key).empty() && source_.FileOf(key).has_value()) {
    return ApplyOutcome::kUnchanged;
  }
  return ApplyOutcome::kConfigured;
}

std::string ManifestWriter::NewFilePath(const Object& object) const {
  return absl::StrCat(source_.dir(), "/", object.metadata.namespace_, "/",
                      absl::AsciiStrToLower(object.kind), "-", object.metadata.name, ".yaml");
}

}  // namespace nxt::reconciler
