// What the local API needs from the rest of nxtd, as small interfaces the daemon's
// composition adapts (ManifestWriter → ApplyBackend; a controller's plan → Planner).
#ifndef NXT_RECONCILER_API_API_BACKEND_H_
#define NXT_RECONCILER_API_API_BACKEND_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "reconciler/store.h"
#include "resources/field_error.h"
#include "resources/object.h"

namespace nxt::reconciler::api {

// One manifest file as sent by the client. `name` is the path the user gave
// ("stack.yaml", "<stdin>"); it appears in error positions.
struct ApplyFile {
  std::string name;
  std::string content;
};

struct ApplyResult {
  resources::ObjectKey key;
  ApplyOutcome outcome = ApplyOutcome::kUnchanged;
};

// Either results (everything was applied, or would be with dry_run) or errors (nothing
// was applied: one invalid document refuses the whole request).
struct ApplyReply {
  std::vector<ApplyResult> results;
  std::vector<resources::FieldError> errors;
};

struct DeleteResult {
  resources::ObjectKey key;
  bool deleted = false;  // false: there was no such object
};

// Applies manifests the way the manifest watcher would (same parsing, validation and
// semantic checks against the stored objects) and writes them into the manifest
// directory; deletes objects by removing them from it. Implementations must be
// thread-safe. Error codes: a non-OK status is a failure of the daemon itself
// (Unavailable, Internal, ...), never a bad manifest — those go in ApplyReply::errors.
class ApplyBackend {
 public:
  virtual ~ApplyBackend() = default;
  virtual absl::StatusOr<ApplyReply> Apply(const std::vector<ApplyFile>& files, bool dry_run) = 0;
  // One result per key, in order.
  virtual absl::StatusOr<std::vector<DeleteResult>> Delete(
      const std::vector<resources::ObjectKey>& keys) = 0;
};

// The manifest directory as nxtd sees it (nxtctl source): which one it reads, which one
// the stored objects came from, and what is kept because they differ.
struct SourceReport {
  std::string dir;
  std::string current;   // "/etc/nxt/manifests (device 8:1, inode 1234)"; "" if unknown
  std::string recorded;  // the same for the recorded source; "" if none
  std::string held_reason;
  std::vector<resources::ObjectKey> held;
};

// The manifest source's state and the user's confirmation. Thread-safe.
class SourceControl {
 public:
  virtual ~SourceControl() = default;
  virtual SourceReport State() const = 0;
  // Records the directory read now as the source and deletes the objects that no
  // manifest defines; returns their keys.
  virtual absl::StatusOr<std::vector<resources::ObjectKey>> Confirm() = 0;
};

// The container actions a controller would take to converge `desired` from what runs
// now, one human-readable line each ("create web-2", "replace web-0 (config changed)").
// Must be a pure read (no Docker writes) and thread-safe: the API's handler threads call
// it concurrently, with itself and with the controllers' reconciles.
using Planner = std::function<std::vector<std::string>(const resources::Object& desired)>;

}  // namespace nxt::reconciler::api

#endif  // NXT_RECONCILER_API_API_BACKEND_H_
