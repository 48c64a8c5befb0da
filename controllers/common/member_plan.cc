#include "controllers/common/member_plan.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"

namespace nxt::controllers {
namespace {

using T = MemberAction::Type;

bool IsStopped(const SeenMember& m) { return m.state == "created" || m.state == "exited"; }

// Broken (not running) first, then the highest ordinal, then by name.
bool ReplaceBefore(const SeenMember* a, const SeenMember* b) {
  const bool a_broken = a->state != "running";
  const bool b_broken = b->state != "running";
  if (a_broken != b_broken) return a_broken;
  if (a->ordinal != b->ordinal) return a->ordinal > b->ordinal;
  return a->name > b->name;
}

}  // namespace

std::string MemberAction::Describe() const {
  switch (type) {
    case T::kCreate:
      return absl::StrCat("create ", name);
    case T::kStart:
      return absl::StrCat("start ", name);
    case T::kReplace:
      return absl::StrCat("replace ", name, " (config changed)");
    case T::kRemove:
      return absl::StrCat("remove ", name);
    case T::kWait:
      return absl::StrCat("wait for ", name, " to be ready before the next replacement");
  }
  return name;
}

std::vector<MemberAction> PlanMembers(const std::vector<WantedMember>& wanted,
                                      const std::vector<SeenMember>& seen) {
  std::map<std::string, const WantedMember*> wanted_by_name;
  for (const WantedMember& w : wanted) wanted_by_name[w.name] = &w;
  std::map<std::string, const SeenMember*> seen_by_name;
  std::vector<const SeenMember*> unwanted;
  for (const SeenMember& s : seen) {
    if (wanted_by_name.count(s.name) == 0) {
      unwanted.push_back(&s);
    } else {
      seen_by_name[s.name] = &s;
    }
  }
  std::sort(unwanted.begin(), unwanted.end(), [](const SeenMember* a, const SeenMember* b) {
    if (a->ordinal != b->ordinal) return a->ordinal > b->ordinal;
    return a->name > b->name;
  });

  std::vector<MemberAction> out;
  for (const SeenMember* s : unwanted) out.push_back({T::kRemove, s->name});
  std::vector<std::string> blockers;
  std::vector<const SeenMember*> outdated;
  std::vector<MemberAction> fixes;  // creates, starts and dead replacements
  for (const WantedMember& w : wanted) {
    auto it = seen_by_name.find(w.name);
    if (it == seen_by_name.end()) {
      fixes.push_back({T::kCreate, w.name});
      blockers.push_back(w.name);
      continue;
    }
    const SeenMember& s = *it->second;
    if (s.config_hash != w.config_hash) {
      outdated.push_back(&s);
    } else if (s.state == "dead") {
      fixes.push_back({T::kReplace, w.name});
      blockers.push_back(w.name);
    } else if (IsStopped(s)) {
      fixes.push_back({T::kStart, w.name});
      blockers.push_back(w.name);
    } else if (!s.ready) {
      blockers.push_back(w.name);
    }
  }
  std::stable_sort(fixes.begin(), fixes.end(), [](const MemberAction& a, const MemberAction& b) {
    return static_cast<int>(a.type) < static_cast<int>(b.type);
  });
  out.insert(out.end(), fixes.begin(), fixes.end());
  // Removals count as this round's disruption: the rollout goes on in the next one.
  if (outdated.empty() || !unwanted.empty()) return out;
  if (blockers.empty()) {
    const SeenMember* next = *std::min_element(outdated.begin(), outdated.end(), ReplaceBefore);
    out.push_back({T::kReplace, next->name});
    return out;
  }
  for (const std::string& name : blockers) out.push_back({T::kWait, name});
  return out;
}

bool MembersConverged(const std::vector<WantedMember>& wanted,
                      const std::vector<SeenMember>& seen) {
  if (seen.size() != wanted.size()) return false;
  std::map<std::string, const SeenMember*> by_name;
  for (const SeenMember& s : seen) by_name[s.name] = &s;
  for (const WantedMember& w : wanted) {
    auto it = by_name.find(w.name);
    if (it == by_name.end() || it->second->config_hash != w.config_hash || !it->second->ready) {
      return false;
    }
  }
  return true;
}

bool OnlyWaits(const std::vector<MemberAction>& actions) {
  return std::all_of(actions.begin(), actions.end(),
                     [](const MemberAction& a) { return a.type == T::kWait; });
}

}  // namespace nxt::controllers
