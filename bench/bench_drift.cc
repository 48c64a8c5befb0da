// bench_drift: with a converged ContainerSet, `docker rm -f` of one replica (through the
// API) → time until a replacement of the same name is running. 20 trials.
//
//   bench_drift [--trials N] [--replicas R]
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/bench_util.h"
#include "controllers/common/owner.h"
#include "controllers/containerset/render.h"
#include "docker/curl_docker_client.h"
#include "resources/containerset.h"
#include "tests/e2e/e2e_support.h"
#include "tests/e2e/nxtd_process.h"
#include "tests/testing/docker_env.h"

namespace nxt::bench {
namespace {

bool AllRunning(docker::DockerClient& docker, const std::string& ns, const std::string& set,
                int replicas) {
  auto members = e2e::SetMembers(docker, ns, set);
  if (!members.ok() || static_cast<int>(members->size()) != replicas) return false;
  for (const auto& [name, c] : *members) {
    if (c.state != "running") return false;
  }
  return true;
}

// One trial: remove `name`, then poll (inspect, every 5 ms) until a container of that
// name with another id runs. Seconds from the removal's answer.
absl::StatusOr<double> Trial(docker::DockerClient& docker, const std::string& name) {
  auto before = docker.InspectContainer(name);
  if (!before.ok()) return before.status();
  if (absl::Status s = docker.RemoveContainer(name, /*force=*/true); !s.ok()) return s;
  const absl::Time start = absl::Now();
  bool back = e2e::WaitFor(
      [&] {
        auto now = docker.InspectContainer(name);
        return now.ok() && now->id != before->id && now->running;
      },
      absl::Seconds(30), absl::Milliseconds(5));
  if (!back) return absl::DeadlineExceededError(absl::StrCat(name, " was not replaced in 30 s"));
  return absl::ToDoubleSeconds(absl::Now() - start);
}

// The floor: the engine creating and starting one container of the same spec (what any
// repair must do at least). Seconds.
absl::StatusOr<double> ReferenceTrial(docker::DockerClient& docker, const std::string& ns,
                                      const std::string& set, int ordinal) {
  const resources::ObjectKey key{std::string(resources::kContainerSetKind), ns, set};
  resources::ContainerSetSpec spec;
  spec.image = nxt::testing::TestImage();
  spec.command = {"sh", "-c", e2e::SetManifest().command};
  absl::StatusOr<docker::ContainerSpec> rendered = containerset::Render(key, spec, ordinal, {});
  if (!rendered.ok()) return rendered.status();
  const absl::Time start = absl::Now();
  absl::StatusOr<std::string> id = docker.CreateContainer(*rendered);
  if (!id.ok()) return id.status();
  if (absl::Status s = docker.StartContainer(*id); !s.ok()) return s;
  const double took = absl::ToDoubleSeconds(absl::Now() - start);
  if (absl::Status s = docker.RemoveContainer(*id, /*force=*/true); !s.ok()) return s;
  return took;
}

int Main(int argc, char** argv) {
  int trials = 20;
  int replicas = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--trials") == 0) trials = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--replicas") == 0) replicas = std::atoi(argv[i + 1]);
  }
  std::unique_ptr<docker::CurlDockerClient> client =
      e2e::NewDockerClient(nxt::testing::DockerSocketPath());
  docker::DockerClient& docker = *client;
  const std::string ns = e2e::UniqueName("bench-drift");
  const std::string set = e2e::UniqueName("drift");  // container names are global
  NamespaceGuard guard(docker, ns);
  e2e::NxtdProcess nxtd;  // destroyed (killed) before the guard cleans up
  if (absl::Status s = nxtd.Start(); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  }
  nxtd.WriteManifest("drift.yaml", e2e::SetManifest(ns, set, replicas).Yaml());
  if (!e2e::WaitFor([&] { return AllRunning(docker, ns, set, replicas); }, absl::Minutes(2))) {
    std::fprintf(stderr, "did not converge\n%s\n", nxtd.ReadLog().c_str());
    return 1;
  }
  std::printf("bench_drift: %d trials of docker rm -f on a converged set of %d\n", trials,
              replicas);
  std::vector<double> times;
  for (int t = 0; t < trials; ++t) {
    if (!e2e::WaitFor([&] { return AllRunning(docker, ns, set, replicas); }, absl::Seconds(30))) {
      std::fprintf(stderr, "set did not settle before trial %d\n", t + 1);
      return 1;
    }
    const std::string name = absl::StrCat(set, "-", t % replicas);
    absl::StatusOr<double> took = Trial(docker, name);
    if (!took.ok()) {
      std::fprintf(stderr, "trial %d: %s\n", t + 1, took.status().ToString().c_str());
      return 1;
    }
    times.push_back(*took);
    std::printf("  trial %2d (%s): %s\n", t + 1, name.c_str(), Seconds(*took).c_str());
    std::fflush(stdout);
  }
  nxtd.Kill();
  // Reference: the same number of bare create + start calls, on a network of their own.
  const std::string ref_ns = e2e::UniqueName("bench-drift-ref");
  NamespaceGuard ref_guard(docker, ref_ns);
  const std::string ref_set = e2e::UniqueName("ref");
  const resources::ObjectKey ref_key{std::string(resources::kContainerSetKind), ref_ns, ref_set};
  if (absl::Status s =
          docker.CreateNetwork(controllers::NetworkName(ref_ns, ref_set),
                               controllers::OwnerLabels(ref_key, containerset::kNetworkRole));
      !s.ok()) {
    std::fprintf(stderr, "reference network: %s\n", s.ToString().c_str());
    return 1;
  }
  std::vector<double> reference;
  for (int t = 0; t < trials; ++t) {
    absl::StatusOr<double> took = ReferenceTrial(docker, ref_ns, ref_set, t % replicas);
    if (!took.ok()) {
      std::fprintf(stderr, "reference trial %d: %s\n", t + 1, took.status().ToString().c_str());
      return 1;
    }
    reference.push_back(*took);
  }
  std::printf(
      "drift repair over %d trials: median %s (target <= 0.5 s), p95 %s (target <= 1 s), "
      "max %s; engine create+start alone: median %s, ratio of medians %.2f\n",
      trials, Seconds(Median(times)).c_str(), Seconds(Percentile(times, 95)).c_str(),
      Seconds(Percentile(times, 100)).c_str(), Seconds(Median(reference)).c_str(),
      Median(times) / Median(reference));
  return 0;
}

}  // namespace
}  // namespace nxt::bench

int main(int argc, char** argv) { return nxt::bench::Main(argc, argv); }
