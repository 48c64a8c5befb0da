// ManifestSource: the manifest directory, watched with inotify, feeding the Store.
#ifndef NXT_RECONCILER_MANIFEST_SOURCE_H_
#define NXT_RECONCILER_MANIFEST_SOURCE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "reconciler/manifest_trust.h"
#include "reconciler/store.h"
#include "resources/field_error.h"
#include "resources/kind_registry.h"
#include "resources/manifest_reader.h"
#include "resources/object.h"

namespace nxt::reconciler {

struct ManifestSourceOptions {
  // The manifest directory; watched with every subdirectory except hidden ones (".git").
  std::string dir;
  size_t max_file_bytes = resources::kDefaultMaxManifestBytes;
  // Changed files are read, as one batch, once the tree has had no inotify event for
  // this long and no newly created file is still open for writing (editors' partial
  // writes and save-by-rename sequences settle first), or at the latest 10 x debounce
  // (at least 2 s) after the oldest unread change.
  absl::Duration debounce = absl::Milliseconds(150);
  // Called with the number of manifest errors found by each read (for a metric). May be
  // empty. Called on the reading thread, with the source's lock held.
  std::function<void(int)> on_manifest_errors;
  // Where the source records which directory the stored objects came from (see "Nothing
  // is deleted on doubt" below); normally SourceRecordPath(state_dir). Empty: no record
  // and no hold (unit tests of other behaviour).
  std::string source_record;
  // Manifests, and every directory from the root down to them, must be owned by root or
  // this user and not be group- or world-writable (sshd's StrictModes).
  uid_t trusted_uid = 0;
  // Fault injection for tests: replaces inotify_add_watch(2). Empty: the real call.
  std::function<int(int fd, const std::string& dir, uint32_t mask)> add_watch;
};

// Why the source keeps objects that no manifest defines, and which ones.
struct SourceState {
  std::string dir;
  std::optional<SourceIdentity> current;   // nullopt if the directory cannot be identified
  std::optional<SourceIdentity> recorded;  // where the stored objects came from
  std::string held_reason;                 // "" when nothing is held
  std::vector<resources::ObjectKey> held;  // objects kept only because of the hold
};

// Runs the kind's semantic check of `desired` against the object stored now (nullptr
// when absent). Errors without a position get desired.PositionOf(field_path).
std::vector<resources::FieldError> CheckAgainstStored(const resources::KindRegistry& kinds,
                                                      const resources::Object& desired,
                                                      const Store& store);

// Keeps the Store equal to the manifest files, never surprising:
//   - a valid object passes its semantic check against the stored object, then
//     Store::Apply; a failing check → Store::SetManifestErrors and the stored object
//     stays as it was;
//   - an invalid document whose key can be read → SetManifestErrors(key), store untouched;
//   - a file-level error (YAML syntax, too big, binary, symlink leaving the directory,
//     not a regular file) → every key last read from that file gets SetManifestErrors;
//     nothing is deleted or changed. Likewise for keys missing from a file that has an
//     invalid document whose key cannot be read (it may be one of them);
//   - a key gone from a file that reads fine, or whose file was deleted or moved out →
//     Store::Delete. Deletes run after every file of a batch is read, so a key moved
//     between files in one batch (rename sequences, the same debounce window) is
//     updated, never deleted and re-created;
//   - the same key in two files → an error on the later one naming both places
//     ("duplicate ContainerSet default/web: also defined at a.yaml:3:1"); the first
//     stays. When the first goes away, the other file is read again and takes over.
// Every error is logged (warning, component "manifests") and counted through
// options.on_manifest_errors.
//
// Trust (StrictModes): a file that is not owned by root (or options.trusted_uid) or is
// group- or world-writable, or that lies in such a directory (the root included), is
// refused like an unreadable file: never applied, its objects kept with the reason. So
// is every file in a directory that cannot be listed or watched (the inotify watch
// limit, say); such directories are tried again every 10 s. Mode and owner changes are
// seen (IN_ATTRIB).
//
// Nothing is deleted on doubt. After the first full scan (Open/Start), stored objects
// that no manifest defines are deleted, unless
//   - their source file still exists but cannot be read completely, or lies in a
//     directory that cannot be listed, watched or trusted (they get the reason and stay);
//   - the source holds: objects were stored and the directory scanned now is not the one
//     they came from (options.source_record: its resolved path, device, inode and file
//     system id), there is no record and the directory defines none of them, or it
//     defines no object at all. Then every object no manifest defines is kept, with
//     Stalled and the reason on its status and a warning in the log, until files define
//     them again (the hold ends by itself when none is left) or ConfirmSource().
// Once nothing holds, the directory is recorded as the source.
//
// Thread-safe: one lock serializes every read of the directory and the Store calls it
// makes. Store listeners run on the reading thread and must not call back into this
// object. `kinds`, `store` and `clock` must outlive it.
class ManifestSource {
 public:
  ManifestSource(const resources::KindRegistry& kinds, Store& store, Clock& clock,
                 ManifestSourceOptions options);
  ~ManifestSource();  // Stop()
  ManifestSource(const ManifestSource&) = delete;
  ManifestSource& operator=(const ManifestSource&) = delete;

  // Sets up inotify on the directory tree, scans it fully and prunes (see above), without
  // a thread; drive it with SyncOnce. NotFound if the directory does not exist, Internal
  // on inotify errors. Call once.
  absl::Status Open();
  // Open() and a thread that waits for inotify events and calls SyncOnce when due.
  absl::Status Start();
  // Stops and joins the thread (idempotent).
  void Stop();

