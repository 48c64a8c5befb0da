#include "controllers/common/pooled_docker_client.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace nxt::controllers {
namespace {

bool ManagedByNxt(const std::map<std::string, std::string>& labels) {
  auto it = labels.find(docker::kLabelManagedBy);
  return it != labels.end() && it->second == docker::kManagedByValue;
}

const docker::NetworkInfo* Find(const std::vector<docker::NetworkInfo>& networks,
                                const std::string& id_or_name) {
  for (const docker::NetworkInfo& n : networks) {
    if (n.name == id_or_name || n.id == id_or_name) return &n;
  }
  return nullptr;
}

}  // namespace

absl::Status PooledDockerClient::CreateNetwork(const std::string& name,
                                               const std::map<std::string, std::string>& labels,
                                               const std::string& subnet) {
  if (!subnet.empty() || !ManagedByNxt(labels)) return inner_.CreateNetwork(name, labels, subnet);
  // The common case, every reconcile: the network is there. It keeps its subnet.
  absl::StatusOr<docker::NetworkInfo> existing = inner_.InspectNetwork(name);
  if (existing.ok()) {
    for (const std::string& s : existing->subnets) {
      absl::StatusOr<Ipv4Prefix> have = Ipv4Prefix::Parse(s);
      if (have.ok() && ManagedByNxt(existing->labels)) {
        NXT_RETURN_IF_ERROR(pool_.Adopt(name, *have));
      }
    }
    return absl::OkStatus();
  }
  if (!absl::IsNotFound(existing.status())) return existing.status();
  Ipv4Prefix block;
  {
    // The record Allocate writes keeps the block from the next allocation while the
    // network is created outside the lock. Should a full pool reclaim it meanwhile (its
    // network not listed yet), the engine refuses the second, overlapping create and that
    // reconcile retries with a fresh block.
    absl::MutexLock lock(&allocate_mu_);
    NXT_ASSIGN_OR_RETURN(std::vector<docker::NetworkInfo> engine, inner_.ListNetworks({}));
    if (Find(engine, name) != nullptr) return absl::OkStatus();  // made meanwhile
    NXT_ASSIGN_OR_RETURN(block, pool_.Allocate(name, engine));
  }
  return inner_.CreateNetwork(name, labels, block.ToString());
}

absl::Status PooledDockerClient::RemoveNetwork(const std::string& id_or_name) {
  std::optional<std::string> name;
  if (pool_.Recorded(id_or_name).has_value()) {
    name = id_or_name;
  } else {
    // Removal by id: which recorded network is it?
    absl::StatusOr<std::vector<docker::NetworkInfo>> ours =
        inner_.ListNetworks({{docker::kLabelManagedBy, docker::kManagedByValue}});
    const docker::NetworkInfo* n = ours.ok() ? Find(*ours, id_or_name) : nullptr;
    if (n != nullptr && pool_.Recorded(n->name).has_value()) name = n->name;
  }
  absl::Status removed = inner_.RemoveNetwork(id_or_name);
  if (name.has_value() && (removed.ok() || absl::IsNotFound(removed))) {
    NXT_RETURN_IF_ERROR(pool_.Release(*name));
  }
  return removed;
}

}  // namespace nxt::controllers
