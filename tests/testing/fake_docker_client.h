// An honest in-memory DockerClient for unit tests (leveldb's memenv, controller-runtime's
// fake client): state a test can set up, inspect and break.
//
// Models:
//   - containers: create → "created", start → "running" (or at once "exited" with an exit
//     code when the test configured a start failure for the name or image), stop → "exited",
//     kill → "exited" (137), remove (running ones only with force); names unique
//     (AlreadyExists); lookup by name, full id or unique id prefix; label filters as the
//     Engine (`k=v`, or `k` alone for "has the label");
//   - health: a container with a healthcheck starts as default_health() ("healthy" unless
//     changed; "starting" models a slow probe); SetHealth changes it and emits
//     "health_status: ..." events; without a healthcheck health is "";
//   - the list call's human status ("Up 1 second (healthy)", "Exited (1) 1 second ago",
//     "Created"), so ContainerSummary::Health() works as against the Engine;
//   - networks (create requires a unique name; removal by name or id; a container's
//     networks must exist at create; removing a network with running containers attached
//     is FailedPrecondition; inspect by exact name; a subnet given at create is kept and
//     one overlapping another network's is PermissionDenied, as the engine answers; a
//     network created without one has none, where the engine would pick one) and volumes
//     (named volumes a container mounts are created on the fly, unlabelled, as Docker does;
//     removing a volume that any container mounts is FailedPrecondition);
//   - Exec: scripted results per (container, command) or a handler; running containers
//     only (FailedPrecondition otherwise); unscripted commands exit 127; each exec emits
//     exec_create and exec_start (before the result) and exec_die, as the engine does;
//   - PutFile: files stored per container (any state), readable with File();
//   - Logs: what a test wrote with AppendLog, stamped with the clock, filtered by since
//     and tail as the engine does; kept across restarts, gone with the container;
//   - events: container create/start/die/stop/kill/destroy/health_status/exec_*, network and
//     volume create/destroy, delivered to StreamEvents subscribers (filtered by selector
//     and type; `since` replays the log) and to synchronous listeners;
//   - per-method call counters and fault injection (the next N calls of a method fail with
//     a given status, before any effect).
// Does NOT model: images and pulls (every image exists unless RemoveImage was called),
// real processes and their output, restart policies (a container that exits stays
// exited), host ports in use, resource limits, address assignment and DNS (a running
// container has one unique address, 172.30.x.y, on each of its networks, whatever its subnet), exec
// timeouts (use fault injection for DeadlineExceeded), paused/restarting states, API version
// negotiation, and the latency of any call.
//
// Thread-safe. Listeners are called outside the state lock, in order, on the thread that
// caused the event; they must not call back into the fake.
#ifndef NXT_TESTS_TESTING_FAKE_DOCKER_CLIENT_H_
#define NXT_TESTS_TESTING_FAKE_DOCKER_CLIENT_H_

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "docker/docker_client.h"

namespace nxt::testing {

class FakeDockerClient : public docker::DockerClient {
 public:
  enum class Method {
    kVersion,
    kPing,
    kListContainers,
    kInspectContainer,
    kCreateContainer,
    kStartContainer,
    kStopContainer,
    kKillContainer,
    kSetRestartPolicy,
    kRemoveContainer,
    kExec,
    kPutFile,
    kListNetworks,
    kCreateNetwork,
    kRemoveNetwork,
    kInspectNetwork,
    kListVolumes,
    kCreateVolume,
    kRemoveVolume,
    kInspectVolume,
    kInspectImage,
    kTop,
    kLogs,
    kStreamEvents,
  };

  struct Container {
    std::string id;
    int64_t serial = 0;  // creation order; gives the container its address
    docker::ContainerSpec spec;
    std::string state = "created";
    int exit_code = 0;
    std::string health;
    absl::Time created = absl::InfinitePast();
    absl::Time started_at = absl::InfinitePast();
    absl::Time finished_at = absl::InfinitePast();
    std::map<std::string, std::pair<std::string, int>> files;  // path → (content, mode)
    // What Top lists while running; empty: the entrypoint and cmd as one line.
    std::vector<std::string> processes;
    // What the container wrote (AppendLog), each line with the time it was written.
    std::vector<std::pair<absl::Time, std::string>> log;
  };

