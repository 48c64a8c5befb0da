#include "controllers/common/cached_container.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "controllers/common/owner.h"

namespace nxt::controllers {

std::optional<std::string> RefreshCached(docker::DockerClient& docker,
                                         docker::ContainerCache& cache,
                                         const std::string& id_or_name, const std::string& name) {
  absl::StatusOr<docker::ContainerInfo> info = docker.InspectContainer(id_or_name);
  if (info.ok()) {
    cache.Upsert(docker::SummaryOf(*info));
    return info->state;
  }
  if (absl::IsNotFound(info.status())) cache.Erase(name);
  return std::nullopt;
}

absl::Status AdoptOrRefuse(docker::DockerClient& docker, docker::ContainerCache& cache,
                           const resources::ObjectKey& owner, const std::string& name,
                           const absl::Status& create_error) {
  absl::StatusOr<docker::ContainerInfo> info = docker.InspectContainer(name);
  if (!info.ok()) return Annotate(create_error, absl::StrCat("create ", name));
  std::optional<resources::ObjectKey> holder = OwnerOf(info->labels);
  if (!holder.has_value() || *holder != owner) {
    return absl::FailedPreconditionError(
        absl::StrCat("create ", name, ": the name is taken by a container that ",
                     holder.has_value() ? absl::StrCat("belongs to ", holder->ToString())
                                        : std::string("nxt does not manage"),
                     "; rename this object or remove that container"));
  }
  cache.Upsert(docker::SummaryOf(*info));
  return Annotate(create_error, absl::StrCat("create ", name));
}

}  // namespace nxt::controllers
