// bench_galera_probe: what one GaleraCluster status probe (SHOW GLOBAL STATUS LIKE
// 'wsrep_%' as the health user, what nxtd asks every running node each round) costs the
// machine, read two ways from the same node in the same run:
//   exec:   `docker exec <node> mariadb --defaults-extra-file=<health cnf> ...` (NodeAdmin
//           without a link; nxtd's probe before this bench);
//   native: MariaDB's protocol from this process to the node's bridge address (NodeAdmin
//           with MariadbSqlLink: connect, the identity check, the query).
// Per probe: the engine's CPU (dockerd, containerd and every containerd-shim, with the
// runc processes they reaped), the container's own CPU (cgroup: mariadbd, and the
// `mariadb` client for exec), this process's CPU (the caller: nxtd's side) and the wall
// time. The methods alternate over several rounds; an idle window of the same length
// measures what the engine and the node spend without probes, and is subtracted. Medians
// over the rounds. The node is a single bootstrapped Galera node of the local image.
//
//   bench_galera_probe [--probes N] [--rounds R]      (default 100, 3)
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "bench/bench_util.h"
#include "common/status_macros.h"
#include "controllers/common/owner.h"
#include "controllers/galeracluster/mariadb_sql_link.h"
#include "controllers/galeracluster/node_admin.h"
#include "controllers/galeracluster/render.h"
#include "docker/curl_docker_client.h"
#include "resources/galeracluster.h"
#include "tests/e2e/e2e_support.h"
#include "tests/testing/docker_env.h"

namespace nxt::bench {
namespace {

constexpr char kPassword[] = "bench-health-password";

std::string GaleraImage() {
  const char* s = std::getenv("NXT_GALERA_IMAGE");
  return s != nullptr ? s : "nxt/mariadb-galera:10.11";
}

struct Cost {
  double engine = 0;     // seconds of CPU
  double container = 0;  // seconds of CPU
  double caller = 0;     // seconds of CPU
  double wall = 0;       // seconds
};

Cost Now(const std::string& id) {
  return {EngineCpu(), ContainersCpu({id}), ProcessTreeCpu(getpid()),
          absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch())};
}

Cost Minus(const Cost& a, const Cost& b) {
  return {a.engine - b.engine, a.container - b.container, a.caller - b.caller, a.wall - b.wall};
}

// A single bootstrapped node with the health user and its defaults file; its id.
absl::StatusOr<std::string> StartNode(docker::DockerClient& docker,
                                      const resources::ObjectKey& key) {
  NXT_RETURN_IF_ERROR(docker.CreateNetwork(controllers::NetworkName(key.namespace_, key.name),
                                           controllers::OwnerLabels(key, galera::kNetworkRole)));
  resources::GaleraClusterSpec spec;
  spec.image = GaleraImage();
  spec.replicas = 1;
  spec.config = {{"innodb_buffer_pool_size", "64M"}, {"performance_schema", "OFF"}};
  docker::ContainerSpec node = galera::RenderNode(key, spec, 0, galera::NodeMode::kBootstrap, "b");
  node.entrypoint = {"sh", "-c"};
  node.cmd = {absl::StrCat("mariadb-install-db --defaults-file=", galera::kConfigPath,
                           " --skip-test-db >/tmp/install.log 2>&1 && exec mariadbd "
                           "--defaults-file=",
                           galera::kConfigPath, " --wsrep-new-cluster")};
  NXT_RETURN_IF_ERROR(docker.CreateVolume(galera::DataVolume(key, 0),
                                          controllers::OwnerLabels(key, galera::kVolumeRole, 0)));
  NXT_ASSIGN_OR_RETURN(std::string id, docker.CreateContainer(node));
  NXT_RETURN_IF_ERROR(
      docker.PutFile(id, galera::kConfigPath, galera::RenderMyCnf(key, spec, 0), 0644));
  NXT_RETURN_IF_ERROR(
      docker.PutFile(id, galera::kHealthConfigPath, galera::RenderHealthCnf(kPassword), 0600));
  NXT_RETURN_IF_ERROR(docker.StartContainer(id));
  const std::string sql =
      absl::StrCat("CREATE USER IF NOT EXISTS '", galera::kHealthUser, "'@'%' IDENTIFIED BY '",
                   kPassword, "'; CREATE USER IF NOT EXISTS '", galera::kHealthUser,
                   "'@'localhost' IDENTIFIED BY '", kPassword, "';");
  std::string last;
  if (!e2e::WaitFor(
          [&] {
            absl::StatusOr<docker::ExecResult> r = docker.Exec(
                id, {"mariadb", "--protocol=socket", "-uroot", "-N", "-B"}, absl::Seconds(30), sql);
            last = r.ok() ? r->stderr_text : std::string(r.status().message());
            return r.ok() && r->exit_code == 0;
          },
          absl::Minutes(3), absl::Milliseconds(200))) {
    return absl::DeadlineExceededError(absl::StrCat("the node never took the user: ", last));
  }
  return id;
}

int Main(int argc, char** argv) {
  int probes = 100;
  int rounds = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--probes") == 0) probes = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::atoi(argv[i + 1]);
  }
  docker::CurlDockerClient::Options options;
  options.socket_path = testing::DockerSocketPath();
  docker::CurlDockerClient docker(options);
  NamespaceGuard guard(docker, e2e::UniqueName("bench-galera-probe"));
  const resources::ObjectKey key{resources::kGaleraClusterKind, guard.ns(), e2e::UniqueName("db")};
  absl::StatusOr<std::string> id = StartNode(docker, key);
  if (!id.ok()) {
    std::fprintf(stderr, "%s\n", id.status().ToString().c_str());
    return 1;
  }
  const std::string node = galera::NodeName(key, 0);
  galera::NodeAdmin::Options by_exec;
  galera::NodeAdmin::Options native = by_exec;
  native.link = std::make_shared<galera::MariadbSqlLink>(docker);
  galera::NodeAdmin exec_admin(docker, by_exec);
  galera::NodeAdmin native_admin(docker, native);
  const galera::NodeAdmin::ProbeAuth auth{false, controllers::NetworkName(key.namespace_, key.name),
                                          kPassword};

