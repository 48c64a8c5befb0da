// bench_netpool: 300 ContainerSets of 1 replica, each on its own network, from empty, on
// the engine's default address pools (which hold about 31 networks: nxtd gives each
// network a /26 of its own pool). Against the engine itself doing the same Docker work in
// the same run: per set, a network with a subnet from the same pool, then container
// create + start, on as many threads as nxtd has ContainerSet workers.
//
//   bench_netpool [--sets N] [--workers W] [--rounds R]
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/bench_util.h"
#include "common/status_macros.h"
#include "controllers/common/network_pool.h"
#include "controllers/common/owner.h"
#include "controllers/containerset/render.h"
#include "docker/curl_docker_client.h"
#include "resources/containerset.h"
#include "tests/e2e/e2e_support.h"
#include "tests/e2e/nxtd_process.h"
#include "tests/testing/docker_env.h"

namespace nxt::bench {
namespace {

constexpr absl::Duration kPoll = absl::Milliseconds(100);

int RunningCount(docker::DockerClient& docker, const std::string& ns) {
  auto list = docker.ListContainers({{docker::kLabelNamespace, ns}});
  if (!list.ok()) return -1;
  int n = 0;
  for (const auto& c : *list) n += c.state == "running" ? 1 : 0;
  return n;
}

// Seconds from `start` until `n` containers of `ns` run (the same observer both sides).
absl::StatusOr<double> TimeUntilRunning(docker::DockerClient& docker, const std::string& ns, int n,
                                        absl::Time start) {
  // A loaded engine creates a network with hundreds of others in seconds, not milliseconds.
  const absl::Duration limit = std::max(absl::Minutes(10), n * absl::Seconds(6));
  if (!e2e::WaitFor([&] { return RunningCount(docker, ns) == n; }, limit, kPoll)) {
    return absl::DeadlineExceededError(absl::StrCat(n, " containers not running in ",
                                                    absl::FormatDuration(limit), " (",
                                                    RunningCount(docker, ns), " running)"));
  }
  return absl::ToDoubleSeconds(absl::Now() - start);
}

// One /26 per set from the auto pool, clear of the host's routes and the engine's
// networks (chosen before the clock starts, as nxtd's records would be).
absl::StatusOr<std::vector<std::string>> Subnets(docker::DockerClient& docker, int sets) {
  controllers::NetworkPoolOptions options;
  NXT_ASSIGN_OR_RETURN(options.ranges, controllers::ParseNetworkPool("auto", 26));
  NXT_ASSIGN_OR_RETURN(std::unique_ptr<controllers::NetworkPool> pool,
                       controllers::NetworkPool::Open(options));
  NXT_ASSIGN_OR_RETURN(std::vector<docker::NetworkInfo> engine, docker.ListNetworks({}));
  std::vector<std::string> out;
  for (int i = 0; i < sets; ++i) {
    NXT_ASSIGN_OR_RETURN(Ipv4Prefix block, pool->Allocate(absl::StrCat("ref-", i), engine));
    out.push_back(block.ToString());
  }
  return out;
}

// The engine alone: per set, network (given subnet) + create + start, `workers` threads.
absl::StatusOr<double> ReferenceRound(docker::DockerClient& docker, int sets, int workers) {
  const std::string ns = e2e::UniqueName("bench-ref");
  NamespaceGuard guard(docker, ns);
  NXT_ASSIGN_OR_RETURN(std::vector<std::string> subnets, Subnets(docker, sets));
  resources::ContainerSetSpec spec;
  spec.image = nxt::testing::TestImage();
  spec.replicas = 1;
  spec.command = {"sh", "-c", e2e::SetManifest{}.command};
  std::vector<resources::ObjectKey> keys;
  std::vector<docker::ContainerSpec> specs;
  const std::string tag = e2e::UniqueName("np").substr(3);  // container names are global
  for (int i = 0; i < sets; ++i) {
    keys.push_back(
        {std::string(resources::kContainerSetKind), ns, absl::StrCat("np", i, "-", tag)});
    NXT_ASSIGN_OR_RETURN(docker::ContainerSpec s, containerset::Render(keys.back(), spec, 0, {}));
    specs.push_back(std::move(s));
  }
  const absl::Time start = absl::Now();
  std::atomic<int> next{0};
  std::atomic<int> failures{0};
  auto worker = [&] {
    for (int i = next++; i < sets; i = next++) {
      const auto& key = keys[static_cast<size_t>(i)];
      absl::Status net =
          docker.CreateNetwork(controllers::NetworkName(ns, key.name),
                               controllers::OwnerLabels(key, containerset::kNetworkRole),
                               subnets[static_cast<size_t>(i)]);
      auto id = net.ok() ? docker.CreateContainer(specs[static_cast<size_t>(i)])
                         : absl::StatusOr<std::string>(net);
      if (!id.ok() || !docker.StartContainer(*id).ok()) ++failures;
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < workers; ++t) threads.emplace_back(worker);
  absl::StatusOr<double> took = TimeUntilRunning(docker, ns, sets, start);
  for (auto& t : threads) t.join();
  if (failures > 0) return absl::InternalError(absl::StrCat(failures.load(), " sets failed"));
  return took;
}

// nxtd: `sets` manifests written → `sets` containers running.
absl::StatusOr<double> NxtdRound(docker::DockerClient& docker, int sets, int workers) {
  const std::string ns = e2e::UniqueName("bench-nxtd");
  const std::string tag = e2e::UniqueName("np").substr(3);
  NamespaceGuard guard(docker, ns);
  e2e::NxtdOptions options;
  options.workers = workers;
  e2e::NxtdProcess nxtd(options);  // killed before the clean-up
  NXT_RETURN_IF_ERROR(nxtd.Start());
  const absl::Time start = absl::Now();
  for (int i = 0; i < sets; ++i) {
    const std::string name = absl::StrCat("np", i, "-", tag);
    nxtd.WriteManifest(name + ".yaml", e2e::SetManifest(ns, name, 1).Yaml());
  }
  absl::StatusOr<double> took = TimeUntilRunning(docker, ns, sets, start);
  if (!took.ok()) {
    const std::string log = nxtd.ReadLog();
    return absl::DeadlineExceededError(
        absl::StrCat("nxtd did not converge; log tail:\n",
                     log.substr(log.size() > 4000 ? log.size() - 4000 : 0)));
  }
  nxtd.Kill();
  return took;
}

int Main(int argc, char** argv) {
  int sets = 300;
  int workers = 2;  // nxtd's default --workers
  int rounds = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--sets") == 0) sets = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--workers") == 0) workers = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::atoi(argv[i + 1]);
  }
  std::unique_ptr<docker::CurlDockerClient> client =
      e2e::NewDockerClient(nxt::testing::DockerSocketPath());
  docker::DockerClient& docker = *client;
  std::printf(
      "bench_netpool: %d ContainerSets x 1 replica of %s, one network each (/26 of the auto "
      "pool), %d workers, %d rounds\n",
      sets, nxt::testing::TestImage().c_str(), workers, rounds);
  std::fflush(stdout);
  std::vector<double> engine_times, nxtd_times;
  absl::Status s = RunAlternatingRounds(
      rounds, [&] { return ReferenceRound(docker, sets, workers); },
      [&] { return NxtdRound(docker, sets, workers); }, engine_times, nxtd_times);
  if (!s.ok()) {
    std::fprintf(stderr, "bench_netpool: %s\n", s.ToString().c_str());
    return 1;
  }
  const double engine = Median(engine_times);
  const double nxtd = Median(nxtd_times);
  std::printf(
      "netpool %d sets: engine (network + create + start each) median %s, nxtd median %s, "
      "ratio nxtd/engine %.3f\n",
      sets, Seconds(engine).c_str(), Seconds(nxtd).c_str(), nxtd / engine);
  return 0;
}

}  // namespace
}  // namespace nxt::bench

int main(int argc, char** argv) { return nxt::bench::Main(argc, argv); }
