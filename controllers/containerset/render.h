// Renders the Docker container spec of one ContainerSet member, and its config hash.
//
// The hash (label io.nxt.config-hash) is the SHA-256 of the canonical rendered spec with
// the ordinal-dependent parts (name, hostname, alias, ordinal label, volume names)
// normalised, so it is the same for every member and changes exactly when a container
// must be recreated (image, command, env, ports, mounts, limits, ...). The replica count
// is not part of it. Pure functions; thread-safe.
#ifndef NXT_CONTROLLERS_CONTAINERSET_RENDER_H_
#define NXT_CONTROLLERS_CONTAINERSET_RENDER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "docker/types.h"
#include "resources/containerset.h"
#include "resources/object.h"

namespace nxt::containerset {

inline constexpr char kMemberRole[] = "member";
inline constexpr char kVolumeRole[] = "volume";
inline constexpr char kNetworkRole[] = "network";

struct RenderOptions {
  // Host paths a bind mount may use: a hostPath must equal one of these or lie under it.
  // Empty: no bind mounts are allowed.
  std::vector<std::string> allowed_host_path_roots;
};

// The spec of member `ordinal` of `key`. InvalidArgument (the manifest must change, not
// retried) naming the field, e.g. "spec.volumes[1].hostPath: /etc is not under an allowed
// host path root (/srv/nxt)".
absl::StatusOr<docker::ContainerSpec> Render(const resources::ObjectKey& key,
                                             const resources::ContainerSetSpec& spec, int ordinal,
                                             const RenderOptions& options);

// The io.nxt.config-hash every member of `spec` carries (same errors as Render).
absl::StatusOr<std::string> ConfigHashOf(const resources::ObjectKey& key,
                                         const resources::ContainerSetSpec& spec,
                                         const RenderOptions& options);

// Names of the named (non-hostPath) volumes, the `purpose` part of their Docker names.
std::vector<std::string> VolumePurposes(const resources::ContainerSetSpec& spec);

}  // namespace nxt::containerset

#endif  // NXT_CONTROLLERS_CONTAINERSET_RENDER_H_
