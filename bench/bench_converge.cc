// bench_converge: a ContainerSet of 50 replicas from empty, nxtd against two references
// measured in the same run, 3 rounds, the order of the sides rotating each round:
//   engine:  the engine itself doing the same 50 creates + starts (same rendered container
//            specs, same network, same parallelism as the controller);
//   compose: Debian's docker-compose (1.29) bringing up the same 50 containers from a
//            compose file (one service, same image and command, `up -d --scale web=50`,
//            its own project network); skipped, and said so, when it is not installed.
// Each side is timed from its start (manifest written / first call / `docker-compose up`)
// until the 50 containers run, by the same list poll.
//
//   bench_converge [--replicas N] [--rounds R]
#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/bench_util.h"
#include "controllers/common/owner.h"
#include "controllers/containerset/containerset_reconciler.h"
#include "controllers/containerset/render.h"
#include "docker/curl_docker_client.h"
#include "resources/containerset.h"
#include "tests/e2e/e2e_support.h"
#include "tests/e2e/nxtd_process.h"
#include "tests/e2e/subprocess.h"
#include "tests/testing/docker_env.h"

namespace nxt::bench {
namespace {

int RunningCount(docker::DockerClient& docker, const std::string& ns) {
  auto list = docker.ListContainers({{docker::kLabelNamespace, ns}});
  if (!list.ok()) return -1;
  int n = 0;
  for (const auto& c : *list) n += c.state == "running" ? 1 : 0;
  return n;
}

// Seconds from `start` until `n` containers of `ns` run, polling the list every 20 ms (the
// same observer for both sides, so its load on the engine is the same too).
absl::StatusOr<double> TimeUntilRunning(docker::DockerClient& docker, const std::string& ns, int n,
                                        absl::Time start) {
  if (!e2e::WaitFor([&] { return RunningCount(docker, ns) == n; }, absl::Minutes(5),
                    absl::Milliseconds(20))) {
    return absl::DeadlineExceededError(absl::StrCat(n, " containers not running in 5 minutes"));
  }
  return absl::ToDoubleSeconds(absl::Now() - start);
}

// The engine alone: network, then `replicas` × (create + start) on `parallelism` threads.
absl::StatusOr<double> ReferenceRound(docker::DockerClient& docker, int replicas, int parallelism) {
  const std::string ns = e2e::UniqueName("bench-ref");
  const std::string set = e2e::UniqueName("conv");  // container names are global
  NamespaceGuard guard(docker, ns);
  const resources::ObjectKey key{std::string(resources::kContainerSetKind), ns, set};
  resources::ContainerSetSpec spec;
  spec.image = nxt::testing::TestImage();
  spec.replicas = replicas;
  spec.command = {"sh", "-c", e2e::SetManifest{}.command};
  std::vector<docker::ContainerSpec> specs;
  for (int i = 0; i < replicas; ++i) {
    auto s = containerset::Render(key, spec, i, {});
    if (!s.ok()) return s.status();
    specs.push_back(std::move(*s));
  }
  const absl::Time start = absl::Now();
  absl::Status net = docker.CreateNetwork(
      controllers::NetworkName(ns, set), controllers::OwnerLabels(key, containerset::kNetworkRole));
  if (!net.ok()) return net;
  std::atomic<int> next{0};
  std::atomic<int> failures{0};
  auto worker = [&] {
    for (int i = next++; i < replicas; i = next++) {
      auto id = docker.CreateContainer(specs[static_cast<size_t>(i)]);
      if (!id.ok() || !docker.StartContainer(*id).ok()) ++failures;
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < parallelism; ++t) threads.emplace_back(worker);
  absl::StatusOr<double> took = TimeUntilRunning(docker, ns, replicas, start);
  for (auto& t : threads) t.join();
  if (failures > 0) return absl::InternalError(absl::StrCat(failures.load(), " creates failed"));
  return took;
}

// Debian's docker-compose: the same image and command as one service scaled to
// `replicas`, labelled into a namespace of its own so the same poll counts them.
absl::StatusOr<double> ComposeRound(docker::DockerClient& docker, int replicas) {
  const std::string ns = e2e::UniqueName("bench-compose");
  NamespaceGuard guard(docker, ns);
  const std::string dir = absl::StrCat("/tmp/", ns);
  std::filesystem::create_directories(dir);
  const std::string file = dir + "/compose.yaml";
  {
    std::ofstream out(file);
    out << "version: \"3\"\nservices:\n  web:\n    image: " << nxt::testing::TestImage()
        << "\n    command: [\"sh\", \"-c\", \"" << e2e::SetManifest{}.command
        << "\"]\n    labels:\n      " << docker::kLabelNamespace << ": " << ns << "\n";
  }
  const std::vector<std::string> compose = {"docker-compose", "-p", ns, "-f", file};
  auto run = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = compose;
    argv.insert(argv.end(), args.begin(), args.end());
    return e2e::RunCommand(argv, e2e::TimeoutOptions(absl::Minutes(5)));
  };
  const absl::Time start = absl::Now();
  absl::StatusOr<e2e::CommandResult> up =
      run({"up", "-d", "--scale", absl::StrCat("web=", replicas)});
  absl::StatusOr<double> took =
      up.ok() && up->exit_code == 0
          ? TimeUntilRunning(docker, ns, replicas, start)
          : absl::StatusOr<double>(absl::InternalError(absl::StrCat(
                "docker-compose up: ", up.ok() ? up->stderr_text : up.status().ToString())));
  (void)run({"down", "-t", "1"});  // its network too (the guard removes what is labelled)
  std::filesystem::remove_all(dir);
  return took;
}

bool ComposeInstalled() {
  absl::StatusOr<e2e::CommandResult> v = e2e::RunCommand({"docker-compose", "version", "--short"},
                                                         e2e::TimeoutOptions(absl::Seconds(30)));
  return v.ok() && v->exit_code == 0;
}

// nxtd: manifest written → `replicas` containers running (Docker polled every 20 ms).
absl::StatusOr<double> NxtdRound(docker::DockerClient& docker, int replicas) {
  const std::string ns = e2e::UniqueName("bench-nxtd");
  const std::string set = e2e::UniqueName("conv");
  NamespaceGuard guard(docker, ns);
  e2e::NxtdProcess nxtd;  // destroyed (killed) before the guard cleans up
  if (absl::Status s = nxtd.Start(); !s.ok()) return s;
  const absl::Time start = absl::Now();
  nxtd.WriteManifest("conv.yaml", e2e::SetManifest(ns, set, replicas).Yaml());
  absl::StatusOr<double> took = TimeUntilRunning(docker, ns, replicas, start);
  if (!took.ok()) {
    return absl::DeadlineExceededError("nxtd did not converge; log:\n" + nxtd.ReadLog());
  }
  nxtd.Kill();
  return took;
}

int Main(int argc, char** argv) {
  int replicas = 50;
  int rounds = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--replicas") == 0) replicas = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::atoi(argv[i + 1]);
  }
  const int parallelism = containerset::ContainerSetReconciler::Options{}.create_parallelism;
  std::unique_ptr<docker::CurlDockerClient> client =
      e2e::NewDockerClient(nxt::testing::DockerSocketPath());
  docker::DockerClient& docker = *client;
  std::printf("bench_converge: %d replicas of %s from empty, parallelism %d, %d rounds\n", replicas,
              nxt::testing::TestImage().c_str(), parallelism, rounds);
  const bool compose = ComposeInstalled();
  if (!compose) std::printf("  docker-compose is not installed (apt-get install docker-compose)\n");
  std::vector<double> engine_times, nxtd_times, compose_times, ratios, compose_ratios;
  for (int r = 1; r <= rounds; ++r) {
    // Rotate which side goes first, so none always meets a freshly cleaned engine.
    absl::StatusOr<double> engine = absl::UnknownError("not run");
    absl::StatusOr<double> nxtd = absl::UnknownError("not run");
    absl::StatusOr<double> by_compose = absl::UnknownError("not run");
    for (int k = 0; k < 3; ++k) {
      switch ((r + k) % 3) {
        case 0:
          engine = ReferenceRound(docker, replicas, parallelism);
          break;
        case 1:
          nxtd = NxtdRound(docker, replicas);
          break;
        default:
          if (compose) by_compose = ComposeRound(docker, replicas);
      }
    }
    for (const absl::StatusOr<double>* side : {&engine, &nxtd, &by_compose}) {
      if (side->ok() || (side == &by_compose && !compose)) continue;
      std::fprintf(stderr, "round %d failed: %s\n", r, side->status().ToString().c_str());
      return 1;
    }
    engine_times.push_back(*engine);
    nxtd_times.push_back(*nxtd);
    ratios.push_back(*nxtd / *engine);
    std::printf("  round %d: engine %s, nxtd %s, ratio %.3f", r, Seconds(*engine).c_str(),
                Seconds(*nxtd).c_str(), *nxtd / *engine);
    if (compose) {
      compose_times.push_back(*by_compose);
      compose_ratios.push_back(*nxtd / *by_compose);
      std::printf("; docker-compose %s, nxtd/compose %.3f", Seconds(*by_compose).c_str(),
                  *nxtd / *by_compose);
    }
    std::printf("\n");
    std::fflush(stdout);
  }
  const double engine_median = Median(engine_times);
  const double nxtd_median = Median(nxtd_times);
  std::printf(
      "converge %d replicas: engine median %s, nxtd median %s, ratio nxtd/engine %.3f "
      "(median of per-round ratios %.3f; target <= 1.10)\n",
      replicas, Seconds(engine_median).c_str(), Seconds(nxtd_median).c_str(),
      nxtd_median / engine_median, Median(ratios));
  if (compose) {
    std::printf(
        "converge %d replicas vs Compose: docker-compose median %s, nxtd median %s, ratio "
        "nxtd/compose %.3f (median of per-round ratios %.3f; target <= 1.0)\n",
        replicas, Seconds(Median(compose_times)).c_str(), Seconds(nxtd_median).c_str(),
        nxtd_median / Median(compose_times), Median(compose_ratios));
  }
  return 0;
}

}  // namespace
}  // namespace nxt::bench

int main(int argc, char** argv) { return nxt::bench::Main(argc, argv); }
