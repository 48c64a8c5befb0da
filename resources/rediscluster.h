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
// A Redis Cluster needs at least 3 masters to elect a failover.
inline constexpr int kRedisMinMasters = 3;

// Zero values only: the defaults are the CRD's, filled in before decoding.
struct RedisClusterSpec {
  int nodes = 0;
  int replicas_per_master = 0;
  std::string image;
  int64_t maxmemory_bytes = 0;  // 0: not set (Redis's default, no limit)
  std::string maxmemory_policy;
  bool appendonly = false;
  std::map<std::string, std::string> config;  // extra directives, sorted by name
  int64_t memory_bytes = 0;                   // container limit; 0: none
  int64_t nano_cpus = 0;                      // 0: none
  DeletionPolicy deletion_policy = DeletionPolicy::kRetain;
  bool suspend = false;

  int ShardSize() const { return 1 + replicas_per_master; }
  int Masters() const { return nodes / ShardSize(); }
};

// Decodes a spec that passed the schema, with its defaults applied, and CheckRedisCluster:
// it checks no rule again (the size rules are the check's alone) and fills no default.
// InvalidArgument with the field path only for a quantity that does not parse
// (maxmemory: "12XB"; the check refuses it first, with its position).
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
