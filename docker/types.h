// Plain data types of the Docker Engine API subset nxt uses. No JSON here: the
// libcurl implementation maps these to and from the wire format.
#ifndef NXT_DOCKER_TYPES_H_
#define NXT_DOCKER_TYPES_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace nxt::docker {

// Labels every managed object carries (DESIGN.md "Conventions on the Docker host").
inline constexpr char kLabelManagedBy[] = "io.nxt.managed-by";
inline constexpr char kManagedByValue[] = "nxtd";
inline constexpr char kLabelKind[] = "io.nxt.kind";
inline constexpr char kLabelNamespace[] = "io.nxt.namespace";
inline constexpr char kLabelName[] = "io.nxt.name";
inline constexpr char kLabelRole[] = "io.nxt.role";
inline constexpr char kLabelOrdinal[] = "io.nxt.ordinal";
inline constexpr char kLabelConfigHash[] = "io.nxt.config-hash";
// Which nxtd owns the object (a hash of its state directory), so two daemons on one host
// (a test's next to the quick start's) never touch each other's objects.
inline constexpr char kLabelInstance[] = "io.nxt.instance";

struct PortBinding {
  int container_port = 0;
  std::string protocol = "tcp";
  std::string host_ip;  // "" with host_port 0: exposed, not published
  int host_port = 0;
  friend bool operator==(const PortBinding&, const PortBinding&) = default;
};

struct Mount {
  enum class Type { kVolume, kBind };
  Type type = Type::kVolume;
  std::string source;  // volume name or host path
  std::string target;
  bool read_only = false;
  friend bool operator==(const Mount&, const Mount&) = default;
};

struct Healthcheck {
  std::vector<std::string> test;  // {"CMD", "arg", ...} or {"CMD-SHELL", "..."}
  absl::Duration interval = absl::ZeroDuration();
  absl::Duration timeout = absl::ZeroDuration();
  absl::Duration start_period = absl::ZeroDuration();
  int retries = 0;
  friend bool operator==(const Healthcheck&, const Healthcheck&) = default;
};

// What POST /containers/create needs (Config + HostConfig + NetworkingConfig).
struct ContainerSpec {
  std::string name;
  std::string image;
  std::string hostname;
  std::vector<std::string> entrypoint;  // empty: the image's
  std::vector<std::string> cmd;         // empty: the image's
  std::vector<std::string> env;         // "K=V"
  std::map<std::string, std::string> labels;
  std::string user;
  std::string working_dir;
  std::vector<PortBinding> ports;
  std::vector<Mount> mounts;
  // The first network is given at create (with `network_aliases`); the rest are
  // connected before start by the implementation.
  std::vector<std::string> networks;
  std::vector<std::string> network_aliases;
  std::optional<Healthcheck> healthcheck;
  int64_t memory_bytes = 0;
  int64_t nano_cpus = 0;
  std::string restart_policy = "unless-stopped";
  std::vector<std::string> security_opt = {"no-new-privileges"};
  std::vector<std::string> cap_drop;
  std::vector<std::string> cap_add;
  std::string network_mode;  // "" (bridge/user networks) or "host"
  // Run Docker's init (tini) as PID 1: it forwards signals and reaps zombies, so a
  // workload that ignores SIGTERM as PID 1 (a shell, busybox) still stops promptly.
  bool init = false;
  std::map<std::string, std::string> log_options = {{"max-size", "10m"}, {"max-file", "3"}};
};

// One row of GET /containers/json?all=1.
struct ContainerSummary {
  std::string id;
  std::string name;  // without the leading "/"
  std::string image;
  std::map<std::string, std::string> labels;
  std::string state;   // created, running, paused, restarting, removing, exited, dead
  std::string status;  // "Up 3 seconds (healthy)"
  absl::Time created = absl::InfinitePast();

  // "healthy", "unhealthy", "starting", or "" when the container has no health check,
  // read from `status` (the list call carries no other health field).
  std::string Health() const;
};

// GET /containers/{id}/json, the parts nxt reads.
struct ContainerInfo {
  std::string id;
  std::string name;
  std::string image;  // as configured (Config.Image)
  std::map<std::string, std::string> labels;
  std::string state;  // as in ContainerSummary
  bool running = false;
  int exit_code = 0;
  std::string health;  // "", "starting", "healthy", "unhealthy"
  int pid = 0;
  int restart_count = 0;
  absl::Time started_at = absl::InfinitePast();
  absl::Time finished_at = absl::InfinitePast();
  std::map<std::string, std::string> network_ips;  // network name → IPv4 address
};

struct ExecResult {
  int exit_code = -1;
  std::string stdout_text;
  std::string stderr_text;
};

struct NetworkInfo {
  std::string id;
  std::string name;
  std::map<std::string, std::string> labels;
  std::vector<std::string> subnets;  // IPAM.Config[].Subnet, "10.213.0.0/26"; may be empty
};

struct VolumeInfo {
  std::string name;
  std::map<std::string, std::string> labels;
  std::string mountpoint;
};

struct ImageInfo {
  std::string id;
  std::map<std::string, std::string> labels;
  std::vector<std::string> repo_tags;
};

// One message of GET /events.
struct Event {
  std::string type;    // container, network, volume, image, ...
  std::string action;  // create, start, die, destroy, "health_status: healthy", ...
  std::string actor_id;
  std::map<std::string, std::string> attributes;  // labels included, plus name, image, ...
  int64_t time_nano = 0;
};

struct VersionInfo {
  std::string version;      // engine version, "20.10.24"
  std::string api_version;  // highest API the engine serves, "1.41"
  std::string min_api_version;
};

}  // namespace nxt::docker

#endif  // NXT_DOCKER_TYPES_H_
