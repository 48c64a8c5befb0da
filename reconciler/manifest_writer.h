// ManifestWriter: `nxtctl apply` / `delete` write the manifest directory, which stays the
// one source of truth.
#ifndef NXT_RECONCILER_MANIFEST_WRITER_H_
#define NXT_RECONCILER_MANIFEST_WRITER_H_

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "reconciler/manifest_source.h"
#include "reconciler/store.h"
#include "resources/field_error.h"
#include "resources/kind_registry.h"
#include "resources/object.h"

namespace nxt::reconciler {

// A manifest as the user gave it; `name` appears in error positions ("stack.yaml:3:1").
struct ManifestFile {
  std::string name;
  std::string content;
};

struct ObjectOutcome {
  resources::ObjectKey key;
  ApplyOutcome outcome = ApplyOutcome::kUnchanged;
  std::string file;  // the manifest file that holds (or will hold) the object
};

struct ApplyReport {
  std::vector<ObjectOutcome> objects;         // in input order; empty when errors
  std::vector<resources::FieldError> errors;  // every problem found; non-empty: nothing written
  bool ok() const { return errors.empty(); }
};

// Validates like the manifest source (schema, defaults, semantic checks against the
// stored objects) and writes objects into the manifest directory atomically:
//   - a key already defined in file F: F is rewritten with that document replaced by
//     ToManifestYaml(object), every other document kept byte for byte (document
//     separators are normalized to "---" lines);
//   - otherwise a new file <dir>/<namespace>/<kind-lowercase>-<name>.yaml (mode 0644;
//     rewritten files keep their mode; a symlinked file is written through the link);
// then ManifestSource::Rescan of the written files, so the store holds the result when
// Apply returns. All or nothing: if any input has any error, nothing is written.
//
// Outcome per object: created (absent or being deleted), unchanged (the stored object
// has the same spec, labels and annotations, a manifest defines it and it has no
// manifest errors: no file is written), configured otherwise.
//
// Thread-safe; one Apply/Delete runs at a time. `kinds`, `store` and `source` must
// outlive it.
class ManifestWriter {
 public:
  ManifestWriter(const resources::KindRegistry& kinds, Store& store, ManifestSource& source);

  // Apply with dry_run: the outcomes, writing nothing.
  absl::StatusOr<ApplyReport> Plan(const std::vector<ManifestFile>& files) {
    return Apply(files, /*dry_run=*/true);
  }
  // Manifest problems are in the report (ok() false); the status is an error only when
  // the directory could not be read or written (FailedPrecondition when a file to be
  // rewritten is itself unreadable, Internal on I/O errors).
  absl::StatusOr<ApplyReport> Apply(const std::vector<ManifestFile>& files, bool dry_run);

  // Removes each key's document from its file (the file when nothing else is left in
  // it), then rescans, so the objects are marked deleted when it returns. NotFound naming
  // the keys no manifest defines (nothing is changed then). Returns the files changed.
  absl::StatusOr<std::vector<std::string>> Delete(const std::vector<resources::ObjectKey>& keys);

 private:
  // The new content of `path` with `objects` put in (replacing their documents).
  absl::StatusOr<std::string> Render(const std::string& path,
                                     const std::vector<const resources::Object*>& objects) const;
  // The content of `path` without the documents of `keys`; "" when nothing is left.
  absl::StatusOr<std::string> Without(const std::string& path,
                                      const std::vector<resources::ObjectKey>& keys) const;
  ApplyOutcome OutcomeOf(const resources::Object& object) const;
  std::string NewFilePath(const resources::Object& object) const;

  const resources::KindRegistry& kinds_;
  Store& store_;
  ManifestSource& source_;
  absl::Mutex mu_;  // one writer at a time
};

}  // namespace nxt::reconciler

#endif  // NXT_RECONCILER_MANIFEST_WRITER_H_
