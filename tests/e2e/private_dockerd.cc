#include "tests/e2e/private_dockerd.h"

#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/e2e/e2e_support.h"

namespace nxt::e2e {
namespace {

std::vector<std::string> ForwardRule(const char* op, const std::string& pool) {
  return {"iptables", op, "FORWARD", "-s", pool, "-d", pool, "-j", "ACCEPT"};
}

// Lazily unmounts whatever a killed engine left mounted under `dir`.
void UnmountUnder(const std::string& dir) {
  std::ifstream mounts("/proc/self/mounts");
  std::string device, point, rest;
  std::vector<std::string> points;
  while (mounts >> device >> point && std::getline(mounts, rest)) {
    if (point.rfind(dir + "/", 0) == 0) points.push_back(point);
  }
  for (auto it = points.rbegin(); it != points.rend(); ++it) ::umount2(it->c_str(), MNT_DETACH);
}

}  // namespace

PrivateDockerd::PrivateDockerd(std::string address_pool) : address_pool_(std::move(address_pool)) {
  std::string tmpl = "/tmp/nxt-pd-XXXXXX";
  dir_ = ::mkdtemp(tmpl.data());
  socket_ = dir_ + "/docker.sock";
  docker::CurlDockerClient::Options options;
  options.socket_path = socket_;
  client_ = std::make_unique<docker::CurlDockerClient>(options);
}

PrivateDockerd::~PrivateDockerd() {
  if (child_.running() && !Stop(absl::Seconds(30)).ok()) {
    child_.Kill();
    std::ifstream pid_file(dir_ + "/exec/containerd/containerd.pid");
    pid_t containerd = 0;
    if (pid_file >> containerd && containerd > 1) ::kill(containerd, SIGKILL);
  }
  if (forwarding_rule_) (void)RunCommand(ForwardRule("-D", address_pool_));
  UnmountUnder(dir_);
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

absl::Status PrivateDockerd::Start(absl::Duration timeout) {
  // In a network namespace of its own: with --bridge=none, Engine 20.10 deletes any
  // interface named docker0 at start, which in the host namespace is the shared engine's
  // bridge. The API socket is a file, so the host still reaches it.
  std::vector<std::string> argv = {
      "unshare",
      "--net",
      "--",
      "dockerd",
      "--data-root=" + dir_ + "/data",
      "--exec-root=" + dir_ + "/exec",
      "--pidfile=" + dir_ + "/pid",
      "--host=unix://" + socket_,
      "--bridge=none",
      "--iptables=false",
      "--ip-masq=false",
      absl::StrCat("--default-address-pool=base=", address_pool_, ",size=24")};
  if (absl::Status s = child_.Start(argv, dir_ + "/dockerd.log", SIGTERM); !s.ok()) return s;
  bool up = WaitFor([this] { return client_->Ping().ok() || child_.Poll().has_value(); }, timeout,
                    absl::Milliseconds(50));
  if (!up || !child_.running()) {
    return absl::UnavailableError(
        absl::StrCat("private dockerd did not answer on ", socket_, "; log:\n", ReadLog()));
  }
  return absl::OkStatus();
}

absl::Status PrivateDockerd::Stop(absl::Duration timeout) {
  child_.Signal(SIGTERM);
  absl::StatusOr<int> code = child_.Wait(timeout);
  return code.ok() ? absl::OkStatus() : code.status();
}

absl::Status PrivateDockerd::LoadImage(const std::string& image) {
  absl::StatusOr<CommandResult> r = RunCommand(
      {"sh", "-c",
       absl::StrCat("docker save '", image, "' | docker -H 'unix://", socket_, "' load")},
      TimeoutOptions(absl::Seconds(120)));
  if (!r.ok()) return r.status();
  if (r->exit_code != 0) {
    return absl::InternalError(absl::StrCat("loading ", image, ": ", r->stderr_text));
  }
  return absl::OkStatus();
}

absl::Status PrivateDockerd::AllowForwarding() {
  if (forwarding_rule_) return absl::OkStatus();
  absl::StatusOr<CommandResult> r = RunCommand(ForwardRule("-I", address_pool_));
  if (!r.ok()) return r.status();
  if (r->exit_code != 0) return absl::InternalError("iptables: " + r->stderr_text);
  forwarding_rule_ = true;
  return absl::OkStatus();
}

std::string PrivateDockerd::ReadLog() const {
  std::ifstream in(dir_ + "/dockerd.log");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string log = ss.str();
  return log.size() > 4000 ? log.substr(log.size() - 4000) : log;
}

}  // namespace nxt::e2e
