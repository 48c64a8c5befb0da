// nxtd: parses flags, builds the real implementations, runs the Daemon until
// SIGTERM/SIGINT. Named nxtd.cc so abseil's --help lists these flags.
#include <malloc.h>

#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_split.h"
#include "cmd/nxtd/daemon.h"
#include "common/logging.h"
#include "controllers/common/network_pool.h"

ABSL_FLAG(std::string, manifests, nxt::nxtd::kDefaultManifestsDir,
          "Directory of manifests to watch; must exist (only the default is created)");
ABSL_FLAG(std::string, state_dir, "/var/lib/nxt", "State directory (status, events, secrets)");
ABSL_FLAG(std::string, docker_socket, "/var/run/docker.sock", "Docker Engine API socket");
ABSL_FLAG(std::string, api_socket, "/run/nxt/nxtd.sock", "Local API socket for nxtctl (0600)");
ABSL_FLAG(std::string, metrics_addr, "127.0.0.1:9480",
          "host:port serving /metrics, /healthz, /readyz (empty: off)");
ABSL_FLAG(int, workers, 2, "Reconcile workers per controller");
ABSL_FLAG(absl::Duration, resync_period, absl::Minutes(5), "Periodic full resync (jittered)");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(20),
          "How long in-flight reconciles may run after SIGTERM");
ABSL_FLAG(absl::Duration, client_timeout, absl::Seconds(30),
          "API and metrics clients that take longer to send a request, or to read the answer, "
          "are disconnected");
ABSL_FLAG(std::string, allowed_host_paths, "/srv/nxt",
          "Comma-separated roots under which hostPath volumes are allowed");
ABSL_FLAG(std::string, network_pool, "auto",
          "Where the networks nxtd creates get their subnets: comma-separated IPv4 prefixes, "
          "or auto (10.224.0.0/16, 10.225.0.0/16, 172.16.0.0/16); blocks that overlap a host "
          "route or another network are skipped");
ABSL_FLAG(int, network_prefix, 26,
          "Prefix length of each network's subnet (8 to 29); /26 holds 61 containers");
ABSL_FLAG(std::string, log_level, "info", "debug, info, warning or error");
ABSL_FLAG(std::string, log_format, "text", "text or json");

namespace {

// Flags are documented with dashes (--state-dir); abseil names them with underscores.
// Rewrites the name part of every "--flag[=value]" argument before parsing.
std::vector<char*> DashedFlagsToUnderscores(int argc, char** argv,
                                            std::vector<std::string>& store) {
  store.assign(argv, argv + argc);
  for (size_t i = 1; i < store.size(); ++i) {
    std::string& arg = store[i];
    if (arg == "--") break;
    if (arg.rfind("--", 0) != 0) continue;
    size_t end = arg.find('=');
    if (end == std::string::npos) end = arg.size();
    for (size_t j = 2; j < end; ++j) {
      if (arg[j] == '-') arg[j] = '_';
    }
  }
  std::vector<char*> out;
  for (std::string& arg : store) out.push_back(arg.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "nxtd: the nxt operator daemon. Usage: nxtd [--flag=value ...] (flag names take dashes "
      "or underscores)");
  // Few, mostly idle threads: two malloc arenas keep the resident set small.
  mallopt(M_ARENA_MAX, 2);
  std::vector<std::string> args;
  std::vector<char*> normalized = DashedFlagsToUnderscores(argc, argv, args);
  absl::ParseCommandLine(argc, normalized.data());

  nxt::LogLevel level;
  nxt::LogFormat format;
  if (!nxt::ParseLogLevel(absl::GetFlag(FLAGS_log_level), &level) ||
      !nxt::ParseLogFormat(absl::GetFlag(FLAGS_log_format), &format)) {
    std::fprintf(stderr, "nxtd: bad --log-level or --log-format\n");
    return 2;
  }
  nxt::SetLogLevel(level);
  nxt::SetLogFormat(format);

  nxt::nxtd::DaemonOptions options;
  options.manifests_dir = absl::GetFlag(FLAGS_manifests);
  options.state_dir = absl::GetFlag(FLAGS_state_dir);
  options.docker_socket = absl::GetFlag(FLAGS_docker_socket);
  options.api_socket = absl::GetFlag(FLAGS_api_socket);
  options.metrics_addr = absl::GetFlag(FLAGS_metrics_addr);
  options.workers = absl::GetFlag(FLAGS_workers);
  options.resync_period = absl::GetFlag(FLAGS_resync_period);
  options.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);
  options.client_timeout = absl::GetFlag(FLAGS_client_timeout);
  if (options.client_timeout <= absl::ZeroDuration()) {
    std::fprintf(stderr, "nxtd: --client-timeout must be positive\n");
    return 2;
  }
  options.allowed_host_path_roots =
      absl::StrSplit(absl::GetFlag(FLAGS_allowed_host_paths), ',', absl::SkipEmpty());
  options.network_pool = absl::GetFlag(FLAGS_network_pool);
  options.network_prefix = absl::GetFlag(FLAGS_network_prefix);
  if (absl::StatusOr<std::vector<nxt::Ipv4Prefix>> pool =
          nxt::controllers::ParseNetworkPool(options.network_pool, options.network_prefix);
      !pool.ok()) {
    std::fprintf(stderr, "nxtd: --network-pool=%s --network-prefix=%d: %s\n",
                 options.network_pool.c_str(), options.network_prefix,
                 std::string(pool.status().message()).c_str());
    return 1;
  }
  return nxt::nxtd::RunDaemonUntilSignal(options);
}
