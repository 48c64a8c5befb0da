// How the controller talks to one node's Redis server without `docker exec`: a few
// commands over one authenticated connection to the node's address on its network (nxtd
// runs on the Docker host, which reaches its bridges). The implementation is
// HiredisNodeLink; tests use a fake. `redis-cli --cluster` and looks into a node's
// processes stay `docker exec` (admin.h): there is no native alternative to them.
//
// Implementations are thread-safe (the reconciler's observe asks several nodes at once).
#ifndef NXT_CONTROLLERS_REDISCLUSTER_NODE_LINK_H_
#define NXT_CONTROLLERS_REDISCLUSTER_NODE_LINK_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace nxt::rediscluster {

class NodeLink {
 public:
  virtual ~NodeLink() = default;

  // Runs `commands` in order on one connection to the Redis server of `container` (its
  // address on `network`), after AUTH with `password` and after checking that the server
  // is that node (its cluster-announce-hostname is `container`), so a stale address never
  // sends a command to another node. Every step is bounded by `timeout`.
  //
  // Returns each reply as text: status and bulk replies as they are, integers in decimal,
  // nil as "", arrays one element per line (redis-cli's raw output). An error reply fails
  // the call with FailedPrecondition carrying the reply ("ERR Unknown node ..."), except
  // LOADING, MASTERDOWN and TRYAGAIN (the node is busy: Unavailable). Unavailable when the
  // node cannot be reached, refuses, times out, rejects the password or is another node.
  // The password appears in no error and no log.
  virtual absl::StatusOr<std::vector<std::string>> Run(
      const std::string& container, const std::string& network, const std::string& password,
      const std::vector<std::vector<std::string>>& commands, absl::Duration timeout) = 0;
};

}  // namespace nxt::rediscluster

#endif  // NXT_CONTROLLERS_REDISCLUSTER_NODE_LINK_H_
