// bench_idle: nxtd managing 50 converged ContainerSets (1 replica each) for 60 s with
// --resync-period 10s: peak RSS, CPU share of one core, and Docker list calls per resync
// (counted from nxtd's own metrics: nxt_docker_requests_total{endpoint="/containers/json"}
// against controller_runtime_reconcile_total / number of sets = resync rounds).
//
//   bench_idle [--sets N] [--seconds S] [--engine private|main]
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/bench_util.h"
#include "docker/curl_docker_client.h"
#include "tests/e2e/e2e_support.h"
#include "tests/e2e/nxtd_process.h"
#include "tests/e2e/private_dockerd.h"
#include "tests/testing/docker_env.h"

namespace nxt::bench {
namespace {

struct Counters {
  double list_calls = 0;
  double docker_calls = 0;  // every endpoint but the /events stream
  double reconciles = 0;
};

absl::StatusOr<Counters> Scrape(const e2e::NxtdProcess& nxtd, std::string* text = nullptr) {
  absl::StatusOr<e2e::HttpResponse> r = e2e::HttpGet(nxtd.metrics_url("/metrics"));
  if (!r.ok()) return r.status();
  if (text != nullptr) *text = r->body;
  Counters c;
  c.list_calls =
      SumSamples(r->body, "nxt_docker_requests_total", {"endpoint=\"/containers/json\""});
  c.docker_calls = SumSamples(r->body, "nxt_docker_requests_total") -
                   SumSamples(r->body, "nxt_docker_requests_total", {"endpoint=\"/events\""});
  c.reconciles =
      SumSamples(r->body, "controller_runtime_reconcile_total", {"controller=\"containerset\""});
  return c;
}

int Main(int argc, char** argv) {
  int sets = 50;
  int seconds = 60;
  bool private_engine = true;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--sets") == 0) sets = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--seconds") == 0) seconds = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--engine") == 0)
      private_engine = std::strcmp(argv[i + 1], "main") != 0;
  }
  // Every ContainerSet has its own bridge network, and an engine with Docker's default
  // address pools has room for only about 30 of them; so by default the sets live on a
  // private engine with a /16 pool of its own (256 networks). nxtd's figures do not
  // depend on which engine it talks to.
  std::unique_ptr<e2e::PrivateDockerd> engine;
  std::string socket = nxt::testing::DockerSocketPath();
  if (private_engine) {
    engine = std::make_unique<e2e::PrivateDockerd>("10.214.0.0/16");
    absl::Status s = engine->Start();
    if (s.ok()) s = engine->LoadImage(nxt::testing::TestImage());
    if (!s.ok()) {
      std::fprintf(stderr, "private engine: %s\n", s.ToString().c_str());
      return 1;
    }
    socket = engine->socket_path();
  }
  const absl::Duration resync = absl::Seconds(10);
  std::unique_ptr<docker::CurlDockerClient> client = e2e::NewDockerClient(socket);
  docker::DockerClient& docker = *client;
  const std::string ns = e2e::UniqueName("bench-idle");
  NamespaceGuard guard(docker, ns);
  e2e::NxtdOptions options;
  options.resync_period = resync;
  options.docker_socket = socket;
  e2e::NxtdProcess nxtd(options);
  if (absl::Status s = nxtd.Start(); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  }
  for (int i = 0; i < sets; ++i) {
    const std::string name = absl::StrCat(ns, "-", i);  // container names are global
    nxtd.WriteManifest(name + ".yaml", e2e::SetManifest(ns, name, 1).Yaml());
  }
  std::string text;
  bool converged = e2e::WaitFor(
      [&] {
        if (!Scrape(nxtd, &text).ok()) return false;
        return SumSamples(text, "nxt_resource_condition",
                          {"namespace=\"" + ns + "\"", "type=\"Ready\"", "status=\"True\""}) ==
                   sets &&
               SumSamples(text, "workqueue_depth") == 0;
      },
      absl::Minutes(5), absl::Milliseconds(500));
  if (!converged) {
    std::fprintf(stderr, "%d sets did not become Ready; last metrics:\n%s\n", sets, text.c_str());
    return 1;
  }
  std::printf(
      "bench_idle: nxtd with %d converged ContainerSets (1 replica each), "
      "--resync-period=%s, window %d s, on %s engine\n",
      sets, absl::FormatDuration(resync).c_str(), seconds,
      private_engine ? "a private" : "the main");
  const absl::StatusOr<Counters> before = Scrape(nxtd);
  const absl::Duration cpu_before = CpuTime(nxtd.pid());
  const absl::Time start = absl::Now();
  int64_t rss_max = 0;
  while (absl::Now() - start < absl::Seconds(seconds)) {
    rss_max = std::max(rss_max, ResidentBytes(nxtd.pid()));
    absl::SleepFor(absl::Milliseconds(500));
  }
  const absl::Duration cpu = CpuTime(nxtd.pid()) - cpu_before;
  const double window = absl::ToDoubleSeconds(absl::Now() - start);
  const absl::StatusOr<Counters> after = Scrape(nxtd);
  if (!before.ok() || !after.ok()) {
    std::fprintf(stderr, "metrics scrape failed\n");
    return 1;
  }
  const double lists = after->list_calls - before->list_calls;
  const double reconciles = after->reconciles - before->reconciles;
  const double rounds = reconciles / sets;
  const double docker_calls = after->docker_calls - before->docker_calls;
  std::printf("  peak RSS %.1f MB (target <= 20 MB)\n", static_cast<double>(rss_max) / 1048576.0);
  std::printf("  CPU %.3f %% of one core (%.3f s over %.1f s; target <= 0.1 %%)\n",
              100.0 * absl::ToDoubleSeconds(cpu) / window, absl::ToDoubleSeconds(cpu), window);
  std::printf("  reconciles %.0f = %.1f resync rounds of %d sets (expected ~%.1f)\n", reconciles,
              rounds, sets, window / absl::ToDoubleSeconds(resync));
  std::printf("  Docker list calls %.0f, all Docker calls %.0f (events stream excluded)\n", lists,
              docker_calls);
  std::printf(
      "  list calls per resync %.2f (target 1), list calls per reconcile %.4f (1/%d = "
      "%.4f)\n",
      rounds > 0 ? lists / rounds : 0.0, reconciles > 0 ? lists / reconciles : 0.0, sets,
      1.0 / sets);
  nxtd.Kill();
  return 0;
}

}  // namespace
}  // namespace nxt::bench

int main(int argc, char** argv) { return nxt::bench::Main(argc, argv); }
