// Ownership and naming conventions shared by every controller (DESIGN.md "Conventions on
// the Docker host"): the io.nxt.* labels that tie a Docker object to the resource that
// owns it, the readable names of containers, networks and volumes, and the config hash.
// Pure functions; thread-safe.
#ifndef NXT_CONTROLLERS_COMMON_OWNER_H_
#define NXT_CONTROLLERS_COMMON_OWNER_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "docker/docker_client.h"
#include "docker/types.h"
#include "resources/object.h"

namespace nxt::controllers {

using Labels = std::map<std::string, std::string>;

// The io.nxt.instance value of this process: set once at start-up (by nxtd, before any
// controller runs) to InstanceIdForStateDir(state_dir). While empty (unit tests), objects
// carry no instance label and selectors do not filter on it.
void SetInstanceId(const std::string& instance_id);
const std::string& InstanceId();
// 12 hex digits of SHA-256 over the state directory's absolute, normalised path.
std::string InstanceIdForStateDir(const std::string& state_dir);

// The owner named by io.nxt.kind / io.nxt.namespace / io.nxt.name, if the labels carry
// io.nxt.managed-by=nxtd, this process's instance (when set), and all three are
// non-empty; nullopt otherwise (not ours).
std::optional<resources::ObjectKey> OwnerOf(const Labels& labels);

// The owner of the object a Docker event is about (labels are in the event's
// attributes); nullopt for unmanaged objects.
std::optional<resources::ObjectKey> OwnerKeyForEvent(const docker::Event& event);

// The labels every object owned by `key` carries: managed-by, kind, namespace, name,
// role, and ordinal when given. The config hash is added by the renderer.
Labels OwnerLabels(const resources::ObjectKey& key, const std::string& role,
                   std::optional<int> ordinal = std::nullopt);

// Selects every Docker object owned by `key` (all roles).
docker::LabelSelector OwnerSelector(const resources::ObjectKey& key);
// Selects every Docker object this process manages (managed-by, and instance when set).
docker::LabelSelector ManagedSelector();

// io.nxt.ordinal parsed: a non-negative decimal without sign or leading zeros.
std::optional<int> OrdinalOf(const Labels& labels);

// "<name>-<ordinal>"
std::string ContainerName(const std::string& name, int ordinal);
// "nxt-<namespace>-<name>"
std::string NetworkName(const std::string& namespace_, const std::string& name);
// "nxt-<namespace>-<name>-<ordinal>-<purpose>"
std::string VolumeName(const std::string& namespace_, const std::string& name, int ordinal,
                       const std::string& purpose);

// SHA-256 hex of a canonical serialization of `spec` (every field, in a fixed order,
// length-prefixed) excluding the io.nxt.config-hash label itself, followed by `extra`
// (content of generated config files, secret versions: anything that should restart the
// container when it changes). Callers normalise ordinal-dependent fields first when the
// hash must be the same for every member.
std::string ConfigHash(const docker::ContainerSpec& spec,
                       const std::vector<std::string>& extra = {});

}  // namespace nxt::controllers

#endif  // NXT_CONTROLLERS_COMMON_OWNER_H_
