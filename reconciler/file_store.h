// FileStore: the Store kept in memory and persisted under the state directory.
#ifndef NXT_RECONCILER_FILE_STORE_H_
#define NXT_RECONCILER_FILE_STORE_H_

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "reconciler/state_codec.h"
#include "reconciler/store.h"

namespace nxt::reconciler {

// A Store whose every object is also persisted, one JSON file per object:
//   <state_dir>/objects/<kind>/<namespace>/<name>.json   (files 0600, directories 0700)
// holding apiVersion, kind, metadata (uid, generation, creationTimestamp,
// deletionTimestamp, labels, annotations), the last applied spec, the source file,
// status and events. Manifest errors are not persisted: the manifest source finds them
// again at its start-up scan.
//
// Load() brings every persisted object back (deleted ones with their
// deletion_timestamp), so after a restart:
//   - Apply of an object equal to the persisted one (CanonicalDesiredState) keeps uid,
//     generation and creationTimestamp and returns kUnchanged (no listener call);
//     a changed one gets generation + 1 and kConfigured;
//   - an object being torn down when nxtd stopped is still there for its controller
//     to finish and Finalize.
// The manifest source deletes, after its first full scan, persisted objects that no
// manifest defines any more.
//
// Status: GetStatus merges manifest errors in as Stalled=True reason InvalidManifest
// (message: the errors, one per line; Ready stays as the controller wrote it); when the
// errors clear, Stalled is the controller's again. Setting new errors records a Warning
// event "InvalidManifest". RecordEvent/UpdateStatus for an absent key are ignored.
//
// Thread-safe. Every change is written to disk before the call returns (correctness
// first); a status or event write that changes nothing writes nothing. Disk errors are
// logged (component "store") and do not fail the in-memory change; UpdateStatus and
// RecordEvent return them, and the next UpdateStatus of the key writes again. Listeners are called
// outside every lock, on the calling thread. `clock` must outlive the store.
class FileStore : public Store {
 public:
  FileStore(Clock& clock, std::string state_dir);
  FileStore(const FileStore&) = delete;
  FileStore& operator=(const FileStore&) = delete;

  // Reads the persisted objects (call once, before use). Unreadable or corrupt files
  // are logged and skipped; leftover temporary files are removed. Creates the
  // directories if missing. Internal on an I/O error of the directory itself.
  absl::Status Load();

  const std::string& state_dir() const { return state_dir_; }

  resources::ObjectPtr Get(const resources::ObjectKey& key) const override;
  std::vector<resources::ObjectPtr> List(const std::string& kind) const override;
  ApplyOutcome Apply(resources::Object object) override;
  absl::Status Delete(const resources::ObjectKey& key) override;
  void Finalize(const resources::ObjectKey& key) override;
  void SetManifestErrors(const resources::ObjectKey& key,
                         std::vector<resources::FieldError> errors) override;
  std::vector<resources::FieldError> ManifestErrors(const resources::ObjectKey& key) const override;
  std::optional<resources::ObjectStatus> GetStatus(const resources::ObjectKey& key) const override;
  absl::Status UpdateStatus(const resources::ObjectKey& key,
                            resources::ObjectStatus status) override;
  absl::Status RecordEvent(const resources::ObjectKey& key, const std::string& type,
                           const std::string& reason, const std::string& message) override;
  std::vector<Event> Events(const resources::ObjectKey& key) const override;
  void AddListener(Listener listener) override;

  static constexpr size_t kMaxEventsPerObject = 50;

 private:
  struct Record {
    resources::ObjectPtr object;
    std::string canonical;  // CanonicalDesiredState(*object)
    resources::ObjectStatus status;
    std::deque<Event> events;
  };
  struct ManifestErrorState {
    std::vector<resources::FieldError> errors;
    absl::Time since;
  };

  // Writes (or removes, when the key is gone) the key's file from the state in memory
  // at the time of the write. Never called with mu_ held. Errors are logged and returned;
  // the key is then marked unpersisted until a later write succeeds.
  absl::Status Persist(const resources::ObjectKey& key) ABSL_LOCKS_EXCLUDED(mu_, io_mu_);
  void Notify(const resources::ObjectKey& key) ABSL_LOCKS_EXCLUDED(mu_);
  void RecordEventLocked(const resources::ObjectKey& key, const std::string& type,
                         const std::string& reason, const std::string& message)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string PathOf(const resources::ObjectKey& key) const;
  absl::Status LoadFile(const std::string& path);

  Clock& clock_;
  const std::string state_dir_;
  const std::string objects_dir_;

  // Serializes disk writes so the newest state always lands last. Order: io_mu_ → mu_.
  absl::Mutex io_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  mutable absl::Mutex mu_;
  std::map<resources::ObjectKey, Record> records_ ABSL_GUARDED_BY(mu_);
  // Keys whose last Persist failed (their file is older than the memory).
  std::set<resources::ObjectKey> unpersisted_ ABSL_GUARDED_BY(mu_);
  std::map<resources::ObjectKey, ManifestErrorState> manifest_errors_ ABSL_GUARDED_BY(mu_);
  std::vector<Listener> listeners_ ABSL_GUARDED_BY(mu_);
};

}  // namespace nxt::reconciler

#endif  // NXT_RECONCILER_FILE_STORE_H_
