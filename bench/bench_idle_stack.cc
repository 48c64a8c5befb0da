// bench_idle_stack: what the machine pays for nxtd watching the quick-start stack at rest.
//
// The quick-start manifests (examples/quickstart, in a namespace of their own) are brought
// to Ready by the real nxtd on the machine's engine; after a settle time, two windows of
// the same length are measured, the first with nxtd running, the second after nxtd has
// exited (SIGTERM; the containers keep running). In each window:
//   - the stack's own CPU: the cpuacct usage of every container of the namespace (the
//     services: mariadbd, redis-server, ...);
//   - the engine's CPU: dockerd, containerd and every containerd-shim, including the
//     children they reaped in the window (a `docker exec` runs a `runc` under the shim,
//     and its CPU is added to the shim's cutime/cstime when it exits);
//   - nxtd's own CPU (utime + stime);
//   - the execs the engine ran in the namespace's containers (exec_create events), per
//     second and per node.
// Printed: both windows side by side and what nxtd adds, as a share of the stack's own
// idle CPU (services + engine with nxtd stopped). Target: ≤ 5 %, and ≤ 0.1 exec/s per node.
// Runs with the quick-start stopped (the containers' names would collide).
//
//   bench_idle_stack [--seconds S] [--settle S]
#include <dirent.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "bench/bench_util.h"
#include "docker/curl_docker_client.h"
#include "tests/e2e/e2e_support.h"
#include "tests/e2e/nxtd_process.h"
#include "tests/e2e/subprocess.h"
#include "tests/testing/docker_env.h"

#ifndef NXT_SOURCE_DIR
#error "NXT_SOURCE_DIR must name the source tree (examples/quickstart)"
#endif