  // Reads the inotify events queued now (never blocks), then, when due by the injected
  // clock (see ManifestSourceOptions::debounce), processes every changed file as one
  // batch.
  absl::Status SyncOnce();
  // Re-adds watches for the whole tree and reads every file now (one batch).
  absl::Status RescanAll();
  // What an IN_Q_OVERFLOW does: events were lost, so RescanAll.
  void HandleQueueOverflow();
  // Reads `files` now as one batch (absolute, or relative to the directory); for the
  // API after it wrote them. Paths outside the directory are ignored.
  void Rescan(const std::vector<std::string>& files);
  // Files with events that are not yet processed (debouncing).
  size_t PendingCount() const;

  // The source directory, its record and the hold.
  SourceState State() const;
  // The user's word that the directory scanned now is the source: records it, ends the
  // hold and deletes the objects that no manifest defines. Returns the keys deleted.
  // FailedPrecondition if the source is not open; Internal if the record cannot be
  // written (then nothing is deleted).
  absl::StatusOr<std::vector<resources::ObjectKey>> ConfirmSource();

  // The file that defines `key` (last good read), if any.
  std::optional<std::string> FileOf(const resources::ObjectKey& key) const;
  // The errors found by the last read of each file that has some.
  std::map<std::string, std::vector<resources::FieldError>> Errors() const;
  const std::string& dir() const { return root_; }

 private:
  struct Owner {
    std::string file;
    resources::SourcePosition position;
  };
  struct FileState {
    std::vector<resources::ObjectKey> keys;  // owned keys, as of the last read
    std::vector<resources::FieldError> errors;
    bool complete = true;  // read fine, every document's key known
  };
  enum class ReadKind { kGone, kFileError, kParsed };
  struct FileRead {
    std::string file;
    ReadKind kind = ReadKind::kGone;
    resources::ParseResult result;
    std::vector<resources::FieldError> errors;  // kFileError: why
  };

  // manifest_source.cc: reading and applying.
  FileRead ReadOne(const std::string& file) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ProcessBatch(const std::set<std::string>& files) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::set<resources::ObjectKey> Release(const FileRead& read) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Claim(const FileRead& read) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool ClaimKey(const std::string& file, const resources::ObjectKey& key,
                const resources::SourcePosition& at, std::set<resources::ObjectKey>& seen,
                FileState& state) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ApplyObject(const resources::Object& object, FileState& state)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ReportErrors(const std::string& file, const std::vector<resources::FieldError>& errors)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void PruneUnowned() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Keeps `key` (not deleted) with `message` as its manifest error; true if kept.
  bool KeepUnowned(const resources::Object& object) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // "" or why the source holds; records the directory when nothing holds. `before`: the
  // keys stored before the first scan.
  std::string DecideHold(const std::set<resources::ObjectKey>& before)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status RecordSource(const SourceIdentity& identity) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Ends the hold once every held key is defined again.
  void MaybeEndHold() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // "" or why files under the directory holding `file` are refused.
  std::string BadDirOf(const std::string& file) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string Normalize(const std::string& file) const;

  // manifest_source_inotify.cc: watches, events, the thread.
  absl::Status RescanAllLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Watches `dir` and its subdirectories; returns the manifest files found in them.
  std::vector<std::string> WatchTree(const std::string& dir) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void UnwatchTree(const std::string& dir) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Watches and lists one directory; false (and bad_dirs_[dir] set) if it cannot.
  bool WatchDir(const std::string& dir, std::vector<std::string>& dirs,
                std::vector<std::string>& files) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Re-reads directories whose trust, owner or mode may have changed, and the files in them.
  void Reevaluate(const std::string& dir) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Marks `found` (what WatchTree(dir) listed) and every known file under `dir` pending.
  void MarkTreePending(const std::string& dir, const std::vector<std::string>& found)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Tries the directories that could not be listed or watched again.
  void RetryBadDirs() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Sets the next retry when a directory is not watched.
  void ScheduleRetry() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Returns true if the queue overflowed.
  absl::StatusOr<bool> DrainEvents() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void HandleEvent(int wd, uint32_t mask, const std::string& name)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void MarkPending(const std::string& file) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // When the pending files are due (InfiniteFuture if none).
  absl::Time DueTime() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Milliseconds until the next pending file is due; -1 if none.
  int NextDueMs() const;
  void Run();

  const resources::KindRegistry& kinds_;
  Store& store_;
  Clock& clock_;
  const ManifestSourceOptions options_;
  const std::string root_;  // options_.dir without trailing '/'

  mutable absl::Mutex mu_;
  std::string real_root_ ABSL_GUARDED_BY(mu_);  // realpath(root_), for symlink checks
  int inotify_fd_ ABSL_GUARDED_BY(mu_) = -1;
  std::map<int, std::string> wd_to_dir_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> dir_to_wd_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, absl::Time> pending_ ABSL_GUARDED_BY(mu_);
  // Files created and not yet closed by their writer.
  std::set<std::string> writing_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, FileState> files_ ABSL_GUARDED_BY(mu_);
  std::map<resources::ObjectKey, Owner> owners_ ABSL_GUARDED_BY(mu_);
  // Files that also define a key but lost to its owner (duplicates).
  std::map<resources::ObjectKey, std::set<std::string>> shadowed_ ABSL_GUARDED_BY(mu_);
  // Directories whose files are refused: untrusted, or cannot be listed or watched.
  std::map<std::string, std::string> bad_dirs_ ABSL_GUARDED_BY(mu_);
  absl::Time retry_bad_dirs_at_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  std::string held_reason_ ABSL_GUARDED_BY(mu_);
  std::set<resources::ObjectKey> held_ ABSL_GUARDED_BY(mu_);

  int wake_fd_ = -1;  // eventfd that stops the thread
  std::thread thread_;
};

}  // namespace nxt::reconciler

#endif  // NXT_RECONCILER_MANIFEST_SOURCE_H_
