#include "tests/e2e/nxtd_process.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/testing/docker_env.h"

#ifndef NXT_NXTD_PATH
#define NXT_NXTD_PATH "nxtd"
#endif
#ifndef NXT_NXTCTL_PATH
#define NXT_NXTCTL_PATH "nxtctl"
#endif

namespace nxt::e2e {
namespace {

std::string EnvOr(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

std::string ReadFrom(const std::string& path, size_t offset) {
  std::ifstream in(path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Tail(const std::string& text, size_t n) {
  return text.size() <= n ? text : text.substr(text.size() - n);
}

}  // namespace

std::string NxtdBinary() { return EnvOr("NXT_NXTD", NXT_NXTD_PATH); }
std::string NxtctlBinary() { return EnvOr("NXT_NXTCTL", NXT_NXTCTL_PATH); }

NxtdProcess::NxtdProcess(NxtdOptions options)
    : options_(std::move(options)),
      manifests_dir_(dir_.Join("manifests")),
      state_dir_(dir_.Join("state")),
      api_socket_(dir_.Join("nxtd.sock")),
      log_path_(dir_.Join("nxtd.log")) {
  std::filesystem::create_directories(manifests_dir_);
}

NxtdProcess::NxtdProcess(NxtdOptions options, const NxtdProcess& other)
    : options_(std::move(options)),
      manifests_dir_(other.manifests_dir_),
      state_dir_(other.state_dir_),
      api_socket_(dir_.Join("nxtd.sock")),
      log_path_(dir_.Join("nxtd.log")) {}

NxtdProcess::~NxtdProcess() { Kill(); }

std::vector<std::string> NxtdProcess::Argv() const {
  std::string docker_socket =
      options_.docker_socket.empty() ? nxt::testing::DockerSocketPath() : options_.docker_socket;
  std::vector<std::string> argv = {
      NxtdBinary(),
      "--manifests=" + manifests_dir_,
      "--state-dir=" + state_dir_,
      "--docker-socket=" + docker_socket,
      "--api-socket=" + api_socket_,
      "--metrics-addr=127.0.0.1:0",
      absl::StrCat("--workers=", options_.workers),
      "--resync-period=" + absl::FormatDuration(options_.resync_period),
      "--log-level=" + options_.log_level,
  };
  argv.insert(argv.end(), options_.extra_flags.begin(), options_.extra_flags.end());
  return argv;
}

absl::Status NxtdProcess::Spawn() {
  std::error_code ec;
  log_offset_ =
      std::filesystem::exists(log_path_, ec) ? std::filesystem::file_size(log_path_, ec) : 0;
  metrics_port_ = 0;
  return child_.Start(Argv(), log_path_, SIGKILL);
}

absl::Status NxtdProcess::Start(absl::Duration timeout) {
  if (absl::Status s = Spawn(); !s.ok()) return s;
  static const std::regex kStarted(R"(nxtd: started .*metrics_port=(\d+))");
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    const std::string log = ReadFrom(log_path_, log_offset_);
    std::smatch m;
    if (std::regex_search(log, m, kStarted)) {
      metrics_port_ = std::stoi(m[1].str());
      return absl::OkStatus();
    }
    if (std::optional<int> code = child_.Poll()) {
      return absl::FailedPreconditionError(
          absl::StrCat("nxtd exited with ", *code, " before starting; log:\n", Tail(log, 4000)));
    }
    if (absl::Now() >= deadline) {
      child_.Kill();
      return absl::DeadlineExceededError(absl::StrCat("nxtd did not log \"started\" within ",
                                                      absl::FormatDuration(timeout), "; log:\n",
                                                      Tail(log, 4000)));
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
}

void NxtdProcess::Kill() { child_.Kill(); }

absl::StatusOr<int> NxtdProcess::Terminate(absl::Duration timeout) {
  child_.Signal(SIGTERM);
  absl::StatusOr<int> code = child_.Wait(timeout);
  if (!code.ok()) child_.Kill();
  return code;
}

absl::Status NxtdProcess::Restart() {
  Kill();
  return Start();
}

std::string NxtdProcess::metrics_url(const std::string& path) const {
  return absl::StrCat("http://127.0.0.1:", metrics_port_, path);
}

std::string NxtdProcess::ReadLog() const { return ReadFrom(log_path_, 0); }

void NxtdProcess::WriteManifest(const std::string& rel, const std::string& content) const {
  std::filesystem::path target = std::filesystem::path(manifests_dir_) / rel;
  std::filesystem::create_directories(target.parent_path());
  std::filesystem::path tmp = target.parent_path() / ("." + target.filename().string() + ".tmp");
  std::ofstream(tmp, std::ios::binary | std::ios::trunc) << content;
  std::filesystem::rename(tmp, target);
}

void NxtdProcess::RemoveManifest(const std::string& rel) const {
  std::filesystem::remove(std::filesystem::path(manifests_dir_) / rel);
}

std::string NxtdProcess::ReadManifest(const std::string& rel) const {
  return ReadFrom((std::filesystem::path(manifests_dir_) / rel).string(), 0);
}

CommandResult NxtdProcess::Nxtctl(const std::vector<std::string>& args,
                                  const std::string& stdin_text) const {
  std::vector<std::string> full = {"--socket", api_socket_};
  full.insert(full.end(), args.begin(), args.end());
  return RunNxtctl(full, stdin_text);
}

CommandResult RunNxtctl(const std::vector<std::string>& args, const std::string& stdin_text) {
  std::vector<std::string> argv = {NxtctlBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  RunOptions options;
  options.stdin_text = stdin_text;
  options.env = {"NXT_SOCKET=/nonexistent/nxtd.sock"};  // only --socket reaches a daemon
  absl::StatusOr<CommandResult> r = RunCommand(argv, options);
  if (!r.ok()) return CommandResult{-1, "", std::string(r.status().message())};
  return *r;
}

}  // namespace nxt::e2e