namespace nxt::bench {
namespace {

struct Window {
  double services = 0;  // the containers' own processes
  double engine = 0;    // dockerd + containerd + shims (+ the runc they reaped)
  double nxtd = 0;
  int execs = 0;
  double seconds = 0;
};

// Counts exec_create events of the namespace's containers between `since` and `until`.
int ExecEvents(const std::string& ns, absl::Time since, absl::Time until) {
  absl::StatusOr<e2e::CommandResult> r = e2e::RunCommand(
      {"docker", "events", "--since", absl::StrCat(absl::ToUnixSeconds(since)), "--until",
       absl::StrCat(absl::ToUnixSeconds(until)), "--filter", "event=exec_create", "--filter",
       absl::StrCat("label=io.nxt.namespace=", ns), "--format", "x"},
      e2e::TimeoutOptions(absl::Seconds(30)));
  if (!r.ok() || r->exit_code != 0) return -1;
  int n = 0;
  for (char c : r->stdout_text) n += c == '\n' ? 1 : 0;
  return n;
}

Window Measure(const std::string& ns, const std::vector<std::string>& ids, pid_t nxtd,
               int seconds) {
  Window w;
  const absl::Time start = absl::Now();
  const double services0 = ContainersCpu(ids), engine0 = EngineCpu();
  const double nxtd0 = nxtd > 0 ? ProcessTreeCpu(nxtd) : 0;
  absl::SleepFor(absl::Seconds(seconds));
  w.services = ContainersCpu(ids) - services0;
  w.engine = EngineCpu() - engine0;
  w.nxtd = nxtd > 0 ? ProcessTreeCpu(nxtd) - nxtd0 : 0;
  const absl::Time end = absl::Now();
  w.seconds = absl::ToDoubleSeconds(end - start);
  w.execs = ExecEvents(ns, start, end);
  return w;
}

void Print(const char* label, const Window& w, int nodes) {
  const double pct = 100.0 / w.seconds;  // seconds of CPU → % of one core
  std::printf(
      "  %s: services %.2f %%, engine (dockerd+containerd+shims+runc) %.2f %%, nxtd %.2f %% of "
      "one core; %d execs (%.3f /s, %.4f /s per node)\n",
      label, w.services * pct, w.engine * pct, w.nxtd * pct, w.execs, w.execs / w.seconds,
      w.execs / w.seconds / nodes);
}

int Main(int argc, char** argv) {
  int seconds = 60;
  int settle = 20;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--seconds") == 0) seconds = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--settle") == 0) settle = std::atoi(argv[i + 1]);
  }
  const std::string ns = e2e::UniqueName("bench-idle");
  auto docker = e2e::NewDockerClient(nxt::testing::DockerSocketPath());
  NamespaceGuard guard(*docker, ns);
  e2e::NxtdProcess nxtd;
  // The quick-start manifests, every object moved into the bench's namespace.
  std::vector<std::string> names;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(NXT_SOURCE_DIR) + "/examples/quickstart")) {
    std::string text =
        absl::StrReplaceAll(ReadFileOrEmpty(entry.path().string()),
                            {{"\nmetadata:\n", "\nmetadata:\n  namespace: " + ns + "\n"}});
    std::ofstream(nxtd.manifests_dir() + "/" + entry.path().filename().string()) << text;
  }
  if (absl::Status s = nxtd.Start(); !s.ok()) {
    std::fprintf(stderr, "nxtd: %s\n", s.ToString().c_str());
    return 1;
  }
  std::printf("bench_idle_stack: the quick-start stack (namespace %s), %d s windows\n", ns.c_str(),
              seconds);
  const absl::Time start = absl::Now();
  auto all_ready = [&] {
    absl::StatusOr<e2e::HttpResponse> r = e2e::HttpGet(nxtd.metrics_url("/metrics"));
    if (!r.ok()) return false;
    const std::string ready = "type=\"Ready\"";
    const std::string ns_label = "namespace=\"" + ns + "\"";
    int objects = 0, ready_true = 0;
    std::istringstream lines(r->body);
    for (std::string line; std::getline(lines, line);) {
      if (!absl::StartsWith(line, "nxt_resource_condition{")) continue;
      if (!absl::StrContains(line, ns_label) || !absl::StrContains(line, ready)) continue;
      if (absl::StrContains(line, "status=\"True\"")) {
        ++objects;
        ready_true += absl::EndsWith(line, " 1") ? 1 : 0;
      }
    }
    return objects >= 5 && ready_true == objects;
  };
  if (!e2e::WaitFor(all_ready, absl::Minutes(10), absl::Milliseconds(500))) {
    std::fprintf(stderr, "the stack was not Ready in 10 min; log:\n%s\n", nxtd.ReadLog().c_str());
    return 1;
  }
  std::printf("  stack Ready in %.1f s; settling %d s\n",
              absl::ToDoubleSeconds(absl::Now() - start), settle);
  absl::SleepFor(absl::Seconds(settle));
  absl::StatusOr<e2e::NamespaceObjects> objects = e2e::ListNamespace(*docker, ns);
  if (!objects.ok()) return 1;
  std::vector<std::string> ids;
  for (const auto& c : objects->containers) ids.push_back(c.id);
  const int nodes = static_cast<int>(ids.size());

  const Window with = Measure(ns, ids, nxtd.pid(), seconds);
  if (absl::StatusOr<int> rc = nxtd.Terminate(); !rc.ok()) return 1;
  const Window without = Measure(ns, ids, 0, seconds);
  Print("nxtd running", with, nodes);
  Print("nxtd stopped", without, nodes);
  const double base = (without.services + without.engine) / without.seconds;
  const double added = (with.services + with.engine + with.nxtd) / with.seconds - base;
  std::printf(
      "idle stack, %d containers, %d s: nxt adds %.2f %% of one core to the stack's own %.2f %% "
      "(ratio %.3f, target <= 1.05); execs caused by nxtd %.4f /s per node (target <= 0.1)\n",
      nodes, seconds, added * 100, base * 100, base > 0 ? (base + added) / base : 0,
      (with.execs / with.seconds - without.execs / without.seconds) / nodes);
  return 0;
}

}  // namespace
}  // namespace nxt::bench

int main(int argc, char** argv) { return nxt::bench::Main(argc, argv); }
