#include "controllers/rediscluster/render.h"

#include "absl/strings/str_cat.h"
#include "controllers/common/owner.h"

namespace nxt::rediscluster {
namespace {

constexpr char kOrdinalPlaceholder[] = "{ordinal}";

docker::ContainerSpec RenderUnhashed(const resources::ObjectKey& key,
                                     const resources::RedisClusterSpec& spec,
                                     const std::string& ordinal) {
  docker::ContainerSpec out;
  out.name = absl::StrCat(key.name, "-", ordinal);
  out.hostname = out.name;
  out.image = spec.image;
  // Both the local image and redis:7.4-alpine have redis-server on PATH; the upstream
  // entrypoint script (chown + su-exec) is bypassed on purpose.
  out.entrypoint = {"redis-server"};
  out.cmd = {kConfigPath};
  out.working_dir = kDataPath;
  out.labels = controllers::OwnerLabels(key, kNodeRole);
  out.labels[docker::kLabelOrdinal] = ordinal;
  out.ports = {{kRedisPort, "tcp", "", 0}, {kRedisPort + 10000, "tcp", "", 0}};
  out.mounts.push_back({docker::Mount::Type::kVolume,
                        controllers::VolumeName(key.namespace_, key.name, ordinal, kVolumePurpose),
                        kDataPath, false});
  out.networks = {controllers::NetworkName(key.namespace_, key.name)};
  out.network_aliases = {out.name};
  out.memory_bytes = spec.memory_bytes;
  out.nano_cpus = spec.nano_cpus;
  // redis-server runs as the container's root without capabilities but DAC_OVERRIDE
  // (the upstream image's /data belongs to uid 999); no-new-privileges stays on.
  out.cap_drop = {"ALL"};
  out.cap_add = {"DAC_OVERRIDE"};
  return out;
}

}  // namespace

std::string RedisConf(const resources::RedisClusterSpec& spec, const std::string& hostname,
                      const std::string& password) {
  std::string c = "# Written by nxtd (RedisCluster); edits are replaced.\n";
  absl::StrAppend(&c, "port ", kRedisPort, "\nbind * -::*\nprotected-mode no\n");
  absl::StrAppend(&c, "daemonize no\ndir ", kDataPath, "\n");
  absl::StrAppend(&c, "cluster-enabled yes\ncluster-config-file ", kDataPath, "/nodes.conf\n");
  absl::StrAppend(&c, "cluster-node-timeout ", kClusterNodeTimeoutMs, "\n");
  absl::StrAppend(&c, "cluster-announce-hostname ", hostname, "\n");
  absl::StrAppend(&c, "cluster-preferred-endpoint-type hostname\n");
  absl::StrAppend(&c, "appendonly ", spec.appendonly ? "yes" : "no", "\n");
  if (spec.appendonly) absl::StrAppend(&c, "appendfsync everysec\n");
  if (spec.maxmemory_bytes > 0) absl::StrAppend(&c, "maxmemory ", spec.maxmemory_bytes, "\n");
  absl::StrAppend(&c, "maxmemory-policy ", spec.maxmemory_policy, "\n");
  for (const auto& [name, value] : spec.config) absl::StrAppend(&c, name, " ", value, "\n");
  if (!password.empty()) {
    absl::StrAppend(&c, "requirepass ", password, "\nmasterauth ", password, "\n");
  }
  return c;
}

std::string ConfigHashOf(const resources::ObjectKey& key, const resources::RedisClusterSpec& spec,
                         const std::string& password_version) {
  docker::ContainerSpec normalised = RenderUnhashed(key, spec, kOrdinalPlaceholder);
  return controllers::ConfigHash(normalised,
                                 {RedisConf(spec, normalised.hostname, ""), password_version});
}

docker::ContainerSpec RenderNode(const resources::ObjectKey& key,
                                 const resources::RedisClusterSpec& spec, int ordinal,
                                 const std::string& config_hash) {
  docker::ContainerSpec out = RenderUnhashed(key, spec, absl::StrCat(ordinal));
  out.labels[docker::kLabelConfigHash] = config_hash;
  // Only the controller restarts a node: a crashed master that the engine brought back
  // at once would race its replica's promotion (plan.h). Outside the hash, so clusters
  // made before keep their containers (kStart sets it on them).
  out.restart_policy = "no";
  return out;
}

}  // namespace nxt::rediscluster
