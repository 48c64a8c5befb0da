#include "controllers/rustfspool/render.h"

#include "absl/strings/str_cat.h"
#include "controllers/common/owner.h"
#include "controllers/common/secret_store.h"

namespace nxt::rustfspool {
namespace {

std::vector<std::string> Env(const PoolLayout& layout, const resources::RustFSPoolSpec& spec) {
  // Sorted by name, so the hash does not depend on the order they were added in.
  std::vector<std::string> env = {
      absl::StrCat("RUSTFS_ADDRESS=0.0.0.0:", resources::kRustFSApiPort)};
  if (spec.console_enabled) {
    env.push_back(absl::StrCat("RUSTFS_CONSOLE_ADDRESS=0.0.0.0:", spec.console_port));
  }
  env.push_back(absl::StrCat("RUSTFS_CONSOLE_ENABLE=", spec.console_enabled ? "true" : "false"));
  env.push_back(absl::StrCat("RUSTFS_VOLUMES=", layout.volumes));
  return env;
}

docker::ContainerSpec RenderSpec(const resources::ObjectKey& key, const PoolLayout& layout,
                                 const resources::RustFSPoolSpec& spec, int ordinal) {
  docker::ContainerSpec out;
  out.name = controllers::ContainerName(key.name, ordinal);
  out.hostname = out.name;
  out.image = spec.image;
  out.entrypoint = {"/bin/sh", kLauncherPath};
  out.cmd = {"rustfs"};
  out.env = Env(layout, spec);
  out.user = "0:0";  // root, with the capabilities below only
  out.labels = controllers::OwnerLabels(key, kNodeRole, ordinal);
  out.ports = {{resources::kRustFSApiPort, "tcp", "", 0}};
  if (spec.console_enabled) out.ports.push_back({spec.console_port, "tcp", "", 0});
  for (int d = 0; d < layout.drives_per_node; ++d) {
    out.mounts.push_back(DriveMount(key, layout, ordinal, d));
  }
  out.networks = {controllers::NetworkName(key.namespace_, key.name)};
  out.network_aliases = {out.name};
  out.memory_bytes = spec.memory_bytes;
  out.nano_cpus = spec.nano_cpus;
  out.cap_drop = {"ALL"};
  out.cap_add = {"DAC_OVERRIDE"};
  out.init = true;
  return out;
}

}  // namespace

std::string LauncherScript() {
  return absl::StrCat(
      "#!/bin/sh\n"
      "# Written by nxtd (RustFSPool); edits are replaced. The pool's keys come from their\n"
      "# 0600 files, so they never appear in the container's configuration or arguments.\n"
      "set -eu\n"
      "RUSTFS_ACCESS_KEY=$(cat ",
      kAccessKeyPath, ")\nRUSTFS_SECRET_KEY=$(cat ", kSecretKeyPath,
      ")\nexport RUSTFS_ACCESS_KEY RUSTFS_SECRET_KEY\nexec \"$@\"\n");
}

docker::Mount DriveMount(const resources::ObjectKey& key, const PoolLayout& layout, int ordinal,
                         int drive) {
  docker::Mount m;
  m.target = DrivePath(drive);
  const std::string& root = layout.drive_host_paths[static_cast<size_t>(drive)];
  if (root.empty()) {
    m.type = docker::Mount::Type::kVolume;
    m.source =
        controllers::VolumeName(key.namespace_, key.name, ordinal, absl::StrCat("data", drive));
  } else {
    m.type = docker::Mount::Type::kBind;
    m.source = absl::StrCat(root, "/", controllers::ContainerName(key.name, ordinal));
  }
  return m;
}

controllers::RenderedMember RenderNode(const resources::ObjectKey& key, const PoolLayout& layout,
                                       const resources::RustFSPoolSpec& spec, int ordinal,
                                       const PoolKeys& keys) {
  controllers::RenderedMember out;
  out.spec = RenderSpec(key, layout, spec, ordinal);
  const std::string launcher = LauncherScript();
  out.spec.labels[docker::kLabelConfigHash] = controllers::ConfigHash(
      out.spec, {launcher, controllers::SecretStore::Version(keys.access_key),
                 controllers::SecretStore::Version(keys.secret_key)});
  out.files = {{kAccessKeyPath, keys.access_key, 0600},
               {kSecretKeyPath, keys.secret_key, 0600},
               {kLauncherPath, launcher, 0644}};
  return out;
}

std::map<std::string, controllers::RenderedMember> RenderPool(const resources::ObjectKey& key,
                                                              const PoolLayout& layout,
                                                              const resources::RustFSPoolSpec& spec,
                                                              const PoolKeys& keys) {
  std::map<std::string, controllers::RenderedMember> out;
  for (int i = 0; i < layout.nodes; ++i) {
    controllers::RenderedMember node = RenderNode(key, layout, spec, i, keys);
    const std::string name = node.spec.name;
    out.emplace(name, std::move(node));
  }
  return out;
}

std::vector<controllers::WantedMember> WantedMembers(
    const std::map<std::string, controllers::RenderedMember>& rendered) {
  std::vector<controllers::WantedMember> out;
  for (const auto& [name, member] : rendered) {
    controllers::WantedMember w;
    w.name = name;
    w.ordinal = controllers::OrdinalOf(member.spec.labels).value_or(-1);
    w.config_hash = member.spec.labels.at(docker::kLabelConfigHash);
    out.push_back(std::move(w));
  }
  return out;
}

}  // namespace nxt::rustfspool
