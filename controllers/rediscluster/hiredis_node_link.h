// NodeLink over hiredis (Debian's libhiredis): one TCP connection per Run to the node's
// address on its network, AUTH and the identity check pipelined in one round trip, then
// the commands pipelined in a second one; closed at the end of Run.
//
// Addresses come from controllers::NodeAddresses (`docker inspect`, kept per container
// name). A kept address that no longer reaches the node (refused, no route, or
// another node's hostname answers) is looked up again once in the same Run.
//
// Thread-safe; the Docker client must be thread-safe and outlive this object.
#ifndef NXT_CONTROLLERS_REDISCLUSTER_HIREDIS_NODE_LINK_H_
#define NXT_CONTROLLERS_REDISCLUSTER_HIREDIS_NODE_LINK_H_

#include <string>
#include <vector>

#include "controllers/common/node_addresses.h"
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
  controllers::NodeAddresses addresses_;
};

}  // namespace nxt::rediscluster

#endif  // NXT_CONTROLLERS_REDISCLUSTER_HIREDIS_NODE_LINK_H_