  // N probes; false when one failed.
  auto run = [&](galera::NodeAdmin& admin) {
    for (int i = 0; i < probes; ++i) {
      absl::StatusOr<galera::WsrepStatus> w = admin.Probe(node, auth);
      if (!w.ok() || !w->Ready()) {
        std::fprintf(stderr, "probe: %s\n",
                     w.ok() ? "not Primary/Synced" : w.status().ToString().c_str());
        return false;
      }
    }
    return true;
  };
  if (!run(native_admin) || !native_admin.Native()) {
    std::fprintf(stderr, "the native probe does not reach the node\n");
    return 1;
  }
  std::vector<double> e[2], c[2], p[2], w[2];
  for (int round = 0; round < rounds; ++round) {
    // The idle reference: the same wall time as the exec probes, nothing asked.
    for (int m = 0; m < 2; ++m) {
      const bool exec_first = round % 2 == 0;
      const bool use_exec = (m == 0) == exec_first;
      const Cost before = Now(*id);
      if (!run(use_exec ? exec_admin : native_admin)) return 1;
      const Cost used = Minus(Now(*id), before);
      const Cost idle_before = Now(*id);
      absl::SleepFor(absl::Seconds(used.wall));
      const Cost idle = Minus(Now(*id), idle_before);
      const int k = use_exec ? 0 : 1;
      e[k].push_back((used.engine - idle.engine) / probes * 1e3);
      c[k].push_back((used.container - idle.container) / probes * 1e3);
      p[k].push_back(used.caller / probes * 1e3);
      w[k].push_back(used.wall / probes * 1e3);
      std::printf(
          "  round %d %-6s: engine %.2f ms, container %.2f ms, caller %.2f ms, wall %.2f ms "
          "per probe\n",
          round + 1, use_exec ? "exec" : "native", e[k].back(), c[k].back(), p[k].back(),
          w[k].back());
      std::fflush(stdout);
    }
  }
  for (int k = 0; k < 2; ++k) {
    const double total = Median(e[k]) + Median(c[k]) + Median(p[k]);
    std::printf(
        "galera probe %-6s (median of %d rounds x %d probes): total CPU %.2f ms (engine %.2f, "
        "container %.2f, caller %.2f), wall %.2f ms\n",
        k == 0 ? "exec" : "native", rounds, probes, total, Median(e[k]), Median(c[k]), Median(p[k]),
        Median(w[k]));
  }
  const double exec_total = Median(e[0]) + Median(c[0]) + Median(p[0]);
  const double native_total = Median(e[1]) + Median(c[1]) + Median(p[1]);
  std::printf("galera probe CPU native / exec: %.3f (load average %s)\n", native_total / exec_total,
              std::string(absl::StripAsciiWhitespace(ReadFileOrEmpty("/proc/loadavg")))
                  .substr(0, 14)
                  .c_str());
  return 0;
}

}  // namespace
}  // namespace nxt::bench

int main(int argc, char** argv) { return nxt::bench::Main(argc, argv); }
