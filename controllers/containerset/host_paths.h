// ContainerSet bind mounts on the host: each spec.volumes[i].hostPath must be an existing
// directory or regular file under an allowed root, reached without a symlink (see
// controllers/common/host_path.h). Checked when a manifest is validated or applied (the
// daemon adds HostPathErrors to the kind's semantic check) and again right before each
// container create (the actuator calls VerifyHostPaths). Thread-safe.
#ifndef NXT_CONTROLLERS_CONTAINERSET_HOST_PATHS_H_
#define NXT_CONTROLLERS_CONTAINERSET_HOST_PATHS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "resources/containerset.h"
#include "resources/field_error.h"
#include "resources/object.h"

namespace nxt::containerset {

// OK, or the first refusal: InvalidArgument "spec.volumes[1].hostPath: /srv/nxt/p1/root:
// component "root" is a symlink; refused" (Internal on other file-system errors).
absl::Status VerifyHostPaths(const resources::ContainerSetSpec& spec,
                             const std::vector<std::string>& roots);

// Every refusal of `object`'s host paths as manifest errors located by field path
// (a resources::SemanticCheck body). None for a spec that does not decode: the schema
// and the kind's own check report that.
std::vector<resources::FieldError> HostPathErrors(const resources::Object& object,
                                                  const std::vector<std::string>& roots);

}  // namespace nxt::containerset

#endif  // NXT_CONTROLLERS_CONTAINERSET_HOST_PATHS_H_
