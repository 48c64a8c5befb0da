// bench_redis_probe: what one RedisCluster status probe (CLUSTER INFO + CLUSTER NODES of
// one node, what nxtd asks every node each round) costs the machine, read two ways from
// the same node in the same run:
//   exec:   `docker exec <node> timeout 5 redis-cli --askpass ...` (RedisAdmin without a
//           link; nxtd's probe until this bench);
//   native: Redis's protocol from this process to the node's bridge address (RedisAdmin
//           with HiredisNodeLink: connect, AUTH + identity check, the two commands).
// Per probe: the engine's CPU (dockerd, containerd and every containerd-shim, including
// the runc processes they reaped), the container's own CPU (cgroup: redis-server, and
// redis-cli for exec), this process's CPU (the caller: nxtd's side) and the wall time.
// The methods alternate over several rounds; an idle window of the same length measures
// what the engine spends without probes, and is subtracted. Medians over the rounds.
//
//   bench_redis_probe [--probes N] [--rounds R]      (default 200, 3)
#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/bench_util.h"
#include "common/status_macros.h"
#include "controllers/common/owner.h"
#include "controllers/rediscluster/admin.h"
#include "controllers/rediscluster/hiredis_node_link.h"
#include "controllers/rediscluster/render.h"
#include "docker/curl_docker_client.h"
#include "resources/rediscluster.h"
#include "tests/e2e/e2e_support.h"
#include "tests/testing/docker_env.h"

