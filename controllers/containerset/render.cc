#include "controllers/containerset/render.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "controllers/common/host_path.h"
#include "controllers/common/owner.h"

namespace nxt::containerset {
namespace {

using controllers::NetworkName;

// Replaces the ordinal in names when hashing, so every member hashes alike.
constexpr char kOrdinalPlaceholder[] = "{ordinal}";

absl::StatusOr<docker::Mount> RenderMount(const resources::ObjectKey& key,
                                          const resources::VolumeSpec& volume, size_t index,
                                          const std::string& ordinal,
                                          const RenderOptions& options) {
  docker::Mount mount;
  mount.target = volume.mount_path;
  mount.read_only = volume.read_only;
  if (volume.host_path.empty()) {
    mount.type = docker::Mount::Type::kVolume;
    mount.source = controllers::VolumeName(key.namespace_, key.name, ordinal, volume.name);
    return mount;
  }
  mount.type = docker::Mount::Type::kBind;
  mount.source = controllers::NormaliseHostPath(volume.host_path);
  NXT_RETURN_IF_ERROR(
      controllers::CheckHostPathAllowed(absl::StrCat("spec.volumes[", index, "].hostPath"),
                                        volume.host_path, options.allowed_host_path_roots));
  return mount;
}

std::optional<docker::Healthcheck> RenderHealthcheck(
    const std::optional<resources::HealthcheckSpec>& spec) {
  if (!spec.has_value() || spec->command.empty()) return std::nullopt;
  docker::Healthcheck hc;
  hc.test.push_back("CMD");
  hc.test.insert(hc.test.end(), spec->command.begin(), spec->command.end());
  hc.interval = spec->interval;
  hc.timeout = spec->timeout;
  hc.retries = spec->retries;
  hc.start_period = spec->start_period;
  return hc;
}

// Everything but the hash label. `ordinal` is a decimal or kOrdinalPlaceholder.
absl::StatusOr<docker::ContainerSpec> RenderUnhashed(const resources::ObjectKey& key,
                                                     const resources::ContainerSetSpec& spec,
                                                     const std::string& ordinal,
                                                     const RenderOptions& options) {
  docker::ContainerSpec out;
  out.name = absl::StrCat(key.name, "-", ordinal);
  out.hostname = out.name;
  out.image = spec.image;
  out.entrypoint = spec.command;
  out.cmd = spec.args;
  for (const auto& [k, v] : spec.env) out.env.push_back(absl::StrCat(k, "=", v));  // sorted
  out.labels = controllers::OwnerLabels(key, kMemberRole);
  out.labels[docker::kLabelOrdinal] = ordinal;
  for (const resources::PortSpec& p : spec.ports) {
    docker::PortBinding binding{p.container_port, p.protocol, "", 0};
    if (p.host_port > 0) {
      binding.host_port = p.host_port;
      binding.host_ip = p.host_ip.empty() ? "127.0.0.1" : p.host_ip;
    }
    out.ports.push_back(binding);
  }
  for (size_t i = 0; i < spec.volumes.size(); ++i) {
    NXT_ASSIGN_OR_RETURN(docker::Mount mount,
                         RenderMount(key, spec.volumes[i], i, ordinal, options));
    out.mounts.push_back(std::move(mount));
  }
  out.networks.push_back(NetworkName(key.namespace_, key.name));
  out.networks.insert(out.networks.end(), spec.networks.begin(), spec.networks.end());
  out.network_aliases = {out.name, key.name};
  out.healthcheck = RenderHealthcheck(spec.healthcheck);
  out.memory_bytes = spec.memory_bytes;
  out.nano_cpus = spec.nano_cpus;
  // Signals reach the workload and zombies are reaped whatever the image runs as PID 1.
  out.init = true;
  // restart_policy, security_opt (no-new-privileges) and log_options keep the
  // ContainerSpec defaults; capabilities stay Docker's defaults so images keep working.
  return out;
}

}  // namespace

absl::StatusOr<std::string> ConfigHashOf(const resources::ObjectKey& key,
                                         const resources::ContainerSetSpec& spec,
                                         const RenderOptions& options) {
  NXT_ASSIGN_OR_RETURN(docker::ContainerSpec normalised,
                       RenderUnhashed(key, spec, kOrdinalPlaceholder, options));
  return controllers::ConfigHash(normalised);
}

absl::StatusOr<docker::ContainerSpec> Render(const resources::ObjectKey& key,
                                             const resources::ContainerSetSpec& spec, int ordinal,
                                             const RenderOptions& options) {
  NXT_ASSIGN_OR_RETURN(std::string hash, ConfigHashOf(key, spec, options));
  NXT_ASSIGN_OR_RETURN(docker::ContainerSpec out,
                       RenderUnhashed(key, spec, absl::StrCat(ordinal), options));
  out.labels[docker::kLabelConfigHash] = hash;
  return out;
}

std::vector<std::string> VolumePurposes(const resources::ContainerSetSpec& spec) {
  std::vector<std::string> out;
  for (const resources::VolumeSpec& v : spec.volumes) {
    if (v.host_path.empty()) out.push_back(v.name);
  }
  return out;
}

}  // namespace nxt::containerset