  using ExecHandler = std::function<std::optional<docker::ExecResult>(
      const std::string& container, const std::vector<std::string>& cmd,
      const std::string& stdin_data)>;

  // `clock` (optional, must outlive this object) stamps events and container times.
  explicit FakeDockerClient(const Clock* clock = nullptr);
  ~FakeDockerClient() override;

  // DockerClient.
  absl::StatusOr<docker::VersionInfo> Version() override;
  absl::Status Ping() override;
  absl::StatusOr<std::vector<docker::ContainerSummary>> ListContainers(
      const docker::LabelSelector& selector) override;
  absl::StatusOr<docker::ContainerInfo> InspectContainer(const std::string& id_or_name) override;
  absl::StatusOr<std::string> CreateContainer(const docker::ContainerSpec& spec) override;
  absl::Status StartContainer(const std::string& id_or_name) override;
  absl::Status StopContainer(const std::string& id_or_name, absl::Duration timeout) override;
  absl::Status KillContainer(const std::string& id_or_name, const std::string& signal) override;
  absl::Status SetRestartPolicy(const std::string& id_or_name, const std::string& policy) override;
  absl::Status RemoveContainer(const std::string& id_or_name, bool force) override;
  absl::StatusOr<docker::ExecResult> Exec(const std::string& id_or_name,
                                          const std::vector<std::string>& cmd,
                                          absl::Duration timeout,
                                          const std::string& stdin_data) override;
  absl::Status PutFile(const std::string& id_or_name, const std::string& path,
                       const std::string& content, int mode) override;
  absl::StatusOr<std::vector<docker::NetworkInfo>> ListNetworks(
      const docker::LabelSelector& selector) override;
  absl::Status CreateNetwork(const std::string& name,
                             const std::map<std::string, std::string>& labels,
                             const std::string& subnet = "") override;
  absl::Status RemoveNetwork(const std::string& id_or_name) override;
  absl::StatusOr<docker::NetworkInfo> InspectNetwork(const std::string& name) override;
  absl::StatusOr<std::vector<docker::VolumeInfo>> ListVolumes(
      const docker::LabelSelector& selector) override;
  absl::Status CreateVolume(const std::string& name,
                            const std::map<std::string, std::string>& labels) override;
  absl::Status RemoveVolume(const std::string& name) override;
  absl::StatusOr<docker::VolumeInfo> InspectVolume(const std::string& name) override;
  absl::StatusOr<docker::ImageInfo> InspectImage(const std::string& name) override;
  absl::StatusOr<std::vector<std::string>> Top(const std::string& id_or_name) override;
  absl::StatusOr<std::string> Logs(const std::string& id_or_name, absl::Time since,
                                   int tail) override;
  absl::Status StreamEvents(const docker::LabelSelector& selector, const std::string& type,
                            absl::Time since,
                            const std::function<void(const docker::Event&)>& on_event,
                            const std::atomic<bool>& stop) override;

  // Fault injection: the next `count` calls of `method` return `status` with no effect.
  void FailNext(Method method, int count, absl::Status status);
  // Starting a container of this name / image leaves it "exited" with `exit_code`.
  void SetStartFailure(const std::string& name, int exit_code = 1);
  void SetImageStartFailure(const std::string& image, int exit_code = 1);
  void ClearStartFailures();
  // Health given to containers with a healthcheck when they start ("healthy" by default).
  void SetDefaultHealth(const std::string& health);
  // Sets the health of a running container with a healthcheck; emits health_status.
  absl::Status SetHealth(const std::string& id_or_name, const std::string& health);
  // One engine health probe that finds the health unchanged: the check's exec_create,
  // exec_start and exec_die, then `health_status: <current health>`. (Engine 20.10 emits
  // health_status only on a change; a repeat reaches a watcher when events are replayed
  // after a reconnect, or from engines that report every probe.)
  absl::Status ReportHealth(const std::string& id_or_name);
  // Behind the controller's back, as `docker stop` / `docker rm -f` would.
  absl::Status StopBehindBack(const std::string& id_or_name);
  absl::Status RemoveBehindBack(const std::string& id_or_name);
  void RemoveImage(const std::string& image);

