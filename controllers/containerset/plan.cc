#include "controllers/containerset/plan.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "controllers/common/owner.h"

namespace nxt::containerset {
namespace {

using controllers::ContainerName;

struct Classified {
  std::map<int, const ObservedMember*> members;  // valid members by ordinal
  std::vector<const ObservedMember*> unwanted;   // to remove
};

Classified Classify(const DesiredState& desired, const ObservedState& observed) {
  Classified c;
  for (const ObservedMember& m : observed.members) {
    bool valid = m.ordinal >= 0 && m.ordinal < desired.replicas &&
                 m.name == ContainerName(desired.name, m.ordinal) &&
                 c.members.count(m.ordinal) == 0;
    if (valid) {
      c.members[m.ordinal] = &m;
    } else {
      c.unwanted.push_back(&m);
    }
  }
  return c;
}

bool IsStopped(const ObservedMember& m) { return m.state == "created" || m.state == "exited"; }

// Highest ordinal first; unparsable ordinals (-1) last, by name for determinism.
void AppendRemovals(std::vector<const ObservedMember*> members, std::vector<Action>& out) {
  std::sort(members.begin(), members.end(), [](const ObservedMember* a, const ObservedMember* b) {
    if (a->ordinal != b->ordinal) return a->ordinal > b->ordinal;
    return a->name > b->name;
  });
  for (const ObservedMember* m : members) {
    out.push_back({Action::Type::kRemove, m->name, m->ordinal});
  }
}

std::vector<Action> PlanTeardown(const DesiredState& desired, const ObservedState& observed) {
  std::vector<Action> out;
  std::vector<const ObservedMember*> all;
  for (const ObservedMember& m : observed.members) all.push_back(&m);
  AppendRemovals(all, out);
  if (observed.network_present) {
    out.push_back(
        {Action::Type::kRemoveNetwork, controllers::NetworkName(desired.namespace_, desired.name)});
  }
  if (desired.delete_volumes) {
    std::vector<std::string> volumes = observed.volumes;
    std::sort(volumes.begin(), volumes.end());
    for (const std::string& v : volumes) out.push_back({Action::Type::kRemoveVolume, v});
  }
  return out;
}

// The outdated member to replace next: broken ones (not running) first, then the
// highest ordinal.
int PickReplacement(const std::vector<const ObservedMember*>& outdated) {
  const ObservedMember* best = nullptr;
  for (const ObservedMember* m : outdated) {
    bool broken = m->state != "running";
    bool best_broken = best != nullptr && best->state != "running";
    if (best == nullptr || (broken && !best_broken) ||
        (broken == best_broken && m->ordinal > best->ordinal)) {
      best = m;
    }
  }
  return best->ordinal;
}

}  // namespace

const char* ActionTypeName(Action::Type type) {
  switch (type) {
    case Action::Type::kEnsureNetwork:
      return "ensure-network";
    case Action::Type::kEnsureVolume:
      return "ensure-volume";
    case Action::Type::kCreate:
      return "create";
    case Action::Type::kStart:
      return "start";
    case Action::Type::kReplace:
      return "replace";
    case Action::Type::kRemove:
      return "remove";
    case Action::Type::kWaitFor:
      return "wait-for";
    case Action::Type::kRemoveNetwork:
      return "remove-network";
    case Action::Type::kRemoveVolume:
      return "remove-volume";
  }
  return "unknown";
}

std::string Action::Describe() const {
  switch (type) {
    case Type::kEnsureNetwork:
      return absl::StrCat("ensure network ", name);
    case Type::kEnsureVolume:
      return absl::StrCat("ensure volume ", name);
    case Type::kCreate:
      return absl::StrCat("create container ", name);
    case Type::kStart:
      return absl::StrCat("start container ", name);
    case Type::kReplace:
      return absl::StrCat("replace container ", name, " (config changed)");
    case Type::kRemove:
      return absl::StrCat("remove container ", name);
    case Type::kWaitFor:
      return absl::StrCat("wait for ", name, " to be ready before the next replacement");
    case Type::kRemoveNetwork:
      return absl::StrCat("remove network ", name);
    case Type::kRemoveVolume:
      return absl::StrCat("remove volume ", name);
  }
  return name;
}

bool IsReady(const ObservedMember& member) {
  return member.state == "running" && (member.health == "healthy" || member.health.empty());
}

std::vector<Action> Plan(const DesiredState& desired, const ObservedState& observed) {
  if (desired.deleting) return PlanTeardown(desired, observed);
  if (desired.suspend) return {};

  std::vector<Action> out;
  Classified c = Classify(desired, observed);
  AppendRemovals(c.unwanted, out);

  std::vector<int> creates, starts, replaces;
  std::vector<std::string> blockers;
  std::vector<const ObservedMember*> outdated;
  for (int ordinal = 0; ordinal < desired.replicas; ++ordinal) {
    auto it = c.members.find(ordinal);
    const std::string name = ContainerName(desired.name, ordinal);
    if (it == c.members.end()) {
      creates.push_back(ordinal);
      blockers.push_back(name);
      continue;
    }
    const ObservedMember& m = *it->second;
    if (m.config_hash != desired.config_hash) {
      outdated.push_back(&m);
    } else if (m.state == "dead") {
      replaces.push_back(ordinal);
      blockers.push_back(name);
    } else if (IsStopped(m)) {
      starts.push_back(ordinal);
      blockers.push_back(name);
    } else if (!IsReady(m)) {
      blockers.push_back(name);
    }
  }
  if (!outdated.empty() && blockers.empty()) replaces.push_back(PickReplacement(outdated));

  if (!creates.empty() || !replaces.empty()) {
    out.push_back(
        {Action::Type::kEnsureNetwork, controllers::NetworkName(desired.namespace_, desired.name)});
  }
  std::vector<int> fresh = creates;
  fresh.insert(fresh.end(), replaces.begin(), replaces.end());
  std::sort(fresh.begin(), fresh.end());
  for (int ordinal : fresh) {
    for (const std::string& purpose : desired.volume_purposes) {
      out.push_back({Action::Type::kEnsureVolume,
                     controllers::VolumeName(desired.namespace_, desired.name, ordinal, purpose),
                     ordinal});
    }
  }
  for (int ordinal : creates) {
    out.push_back({Action::Type::kCreate, ContainerName(desired.name, ordinal), ordinal});
  }
  for (int ordinal : starts) {
    out.push_back({Action::Type::kStart, ContainerName(desired.name, ordinal), ordinal});
  }
  for (int ordinal : replaces) {
    out.push_back({Action::Type::kReplace, ContainerName(desired.name, ordinal), ordinal});
  }
  if (!outdated.empty() && !blockers.empty()) {
    for (const std::string& name : blockers) out.push_back({Action::Type::kWaitFor, name});
  }
  return out;
}

}  // namespace nxt::containerset
