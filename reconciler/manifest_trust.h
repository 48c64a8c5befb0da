// What the manifest source trusts before it reads a manifest: who may write the files
// (sshd's StrictModes rule) and which directory the stored objects came from (so a
// mistyped --manifests or an unmounted mount point never prunes the stack). Pure
// functions over stat(2) results and small files; thread-safe.
#ifndef NXT_RECONCILER_MANIFEST_TRUST_H_
#define NXT_RECONCILER_MANIFEST_TRUST_H_

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace nxt::reconciler {

// "" when `st` (of a file or directory, lstat'ed or stat'ed by the caller) may be
// trusted: owned by root or by `trusted_uid` (nxtd's effective user) and neither group-
// nor world-writable. Otherwise why not: "is owned by uid 1000", "is group-writable
// (mode 0664)", "is world-writable (mode 0777)".
std::string UntrustedReason(const struct stat& st, uid_t trusted_uid);
// The error of a refused manifest: "refused: <subject> <why>; manifests and every
// directory holding them must be owned by root or nxtd's user and not be group- or
// world-writable".
std::string UntrustedMessage(const std::string& subject, const std::string& why);

// Which directory the objects came from: its path as given, what it resolves to, and
// the file system object itself (device, inode and the file system's id), so a
// different directory at the same path (an unmounted mount point, a re-created
// directory) is told apart from the one recorded.
struct SourceIdentity {
  std::string path;
  std::string real_path;
  uint64_t device = 0;
  uint64_t inode = 0;
  std::string fsid;  // statfs f_fsid in hex; "0" where the file system has none

  // Same directory: same resolved path and inode, on the same device or (device numbers
  // may change across reboots) the same non-zero file system id.
  bool SameDirectory(const SourceIdentity& other) const;
  // "/etc/nxt/manifests (device 8:1, inode 1234)"
  std::string ToString() const;
};

// The identity of directory `path` now. NotFound / FailedPrecondition (not a directory).
absl::StatusOr<SourceIdentity> IdentifyDirectory(const std::string& path);

// The record kept in the state directory (<state_dir>/manifest-source, 0600).
std::string SourceRecordPath(const std::string& state_dir);
// nullopt when there is no record; an unreadable or corrupt record is an error.
absl::StatusOr<std::optional<SourceIdentity>> ReadSourceRecord(const std::string& file);
absl::Status WriteSourceRecord(const std::string& file, const SourceIdentity& identity);

}  // namespace nxt::reconciler

#endif  // NXT_RECONCILER_MANIFEST_TRUST_H_
