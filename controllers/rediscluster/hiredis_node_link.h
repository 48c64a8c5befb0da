// NodeLink over hiredis (Debian's libhiredis): one TCP connection per Run to the node's
// address on its network, AUTH and the identity check pipelined in one round trip, then
// the commands pipelined in a second one; closed at the end of Run.
//
// Addresses come from `docker inspect` (DockerClient::InspectContainer) and are kept per
// container name: a container keeps its address while it runs, and one that restarted may
// have another. A kept address that no longer reaches the node (refused, no route, or
// another node's hostname answers) is looked up again once in the same Run.
//
// Thread-safe; the Docker client must be thread-safe and outlive this object.
#ifndef NXT_CONTROLLERS_REDISCLUSTER_HIREDIS_NODE_LINK_H_
#define NXT_CONTROLLERS_REDISCLUSTER_HIREDIS_NODE_LINK_H_

#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "controllers/rediscluster/node_link.h"
#include "docker/docker_client.h"

namespace nxt::rediscluster {

class HiredisNodeLink : public NodeLink {
 public:
  explicit HiredisNodeLink(docker::DockerClient& docker);

  absl::StatusOr<std::vector<std::string>> Run(
      const std::string& container, const std::string& network, const std::string& password,
      const std::vector<std::vector<std::string>>& commands, absl::Duration timeout) override;

 private:
  // The address of `container` on `network` from the engine; remembered.
  absl::StatusOr<std::string> LookUp(const std::string& container, const std::string& network);

  docker::DockerClient& docker_;
  absl::Mutex mu_;
  std::map<std::string, std::string> addresses_ ABSL_GUARDED_BY(mu_);  // container → IPv4
};

}  // namespace nxt::rediscluster

#endif  // NXT_CONTROLLERS_REDISCLUSTER_HIREDIS_NODE_LINK_H_
