// Host directories a kind may bind-mount (ContainerSet volumes, RustFSPool drives): they
// must lie under one of the roots nxtd allows (`nxtd --allowed-host-paths`). Pure
// functions; thread-safe.
#ifndef NXT_CONTROLLERS_COMMON_HOST_PATH_H_
#define NXT_CONTROLLERS_COMMON_HOST_PATH_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace nxt::controllers {

// `path` lexically normalised, without a trailing '/' ("/srv/nxt/" → "/srv/nxt").
std::string NormaliseHostPath(const std::string& path);

// True when `path` is `root` or lies under it (component-wise; both absolute; a path
// with ".." is never under anything).
bool IsUnderRoot(const std::string& path, const std::string& root);

// OK when `host_path` lies under one of `roots`; otherwise InvalidArgument (the manifest
// must change) naming the field: "spec.volumes[1].hostPath: /etc is not under an allowed
// host path root (/srv/nxt)".
absl::Status CheckHostPathAllowed(const std::string& field_path, const std::string& host_path,
                                  const std::vector<std::string>& roots);

}  // namespace nxt::controllers

#endif  // NXT_CONTROLLERS_COMMON_HOST_PATH_H_
