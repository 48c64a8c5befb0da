#include "bench/chaos/chaos_support.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <fstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"

namespace nxt::bench::chaos {

std::atomic<bool> g_stop{false};

namespace {
void OnStopSignal(int) { g_stop.store(true); }
}  // namespace

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

absl::StatusOr<std::unique_ptr<AckLog>> AckLog::Open(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "a");
  if (file == nullptr) {
    return absl::UnavailableError(absl::StrCat("cannot append to ", path));
  }
  return std::unique_ptr<AckLog>(new AckLog(file));
}

AckLog::~AckLog() { std::fclose(file_); }

void AckLog::Append(const std::string& id, int64_t start_ms, int64_t ack_ms, int slot) {
  absl::MutexLock lock(&mu_);
  std::fprintf(file_, "%s %lld %lld %d\n", id.c_str(), static_cast<long long>(start_ms),
               static_cast<long long>(ack_ms), slot);
  std::fflush(file_);
  ++count_;
}

int64_t AckLog::count() const {
  absl::MutexLock lock(&mu_);
  return count_;
}

absl::StatusOr<std::vector<std::string>> ReadAckedIds(const std::vector<std::string>& paths) {
  std::vector<std::string> ids;
  for (const std::string& path : paths) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      std::vector<std::string> cols = absl::StrSplit(line, ' ', absl::SkipEmpty());
      if (cols.size() == 4) {  // fewer: the line a killed writer left half-written
        ids.push_back(cols[0]);
      }
    }
    if (in.bad()) {
      return absl::UnavailableError(absl::StrCat("cannot read ", path));
    }
  }
  return ids;
}

absl::StatusOr<std::string> NodeAddress(docker::DockerClient& docker, const std::string& name) {
  NXT_ASSIGN_OR_RETURN(docker::ContainerInfo info, docker.InspectContainer(name));
  if (!info.running) {
    return absl::UnavailableError(absl::StrCat(name, " is not running"));
  }
  for (const auto& [network, ip] : info.network_ips) {
    if (!ip.empty()) {
      return ip;
    }
  }
  return absl::UnavailableError(absl::StrCat(name, " has no address"));
}

void InstallStopHandler() {
  std::signal(SIGTERM, OnStopSignal);
  std::signal(SIGINT, OnStopSignal);
}

bool SleepUnlessStopped(int64_t ms) {
  const int64_t until = NowMs() + ms;
  while (NowMs() < until) {
    if (g_stop.load()) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min<int64_t>(20, until - NowMs())));
  }
  return !g_stop.load();
}

absl::StatusOr<std::map<std::string, std::string>> ParseArgs(int argc, char** argv, int first) {
  std::map<std::string, std::string> out;
  for (int i = first; i < argc; i += 2) {
    const std::string key = argv[i];
    if (!absl::StartsWith(key, "--") || i + 1 >= argc) {
      return absl::InvalidArgumentError(absl::StrCat("expected --key value, got '", key, "'"));
    }
    out[key.substr(2)] = argv[i + 1];
  }
  return out;
}

absl::StatusOr<std::string> Arg(const std::map<std::string, std::string>& args,
                                const std::string& key, const char* fallback) {
  auto it = args.find(key);
  if (it != args.end()) {
    return it->second;
  }
  if (fallback == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("missing --", key));
  }
  return std::string(fallback);
}

absl::StatusOr<std::string> ReadFirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) {
    return absl::UnavailableError(absl::StrCat("cannot read ", path));
  }
  return line;
}

}  // namespace nxt::bench::chaos
