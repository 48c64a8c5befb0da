// The nxtd composition: builds the store, manifest source, Docker cache and event
// watcher, controllers, local API and metrics server, and runs them until Stop.
#ifndef NXT_CMD_NXTD_DAEMON_H_
#define NXT_CMD_NXTD_DAEMON_H_

#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "cmd/nxtd/daemon_options.h"
#include "common/clock.h"
#include "controllers/common/http_client.h"
#include "docker/docker_client.h"

namespace prometheus {
class Collectable;
}

namespace nxt::nxtd {

// Start once, Stop once; not thread-safe itself (the parts it runs are). `clock`,
// `docker` and `http` (nxtd's HTTP to the services it runs) must outlive the Daemon. Start fails
// (and leaves nothing running) when the state directory is locked by another nxtd, a directory
// cannot be created, the API socket is held by a live daemon, or the metrics address cannot be
// bound. An unreachable Docker engine is not fatal: reconciles retry until it answers.
class Daemon {
 public:
  Daemon(DaemonOptions options, Clock& clock, docker::DockerClient& docker,
         controllers::HttpClient& http);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Adds something the metrics endpoint serves too (it must outlive the Daemon). Call
  // before Start.
  void AddCollectable(const prometheus::Collectable* collectable);

  absl::Status Start();
  // Stops taking work and lets in-flight reconciles finish within options.shutdown_grace.
  absl::Status Stop();

  // The bound metrics port (useful with "127.0.0.1:0"); 0 when metrics are off.
  int metrics_port() const;

  class Parts;

 private:
  const DaemonOptions options_;
  Clock& clock_;
  docker::DockerClient& docker_;
  controllers::HttpClient& http_;
  std::vector<const prometheus::Collectable*> extra_collectables_;
  std::unique_ptr<Parts> parts_;
};

// What nxtd's main does: a real clock, libcurl Docker and HTTP clients, Start, wait for
// SIGTERM/SIGINT, Stop. Returns the process exit code.
int RunDaemonUntilSignal(const DaemonOptions& options);

}  // namespace nxt::nxtd

#endif  // NXT_CMD_NXTD_DAEMON_H_
