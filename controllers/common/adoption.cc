#include "controllers/common/adoption.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace nxt::controllers {
namespace {

constexpr char kConflictPayloadUrl[] = "type.nxt.io/nxt.controllers.NameConflict";

// The labels that say which object (of which nxtd) a network or volume belongs to.
constexpr const char* kIdentityKeys[] = {docker::kLabelManagedBy, docker::kLabelKind,
                                         docker::kLabelNamespace, docker::kLabelName,
                                         docker::kLabelInstance};

std::string LabelOr(const Labels& labels, const char* key) {
  auto it = labels.find(key);
  return it == labels.end() ? std::string() : it->second;
}

bool SameOwner(const Labels& have, const Labels& want) {
  for (const char* key : kIdentityKeys) {
    if (LabelOr(have, key) != LabelOr(want, key)) return false;
  }
  return true;
}

std::string OwnerText(const Labels& labels) {
  return absl::StrCat(LabelOr(labels, docker::kLabelKind), " ",
                      LabelOr(labels, docker::kLabelNamespace), "/",
                      LabelOr(labels, docker::kLabelName));
}

// Who the labels say holds the object: "" when nxt does not manage it.
std::string HolderOf(const Labels& have) {
  if (LabelOr(have, docker::kLabelManagedBy) != docker::kManagedByValue) return "";
  std::string holder = OwnerText(have);
  const std::string instance = LabelOr(have, docker::kLabelInstance);
  if (instance != InstanceId()) {
    absl::StrAppend(&holder, " of another nxtd (instance ",
                    instance.empty() ? std::string("none") : instance, ")");
  }
  return holder;
}

std::string LabelFlags(const Labels& labels) {
  std::string out;
  for (const auto& [k, v] : labels) absl::StrAppend(&out, " --label ", k, "=", v);
  return out;
}

// OK when `have` (the labels of `kind` `name`) prove it belongs to the owner of `want`.
absl::Status RefuseUnlessOwned(const std::string& kind, const std::string& name, const Labels& have,
                               const Labels& want) {
  if (SameOwner(have, want)) return absl::OkStatus();
  const std::string owner = OwnerText(want);
  if (const std::string holder = HolderOf(have); !holder.empty()) {
    return RefusalError(kReasonNameConflict,
                        absl::StrCat(kind, " ", name, " belongs to ", holder, ", not to ", owner,
                                     "; nxt never lets one object use another's ", kind,
                                     ": rename one of the two objects"));
  }
  return RefusalError(
      kReasonNameConflict,
      absl::StrCat(
          kind, " ", name, " exists but nxt did not create it for ", owner, " (",
          have.empty() ? "it has no labels" : "its labels name no such nxt object",
          "); nxt uses only a ", kind, " labelled for its object: remove it, or ",
          "recreate it with `docker ", kind, " create", LabelFlags(want), " ", name, "`",
          kind == "volume" ? " (Docker cannot relabel a volume: copy its data over)" : ""));
}

// Refuses to create `name` empty while this owner's data sits under the legacy name.
absl::Status RefuseLegacyVolume(docker::DockerClient& docker, const std::string& name,
                                const Labels& labels) {
  std::optional<int> ordinal = OrdinalOf(labels);
  if (!ordinal.has_value()) return absl::OkStatus();
  const std::string ns = LabelOr(labels, docker::kLabelNamespace);
  const std::string owner_name = LabelOr(labels, docker::kLabelName);
  std::optional<std::string> purpose = VolumePurposeOf(name, ns, owner_name, *ordinal);
  if (!purpose.has_value()) return absl::OkStatus();
  const std::string legacy = LegacyVolumeName(ns, owner_name, *ordinal, *purpose);
  if (legacy == name) return absl::OkStatus();
  absl::StatusOr<docker::VolumeInfo> old = docker.InspectVolume(legacy);
  if (absl::IsNotFound(old.status())) return absl::OkStatus();
  NXT_RETURN_IF_ERROR(old.status());
  // Anyone else's volume under that name is theirs (perhaps its current name).
  if (!SameOwner(old->labels, labels) || OrdinalOf(old->labels) != ordinal) {
    return absl::OkStatus();
  }
  return RefusalError(
      kReasonLegacyVolume,
      absl::StrCat("volume ", legacy, " holds the data of ", OwnerText(labels), " (ordinal ",
                   *ordinal, ") under the name an earlier nxt gave it; nxt now names it ", name,
                   " and will not create that empty beside it. Move the data and nxt carries "
                   "on: `docker volume create",
                   LabelFlags(labels), " ", name, "`, then `docker run --rm -v ", legacy,
                   ":/from -v ", name, ":/to IMAGE cp -a /from/. /to/` (any image with cp), ",
                   "then `docker volume rm ", legacy, "`"));
}

}  // namespace

absl::Status EnsureOwnedNetwork(docker::DockerClient& docker, const std::string& name,
                                const Labels& labels) {
  // Creating is a no-op when the name is taken (the engine keeps the existing network).
  NXT_RETURN_IF_ERROR(
      Annotate(docker.CreateNetwork(name, labels), absl::StrCat("create network ", name)));
  NXT_ASSIGN_OR_RETURN(docker::NetworkInfo info, docker.InspectNetwork(name));
  return RefuseUnlessOwned("network", name, info.labels, labels);
}

absl::Status EnsureOwnedVolume(docker::DockerClient& docker, const std::string& name,
                               const Labels& labels) {
  absl::StatusOr<docker::VolumeInfo> info = docker.InspectVolume(name);
  if (info.ok()) return RefuseUnlessOwned("volume", name, info->labels, labels);
  if (!absl::IsNotFound(info.status())) return info.status();
  NXT_RETURN_IF_ERROR(RefuseLegacyVolume(docker, name, labels));
  NXT_RETURN_IF_ERROR(
      Annotate(docker.CreateVolume(name, labels), absl::StrCat("create volume ", name)));
  // Read back: one made by someone else in between is not ours either.
  NXT_ASSIGN_OR_RETURN(info, docker.InspectVolume(name));
  return RefuseUnlessOwned("volume", name, info->labels, labels);
}

absl::Status CheckJoinableNetwork(docker::DockerClient& docker, const resources::ObjectKey& owner,
                                  const std::string& name, const std::string& field) {
  absl::StatusOr<docker::NetworkInfo> info = docker.InspectNetwork(name);
  if (absl::IsNotFound(info.status())) return absl::OkStatus();
  NXT_RETURN_IF_ERROR(Annotate(info.status(), field));
  const std::string holder = HolderOf(info->labels);
  if (holder.empty() || OwnerOf(info->labels) == owner) return absl::OkStatus();
  return RefusalError(kReasonForeignNetwork,
                      absl::StrCat(field, ": network ", name, " is managed by nxt for ", holder,
                                   "; an object joins its own network and networks you made, "
                                   "never another object's"));
}

absl::Status RefusalError(const std::string& reason, const std::string& message) {
  return Refused(reason, absl::FailedPreconditionError(message));
}

absl::Status Refused(const std::string& reason, absl::Status error) {
  if (error.ok()) return error;
  error.SetPayload(kConflictPayloadUrl, absl::Cord(reason));
  return error;
}

std::optional<std::string> ConflictReason(const absl::Status& status) {
  auto payload = status.GetPayload(kConflictPayloadUrl);
  if (!payload.has_value()) return std::nullopt;
  return std::string(*payload);
}

}  // namespace nxt::controllers
