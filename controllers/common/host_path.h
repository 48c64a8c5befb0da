// Host paths a kind may bind-mount (ContainerSet volumes, RustFSPool drives): they must
// lie under one of the roots nxtd allows (`nxtd --allowed-host-paths`), and they are
// resolved on the host, not only compared as text.
//
// Docker follows symlinks when it mounts, so a path whose text lies under a root can
// still point anywhere (`/srv/nxt/p1/root -> /`, made by any container with a writable
// mount under /srv/nxt). The resolving functions below therefore walk the whole path from
// "/" one component at a time, each step relative to the directory fd of the step
// before, with openat2(RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH) (an O_NOFOLLOW openat walk
// on kernels without openat2). A symlink anywhere on the path, the root's own components
// included, refuses it: roots are never resolved with realpath, so configure a root by
// its real path. The path text a caller hands Docker is the verified text itself.
//
// What stays inherent: Docker resolves the text again when it mounts, so a symlink
// swapped in between the check and the mount is not seen; callers check right before
// each container create to keep that window to milliseconds.
//
// Errors: InvalidArgument (the manifest or the host must change) naming the field,
//   "spec.volumes[1].hostPath: /srv/nxt/p1/root: component "root" is a symlink; refused";
// Internal for any other failure of the file system (EACCES, EIO, ...). Thread-safe.
#ifndef NXT_CONTROLLERS_COMMON_HOST_PATH_H_
#define NXT_CONTROLLERS_COMMON_HOST_PATH_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "resources/field_error.h"

namespace nxt::controllers {

// The Stalled reason of an object whose host path is refused right before a create.
inline constexpr char kReasonHostPathRefused[] = "HostPathRefused";

// `path` lexically normalised, without a trailing '/' ("/srv/nxt/" → "/srv/nxt").
std::string NormaliseHostPath(const std::string& path);

// True when `path` is `root` or lies under it (component-wise; both absolute; a path
// with ".." is never under anything). Text only: see ResolveHostPath.
bool IsUnderRoot(const std::string& path, const std::string& root);

// The lexical pre-check (pure): OK when `host_path` is absolute, has no ".." component
// and lies under one of `roots`; otherwise InvalidArgument naming the field:
// "spec.volumes[1].hostPath: /etc is not under an allowed host path root (/srv/nxt)".
absl::Status CheckHostPathAllowed(const std::string& field_path, const std::string& host_path,
                                  const std::vector<std::string>& roots);

// What the last component of a resolved host path must be.
enum class HostPathTarget {
  kDirectory,         // an existing directory (RustFS drives)
  kDirectoryOrFile,   // an existing directory or regular file (ContainerSet bind mounts)
  kDirectoryOrAbsent  // every existing component a directory; the rest may be missing
                      // (checked before nxtd creates them)
};

// CheckHostPathAllowed, then the walk described above; the root itself must exist. Returns
// the normalised path text, verified component by component (what Docker is given).
absl::StatusOr<std::string> ResolveHostPath(const std::string& field_path,
                                            const std::string& host_path,
                                            const std::vector<std::string>& roots,
                                            HostPathTarget target);

// ResolveHostPath(kDirectoryOrAbsent), creating each missing component below the root
// with mkdirat on the fd of its already-resolved parent, mode `mode` exactly (no umask).
// A component swapped for a symlink between mkdirat and its open is refused. Returns the
// verified path text.
absl::StatusOr<std::string> MakeHostDirectory(const std::string& field_path,
                                              const std::string& host_path,
                                              const std::vector<std::string>& roots, mode_t mode);

// OK when `root` is an existing directory reached from "/" without a symlink, i.e. one
// under which hostPaths can be accepted (nxtd logs the roots that are not).
absl::Status CheckHostRoot(const std::string& root);

// `error` (a refusal above about `field_path`: "spec.x: ...") as a manifest error at
// that field, its message without the field path; the caller fills the position.
resources::FieldError HostPathFieldError(const std::string& field_path, const absl::Status& error);

// Tests only: false makes every walk use the O_NOFOLLOW openat fallback, as on kernels
// without openat2; true restores the default.
void UseOpenat2ForTesting(bool use);

}  // namespace nxt::controllers

#endif  // NXT_CONTROLLERS_COMMON_HOST_PATH_H_