namespace nxt::bench {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// utime + stime + cutime + cstime of `pid` in seconds (0 when unreadable).
double CpuWithChildren(pid_t pid) {
  const std::string stat = ReadAll(absl::StrCat("/proc/", pid, "/stat"));
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return 0;
  std::istringstream fields(stat.substr(paren + 2));
  std::vector<std::string> f;
  for (std::string x; fields >> x;) f.push_back(x);
  if (f.size() < 15) return 0;  // f[0] is field 3 (state); utime is field 14
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  return (std::stod(f[11]) + std::stod(f[12]) + std::stod(f[13]) + std::stod(f[14])) / ticks;
}

// dockerd, containerd and the shims, with the children they reaped (runc), in seconds.
double EngineCpu() {
  double total = 0;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return 0;
  while (dirent* e = readdir(proc)) {
    const pid_t pid = std::atoi(e->d_name);
    if (pid <= 0) continue;
    const std::string comm = ReadAll(absl::StrCat("/proc/", pid, "/comm"));
    if (absl::StartsWith(comm, "dockerd") || absl::StartsWith(comm, "containerd")) {
      total += CpuWithChildren(pid);
    }
  }
  closedir(proc);
  return total;
}

// The container's cgroup CPU in seconds (cgroup v1 cgroupfs or systemd, or v2).
double ContainerCpu(const std::string& id) {
  for (const std::string& path :
       {absl::StrCat("/sys/fs/cgroup/cpuacct/docker/", id, "/cpuacct.usage"),
        absl::StrCat("/sys/fs/cgroup/cpuacct/system.slice/docker-", id, ".scope/cpuacct.usage")}) {
    const std::string text = ReadAll(path);
    if (!text.empty()) return std::stod(text) / 1e9;
  }
  for (const std::string& path :
       {absl::StrCat("/sys/fs/cgroup/system.slice/docker-", id, ".scope/cpu.stat"),
        absl::StrCat("/sys/fs/cgroup/docker/", id, "/cpu.stat")}) {
    const std::string text = ReadAll(path);
    if (absl::StartsWith(text, "usage_usec ")) return std::stod(text.substr(11)) / 1e6;
  }
  return 0;
}

double SelfCpu() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct Window {
  double engine = 0, container = 0, self = 0, wall = 0;  // seconds
};

Window Measure(const std::string& id, const std::function<void()>& work) {
  const double e0 = EngineCpu(), c0 = ContainerCpu(id), s0 = SelfCpu();
  const absl::Time t0 = absl::Now();
  work();
  Window w;
  w.wall = absl::ToDoubleSeconds(absl::Now() - t0);
  w.engine = EngineCpu() - e0;
  w.container = ContainerCpu(id) - c0;
  w.self = SelfCpu() - s0;
  return w;
}

struct PerProbe {
  std::vector<double> engine, container, self, wall;  // milliseconds
};

void Print(const char* label, const PerProbe& p) {
  std::printf(
      "  %-6s per probe (median of rounds): engine %.2f ms CPU, container %.2f ms, caller "
      "%.2f ms, total %.2f ms CPU; wall %.2f ms\n",
      label, Median(p.engine), Median(p.container), Median(p.self),
      Median(p.engine) + Median(p.container) + Median(p.self), Median(p.wall));
}

absl::StatusOr<std::string> StartNode(docker::DockerClient& docker, const resources::ObjectKey& key,
                                      const resources::RedisClusterSpec& spec,
                                      const std::string& password) {
  NXT_RETURN_IF_ERROR(
      docker.CreateNetwork(controllers::NetworkName(key.namespace_, key.name),
                           controllers::OwnerLabels(key, rediscluster::kNetworkRole)));
  NXT_RETURN_IF_ERROR(docker.CreateVolume(
      controllers::VolumeName(key.namespace_, key.name, 0, rediscluster::kVolumePurpose),
      controllers::OwnerLabels(key, rediscluster::kVolumeRole, 0)));
  NXT_ASSIGN_OR_RETURN(std::string id,
                       docker.CreateContainer(rediscluster::RenderNode(key, spec, 0, "probe")));
  NXT_RETURN_IF_ERROR(docker.PutFile(
      id, rediscluster::kConfigPath,
      rediscluster::RedisConf(spec, controllers::ContainerName(key.name, 0), password), 0600));
  NXT_RETURN_IF_ERROR(docker.StartContainer(id));
  return id;
}

int Main(int argc, char** argv) {
  int probes = 200, rounds = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--probes") == 0) probes = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::atoi(argv[i + 1]);
  }
  auto docker = e2e::NewDockerClient(nxt::testing::DockerSocketPath());
  NamespaceGuard guard(*docker, e2e::UniqueName("bench-probe"));
  const resources::ObjectKey key{resources::kRedisClusterKind, guard.ns(), e2e::UniqueName("pr")};
  resources::RedisClusterSpec spec;
  const char* image = std::getenv("NXT_REDIS_IMAGE");
  spec.image = image != nullptr ? image : "nxt/redis:7";
  const std::string password = "bench-probe-password-0123456789";
  absl::StatusOr<std::string> id = StartNode(*docker, key, spec, password);
  if (!id.ok()) {
    std::fprintf(stderr, "start the node: %s\n", id.status().ToString().c_str());
    return 1;
  }
  const std::string node = controllers::ContainerName(key.name, 0);
  rediscluster::HiredisNodeLink link(*docker);
  rediscluster::RedisAdmin exec(*docker, password, {});
  rediscluster::RedisAdmin native(*docker, password, {}, &link,
                                  controllers::NetworkName(key.namespace_, key.name));
  if (!e2e::WaitFor([&] { return native.Query(node).ok() && exec.Query(node).ok(); },
                    absl::Seconds(60), absl::Milliseconds(50))) {
    std::fprintf(stderr, "%s never answered\n", node.c_str());
    return 1;
  }
  std::printf(
      "bench_redis_probe: %s, CLUSTER INFO + CLUSTER NODES of one node, %d probes x %d "
      "rounds each way (load average %s)\n",
      spec.image.c_str(), probes, rounds, ReadAll("/proc/loadavg").substr(0, 14).c_str());
  int failures = 0;
  auto run = [&](rediscluster::RedisAdmin& admin) {
    return [&] {
      for (int i = 0; i < probes; ++i) failures += admin.Query(node).ok() ? 0 : 1;
    };
  };
  PerProbe per_exec, per_native;
  auto add = [&](PerProbe& p, const Window& w, const Window& idle) {
    const double scale = 1000.0 / probes;
    const double idle_engine = idle.wall > 0 ? idle.engine * w.wall / idle.wall : 0;
    const double idle_container = idle.wall > 0 ? idle.container * w.wall / idle.wall : 0;
    p.engine.push_back((w.engine - idle_engine) * scale);
    p.container.push_back((w.container - idle_container) * scale);
    p.self.push_back(w.self * scale);
    p.wall.push_back(w.wall * scale);
  };
  for (int r = 0; r < rounds; ++r) {
    const bool exec_first = r % 2 == 0;
    Window a = Measure(*id, run(exec_first ? exec : native));
    Window b = Measure(*id, run(exec_first ? native : exec));
    const Window& we = exec_first ? a : b;
    const Window& wn = exec_first ? b : a;
    Window idle = Measure(*id, [&] { absl::SleepFor(absl::Seconds(std::max(we.wall, 2.0))); });
    add(per_exec, we, idle);
    add(per_native, wn, idle);
    std::printf(
        "  round %d: exec engine %.1f ms, container %.1f ms, caller %.1f ms, wall %.1f ms; "
        "native engine %.1f ms, container %.1f ms, caller %.1f ms, wall %.1f ms (per probe; "
        "idle engine %.2f %% of a core)\n",
        r + 1, per_exec.engine.back(), per_exec.container.back(), per_exec.self.back(),
        per_exec.wall.back(), per_native.engine.back(), per_native.container.back(),
        per_native.self.back(), per_native.wall.back(), 100 * idle.engine / idle.wall);
    std::fflush(stdout);
  }
  Print("exec", per_exec);
  Print("native", per_native);
  const double exec_total =
      Median(per_exec.engine) + Median(per_exec.container) + Median(per_exec.self);
  const double native_total =
      Median(per_native.engine) + Median(per_native.container) + Median(per_native.self);
  std::printf(
      "redis probe: exec %.2f ms CPU (engine %.2f) and %.2f ms wall; native %.2f ms CPU "
      "(engine %.2f) and %.2f ms wall; exec / native %.1fx CPU, %.1fx wall; %d failed\n",
      exec_total, Median(per_exec.engine), Median(per_exec.wall), native_total,
      Median(per_native.engine), Median(per_native.wall),
      native_total > 0 ? exec_total / native_total : 0,
      Median(per_native.wall) > 0 ? Median(per_exec.wall) / Median(per_native.wall) : 0, failures);
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace nxt::bench

int main(int argc, char** argv) { return nxt::bench::Main(argc, argv); }
