// DockerClient over the Docker Engine API on a Unix socket, with libcurl.
//
//   CurlDockerClient docker({.socket_path = "/var/run/docker.sock"});
//   NXT_ASSIGN_OR_RETURN(auto rows, docker.ListContainers({{kLabelManagedBy, kManagedByValue}}));
//
// API version: negotiated on first use (GET /version, unversioned) as
// min(engine ApiVersion, kMaxApiVersion); every later path is "/v<that>/...". A failed
// negotiation is retried on the next call. Thread-safe: any thread may call any method
// concurrently (one CURL easy handle per thread; StreamEvents and Exec use their own
// connection). Error codes as documented in docker_client.h, mapped by http_status.h.
// The observer (optional, must outlive this object) sees every request with a path
// template ("/containers/{id}/start"), never a concrete id; bodies are never logged
// (they can carry secrets in env).
#ifndef NXT_DOCKER_CURL_DOCKER_CLIENT_H_
#define NXT_DOCKER_CURL_DOCKER_CLIENT_H_

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "docker/curl_transport.h"
#include "docker/docker_client.h"
#include "docker/http_status.h"

namespace nxt::docker {

struct CurlDockerClientOptions {
  std::string socket_path = "/var/run/docker.sock";
  // Per request; Stop adds its grace period, Exec uses its own timeout, events none.
  absl::Duration request_timeout = absl::Seconds(30);
  RequestObserver* observer = nullptr;
};

class CurlDockerClient : public DockerClient {
 public:
  using Options = CurlDockerClientOptions;
  // The newest API version this client was written against.
  static constexpr char kMaxApiVersion[] = "1.45";

  explicit CurlDockerClient(Options options = {});
  CurlDockerClient(const CurlDockerClient&) = delete;
  CurlDockerClient& operator=(const CurlDockerClient&) = delete;

  // The negotiated API version ("1.41"), negotiating now if not done yet.
  absl::StatusOr<std::string> ApiVersion();

  absl::StatusOr<VersionInfo> Version() override;
  absl::Status Ping() override;
  absl::StatusOr<std::vector<ContainerSummary>> ListContainers(
      const LabelSelector& selector) override;
  absl::StatusOr<ContainerInfo> InspectContainer(const std::string& id_or_name) override;
  absl::StatusOr<std::string> CreateContainer(const ContainerSpec& spec) override;
  absl::Status StartContainer(const std::string& id_or_name) override;
  absl::Status StopContainer(const std::string& id_or_name, absl::Duration timeout) override;
  absl::Status KillContainer(const std::string& id_or_name, const std::string& signal) override;
  absl::Status SetRestartPolicy(const std::string& id_or_name, const std::string& policy) override;
  absl::Status RemoveContainer(const std::string& id_or_name, bool force) override;
  absl::StatusOr<ExecResult> Exec(const std::string& id_or_name,
                                  const std::vector<std::string>& cmd, absl::Duration timeout,
                                  const std::string& stdin_data = "") override;
  // Extracts at "/" in the container, so missing parent directories are created (mode
  // 0755, root); the file itself is owned by root with `mode`.
  absl::Status PutFile(const std::string& id_or_name, const std::string& path,
                       const std::string& content, int mode) override;
  absl::StatusOr<std::vector<NetworkInfo>> ListNetworks(const LabelSelector& selector) override;
  absl::Status CreateNetwork(const std::string& name,
                             const std::map<std::string, std::string>& labels,
                             const std::string& subnet = "") override;
  absl::Status RemoveNetwork(const std::string& name) override;
  absl::StatusOr<NetworkInfo> InspectNetwork(const std::string& name) override;
  absl::StatusOr<std::vector<VolumeInfo>> ListVolumes(const LabelSelector& selector) override;
  absl::Status CreateVolume(const std::string& name,
                            const std::map<std::string, std::string>& labels) override;
  absl::Status RemoveVolume(const std::string& name) override;
  absl::StatusOr<VolumeInfo> InspectVolume(const std::string& name) override;
  absl::StatusOr<ImageInfo> InspectImage(const std::string& name) override;
  absl::StatusOr<std::vector<std::string>> Top(const std::string& id_or_name) override;
  absl::StatusOr<std::string> Logs(const std::string& id_or_name, absl::Time since,
                                   int tail) override;
  absl::Status StreamEvents(const LabelSelector& selector, const std::string& type,
                            absl::Time since, const std::function<void(const Event&)>& on_event,
                            const std::atomic<bool>& stop) override;

 private:
  // One API call. `target` is the path and query after the version prefix.
  struct Call {
    std::string method{};
    std::string endpoint{};  // path template for the observer
    std::string target{};
    std::string description{};  // "docker start web-0"
    std::string body{};
    std::string content_type = "application/json";
    CallKind kind = CallKind::kOther;
    absl::Duration timeout = absl::ZeroDuration();  // zero: options.request_timeout
    bool versioned = true;
  };

  // Sends the call; transport failures are errors, any HTTP answer is returned.
  absl::StatusOr<HttpResponse> Send(const Call& call);
  // Sends the call and maps a non-2xx answer to an error; returns the body.
  absl::StatusOr<std::string> Run(const Call& call);
  void Observe(const std::string& method, const std::string& endpoint, int code,
               absl::Time start) const;
  absl::StatusOr<std::string> Prefix();
  absl::Status ConnectExtraNetworks(const ContainerSpec& spec, const std::string& id);
  absl::StatusOr<int> WaitExecExitCode(const std::string& exec_id, const std::string& what,
                                       absl::Time deadline);

  const Options options_;
  const CurlTransport transport_;
  absl::Mutex mu_;
  std::string api_version_ ABSL_GUARDED_BY(mu_);  // "" until negotiated
};

}  // namespace nxt::docker

#endif  // NXT_DOCKER_CURL_DOCKER_CLIENT_H_
