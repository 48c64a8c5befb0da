// The plan for one group of containers that a controller renders itself (RustFS nodes,
// NATS nodes, signaling nodes, ...): each member has its own config hash, because its
// config files may list the other members and so differ from member to member. A pure
// function from wanted and seen members to the next Docker actions; table-tested.
//
// Rules (one round):
//   - seen containers that are not wanted (by name) are removed, highest ordinal first;
//   - every wanted member that does not exist is created (all in one round);
//   - a member of the current hash that is stopped ("created", "exited") is started, a
//     "dead" one is replaced;
//   - members of an outdated hash are replaced ONE per round, and only in a round that
//     removes nothing and while every other member of the current hash is running and
//     ready (creates and starts first); otherwise kWait names the members the rollout
//     waits on. Broken outdated members (not running) go first, then the highest ordinal.
// After the actions are applied and the members become ready, the next plan is empty.
#ifndef NXT_CONTROLLERS_COMMON_MEMBER_PLAN_H_
#define NXT_CONTROLLERS_COMMON_MEMBER_PLAN_H_

#include <string>
#include <vector>

namespace nxt::controllers {

struct WantedMember {
  std::string name;  // container name
  int ordinal = 0;
  std::string config_hash;  // what its io.nxt.config-hash label must say
};

struct SeenMember {
  std::string name;
  int ordinal = -1;  // -1: label missing or unparsable
  std::string config_hash;
  std::string state;   // Docker: created, running, paused, restarting, exited, dead, ...
  bool ready = false;  // running and passing the kind's own health check
};

struct MemberAction {
  enum class Type {
    kCreate,   // create (volumes and network first), write its files, start
    kStart,    // start a stopped member of the current hash
    kReplace,  // remove, then create as kCreate
    kRemove,   // clean stop, then remove (volumes stay)
    kWait,     // the rollout waits for this member to be ready; no Docker call
  };
  Type type;
  std::string name;

  // "create rustfs-2", "replace nats-0 (config changed)", ... for events and `nxtctl diff`.
  std::string Describe() const;
  friend bool operator==(const MemberAction&, const MemberAction&) = default;
};

std::vector<MemberAction> PlanMembers(const std::vector<WantedMember>& wanted,
                                      const std::vector<SeenMember>& seen);

// True when every wanted member exists with its hash and is ready, and nothing else is
// seen: what PlanMembers returns nothing for.
bool MembersConverged(const std::vector<WantedMember>& wanted, const std::vector<SeenMember>& seen);

// True when `actions` is empty or only waits (nothing for Docker to do).
bool OnlyWaits(const std::vector<MemberAction>& actions);

}  // namespace nxt::controllers

#endif  // NXT_CONTROLLERS_COMMON_MEMBER_PLAN_H_
