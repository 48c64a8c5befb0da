// nxtctl, the kubectl-shaped CLI of nxt, as a library: main() only calls RunNxtctl, and
// tests run commands in-process against a fake daemon.
#ifndef NXT_CMD_NXTCTL_NXTCTL_H_
#define NXT_CMD_NXTCTL_NXTCTL_H_

#include <functional>
#include <istream>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "cmd/nxtctl/daemon_client.h"
#include "common/clock.h"
#include "resources/kind_registry.h"

namespace nxt::nxtctl {

// Client version, also printed by `nxtctl version`.
const char* ClientVersion();

// Everything nxtctl touches outside its arguments and output streams. Every member may
// be left empty for the real thing.
struct NxtctlEnv {
  // Makes the client for a socket path (default: CurlDaemonClient). Called at most once
  // per run, and only by commands that need the daemon.
  std::function<std::unique_ptr<DaemonClient>(const std::string& socket_path)> connect;
  const Clock* clock = nullptr;               // default: RealClock
  std::function<void(absl::Duration)> sleep;  // --wait polling; default: SleepFor
  std::function<std::optional<std::string>(const std::string&)> getenv;  // default: getenv
  std::istream* in = nullptr;                            // "-f -"; default: std::cin
  std::shared_ptr<const resources::KindRegistry> kinds;  // default: KindRegistry::Builtin()
};

// Runs one nxtctl command line (`args` without the program name). Returns the exit
// code: 0 success; 1 error (and for diff: changes found); diff returns 2 on errors.
int RunNxtctl(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
              const NxtctlEnv& env);
// main()'s entry: the real environment.
int RunNxtctl(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace nxt::nxtctl

#endif  // NXT_CMD_NXTCTL_NXTCTL_H_
