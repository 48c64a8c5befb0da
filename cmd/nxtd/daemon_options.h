// Everything nxtd is told on its command line, as plain data (flags are read only in
// cmd/; the Daemon takes this struct).
#ifndef NXT_CMD_NXTD_DAEMON_OPTIONS_H_
#define NXT_CMD_NXTD_DAEMON_OPTIONS_H_

#include <string>
#include <vector>

#include "absl/time/time.h"

namespace nxt::nxtd {

// The only manifest directory nxtd creates when it is missing (and only while the state
// directory holds no object): any other must exist, so a mistyped --manifests or a mount
// point not yet mounted never looks like "every manifest was deleted".
inline constexpr char kDefaultManifestsDir[] = "/etc/nxt/manifests";

struct DaemonOptions {
  std::string manifests_dir = kDefaultManifestsDir;
  std::string state_dir = "/var/lib/nxt";
  std::string docker_socket = "/var/run/docker.sock";
  std::string api_socket = "/run/nxt/nxtd.sock";
  std::string metrics_addr = "127.0.0.1:9480";  // "" disables the metrics server
  int workers = 2;                              // per controller
  absl::Duration resync_period = absl::Minutes(5);
  absl::Duration shutdown_grace = absl::Seconds(20);
  absl::Duration manifest_debounce = absl::Milliseconds(150);
  // API and metrics clients get this long to send their request, and again to read the
  // answer, before they are disconnected.
  absl::Duration client_timeout = absl::Seconds(30);
  // ContainerSet volumes and RustFSPool drives with hostPath must lie under one of these.
  std::vector<std::string> allowed_host_path_roots = {"/srv/nxt"};
  // Where the networks nxt creates get their subnets (controllers/common/network_pool.h):
  // "auto" or comma-separated IPv4 prefixes, carved into blocks of /network_prefix.
  std::string network_pool = "auto";
  int network_prefix = 26;
};

}  // namespace nxt::nxtd

#endif  // NXT_CMD_NXTD_DAEMON_OPTIONS_H_
