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
// controller runs) to the id kept in the state directory (instance_id.h). While empty
// (unit tests), objects carry no instance label and selectors do not filter on it.
void SetInstanceId(const std::string& instance_id);
const std::string& InstanceId();
// The id earlier nxt versions used: 12 hex digits of SHA-256 over the state directory's
// absolute, normalised path (two hosts sharing an engine with the same path collide).
// Kept for state directories that were in use before the id was recorded.
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

// Network and volume names are injective: each field is encoded by doubling every '-'
// ("c-a" -> "c--a") and fields are joined by a single '-'. Namespaces, names and volume
// purposes are DNS labels (never starting or ending with '-'), so a lone '-' is always a
// separator and namespace `b` + name `c-a` ("nxt-b-c--a") never meets namespace `b-c` +
// name `a` ("nxt-b--c-a"). Names of hyphen-free fields are unchanged from the first
// scheme ("nxt-default-web"). A name longer than kMaxDockerObjectName (only reachable with
// hyphen-heavy 63-character fields) is cut and ends in "---" + 16 hex digits of SHA-256 of
// the full name: a run of exactly three '-' never occurs in a full name.
inline constexpr size_t kMaxDockerObjectName = 255;  // one path component for a volume
// "nxt-<namespace>-<name>", fields encoded as above.
std::string NetworkName(const std::string& namespace_, const std::string& name);
// "nxt-<namespace>-<name>-<ordinal>-<purpose>", fields encoded as above. The string form
// takes a placeholder ordinal for config hashes that must be equal for every member.
std::string VolumeName(const std::string& namespace_, const std::string& name, int ordinal,
                       const std::string& purpose);
std::string VolumeName(const std::string& namespace_, const std::string& name,
                       const std::string& ordinal, const std::string& purpose);
// The name an earlier nxt gave that volume (fields joined by '-' without encoding; not
// injective). Equal to VolumeName when no field holds a '-'.
std::string LegacyVolumeName(const std::string& namespace_, const std::string& name, int ordinal,
                             const std::string& purpose);
// The purpose VolumeName(namespace_, name, ordinal, purpose) was built from, or nullopt
// when `volume` is not such a name (or was cut to the length limit).
std::optional<std::string> VolumePurposeOf(const std::string& volume, const std::string& namespace_,
                                           const std::string& name, int ordinal);

// SHA-256 hex of a canonical serialization of `spec` (every field, in a fixed order,
// length-prefixed) excluding the io.nxt.config-hash label itself, followed by `extra`
// (content of generated config files, secret versions: anything that should restart the
// container when it changes). Callers normalise ordinal-dependent fields first when the
// hash must be the same for every member.
std::string ConfigHash(const docker::ContainerSpec& spec,
                       const std::vector<std::string>& extra = {});

}  // namespace nxt::controllers

#endif  // NXT_CONTROLLERS_COMMON_OWNER_H_
