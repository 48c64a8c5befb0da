// RustFS drives on host directories: drive d of node i is <spec.drives[d].hostPath>/<name>-<i>,
// made by nxtd. Every directory on those paths is resolved on the host without following a
// symlink (controllers/common/host_path.h) when the manifest is validated or applied
// (DriveDirErrors, added to the kind's check by the daemon), when nxtd creates the
// directories (MakeDriveDirs: mkdirat on the fd of each resolved parent) and right before
// each node's container is created (VerifyDriveDirs). Errors name the field:
// "spec.drives[0].hostPath: /srv/nxt/d0/s3-1: component "s3-1" is a symlink; refused".
// Thread-safe.
#ifndef NXT_CONTROLLERS_RUSTFSPOOL_DRIVE_DIRS_H_
#define NXT_CONTROLLERS_RUSTFSPOOL_DRIVE_DIRS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "controllers/rustfspool/layout.h"
#include "resources/field_error.h"
#include "resources/object.h"

namespace nxt::rustfspool {

// Mode of the directories nxtd makes for drives.
inline constexpr mode_t kDriveDirMode = 0750;

// Every refusal of `object`'s drive paths (the parts that exist must be directories; the
// rest may be missing): at most one manifest error per drive, located by field path. None
// for a spec that does not decode (the schema and the kind's own check report that).
std::vector<resources::FieldError> DriveDirErrors(const resources::Object& object,
                                                  const std::vector<std::string>& roots);

// Creates the missing host directories of every drive of `layout` on a host path (mode
// kDriveDirMode, never emptied). InvalidArgument when one is refused, Internal on other
// file-system errors.
absl::Status MakeDriveDirs(const resources::ObjectKey& key, const PoolLayout& layout,
                           const std::vector<std::string>& roots);

// OK when every host drive directory of node `ordinal` exists and resolves cleanly.
absl::Status VerifyDriveDirs(const resources::ObjectKey& key, const PoolLayout& layout, int ordinal,
                             const std::vector<std::string>& roots);

}  // namespace nxt::rustfspool

#endif  // NXT_CONTROLLERS_RUSTFSPOOL_DRIVE_DIRS_H_
