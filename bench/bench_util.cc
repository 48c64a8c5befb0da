#include "bench/bench_util.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "tests/e2e/e2e_support.h"

namespace nxt::bench {

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const double rank = p / 100.0 * static_cast<double>(values.size() - 1);
  const size_t lo = static_cast<size_t>(rank);
  const size_t hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (values[hi] - values[lo]) * (rank - static_cast<double>(lo));
}

double SumSamples(const std::string& metrics_text, const std::string& metric,
                  const std::vector<std::string>& label_parts) {
  double sum = 0;
  std::istringstream in(metrics_text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t name_end = line.find_first_of("{ ");
    if (name_end == std::string::npos || line.compare(0, name_end, metric) != 0) continue;
    const size_t labels_end = line[name_end] == '{' ? line.find('}', name_end) : name_end;
    if (labels_end == std::string::npos) continue;
    const std::string labels = line.substr(name_end, labels_end - name_end);
    bool match = true;
    for (const std::string& part : label_parts) {
      match = match && labels.find(part) != std::string::npos;
    }
    std::vector<std::string> rest =
        absl::StrSplit(line.substr(labels_end + 1), ' ', absl::SkipEmpty());
    double value = 0;
    if (match && !rest.empty() && absl::SimpleAtod(rest[0], &value)) sum += value;
  }
  return sum;
}

int64_t ResidentBytes(pid_t pid) {
  std::ifstream in(absl::StrFormat("/proc/%d/status", pid));
  std::string line;
  while (std::getline(in, line)) {
    int64_t kb = 0;
    if (std::sscanf(line.c_str(), "VmRSS: %ld kB", &kb) == 1) return kb * 1024;
  }
  return 0;
}

absl::Duration CpuTime(pid_t pid) {
  std::ifstream in(absl::StrFormat("/proc/%d/stat", pid));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields after the command (which may hold spaces) start after the last ')'.
  const size_t paren = text.rfind(')');
  if (paren == std::string::npos) return absl::ZeroDuration();
  std::vector<std::string> fields = absl::StrSplit(text.substr(paren + 2), ' ');
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
  int64_t utime = 0;
  int64_t stime = 0;
  if (fields.size() < 13 || !absl::SimpleAtoi(fields[11], &utime) ||
      !absl::SimpleAtoi(fields[12], &stime)) {
    return absl::ZeroDuration();
  }
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  return absl::Seconds(static_cast<double>(utime + stime) / ticks);
}

void NamespaceGuard::Cleanup() {
  absl::Status s = e2e::CleanupNamespace(docker_, ns_);
  if (!s.ok()) std::fprintf(stderr, "cleanup of %s: %s\n", ns_.c_str(), s.ToString().c_str());
}

std::string Seconds(double s) { return absl::StrFormat("%.3f s", s); }

absl::Status RunAlternatingRounds(int rounds, const std::function<absl::StatusOr<double>()>& engine,
                                  const std::function<absl::StatusOr<double>()>& nxtd,
                                  std::vector<double>& engine_times,
                                  std::vector<double>& nxtd_times) {
  for (int r = 1; r <= rounds; ++r) {
    absl::StatusOr<double> first = r % 2 == 1 ? engine() : nxtd();
    if (!first.ok()) return first.status();
    absl::StatusOr<double> second = r % 2 == 1 ? nxtd() : engine();
    if (!second.ok()) return second.status();
    const double e = r % 2 == 1 ? *first : *second;
    const double n = r % 2 == 1 ? *second : *first;
    engine_times.push_back(e);
    nxtd_times.push_back(n);
    std::printf("  round %d: engine %s, nxtd %s, ratio %.3f\n", r, Seconds(e).c_str(),
                Seconds(n).c_str(), n / e);
    std::fflush(stdout);
  }
  return absl::OkStatus();
}

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// utime + stime + cutime + cstime of `pid` in seconds (0 when unreadable).
double ProcessTreeCpu(pid_t pid) {
  const std::string stat = ReadFileOrEmpty(absl::StrCat("/proc/", pid, "/stat"));
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return 0;
  std::istringstream fields(stat.substr(paren + 2));
  std::vector<std::string> f;
  for (std::string x; fields >> x;) f.push_back(x);
  if (f.size() < 15) return 0;  // f[0] is field 3 (state); utime is field 14
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  return (std::stod(f[11]) + std::stod(f[12]) + std::stod(f[13]) + std::stod(f[14])) / ticks;
}

// Seconds of CPU of every process whose command name starts with one of `names`.
double EngineCpu() {
  double total = 0;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return 0;
  while (dirent* e = readdir(proc)) {
    const pid_t pid = std::atoi(e->d_name);
    if (pid <= 0) continue;
    std::string comm = ReadFileOrEmpty(absl::StrCat("/proc/", pid, "/comm"));
    if (absl::StartsWith(comm, "dockerd") || absl::StartsWith(comm, "containerd")) {
      total += ProcessTreeCpu(pid);
    }
  }
  closedir(proc);
  return total;
}

// cpuacct usage of the containers in seconds (cgroup v1 cgroupfs or systemd, or v2).
double ContainersCpu(const std::vector<std::string>& ids) {
  double total = 0;
  for (const std::string& id : ids) {
    for (const std::string& path :
         {absl::StrCat("/sys/fs/cgroup/cpuacct/docker/", id, "/cpuacct.usage"),
          absl::StrCat("/sys/fs/cgroup/cpuacct/system.slice/docker-", id,
                       ".scope/cpuacct.usage")}) {
      std::string text = ReadFileOrEmpty(path);
      if (!text.empty()) {
        total += std::stod(text) / 1e9;
        break;
      }
    }
    for (const std::string& path :
         {absl::StrCat("/sys/fs/cgroup/system.slice/docker-", id, ".scope/cpu.stat"),
          absl::StrCat("/sys/fs/cgroup/docker/", id, "/cpu.stat")}) {
      std::string text = ReadFileOrEmpty(path);
      if (absl::StartsWith(text, "usage_usec ")) {
        total += std::stod(text.substr(11)) / 1e6;
        break;
      }
    }
  }
  return total;
}

}  // namespace nxt::bench
