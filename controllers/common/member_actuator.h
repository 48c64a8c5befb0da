// Carries out member plans (member_plan.h) for controllers that render their containers
// themselves, and tears an owner's Docker objects down.
//
// A create or replace first ensures the member's named volumes and the owner's network
// (labelled as the owner's; made once before concurrent creates, since the Engine accepts
// two networks of one name; one another object holds is refused, see adoption.h, and a
// replace then leaves the running member alone), creates the container, writes its files
// (DockerClient::PutFile: config and secrets land before the process starts, never in argv or env),
// starts it and writes the result through to the ContainerCache. A remove stops cleanly first;
// volumes always stay. Each change records a Normal event and each failure a Warning (reason
// "ReconcileError") on the owner, and is logged under `component`.
//
// Errors are collected, not short-circuited (independent members still converge); Run
// returns the first, annotated with the action: "create nats-2: docker create nats-2:
// HTTP 409 ...". NotFound while removing counts as done. A create that finds the name
// taken by a container nxt does not own for this object fails with FailedPrecondition and
// leaves that container alone (names are global on the host).
//
// Options::before_create, when set, runs right before each create or replace (before the
// old container is removed): a failure leaves that member alone and is reported in
// MemberOutcome::refused as well (controllers stall on it; RustFS drive directories).
//
// Thread-compatible: one MemberActuator per reconcile. The client, cache and store must
// outlive it.
#ifndef NXT_CONTROLLERS_COMMON_MEMBER_ACTUATOR_H_
#define NXT_CONTROLLERS_COMMON_MEMBER_ACTUATOR_H_

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controllers/common/member_plan.h"
#include "docker/container_cache.h"
#include "docker/docker_client.h"
#include "reconciler/store.h"
#include "resources/object.h"

namespace nxt::controllers {

inline constexpr char kNetworkRole[] = "network";
inline constexpr char kVolumeRole[] = "volume";

struct MemberFile {
  std::string path;  // absolute, in the container
  std::string content;
  int mode = 0644;  // 0600 for anything holding a secret
};

// A member as its controller renders it. spec.labels carry the owner labels, the role,
// the ordinal and io.nxt.config-hash.
struct RenderedMember {
  docker::ContainerSpec spec;
  std::vector<MemberFile> files;
};

struct MemberOutcome {
  absl::Status error;
  int changes = 0;  // Docker-changing actions that succeeded
  // The first failure of Options::before_create (also counted in `error`).
  absl::Status refused;
};

class MemberActuator {
 public:
  struct Options {
    std::string component = "controller";  // for logs
    absl::Duration stop_timeout = absl::Seconds(10);
    int parallelism = 4;        // concurrent creates
    bool record_events = true;  // false when the object is already gone from the store
    // The last check of a member's container before it is created (may be empty).
    std::function<absl::Status(const docker::ContainerSpec&)> before_create;
  };

  MemberActuator(docker::DockerClient& docker, docker::ContainerCache& cache,
                 reconciler::Store& store, resources::ObjectKey key, Options options);

  // Runs `actions`; creates and replacements take their container from `members` (by
  // container name; a missing one is an Internal error for that action). Creates run
  // concurrently; the rest in plan order.
  MemberOutcome Run(const std::vector<MemberAction>& actions,
                    const std::map<std::string, RenderedMember>& members);

  // Removes every container the owner has (all roles, clean stop first), then its
  // networks, then — only when `delete_volumes` — its volumes. Idempotent.
  absl::Status Teardown(bool delete_volumes);

  // A Normal or Warning event on the owner (unless record_events is false).
  void Event(const std::string& type, const std::string& reason, const std::string& message);

 private:
  absl::Status Do(const MemberAction& action, const std::map<std::string, RenderedMember>& members);
  absl::Status BeforeCreate(const docker::ContainerSpec& spec);
  absl::Status CreateAndStart(const RenderedMember& member);
  absl::Status Start(const std::string& name);
  absl::Status Remove(const std::string& name);
  absl::Status EnsureNetwork(const docker::ContainerSpec& spec);
  absl::Status EnsurePrerequisites(const docker::ContainerSpec& spec);

  docker::DockerClient& docker_;
  docker::ContainerCache& cache_;
  reconciler::Store& store_;
  const resources::ObjectKey key_;
  const Options options_;

  // Concurrent creates ensure the owner's network one at a time, once per actuator: the
  // Engine's duplicate-name check is racy, and two networks of one name make every later
  // start ambiguous.
  absl::Mutex networks_mu_;
  std::set<std::string> networks_ensured_ ABSL_GUARDED_BY(networks_mu_);
  absl::Mutex refused_mu_;
  absl::Status refused_ ABSL_GUARDED_BY(refused_mu_);
};

}  // namespace nxt::controllers

#endif  // NXT_CONTROLLERS_COMMON_MEMBER_ACTUATOR_H_
