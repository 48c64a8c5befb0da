// The only door to the Docker Engine API. Pure interface: controllers and mocks link
// this target, never libcurl.
//
// Error codes (one mapping, in docker/http_status.h):
//   404 → NotFound, 409 → AlreadyExists (name in use) or FailedPrecondition (state
//   conflict), 400 → InvalidArgument, 5xx and connection failures → Unavailable,
//   timeouts → DeadlineExceeded. Messages carry the call and the engine's message:
//   "docker start web-0: HTTP 409: container is paused".
// Implementations are thread-safe: any thread may call any method.
#ifndef NXT_DOCKER_DOCKER_CLIENT_H_
#define NXT_DOCKER_DOCKER_CLIENT_H_

#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "docker/types.h"

namespace nxt::docker {

// label filters: {"io.nxt.managed-by": "nxtd"} means label=io.nxt.managed-by=nxtd; an
// empty value means "has the label".
using LabelSelector = std::map<std::string, std::string>;

class DockerClient {
 public:
  virtual ~DockerClient() = default;

  virtual absl::StatusOr<VersionInfo> Version() = 0;
  virtual absl::Status Ping() = 0;

  // Containers. `id_or_name` accepts either.
  virtual absl::StatusOr<std::vector<ContainerSummary>> ListContainers(
      const LabelSelector& selector) = 0;  // all states
  virtual absl::StatusOr<ContainerInfo> InspectContainer(const std::string& id_or_name) = 0;
  // Creates (and connects extra networks); returns the id. AlreadyExists if the name is taken.
  virtual absl::StatusOr<std::string> CreateContainer(const ContainerSpec& spec) = 0;
  virtual absl::Status StartContainer(const std::string& id_or_name) = 0;  // OK if running
  virtual absl::Status StopContainer(const std::string& id_or_name,
                                     absl::Duration timeout) = 0;  // OK if stopped
  virtual absl::Status KillContainer(const std::string& id_or_name, const std::string& signal) = 0;
  // `docker update --restart POLICY`: changes what the engine does when the container
  // exits, without restarting it.
  virtual absl::Status SetRestartPolicy(const std::string& id_or_name,
                                        const std::string& policy) = 0;
  // Never removes volumes (v=0): volumes outlive containers.
  virtual absl::Status RemoveContainer(const std::string& id_or_name, bool force) = 0;
  // Runs `cmd` in a running container and captures its output (each stream capped at
  // 4 MiB). DeadlineExceeded after `timeout` (the process may still be running). `stdin_data`,
  // when not empty, is written to the process's stdin (for secrets: never put them in cmd).
  virtual absl::StatusOr<ExecResult> Exec(const std::string& id_or_name,
                                          const std::vector<std::string>& cmd,
                                          absl::Duration timeout,
                                          const std::string& stdin_data = "") = 0;
  // `docker top`: the command line of every process in a running container
  // (GET /containers/{id}/top). The engine reads the process table itself: no exec, so
  // no exec events. FailedPrecondition (409) when the container is not running.
  virtual absl::StatusOr<std::vector<std::string>> Top(const std::string& id_or_name) = 0;
  // `docker logs --since SINCE --tail TAIL` of a container in any state (GET
  // /containers/{id}/logs): the last `tail` lines of stdout and stderr written at or after
  // `since` (InfinitePast: from the start), interleaved as written. No exec, no events.
  virtual absl::StatusOr<std::string> Logs(const std::string& id_or_name, absl::Time since,
                                           int tail) = 0;
  // Writes one file into a container (PUT /containers/{id}/archive), mode and content as
  // given; works on created-but-not-started containers, so config and secret files are in
  // place before the process starts.
  virtual absl::Status PutFile(const std::string& id_or_name, const std::string& path,
                               const std::string& content, int mode) = 0;

  // Networks (user-defined bridges) and volumes. Create* is OK when it already exists
  // with that name (AlreadyExists is not returned; an existing network keeps its subnet).
  // NetworkInfo.subnets is filled by List and Inspect.
  virtual absl::StatusOr<std::vector<NetworkInfo>> ListNetworks(const LabelSelector& selector) = 0;
  // `subnet` (IPv4 CIDR, "10.213.0.64/26") fixes the network's subnet, its first address
  // the gateway; "" lets the engine pick from its own default address pools (which hold
  // about 31 networks). The engine refuses a subnet that overlaps one of its networks
  // (PermissionDenied, HTTP 403) but not one that overlaps a host route: the caller checks.
  virtual absl::Status CreateNetwork(const std::string& name,
                                     const std::map<std::string, std::string>& labels,
                                     const std::string& subnet = "") = 0;
  virtual absl::Status RemoveNetwork(const std::string& name) = 0;
  // The network named exactly `name` (never one whose id merely starts with it); NotFound
  // when there is none. Used to read the labels of a network before adopting or joining it.
  virtual absl::StatusOr<NetworkInfo> InspectNetwork(const std::string& name) = 0;
  virtual absl::StatusOr<std::vector<VolumeInfo>> ListVolumes(const LabelSelector& selector) = 0;
  virtual absl::Status CreateVolume(const std::string& name,
                                    const std::map<std::string, std::string>& labels) = 0;
  virtual absl::Status RemoveVolume(const std::string& name) = 0;
  // The volume named `name`; NotFound when there is none.
  virtual absl::StatusOr<VolumeInfo> InspectVolume(const std::string& name) = 0;

  virtual absl::StatusOr<ImageInfo> InspectImage(const std::string& name) = 0;

  // Streams events matching `selector` (container events only when `type` is
  // "container"), starting at `since` (InfinitePast: now), calling `on_event` for each,
  // until `stop` becomes true (checked at least every 500 ms) or the stream breaks.
  // Returns OK when stopped, Unavailable when the stream broke (the caller reconnects
  // and resyncs). Blocks the calling thread.
  virtual absl::Status StreamEvents(const LabelSelector& selector, const std::string& type,
                                    absl::Time since,
                                    const std::function<void(const Event&)>& on_event,
                                    const std::atomic<bool>& stop) = 0;
};

// Seen by the implementation after every request (for metrics). `endpoint` is the path
// template ("/containers/{id}/start"), `code` the HTTP status or 0 when no answer came.
class RequestObserver {
 public:
  virtual ~RequestObserver() = default;
  virtual void OnRequest(const std::string& method, const std::string& endpoint, int code,
                         absl::Duration latency) = 0;
};

}  // namespace nxt::docker

#endif  // NXT_DOCKER_DOCKER_CLIENT_H_
