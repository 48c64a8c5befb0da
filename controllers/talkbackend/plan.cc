#include "controllers/talkbackend/plan.h"

#include <map>

namespace nxt::talkbackend {
namespace {

using controllers::MemberAction;
using controllers::SeenMember;
using controllers::WantedMember;
using T = MemberAction::Type;

// Waits on the wanted NATS nodes that are missing, outdated or not ready.
std::vector<MemberAction> NatsWaits(const std::vector<WantedMember>& wanted,
                                    const std::vector<SeenMember>& seen) {
  std::map<std::string, const SeenMember*> by_name;
  for (const SeenMember& s : seen) by_name[s.name] = &s;
  std::vector<MemberAction> out;
  for (const WantedMember& w : wanted) {
    auto it = by_name.find(w.name);
    if (it == by_name.end() || it->second->config_hash != w.config_hash || !it->second->ready) {
      out.push_back({T::kWait, w.name});
    }
  }
  return out;
}

}  // namespace

std::vector<MemberAction> BackendPlan::All() const {
  std::vector<MemberAction> out;
  for (const auto* group : {&nats, &signaling, &coturn, &strays}) {
    out.insert(out.end(), group->begin(), group->end());
  }
  return out;
}

BackendPlan PlanBackend(const DesiredBackend& desired, const ObservedBackend& observed) {
  BackendPlan plan;
  plan.nats = controllers::PlanMembers(desired.nats.wanted, observed.nats);
  plan.coturn = controllers::PlanMembers(desired.coturn.wanted, observed.coturn);
  plan.strays = controllers::PlanMembers({}, observed.strays);
  std::vector<MemberAction> signaling =
      controllers::PlanMembers(desired.signaling.wanted, observed.signaling);
  if (controllers::MembersConverged(desired.nats.wanted, observed.nats)) {
    plan.signaling = std::move(signaling);
    return plan;
  }
  std::map<std::string, std::string> wanted_hash;
  for (const WantedMember& w : desired.signaling.wanted) wanted_hash[w.name] = w.config_hash;
  std::map<std::string, std::string> seen_hash;
  for (const SeenMember& s : observed.signaling) seen_hash[s.name] = s.config_hash;
  for (MemberAction& a : signaling) {
    // Replacing a dead node of the current config is a repair, not a rollout step.
    if (a.type == T::kReplace && seen_hash[a.name] != wanted_hash[a.name]) {
      plan.signaling_held = true;
    } else {
      plan.signaling.push_back(std::move(a));
    }
  }
  if (plan.signaling_held) {
    for (MemberAction& w : NatsWaits(desired.nats.wanted, observed.nats)) {
      plan.signaling.push_back(std::move(w));
    }
  }
  return plan;
}

bool BackendConverged(const DesiredBackend& desired, const ObservedBackend& observed) {
  return observed.strays.empty() &&
         controllers::MembersConverged(desired.nats.wanted, observed.nats) &&
         controllers::MembersConverged(desired.signaling.wanted, observed.signaling) &&
         controllers::MembersConverged(desired.coturn.wanted, observed.coturn);
}

}  // namespace nxt::talkbackend
