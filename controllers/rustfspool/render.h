// Renders the container of one RustFS node from the pool's recorded layout and the
// parts of the spec that may change (image, console, limits).
//
// Identity: container and hostname <name>-<i> on the pool's network nxt-<ns>-<name>
// (alias <name>-<i>, which every endpoint names); drive d at /data<d>, a named volume
// nxt-<ns>-<name>-<i>-data<d> or the host directory <hostPath_d>/<name>-<i>.
//
// What RustFS is given: RUSTFS_VOLUMES (the layout's, identical on every node),
// RUSTFS_ADDRESS=0.0.0.0:9000, RUSTFS_CONSOLE_ENABLE, RUSTFS_CONSOLE_ADDRESS when the
// console is on. The access and secret keys never enter the container's configuration:
// they are files (0600, written with PutFile before the node starts), and the launcher
// /etc/nxt/rustfs/run.sh (run by /bin/sh as the entrypoint, the image's own entrypoint
// bypassed) exports them as RUSTFS_ACCESS_KEY / RUSTFS_SECRET_KEY and execs `rustfs`.
// The server runs as root with every capability dropped but DAC_OVERRIDE (so drives
// owned by another uid, e.g. the upstream image's 10001, stay writable) and
// no-new-privileges.
//
// Each node's io.nxt.config-hash covers its rendered spec, the launcher and the keys'
// versions (SecretStore::Version), never the keys. Pure; thread-safe.
#ifndef NXT_CONTROLLERS_RUSTFSPOOL_RENDER_H_
#define NXT_CONTROLLERS_RUSTFSPOOL_RENDER_H_

#include <map>
#include <string>
#include <vector>

#include "controllers/common/member_actuator.h"
#include "controllers/common/member_plan.h"
#include "controllers/rustfspool/layout.h"
#include "resources/object.h"
#include "resources/rustfspool.h"

namespace nxt::rustfspool {

inline constexpr char kNodeRole[] = "node";
inline constexpr char kLauncherPath[] = "/etc/nxt/rustfs/run.sh";
inline constexpr char kAccessKeyPath[] = "/etc/nxt/rustfs/access-key";
inline constexpr char kSecretKeyPath[] = "/etc/nxt/rustfs/secret-key";
inline constexpr char kAccessKeySecret[] = "access-key";  // SecretStore names
inline constexpr char kSecretKeySecret[] = "secret-key";

struct PoolKeys {
  std::string access_key;
  std::string secret_key;
};

// The launcher script (holds no secret).
std::string LauncherScript();

// Where drive `drive` of node `ordinal` lives on the host: a volume name, or a host
// directory when the layout puts that drive on a host path.
docker::Mount DriveMount(const resources::ObjectKey& key, const PoolLayout& layout, int ordinal,
                         int drive);

// Node `ordinal`: its container spec (with io.nxt.config-hash) and files (keys, launcher).
controllers::RenderedMember RenderNode(const resources::ObjectKey& key, const PoolLayout& layout,
                                       const resources::RustFSPoolSpec& spec, int ordinal,
                                       const PoolKeys& keys);

// Every node of the layout, by container name.
std::map<std::string, controllers::RenderedMember> RenderPool(const resources::ObjectKey& key,
                                                              const PoolLayout& layout,
                                                              const resources::RustFSPoolSpec& spec,
                                                              const PoolKeys& keys);

// What PlanMembers wants for `rendered`: name, ordinal and hash of each node.
std::vector<controllers::WantedMember> WantedMembers(
    const std::map<std::string, controllers::RenderedMember>& rendered);

}  // namespace nxt::rustfspool

#endif  // NXT_CONTROLLERS_RUSTFSPOOL_RENDER_H_
