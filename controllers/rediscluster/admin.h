// Cluster administration of the node containers: `docker exec` of redis-cli, or, for
// Query and Command when a NodeLink is given, the node's own protocol over its network
// address (node_link.h; no process in the container, no work for the engine).
//
// Every call runs `timeout <seconds> redis-cli --askpass ...` (coreutils or busybox
// timeout, present in both the local and the upstream image) under an Exec deadline a few
// seconds longer, so no redis-cli outlives its call. The password goes to redis-cli on
// stdin (--askpass); it is never in argv, the environment, logs or errors.
//
// redis-cli exits 0 on error replies, so replies are checked: a line starting with a
// Redis error code (ERR, NOAUTH, READONLY, ...) or "[ERR]", or a non-zero exit (how
// --cluster commands fail), fails the call with FailedPrecondition (Unavailable when the
// node refused or did not answer), carrying the command and the first error line (or
// the last line of output).
//
// Thread-safe (no mutable state: calls may run at once, as the reconciler's observe does);
// the client must outlive this object and be thread-safe.
#ifndef NXT_CONTROLLERS_REDISCLUSTER_ADMIN_H_
#define NXT_CONTROLLERS_REDISCLUSTER_ADMIN_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "controllers/rediscluster/cluster_state.h"
#include "controllers/rediscluster/node_link.h"
#include "docker/docker_client.h"

namespace nxt::rediscluster {

class RedisAdmin {
 public:
  struct Timeouts {
    absl::Duration query = absl::Seconds(5);      // CLUSTER INFO / NODES, single commands
    absl::Duration cluster = absl::Seconds(180);  // --cluster create/add-node/rebalance/...
  };

  // With `link` (optional; must outlive this object), Query and Command reach the nodes
  // through it at their addresses on `network`; without, through docker exec.
  RedisAdmin(docker::DockerClient& docker, std::string password, Timeouts timeouts,
             NodeLink* link = nullptr, std::string network = "");

  // CLUSTER INFO + CLUSTER NODES + INFO replication keyspace of the node in `container`
  // (one exec, or one connection).
  absl::StatusOr<NodeView> Query(const std::string& container);
  // One command against the node in `container` (e.g. {"CLUSTER", "FORGET", id}); its
  // reply as redis-cli prints it.
  absl::StatusOr<std::string> Command(const std::string& container,
                                      const std::vector<std::string>& command);
  // Several commands in one redis-cli run (fed on stdin, one per line); the output of
  // all of them.
  absl::StatusOr<std::string> Commands(const std::string& container,
                                       const std::vector<std::string>& lines);
  // `redis-cli --cluster <args>` run in `container`.
  absl::StatusOr<std::string> ClusterTool(const std::string& container,
                                          const std::vector<std::string>& args);

  // Whether a `redis-cli ... --cluster` process runs in `container` now: one an earlier
  // nxtd started keeps running after that nxtd died (docker exec does not stop with its
  // client), and a second cluster tool next to it corrupts slot moves. Reads
  // /proc/*/cmdline with sh, tr and grep (present in both images); 5 s timeout.
  absl::StatusOr<bool> ClusterToolRunning(const std::string& container);

  // The first line of `output` that is a Redis or redis-cli error, "" when none.
  static std::string FirstError(const std::string& output);

 private:
  absl::StatusOr<std::string> Run(const std::string& container, std::vector<std::string> args,
                                  const std::string& extra_stdin, absl::Duration timeout,
                                  const std::string& what);

  docker::DockerClient& docker_;
  const std::string password_;
  const Timeouts timeouts_;
  NodeLink* const link_;  // optional
  const std::string network_;
};

}  // namespace nxt::rediscluster

#endif  // NXT_CONTROLLERS_REDISCLUSTER_ADMIN_H_
