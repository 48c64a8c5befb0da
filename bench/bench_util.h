// What the benchmarks share: statistics, Prometheus text parsing, /proc readings of a
// process, and a guard that removes a namespace's Docker objects on every exit path.
#ifndef NXT_BENCH_BENCH_UTIL_H_
#define NXT_BENCH_BENCH_UTIL_H_

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "docker/docker_client.h"

namespace nxt::bench {

// Linear-interpolated percentile (p in [0, 100]) of `values`; 0 when empty.
double Percentile(std::vector<double> values, double p);
inline double Median(std::vector<double> values) { return Percentile(std::move(values), 50); }

// Sum of the samples of `metric` (exact name) whose label set contains every string
// in `label_parts` (e.g. "endpoint=\"/containers/json\"").
double SumSamples(const std::string& metrics_text, const std::string& metric,
                  const std::vector<std::string>& label_parts = {});

// VmRSS of `pid` in bytes (0 when unreadable).
int64_t ResidentBytes(pid_t pid);
// utime + stime of `pid` (0 when unreadable).
absl::Duration CpuTime(pid_t pid);

// The whole file, or "" when it cannot be read.
std::string ReadFileOrEmpty(const std::string& path);
// utime + stime + cutime + cstime of `pid` in seconds: its own CPU and that of the
// children it reaped (0 when unreadable).
double ProcessTreeCpu(pid_t pid);
// The engine's CPU in seconds: dockerd, containerd and every containerd-shim, with the
// processes they reaped (a `docker exec` runs a `runc` under the shim).
double EngineCpu();
// The containers' own CPU in seconds (cgroup v1 cpuacct or v2 cpu.stat, cgroupfs or
// systemd driver).
double ContainersCpu(const std::vector<std::string>& ids);

// Removes every container, network and volume labelled io.nxt.namespace=<ns> when it
// goes out of scope (and on Cleanup()).
class NamespaceGuard {
 public:
  NamespaceGuard(docker::DockerClient& docker, std::string ns)
      : docker_(docker), ns_(std::move(ns)) {}
  ~NamespaceGuard() { Cleanup(); }
  NamespaceGuard(const NamespaceGuard&) = delete;
  NamespaceGuard& operator=(const NamespaceGuard&) = delete;
  void Cleanup();
  const std::string& ns() const { return ns_; }

 private:
  docker::DockerClient& docker_;
  const std::string ns_;
};

// Runs `rounds` rounds of `engine` (the engine-alone reference) and `nxtd`, alternating
// which goes first so neither always meets a freshly cleaned engine; prints each round
// ("  round 1: engine 1.234 s, nxtd 1.456 s, ratio 1.180") and appends the times. Stops
// at the first failing side with its status.
absl::Status RunAlternatingRounds(int rounds, const std::function<absl::StatusOr<double>()>& engine,
                                  const std::function<absl::StatusOr<double>()>& nxtd,
                                  std::vector<double>& engine_times,
                                  std::vector<double>& nxtd_times);

// "12.345 s" / "0.412 s".
std::string Seconds(double s);

}  // namespace nxt::bench

#endif  // NXT_BENCH_BENCH_UTIL_H_
