// GaleraCluster: a MariaDB Galera cluster of an odd number of nodes (1 for test/dev).
// The typed view of a validated, defaulted spec; see crd-schemas/galeracluster.yaml.
#ifndef NXT_RESOURCES_GALERACLUSTER_H_
#define NXT_RESOURCES_GALERACLUSTER_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "resources/containerset.h"
#include "resources/field_error.h"
#include "resources/object.h"

namespace nxt::resources {

inline constexpr char kGaleraClusterKind[] = "GaleraCluster";

// Zero values only: the defaults are the CRD's, filled in before decoding.
struct GaleraClusterSpec {
  int replicas = 0;
  std::string image;
  std::string database;
  std::string user;
  std::string sst;  // mariabackup | rsync
  // Extra [mysqld] keys, names normalised to lower case with '_' (MariaDB treats '-' and
  // '_' alike); integer values are kept as their decimal text.
  std::map<std::string, std::string> config;
  int64_t memory_bytes = 0;  // 0: no limit
  int64_t nano_cpus = 0;     // 0: no limit
  DeletionPolicy deletion_policy = DeletionPolicy::kRetain;
  bool suspend = false;
};

// Decodes a spec that passed the schema, with its defaults applied, and CheckGaleraCluster:
// it checks no rule again and fills no default. InvalidArgument with the field path only
// for a quantity that does not parse (the check refuses it first, with its position).
absl::StatusOr<GaleraClusterSpec> DecodeGaleraClusterSpec(const boost::json::object& spec);

// Semantic rules: spec.replicas is odd ("spec.replicas: 4 is even; a Galera cluster needs
// an odd number of nodes to keep quorum"); config keys are option names and not ones nxt
// manages (wsrep_on, wsrep_cluster_address, datadir, socket, port, ...); config values are one
// line; quantities parse. `current` is unused: any odd size is reachable from any other one node at
// a time.
std::vector<FieldError> CheckGaleraCluster(const Object& desired, const Object* current);

// The [mysqld] keys the controller writes itself and a spec may not override.
bool IsManagedGaleraConfigKey(const std::string& normalised_key);
// "innodb-buffer-pool-size" → "innodb_buffer_pool_size".
std::string NormaliseGaleraConfigKey(const std::string& key);

}  // namespace nxt::resources

#endif  // NXT_RESOURCES_GALERACLUSTER_H_
