// Child processes for end-to-end tests and benchmarks: run a command to completion with
// captured output, or keep a long-running one (nxtd, dockerd, prometheus) and signal it.
//
// Children are started with fork + execvp; everything the child needs is prepared
// before fork, so only async-signal-safe calls run between fork and exec. A child gets
// PR_SET_PDEATHSIG, so a test binary killed by a ctest timeout takes its daemons with
// it. Not thread-safe per object; different objects may be used from different threads.
#ifndef NXT_TESTS_E2E_SUBPROCESS_H_
#define NXT_TESTS_E2E_SUBPROCESS_H_

#include <sys/types.h>

#include <csignal>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace nxt::e2e {

struct CommandResult {
  int exit_code = -1;  // 128 + signal when killed by a signal
  std::string stdout_text;
  std::string stderr_text;
};

struct RunOptions {
  std::string stdin_text;  // written to the child's stdin (empty: /dev/null)
  absl::Duration timeout = absl::Seconds(60);
  // "K=V" entries added to (or replacing in) the inherited environment.
  std::vector<std::string> env;
};

inline RunOptions StdinOptions(std::string stdin_text) {
  RunOptions o;
  o.stdin_text = std::move(stdin_text);
  return o;
}
inline RunOptions TimeoutOptions(absl::Duration timeout) {
  RunOptions o;
  o.timeout = timeout;
  return o;
}

// Runs argv[0] (PATH lookup) with argv and waits. DeadlineExceeded (child killed) after
// the timeout; Internal when it cannot be started. A non-zero exit is NOT an error.
absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                         const RunOptions& options = {});

// A long-running child whose stdout and stderr are appended to one log file.
class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess();  // SIGKILLs and reaps a child still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Starts argv (not when one is already running). `death_signal` is sent to the child
  // when the test process dies.
  absl::Status Start(const std::vector<std::string>& argv, const std::string& log_path,
                     int death_signal = SIGKILL);

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  // Sends `signal` (no-op when not running).
  void Signal(int signal) const;
  // Reaps the child if it has exited; its exit code then (128 + signal when killed).
  std::optional<int> Poll();
  // Waits up to `timeout` for exit. DeadlineExceeded when it still runs.
  absl::StatusOr<int> Wait(absl::Duration timeout);
  // SIGKILL and reap.
  void Kill();

 private:
  pid_t pid_ = -1;
};

// Exit code of a waitpid status: the code, or 128 + signal.
int ExitCodeOf(int wait_status);

}  // namespace nxt::e2e

#endif  // NXT_TESTS_E2E_SUBPROCESS_H_
