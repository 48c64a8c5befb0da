// RedisCluster: a Redis Cluster of masters and replicas, scaled by whole shards.
// The typed view of a validated, defaulted spec; see crd-schemas/rediscluster.yaml.
#ifndef NXT_RESOURCES_REDISCLUSTER_H_
#define NXT_RESOURCES_REDISCLUSTER_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "resources/containerset.h"
#include "resources/field_error.h"
#include "resources/object.h"

namespace nxt::resources {

inline constexpr char kRedisClusterKind[] = "RedisCluster";
inline constexpr char kRedisDefaultImage[] = "redis:7.4-alpine";
// A Redis Cluster needs at least 3 masters to elect a failover.
inline constexpr int kRedisMinMasters = 3;

struct RedisClusterSpec {
  int nodes = 0;
  int replicas_per_master = 1;
  std::string image = kRedisDefaultImage;
  int64_t maxmemory_bytes = 0;  // 0: not set (Redis's default, no limit)
  std::string maxmemory_policy = "noeviction";
  bool appendonly = true;
  std::map<std::string, std::string> config;  // extra directives, sorted by name
  int64_t memory_bytes = 0;                   // container limit; 0: none
  int64_t nano_cpus = 0;                      // 0: none
  DeletionPolicy deletion_policy = DeletionPolicy::kRetain;
  bool suspend = false;

  int ShardSize() const { return 1 + replicas_per_master; }
  int Masters() const { return nodes / ShardSize(); }
};

// Decodes a spec that already passed the schema and CheckRedisCluster. InvalidArgument
// with the field path on a value the schema cannot express (maxmemory: "12XB").
absl::StatusOr<RedisClusterSpec> DecodeRedisClusterSpec(const boost::json::object& spec);

// Semantic rules, each with the field path:
//   spec.nodes is a multiple of 1 + spec.replicasPerMaster, and gives >= 3 masters;
//   against `current` (the running object): nodes changes by whole shards, and the
//   number of masters and replicasPerMaster do not change in one edit;
//   spec.maxmemory / spec.resources.* are quantities; spec.config names are directives
//   ([a-z][a-z0-9-]*), not one the controller owns, values on one line.
std::vector<FieldError> CheckRedisCluster(const Object& desired, const Object* current);

// Directives the controller writes itself (refused in spec.config).
bool IsControllerOwnedRedisDirective(const std::string& name);

}  // namespace nxt::resources

#endif  // NXT_RESOURCES_REDISCLUSTER_H_
