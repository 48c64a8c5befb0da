// How a controller meets a network or volume under the name it wants (names are global on
// the Docker host, like container names in cached_container.h): it uses one whose io.nxt.*
// labels prove it belongs to the same object (same kind, namespace, name and nxtd
// instance), creates it when the name is free, and refuses everything else, leaving it
// untouched. Refusals are FailedPrecondition carrying a reason (ConflictReason): reconcilers
// turn them into Stalled with that reason and a terminal error (controllers/common/stall.h),
// before anything running is removed. Thread-safe (the client is).
#ifndef NXT_CONTROLLERS_COMMON_ADOPTION_H_
#define NXT_CONTROLLERS_COMMON_ADOPTION_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "controllers/common/owner.h"
#include "docker/docker_client.h"
#include "resources/object.h"

namespace nxt::controllers {

// The name is held by a network or volume of another object, of another nxtd, or of no
// nxt object at all (made by hand: unlabelled, or labelled for something else).
inline constexpr char kReasonNameConflict[] = "NameConflict";
// A volume of this object exists under the name an earlier nxt gave it (LegacyVolumeName).
inline constexpr char kReasonLegacyVolume[] = "LegacyVolume";
// spec.networks names a network nxt manages for another object.
inline constexpr char kReasonForeignNetwork[] = "ForeignNetwork";

// Creates network `name` with `labels` (OwnerLabels of its owner), or finds it there
// already; then reads it back and refuses it unless its labels name the owner `labels`
// name. Read after create, so a network someone else made meanwhile is refused too.
absl::Status EnsureOwnedNetwork(docker::DockerClient& docker, const std::string& name,
                                const Labels& labels);

// As EnsureOwnedNetwork, for volume `name` (labels carry namespace, name and ordinal).
// Before creating it, a volume of the same owner and ordinal under the legacy name
// (LegacyVolumeName of the purpose `name` encodes) is refused with kReasonLegacyVolume:
// its data must not be replaced silently by a new empty volume. The message says how to
// move the data.
absl::Status EnsureOwnedVolume(docker::DockerClient& docker, const std::string& name,
                               const Labels& labels);

// For a network `owner` joins without managing it (ContainerSet spec.networks; `field` is
// the field path, e.g. "spec.networks[0]"): refuses one whose labels say nxt manages it
// (io.nxt.managed-by=nxtd) for any other object, with kReasonForeignNetwork and a message
// that starts with `field`. A missing network is left to the create that needs it.
absl::Status CheckJoinableNetwork(docker::DockerClient& docker, const resources::ObjectKey& owner,
                                  const std::string& name, const std::string& field);

// A refusal with `reason` (FailedPrecondition; ConflictReason gives `reason` back), for
// other shared refusals of the same kind (network_pool.h).
absl::Status RefusalError(const std::string& reason, const std::string& message);

// `error` (code, message and payloads kept) marked as a refusal with `reason`: a kind's
// own refusal to act until its object changes (a recorded topology, a host path), which
// the reconcile skeleton turns into Stalled with `reason` (kind_reconciler.h). OK stays OK.
absl::Status Refused(const std::string& reason, absl::Status error);

// The reason of a refusal made above (kept through Annotate), or nullopt.
std::optional<std::string> ConflictReason(const absl::Status& status);

}  // namespace nxt::controllers

#endif  // NXT_CONTROLLERS_COMMON_ADOPTION_H_
