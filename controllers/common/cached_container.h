// What every controller does after its own Docker writes, so the next observe sees them
// without waiting for the event stream, and how it meets a name that is already taken.
// Thread-safe (the client and cache are).
#ifndef NXT_CONTROLLERS_COMMON_CACHED_CONTAINER_H_
#define NXT_CONTROLLERS_COMMON_CACHED_CONTAINER_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "docker/container_cache.h"
#include "docker/docker_client.h"
#include "resources/object.h"

namespace nxt::controllers {

// Reads container `id_or_name` back into `cache`; its state, or nullopt when it is gone
// (then the row of `name` is erased). Other inspect errors leave the cache as it is.
std::optional<std::string> RefreshCached(docker::DockerClient& docker,
                                         docker::ContainerCache& cache,
                                         const std::string& id_or_name, const std::string& name);

// After creating `name` for `owner` answered AlreadyExists (`create_error`): a container
// of `owner` the cache missed is read into the cache and `create_error` comes back
// annotated (the next round sees it); one that belongs to anything else is refused with
// FailedPrecondition and left alone: container names are global on the host.
absl::Status AdoptOrRefuse(docker::DockerClient& docker, docker::ContainerCache& cache,
                           const resources::ObjectKey& owner, const std::string& name,
                           const absl::Status& create_error);

}  // namespace nxt::controllers

#endif  // NXT_CONTROLLERS_COMMON_CACHED_CONTAINER_H_
