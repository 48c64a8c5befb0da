// Renders one RedisCluster node: its redis.conf and its Docker container spec, and the
// config hash every node carries.
//
// Identity: container and hostname <name>-<i>, on the cluster's own network
// nxt-<ns>-<name> (alias <name>-<i>), data volume nxt-<ns>-<name>-<i>-data on /data
// (nodes.conf, AOF, RDB). The node announces its hostname (cluster-announce-hostname,
// cluster-preferred-endpoint-type hostname), so clients and peers follow it across a
// new IP, and nodes.conf on the volume keeps its node ID: a recreated node rejoins as
// itself.
//
// The password reaches the node only inside redis.conf (requirepass + masterauth),
// written with DockerClient::PutFile before the container starts; the hash covers the
// config without the password plus SecretStore::Version(password). Pure; thread-safe.
#ifndef NXT_CONTROLLERS_REDISCLUSTER_RENDER_H_
#define NXT_CONTROLLERS_REDISCLUSTER_RENDER_H_

#include <string>

#include "docker/types.h"
#include "resources/object.h"
#include "resources/rediscluster.h"

namespace nxt::rediscluster {

inline constexpr char kNodeRole[] = "node";
inline constexpr char kVolumeRole[] = "volume";
inline constexpr char kNetworkRole[] = "network";
inline constexpr char kConfigPath[] = "/etc/nxt/redis.conf";
inline constexpr char kDataPath[] = "/data";
inline constexpr char kVolumePurpose[] = "data";
inline constexpr int kRedisPort = 6379;
inline constexpr int kClusterNodeTimeoutMs = 5000;

// redis.conf for the node whose hostname is `hostname`. With an empty `password` the
// requirepass/masterauth lines are left out (for hashing).
std::string RedisConf(const resources::RedisClusterSpec& spec, const std::string& hostname,
                      const std::string& password);

// The container of node `ordinal` (labels include io.nxt.config-hash = `config_hash`).
docker::ContainerSpec RenderNode(const resources::ObjectKey& key,
                                 const resources::RedisClusterSpec& spec, int ordinal,
                                 const std::string& config_hash);

// The same for every node: spec and config with the ordinal normalised, plus the
// password's version. Not affected by spec.nodes, suspend or deletionPolicy.
std::string ConfigHashOf(const resources::ObjectKey& key, const resources::RedisClusterSpec& spec,
                         const std::string& password_version);

}  // namespace nxt::rediscluster

#endif  // NXT_CONTROLLERS_REDISCLUSTER_RENDER_H_
