// RustFSPool: a RustFS S3 pool of nodes × drives (erasure coded) and its buckets, whose
// topology is fixed once the pool exists. The typed view of a validated, defaulted spec;
// see crd-schemas/rustfspool.yaml.
#ifndef NXT_RESOURCES_RUSTFSPOOL_H_
#define NXT_RESOURCES_RUSTFSPOOL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "resources/containerset.h"
#include "resources/field_error.h"
#include "resources/object.h"

namespace nxt::resources {

inline constexpr char kRustFSPoolKind[] = "RustFSPool";
// RustFS runs a distributed pool on at least 4 servers (docs.rustfs.com, MNMD).
inline constexpr int kRustFSMinDistributedNodes = 4;
// Erasure sets hold 2 to 16 drives; a pool's drives must split into equal sets.
inline constexpr int kRustFSMinSetSize = 2;
inline constexpr int kRustFSMaxSetSize = 16;
inline constexpr int kRustFSApiPort = 9000;

struct RustFSBucketSpec {
  std::string name;
  bool versioning = false;
  friend bool operator==(const RustFSBucketSpec&, const RustFSBucketSpec&) = default;
};

// Zero values only: the defaults are the CRD's, filled in before decoding.
struct RustFSPoolSpec {
  int nodes = 0;
  int drives_per_node = 0;
  std::string image;
  // One entry per drive index: the host directory root of that drive ("" = a named
  // volume per node). Always drives_per_node long after decoding.
  std::vector<std::string> drive_host_paths;
  bool console_enabled = false;
  int console_port = 0;  // the CRD's default when spec.console is given
  std::vector<RustFSBucketSpec> buckets;
  int64_t memory_bytes = 0;  // 0: no limit
  int64_t nano_cpus = 0;     // 0: no limit
  DeletionPolicy deletion_policy = DeletionPolicy::kRetain;
  bool suspend = false;

  int TotalDrives() const { return nodes * drives_per_node; }
};

// Decodes a spec that passed the schema, with its defaults applied, and CheckRustFSPool:
// it checks no rule again (the topology rules are the check's alone) and fills no
// default. InvalidArgument with the field path only for a quantity that does not parse
// (the check refuses it first, with its position).
absl::StatusOr<RustFSPoolSpec> DecodeRustFSPoolSpec(const boost::json::object& spec);

// Semantic rules, each with the field path:
//   spec.nodes is 1 or at least 4; the pool's drives (nodes × drivesPerNode) split into
//   erasure sets of 2..16 drives; spec.drives lists drivesPerNode entries when given,
//   host paths absolute, normalised and unique; spec.console.port is not 9000; bucket
//   names are valid S3 names and unique; quantities parse;
//   against `current` (the running object): nodes, drivesPerNode and each drive's
//   storage are unchanged (RustFS cannot re-lay out the drives of an existing pool).
std::vector<FieldError> CheckRustFSPool(const Object& desired, const Object* current);

// The S3 bucket naming rules (3-63 characters of a-z, 0-9, '.', '-'; starts and ends with
// a letter or digit; no "..", ".-", "-."; not an IPv4 address; no "xn--" prefix, no
// "-s3alias" / "--ol-s3" suffix). "" when `name` is valid, else why not.
std::string BucketNameProblem(const std::string& name);

}  // namespace nxt::resources

#endif  // NXT_RESOURCES_RUSTFSPOOL_H_
