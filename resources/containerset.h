// ContainerSet: N identical stateless containers (the generic base and escape hatch).
// The typed view of a validated, defaulted spec; see crd-schemas/containerset.yaml.
#ifndef NXT_RESOURCES_CONTAINERSET_H_
#define NXT_RESOURCES_CONTAINERSET_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "resources/field_error.h"
#include "resources/object.h"

namespace nxt::resources {

inline constexpr char kContainerSetKind[] = "ContainerSet";

enum class DeletionPolicy { kRetain, kDelete };

// The typed specs below hold zero values only: every default is the CRD's, filled in
// before decoding (KindRegistry::ApplyDefaults), so a decoded spec carries them.
struct PortSpec {
  std::string name;        // optional
  int container_port = 0;  // 1..65535
  std::string protocol;    // tcp | udp
  int host_port = 0;       // 0: not published on the host
  std::string host_ip;
  friend bool operator==(const PortSpec&, const PortSpec&) = default;
};

struct VolumeSpec {
  std::string name;        // DNS label; the Docker volume is nxt-<ns>-<set>-<ordinal>-<name>
  std::string mount_path;  // absolute path in the container
  std::string
      host_path;  // when set: a bind mount of this host path (must be under an allowed root)
  bool read_only = false;
  friend bool operator==(const VolumeSpec&, const VolumeSpec&) = default;
};

struct HealthcheckSpec {
  std::vector<std::string> command;  // exec form, run as CMD (no shell unless the user asks)
  absl::Duration interval;
  absl::Duration timeout;
  int retries = 0;
  absl::Duration start_period;
  friend bool operator==(const HealthcheckSpec&, const HealthcheckSpec&) = default;
};

struct ContainerSetSpec {
  std::string image;
  int replicas = 0;
  std::vector<std::string> command;  // overrides the image entrypoint when not empty
  std::vector<std::string> args;     // overrides the image cmd when not empty
  std::map<std::string, std::string> env;
  std::vector<PortSpec> ports;
  std::vector<VolumeSpec> volumes;
  std::vector<std::string> networks;  // extra user networks; the set always gets nxt-<ns>-<name>
  std::optional<HealthcheckSpec> healthcheck;
  int64_t memory_bytes = 0;  // 0: no limit   (spec.resources.memory, "256Mi", "1G", ...)
  int64_t nano_cpus = 0;     // 0: no limit   (spec.resources.cpus, "0.5", "2", "500m")
  DeletionPolicy deletion_policy = DeletionPolicy::kRetain;
  bool suspend = false;
};

// Decodes a spec that passed the schema, with its defaults applied, and CheckContainerSet:
// it checks no rule again and fills no default. InvalidArgument with the field path only
// for a quantity or duration that does not parse (the check refuses it first, with its
// position).
absl::StatusOr<ContainerSetSpec> DecodeContainerSetSpec(const boost::json::object& spec);

// Semantic rules: quantities parse; port (containerPort, protocol) and published
// (hostIP, hostPort, protocol) are unique; volume names and mount paths unique; host
// paths absolute and normalised. `current` is unused today (no immutable fields).
std::vector<FieldError> CheckContainerSet(const Object& desired, const Object* current);

// "256Mi" → 268435456, "1G" → 1000000000, "512" → 512. InvalidArgument otherwise.
absl::StatusOr<int64_t> ParseMemoryQuantity(const std::string& text);
// "0.5" → 500000000, "2" → 2000000000, "250m" → 250000000 nano-CPUs.
absl::StatusOr<int64_t> ParseCpuQuantity(const std::string& text);
// "10s", "1m30s", "500ms" → Duration.
absl::StatusOr<absl::Duration> ParseDurationField(const std::string& text);

}  // namespace nxt::resources

#endif  // NXT_RESOURCES_CONTAINERSET_H_
