#include "controllers/common/node_addresses.h"

#include "absl/strings/str_cat.h"

namespace nxt::controllers {

NodeAddresses::NodeAddresses(docker::DockerClient& docker) : docker_(docker) {}

std::optional<std::string> NodeAddresses::Kept(const std::string& container) const {
  absl::MutexLock lock(&mu_);
  auto it = addresses_.find(container);
  if (it == addresses_.end()) return std::nullopt;
  return it->second;
}

absl::StatusOr<std::string> NodeAddresses::LookUp(const std::string& container,
                                                  const std::string& network) {
  absl::StatusOr<docker::ContainerInfo> info = docker_.InspectContainer(container);
  if (!info.ok()) {
    return absl::Status(info.status().code(), absl::StrCat("address of ", container, ": ",
                                                           std::string(info.status().message())));
  }
  auto it = info->network_ips.find(network);
  if (it == info->network_ips.end() || it->second.empty()) {
    return absl::UnavailableError(absl::StrCat(container, " has no address on ", network));
  }
  absl::MutexLock lock(&mu_);
  addresses_[container] = it->second;
  return it->second;
}

}  // namespace nxt::controllers
