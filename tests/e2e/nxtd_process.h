// The real nxtd binary as a child process, with its own temp manifest and state
// directories, a unique API socket and an ephemeral metrics port; and the real nxtctl
// run against it.
//
//   NxtdProcess nxtd;                       // nothing runs yet
//   ASSERT_THAT(nxtd.Start(), IsOk());      // returns once nxtd logged "started"
//   nxtd.WriteManifest("web.yaml", yaml);   // atomically (temp + rename)
//   CommandResult r = nxtd.Nxtctl({"get", "cs", "-n", ns});
//
// nxtd's stdout and stderr are appended to log_path() across restarts. The destructor
// SIGKILLs a daemon still running and removes the temp directory. Not thread-safe.
#ifndef NXT_TESTS_E2E_NXTD_PROCESS_H_
#define NXT_TESTS_E2E_NXTD_PROCESS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/e2e/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace nxt::e2e {

// Paths of the binaries under test: $NXT_NXTD / $NXT_NXTCTL, else the build's targets.
std::string NxtdBinary();
std::string NxtctlBinary();

struct NxtdOptions {
  std::string docker_socket;  // "" → nxt::testing::DockerSocketPath()
  absl::Duration resync_period = absl::Minutes(5);
  int workers = 2;
  std::string log_level = "info";
  std::vector<std::string> extra_flags;
};

class NxtdProcess {
 public:
  explicit NxtdProcess(NxtdOptions options = {});
  // Shares `other`'s manifest and state directories (e.g. to try a second daemon on a
  // locked state directory); its own socket and log.
  NxtdProcess(NxtdOptions options, const NxtdProcess& other);
  ~NxtdProcess();
  NxtdProcess(const NxtdProcess&) = delete;
  NxtdProcess& operator=(const NxtdProcess&) = delete;

  // Spawns nxtd and waits (up to `timeout`) for its "started" log line, reading the
  // metrics port from it. FailedPrecondition with the log's tail when nxtd exits first.
  absl::Status Start(absl::Duration timeout = absl::Seconds(30));
  // Spawns nxtd without waiting (to watch it fail).
  absl::Status Spawn();
  // SIGKILL and reap.
  void Kill();
  // SIGTERM; the exit code, or DeadlineExceeded (then SIGKILLed) after `timeout`.
  absl::StatusOr<int> Terminate(absl::Duration timeout = absl::Seconds(30));
  // Kill (if running) and Start again on the same directories.
  absl::Status Restart();
  // Waits for exit (for a daemon expected to quit by itself).
  absl::StatusOr<int> Wait(absl::Duration timeout) { return child_.Wait(timeout); }

  // True while the daemon has not exited (reaps it if it has).
  bool running() {
    (void)child_.Poll();
    return child_.running();
  }
  pid_t pid() const { return child_.pid(); }
  int metrics_port() const { return metrics_port_; }
  std::string metrics_url(const std::string& path) const;

  const std::string& manifests_dir() const { return manifests_dir_; }
  const std::string& state_dir() const { return state_dir_; }
  const std::string& api_socket() const { return api_socket_; }
  const std::string& log_path() const { return log_path_; }
  std::string ReadLog() const;

  // Manifest files, relative to manifests_dir(); written by rename so nxtd never sees a
  // half-written file.
  void WriteManifest(const std::string& rel, const std::string& content) const;
  void RemoveManifest(const std::string& rel) const;
  std::string ReadManifest(const std::string& rel) const;

  // Runs nxtctl --socket api_socket() ARGS; aborts the test on a spawn failure or a
  // 60 s timeout (reported as exit code -1 with the reason in stderr_text).
  CommandResult Nxtctl(const std::vector<std::string>& args,
                       const std::string& stdin_text = "") const;

 private:
  std::vector<std::string> Argv() const;

  const NxtdOptions options_;
  nxt::testing::TempDir dir_;
  const std::string manifests_dir_;
  const std::string state_dir_;
  const std::string api_socket_;
  const std::string log_path_;
  ChildProcess child_;
  size_t log_offset_ = 0;  // where the current run's log starts
  int metrics_port_ = 0;
};

// Runs the nxtctl binary with `args` (no --socket added).
CommandResult RunNxtctl(const std::vector<std::string>& args, const std::string& stdin_text = "");

}  // namespace nxt::e2e

#endif  // NXT_TESTS_E2E_NXTD_PROCESS_H_
