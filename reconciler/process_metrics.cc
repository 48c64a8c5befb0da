#include "reconciler/process_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <exception>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace nxt::reconciler {
namespace {

struct ProcStat {
  double cpu_seconds = 0;
  double start_ticks = 0;
  double virtual_bytes = 0;
  double resident_bytes = 0;
};

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return std::nullopt;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// /proc/self/stat: "pid (comm) state f4 ... f52". comm may hold spaces and ')', so the
// fields are counted from the last ')'.
std::optional<ProcStat> ReadProcStat() {
  std::optional<std::string> text = ReadFile("/proc/self/stat");
  if (!text) {
    return std::nullopt;
  }
  const size_t close = text->rfind(')');
  if (close == std::string::npos) {
    return std::nullopt;
  }
  std::istringstream fields(text->substr(close + 1));
  std::vector<std::string> f;  // f[0] is field 3 (state)
  for (std::string field; fields >> field;) {
    f.push_back(field);
  }
  if (f.size() < 22) {
    return std::nullopt;
  }
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  ProcStat stat;
  // utime (14), stime (15), starttime (22), vsize (23), rss (24).
  stat.cpu_seconds = (std::stod(f[11]) + std::stod(f[12])) / ticks;
  stat.start_ticks = std::stod(f[19]);
  stat.virtual_bytes = std::stod(f[20]);
  stat.resident_bytes = std::stod(f[21]) * page;
  return stat;
}

std::optional<double> BootTimeSeconds() {
  std::ifstream in("/proc/stat");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("btime ", 0) == 0) {
      return std::stod(line.substr(6));
    }
  }
  return std::nullopt;
}

std::optional<double> OpenFds() {
  std::error_code ec;
  std::filesystem::directory_iterator it("/proc/self/fd", ec);
  if (ec) {
    return std::nullopt;
  }
  double count = 0;
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) {
      return std::nullopt;
    }
    ++count;
  }
  return count;
}

prometheus::MetricFamily Family(const std::string& name, const std::string& help,
                                prometheus::MetricType type, double value) {
  prometheus::MetricFamily family;
  family.name = name;
  family.help = help;
  family.type = type;
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family.metric.push_back(metric);
  return family;
}

}  // namespace

std::vector<prometheus::MetricFamily> ProcessMetrics::Collect() const {
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> out;
  std::optional<ProcStat> stat;
  std::optional<double> boot;
  try {  // std::stod on a malformed /proc file
    stat = ReadProcStat();
    boot = BootTimeSeconds();
  } catch (const std::exception&) {
    stat.reset();
    boot.reset();
  }
  if (stat) {
    out.push_back(Family("process_cpu_seconds_total",
                         "Total user and system CPU time spent in seconds.", MetricType::Counter,
                         stat->cpu_seconds));
    out.push_back(Family("process_resident_memory_bytes", "Resident memory size in bytes.",
                         MetricType::Gauge, stat->resident_bytes));
    out.push_back(Family("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                         MetricType::Gauge, stat->virtual_bytes));
    if (boot) {
      const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
      out.push_back(Family("process_start_time_seconds",
                           "Start time of the process since unix epoch in seconds.",
                           MetricType::Gauge, *boot + stat->start_ticks / ticks));
    }
  }
  if (std::optional<double> fds = OpenFds()) {
    out.push_back(
        Family("process_open_fds", "Number of open file descriptors.", MetricType::Gauge, *fds));
  }
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    out.push_back(Family("process_max_fds", "Maximum number of open file descriptors.",
                         MetricType::Gauge, static_cast<double>(limit.rlim_cur)));
  }
  return out;
}

}  // namespace nxt::reconciler