  // What Top lists for a container from now on (replaced on each call).
  absl::Status SetProcesses(const std::string& id_or_name, std::vector<std::string> processes);
  // The container writes `text` (one or more lines) to its log now; Logs returns it.
  absl::Status AppendLog(const std::string& id_or_name, const std::string& text);

  // Exec results: exact (container name, cmd) match first, then the handler.
  void SetExecResult(const std::string& container, const std::vector<std::string>& cmd,
                     docker::ExecResult result);
  void SetExecHandler(ExecHandler handler);

  // Called synchronously (outside the lock) for every event; e.g. a cache's Apply.
  void AddEventListener(std::function<void(const docker::Event&)> listener);
  // Makes every running StreamEvents call return Unavailable (a broken stream).
  void BreakEventStreams();

  // Inspection.
  int calls(Method method) const;
  int total_mutating_calls() const;  // create/start/stop/kill/remove + network/volume create/remove
  void ResetCalls();
  std::optional<Container> GetContainer(const std::string& id_or_name) const;
  std::vector<std::string> ContainerNames() const;  // sorted
  std::set<std::string> NetworkNames() const;
  std::set<std::string> VolumeNames() const;
  std::optional<std::map<std::string, std::string>> VolumeLabels(const std::string& name) const;
  std::vector<docker::Event> EventLog() const;

 private:
  struct Subscriber {
    docker::LabelSelector selector;
    std::string type;
    std::deque<docker::Event> queue;
    int64_t generation = 0;
  };
  struct Volume {
    std::map<std::string, std::string> labels;
  };

  static bool Matches(const docker::LabelSelector& selector,
                      const std::map<std::string, std::string>& labels);
  absl::Time Now() const;
  absl::Status TakeFault(Method method) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Container* Find(const std::string& id_or_name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  const Container* Find(const std::string& id_or_name) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  void Emit(const std::string& type, const std::string& action, const std::string& actor_id,
            std::map<std::string, std::string> attributes) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void EmitContainer(const Container& c, const std::string& action)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // exec_create / exec_start / exec_die, with the engine's execID (and `extra`) attributes.
  void EmitExec(const Container& c, const std::string& action, const std::string& exec_id,
                std::map<std::string, std::string> extra = {}) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Flush() ABSL_LOCKS_EXCLUDED(mu_);  // delivers pending events to listeners
  void StartLocked(Container& c) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void StopLocked(Container& c, int exit_code) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status RemoveLocked(const std::string& id_or_name, bool force)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  docker::ContainerSummary Summarize(const Container& c) const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  const Clock* const clock_;

  mutable absl::Mutex mu_;
  std::map<std::string, Container> containers_ ABSL_GUARDED_BY(mu_);  // by name
  std::map<std::string, docker::NetworkInfo> networks_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Volume> volumes_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> removed_images_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> start_failures_by_name_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> start_failures_by_image_ ABSL_GUARDED_BY(mu_);
  std::string default_health_ ABSL_GUARDED_BY(mu_) = "healthy";
  std::map<std::pair<std::string, std::vector<std::string>>, docker::ExecResult> exec_results_
      ABSL_GUARDED_BY(mu_);
  ExecHandler exec_handler_ ABSL_GUARDED_BY(mu_);
  std::map<Method, std::deque<absl::Status>> faults_ ABSL_GUARDED_BY(mu_);
  std::map<Method, int> calls_ ABSL_GUARDED_BY(mu_);
  int64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::vector<docker::Event> log_ ABSL_GUARDED_BY(mu_);
  std::vector<docker::Event> pending_ ABSL_GUARDED_BY(mu_);
  std::vector<Subscriber*> subscribers_ ABSL_GUARDED_BY(mu_);
  int64_t stream_generation_ ABSL_GUARDED_BY(mu_) = 0;

  // Held while delivering to listeners (taken before mu_), so they see events in order.
  absl::Mutex listeners_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  std::vector<std::function<void(const docker::Event&)>> listeners_ ABSL_GUARDED_BY(listeners_mu_);
};

}  // namespace nxt::testing

#endif  // NXT_TESTS_TESTING_FAKE_DOCKER_CLIENT_H_
