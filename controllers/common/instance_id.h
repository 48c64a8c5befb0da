// The io.nxt.instance id of an nxtd: which Docker objects on a shared engine are this
// daemon's. Kept in its state directory, so it survives restarts and belongs to that
// directory, not to its path: two hosts (or two daemons) with the same state directory
// path on one engine get different ids.
#ifndef NXT_CONTROLLERS_COMMON_INSTANCE_ID_H_
#define NXT_CONTROLLERS_COMMON_INSTANCE_ID_H_

#include <string>

#include "absl/status/statusor.h"

namespace nxt::controllers {

// <state_dir>/instance-id: the id and a newline, mode 0600.
inline constexpr char kInstanceIdFile[] = "instance-id";

// The id recorded in <state_dir>/instance-id. When there is none it is made and recorded
// (atomically, 0600) first:
//   - 16 hex digits from the OS CSPRNG (getrandom) for a new state directory;
//   - InstanceIdForStateDir(state_dir), the id earlier nxt versions derived from the path,
//     when the directory was used before (it holds any file but the lock, the id file and
//     temporary files: objects, secrets, markers), so the containers, networks and volumes
//     they labelled stay recognised as this daemon's.
// InvalidArgument when the file holds anything but 8 to 64 lowercase hex digits (the
// daemon must not start with an id it cannot trust); Internal on I/O errors. Call once
// at start-up while holding the state directory's lock.
absl::StatusOr<std::string> LoadOrCreateInstanceId(const std::string& state_dir);

}  // namespace nxt::controllers

#endif  // NXT_CONTROLLERS_COMMON_INSTANCE_ID_H_
