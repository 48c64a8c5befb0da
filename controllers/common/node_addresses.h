// Where nxtd reaches a store's node over its own protocol: the container's IPv4 address
// on a network, from `docker inspect`, kept per container name. A container keeps its
// address while it runs; one that restarted may have another, so a caller whose kept
// address no longer reaches the node looks it up again (LookUp) and compares.
//
// Thread-safe; the Docker client must be thread-safe and outlive this object.
#ifndef NXT_CONTROLLERS_COMMON_NODE_ADDRESSES_H_
#define NXT_CONTROLLERS_COMMON_NODE_ADDRESSES_H_

#include <map>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "docker/docker_client.h"

namespace nxt::controllers {

class NodeAddresses {
 public:
  explicit NodeAddresses(docker::DockerClient& docker);

  // The kept address of `container`, if any.
  std::optional<std::string> Kept(const std::string& container) const;
  // The address of `container` on `network` from the engine, kept from now on. Errors:
  // the inspect's (with the container named), Unavailable when it has no address there.
  absl::StatusOr<std::string> LookUp(const std::string& container, const std::string& network);

 private:
  docker::DockerClient& docker_;
  mutable absl::Mutex mu_;
  std::map<std::string, std::string> addresses_ ABSL_GUARDED_BY(mu_);  // container → IPv4
};

}  // namespace nxt::controllers

#endif  // NXT_CONTROLLERS_COMMON_NODE_ADDRESSES_H_
