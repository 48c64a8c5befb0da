#include "controllers/galeracluster/plan.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"

namespace nxt::galera {
namespace {

using Type = Action::Type;

Action Make(Type type, const ObservedNode& n, std::string reason) {
  return {type, n.ordinal, n.name, std::move(reason)};
}

// Running but not ready, and still allowed time (or in a state transfer, which has all
// the time it needs).
bool Settling(const ObservedNode& n, const PlanInput& in) {
  if (!n.Running() || n.Ready()) return false;
  if (n.Transferring()) return true;
  const absl::Time since = n.ProgressAt();
  return since == absl::InfinitePast() || in.now - since < in.StuckLimit();
}

std::string StateOf(const ObservedNode& n) {
  if (!n.Running()) return n.state;
  if (!n.wsrep.has_value() && !n.transfer.empty()) {
    return absl::StrCat("joining by SST (", n.transfer, ")");
  }
  if (!n.wsrep.has_value() && n.log.Joining()) {
    return absl::StrCat("joining (", n.log.state,
                        n.log.transfer.empty() ? "" : absl::StrCat(", ", n.log.transfer), ")");
  }
  if (!n.wsrep.has_value()) return "not answering";
  return absl::StrCat(n.wsrep->cluster_status, "/", n.wsrep->local_state_comment);
}

struct Split {
  std::map<int, const ObservedNode*> members;  // by ordinal, < replicas
  std::vector<const ObservedNode*> extras;     // everything else, highest ordinal first
};

Split SplitNodes(const PlanInput& in) {
  Split s;
  for (const ObservedNode& n : in.nodes) {
    if (n.ordinal >= 0 && n.ordinal < in.desired.replicas && !s.members.count(n.ordinal)) {
      s.members[n.ordinal] = &n;
    } else {
      s.extras.push_back(&n);
    }
  }
  std::sort(s.extras.begin(), s.extras.end(),
            [](const ObservedNode* a, const ObservedNode* b) { return a->ordinal > b->ordinal; });
  return s;
}

std::vector<Action> PlanDeletion(const PlanInput& in) {
  std::vector<const ObservedNode*> nodes;
  for (const ObservedNode& n : in.nodes) nodes.push_back(&n);
  std::sort(nodes.begin(), nodes.end(),
            [](const ObservedNode* a, const ObservedNode* b) { return a->ordinal > b->ordinal; });
  std::vector<Action> out;
  for (const ObservedNode* n : nodes) out.push_back(Make(Type::kRemove, *n, "deleting"));
  if (in.network_present) out.push_back({Type::kRemoveNetwork, -1, "", "deleting"});
  if (in.desired.delete_volumes) {
    for (const std::string& v : in.volumes) {
      out.push_back({Type::kRemoveVolume, -1, v, "deletionPolicy: Delete"});
    }
  }
  return out;
}

// No Primary component on any node.
std::vector<Action> PlanOutage(const PlanInput& in) {
  for (const ObservedNode& n : in.nodes) {
    // A bootstrap node created but never started (nxtd stopped in between): start it.
    if (n.bootstrap_mode && n.state == "created" && n.config_hash == in.desired.config_hash) {
      return {Make(Type::kStart, n, "start the bootstrap node")};
    }
  }
  for (const ObservedNode& n : in.nodes) {
    if (Settling(n, in)) {
      return {Make(Type::kWait, n,
                   absl::StrCat("waiting for ", n.name, " to reach a Primary component (",
                                StateOf(n), ")"))};
    }
  }
  std::vector<Action> out;
  for (const ObservedNode& n : in.nodes) {
    if (n.Running()) {
      out.push_back(Make(Type::kStopForRecovery, n,
                         absl::StrCat("no Primary component; ", n.name, " is ", StateOf(n))));
    }
  }
  if (!out.empty()) return out;
  return {{Type::kRecover, -1, "", "no Primary component and no node running"}};
}

std::vector<Action> PlanMembersChange(const PlanInput& in, const Split& s) {
  // Stopped or missing members, lowest ordinal first, one per round.
  for (int i = 0; i < in.desired.replicas; ++i) {
    auto it = s.members.find(i);
    if (it == s.members.end()) {
      return {{Type::kJoin, i, "", absl::StrCat("member ", i, " is missing")}};
    }
    const ObservedNode& n = *it->second;
    if (!n.Running()) {
      if (!Outdated(n, in.desired) && !n.bootstrap_mode) {
        return {Make(Type::kStart, n, absl::StrCat(n.name, " is ", n.state))};
      }
      return {Make(Type::kReplace, n, absl::StrCat(n.name, " is ", n.state, " and outdated"))};
    }
  }
  // Every member runs and is ready. Extras leave, highest first.
  if (!s.extras.empty()) {
    return {Make(Type::kLeave, *s.extras.front(), "scale down")};
  }
  int size = 0;
  for (const auto& [i, n] : s.members) size = std::max(size, n->wsrep->cluster_size);
  std::vector<const ObservedNode*> outdated;
  for (const auto& [i, n] : s.members) {
    if (Outdated(*n, in.desired)) outdated.push_back(n);
  }
  if (outdated.empty()) return {};
  if (size != in.desired.replicas) {
    return {{Type::kWait, -1, "",
             absl::StrCat("cluster size is ", size, ", waiting for ", in.desired.replicas)}};
  }
  // Bootstrap-mode nodes first (they must not stay able to bootstrap), then the highest.
  std::sort(outdated.begin(), outdated.end(), [](const ObservedNode* a, const ObservedNode* b) {
    if (a->bootstrap_mode != b->bootstrap_mode) return a->bootstrap_mode;
    return a->ordinal > b->ordinal;
  });
  const ObservedNode& n = *outdated.front();
  return {Make(
      Type::kReplace, n,
      n.config_hash != in.desired.config_hash ? "configuration changed" : "leave bootstrap mode")};
}

std::vector<Action> PlanWithPrimary(const PlanInput& in) {
  Split s = SplitNodes(in);
  if (!in.provisioned) {
    for (const auto& [i, n] : s.members) {
      if (n->Ready()) return {Make(Type::kProvision, *n, "create the database and users")};
    }
  }
  // A broken extra leaves at once: it holds no quorum weight worth waiting for.
  for (const ObservedNode* n : s.extras) {
    if (!n->Ready() && !n->Transferring()) {
      return {Make(Type::kLeave, *n, "scale down (node not ready)")};
    }
  }
  for (const ObservedNode& n : in.nodes) {
    if (Settling(n, in)) {
      return {Make(Type::kWait, n, absl::StrCat("waiting for ", n.name, " (", StateOf(n), ")"))};
    }
  }
  if (!in.provisioned) return {{Type::kWait, -1, "", "waiting for a ready node to add users"}};
  for (const auto& [i, n] : s.members) {
    if (n->Running() && !n->Ready()) {
      std::string why = absl::StrCat(n->name, " is ", StateOf(*n), " with no progress for ",
                                     absl::FormatDuration(in.StuckLimit()));
      if (Outdated(*n, in.desired) || n->bootstrap_mode) return {Make(Type::kReplace, *n, why)};
      return {Make(Type::kRestart, *n, why)};
    }
  }
  return PlanMembersChange(in, s);
}

}  // namespace

const char* ActionTypeName(Action::Type type) {
  switch (type) {
    case Type::kBootstrap:
      return "bootstrap";
    case Type::kProvision:
      return "provision";
    case Type::kJoin:
      return "join";
    case Type::kStart:
      return "start";
    case Type::kRestart:
      return "restart";
    case Type::kReplace:
      return "replace";
    case Type::kLeave:
      return "leave";
    case Type::kStopForRecovery:
      return "stop-for-recovery";
    case Type::kRecover:
      return "recover";
    case Type::kWait:
      return "wait";
    case Type::kRemove:
      return "remove";
    case Type::kRemoveNetwork:
      return "remove-network";
    case Type::kRemoveVolume:
      return "remove-volume";
  }
  return "unknown";
}

std::string Action::Describe() const {
  std::string target = !name.empty() ? name : ordinal >= 0 ? absl::StrCat("node ", ordinal) : "";
  return absl::StrCat(ActionTypeName(type), target.empty() ? "" : " ", target,
                      reason.empty() ? "" : " (", reason, reason.empty() ? "" : ")");
}

absl::Time ObservedNode::ProgressAt() const {
  return std::max({not_ready_since, started_at, transfer_seen, log_progress_seen});
}

absl::Duration PlanInput::StuckLimit() const {
  constexpr int64_t kGiB = int64_t{1} << 30;
  return grace + grace_per_gib * (static_cast<double>(std::max<int64_t>(data_bytes, 0)) / kGiB);
}

bool Outdated(const ObservedNode& n, const DesiredCluster& desired) {
  return n.config_hash != desired.config_hash || n.bootstrap_mode != (desired.replicas == 1);
}

Pace PaceOf(const PlanInput& in) {
  for (const ObservedNode& n : in.nodes) {
    if (!n.Running() || n.Ready()) continue;
    if (n.log.transfer_done || n.log.state == "JOINED" || n.log.state == "SYNCED") {
      return Pace::kFinishing;
    }
  }
  return Pace::kConverging;
}

std::vector<Action> Plan(const PlanInput& in) {
  if (in.desired.deleting) return PlanDeletion(in);
  if (in.desired.suspend) return {};
  if (!in.bootstrapped && in.nodes.empty()) {
    return {{Type::kBootstrap, 0, "", "new cluster"}};
  }
  for (const ObservedNode& n : in.nodes) {
    if (n.Primary()) return PlanWithPrimary(in);
  }
  return PlanOutage(in);
}

}  // namespace nxt::galera
