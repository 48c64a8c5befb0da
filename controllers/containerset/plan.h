// The ContainerSet plan: a pure function from desired and observed state to the Docker
// actions that move one step towards convergence. No I/O; table-tested.
//
// Rules (one round):
//   - deleting: remove every container, then the network, then (only when
//     delete_volumes) every observed volume. Nothing else.
//   - suspend: nothing.
//   - containers that are not a valid member (ordinal missing or unparsable, name not
//     "<name>-<ordinal>", ordinal >= replicas, a second container for one ordinal) are
//     removed, highest ordinal first.
//   - every missing ordinal < replicas is created (and started), all in one round, after
//     EnsureNetwork and EnsureVolume for its named volumes.
//   - stopped members ("created", "exited") of the current hash are started; "dead" ones
//     are replaced.
//   - members of an outdated hash are replaced ONE per round, and only when every
//     current-hash member is running and ready; otherwise WaitFor names the members the
//     rollout waits on. Broken outdated members (not running) go first, then the highest
//     ordinal.
// Applying the actions and letting containers become ready, the next plan is empty.
#ifndef NXT_CONTROLLERS_CONTAINERSET_PLAN_H_
#define NXT_CONTROLLERS_CONTAINERSET_PLAN_H_

#include <string>
#include <vector>

namespace nxt::containerset {

struct DesiredState {
  std::string namespace_;
  std::string name;
  int replicas = 0;
  std::string config_hash;
  // Named volumes (spec.volumes[].name without hostPath), one Docker volume per ordinal.
  std::vector<std::string> volume_purposes;
  bool suspend = false;
  bool deleting = false;
  bool delete_volumes = false;  // deletionPolicy: Delete (only read when deleting)
};

struct ObservedMember {
  std::string name;  // container name, no leading "/"
  int ordinal = -1;  // -1: label missing or unparsable
  std::string config_hash;
  std::string state;   // created, running, paused, restarting, removing, exited, dead
  std::string health;  // "", starting, healthy, unhealthy
};

struct ObservedState {
  std::vector<ObservedMember> members;
  // Read only when deleting (listing them costs Docker calls a steady state must not make).
  bool network_present = false;
  std::vector<std::string> volumes;
};

struct Action {
  enum class Type {
    kEnsureNetwork,  // name: network
    kEnsureVolume,   // name: volume, ordinal
    kCreate,         // ordinal, name: container (create + start)
    kStart,          // name
    kReplace,        // ordinal, name (remove + create + start)
    kRemove,         // name
    kWaitFor,        // name (rollout gate; no Docker call)
    kRemoveNetwork,  // name
    kRemoveVolume,   // name
  };
  Type type;
  std::string name;
  int ordinal = -1;

  // "create web-2", "replace web-0 (config changed)", ... for logs and `nxtctl diff`.
  std::string Describe() const;
  friend bool operator==(const Action&, const Action&) = default;
};

const char* ActionTypeName(Action::Type type);  // "create", "start", ...

// Running and (healthy, or without a health check).
bool IsReady(const ObservedMember& member);

std::vector<Action> Plan(const DesiredState& desired, const ObservedState& observed);

}  // namespace nxt::containerset

#endif  // NXT_CONTROLLERS_CONTAINERSET_PLAN_H_
