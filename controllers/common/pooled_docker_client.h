// The DockerClient nxtd's controllers use: every network nxt creates for an object
// (labels io.nxt.managed-by=nxtd, no subnet asked for) gets its subnet from a
// NetworkPool, and gives it back when nxt removes the network; a network that exists
// already keeps the subnet it has (its subnet is recorded when it lies in the pool).
// Every other call goes to `inner` as it is. So no controller needs to know about the
// pool, and a pool refusal reaches the object through EnsureOwnedNetwork's "create
// network" error and the reconcile skeleton (kind_reconciler.h: Stalled, reason
// NetworkPoolExhausted or NetworkPoolOverlap).
//
// Thread-safe. Allocations run one at a time (list the engine's networks, allocate and
// record), so two never pick the same block; the creates themselves run in parallel.
// `inner` and `pool` must outlive this object.
#ifndef NXT_CONTROLLERS_COMMON_POOLED_DOCKER_CLIENT_H_
#define NXT_CONTROLLERS_COMMON_POOLED_DOCKER_CLIENT_H_

#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "controllers/common/network_pool.h"
#include "docker/docker_client.h"

namespace nxt::controllers {

class PooledDockerClient : public docker::DockerClient {
 public:
  PooledDockerClient(docker::DockerClient& inner, NetworkPool& pool) : inner_(inner), pool_(pool) {}

  absl::Status CreateNetwork(const std::string& name,
                             const std::map<std::string, std::string>& labels,
                             const std::string& subnet = "") override;
  // `id_or_name` as the inner client takes it; the record is released when the network
  // is gone afterwards (removed now, or NotFound).
  absl::Status RemoveNetwork(const std::string& id_or_name) override;

  // The rest as `inner` answers.
  absl::StatusOr<docker::VersionInfo> Version() override { return inner_.Version(); }
  absl::Status Ping() override { return inner_.Ping(); }
  absl::StatusOr<std::vector<docker::ContainerSummary>> ListContainers(
      const docker::LabelSelector& selector) override {
    return inner_.ListContainers(selector);
  }
  absl::StatusOr<docker::ContainerInfo> InspectContainer(const std::string& id_or_name) override {
    return inner_.InspectContainer(id_or_name);
  }
  absl::StatusOr<std::string> CreateContainer(const docker::ContainerSpec& spec) override {
    return inner_.CreateContainer(spec);
  }
  absl::Status StartContainer(const std::string& id_or_name) override {
    return inner_.StartContainer(id_or_name);
  }
  absl::Status StopContainer(const std::string& id_or_name, absl::Duration timeout) override {
    return inner_.StopContainer(id_or_name, timeout);
  }
  absl::Status KillContainer(const std::string& id_or_name, const std::string& signal) override {
    return inner_.KillContainer(id_or_name, signal);
  }
  absl::Status SetRestartPolicy(const std::string& id_or_name, const std::string& policy) override {
    return inner_.SetRestartPolicy(id_or_name, policy);
  }
  absl::Status RemoveContainer(const std::string& id_or_name, bool force) override {
    return inner_.RemoveContainer(id_or_name, force);
  }
  absl::StatusOr<docker::ExecResult> Exec(const std::string& id_or_name,
                                          const std::vector<std::string>& cmd,
                                          absl::Duration timeout,
                                          const std::string& stdin_data = "") override {
    return inner_.Exec(id_or_name, cmd, timeout, stdin_data);
  }
  absl::StatusOr<std::vector<std::string>> Top(const std::string& id_or_name) override {
    return inner_.Top(id_or_name);
  }
  absl::StatusOr<std::string> Logs(const std::string& id_or_name, absl::Time since,
                                   int tail) override {
    return inner_.Logs(id_or_name, since, tail);
  }
  absl::Status PutFile(const std::string& id_or_name, const std::string& path,
                       const std::string& content, int mode) override {
    return inner_.PutFile(id_or_name, path, content, mode);
  }
  absl::StatusOr<std::vector<docker::NetworkInfo>> ListNetworks(
      const docker::LabelSelector& selector) override {
    return inner_.ListNetworks(selector);
  }
  absl::StatusOr<docker::NetworkInfo> InspectNetwork(const std::string& name) override {
    return inner_.InspectNetwork(name);
  }
  absl::StatusOr<std::vector<docker::VolumeInfo>> ListVolumes(
      const docker::LabelSelector& selector) override {
    return inner_.ListVolumes(selector);
  }
  absl::Status CreateVolume(const std::string& name,
                            const std::map<std::string, std::string>& labels) override {
    return inner_.CreateVolume(name, labels);
  }
  absl::Status RemoveVolume(const std::string& name) override { return inner_.RemoveVolume(name); }
  absl::StatusOr<docker::VolumeInfo> InspectVolume(const std::string& name) override {
    return inner_.InspectVolume(name);
  }
  absl::StatusOr<docker::ImageInfo> InspectImage(const std::string& name) override {
    return inner_.InspectImage(name);
  }
  absl::Status StreamEvents(const docker::LabelSelector& selector, const std::string& type,
                            absl::Time since,
                            const std::function<void(const docker::Event&)>& on_event,
                            const std::atomic<bool>& stop) override {
    return inner_.StreamEvents(selector, type, since, on_event, stop);
  }

 private:
  docker::DockerClient& inner_;
  NetworkPool& pool_;
  absl::Mutex allocate_mu_;  // held from listing the engine's networks to the record
};

}  // namespace nxt::controllers

#endif  // NXT_CONTROLLERS_COMMON_POOLED_DOCKER_CLIENT_H_
