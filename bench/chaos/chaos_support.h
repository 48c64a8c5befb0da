// What the fault suite's client (chaos_client) shares between its Galera and Redis
// sides: wall-clock milliseconds, the append-only log of acknowledged writes, a node's
// address on its bridge network, a stop flag set by SIGTERM/SIGINT, and `--key value`
// arguments. Free functions are thread-safe; AckLog is thread-safe.
#ifndef NXT_BENCH_CHAOS_CHAOS_SUPPORT_H_
#define NXT_BENCH_CHAOS_CHAOS_SUPPORT_H_

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "docker/docker_client.h"

namespace nxt::bench::chaos {

// Milliseconds since the Unix epoch (the clock `date +%s%3N` reads in the script).
int64_t NowMs();

// The file every acknowledged write goes to, one line each, flushed at once (a writer
// killed with the script loses no ack it printed):
//   <id> <start_ms> <ack_ms> <slot>
// id is the row id or key; start_ms when the write was sent, ack_ms when the ack
// arrived; slot is the Redis hash slot (-1 for Galera rows).
class AckLog {
 public:
  // Opens `path` for appending; Unavailable when it cannot.
  static absl::StatusOr<std::unique_ptr<AckLog>> Open(const std::string& path);
  ~AckLog();
  AckLog(const AckLog&) = delete;
  AckLog& operator=(const AckLog&) = delete;

  void Append(const std::string& id, int64_t start_ms, int64_t ack_ms, int slot);
  int64_t count() const;

 private:
  explicit AckLog(std::FILE* file) : file_(file) {}

  mutable absl::Mutex mu_;
  std::FILE* const file_;
  int64_t count_ ABSL_GUARDED_BY(mu_) = 0;
};

// The ids of every line of the ack logs `paths` (a missing file counts as empty; a
// half-written last line is skipped).
absl::StatusOr<std::vector<std::string>> ReadAckedIds(const std::vector<std::string>& paths);

// The IPv4 address of running container `name` on its (first) network. Unavailable
// when it is not running or has no address.
absl::StatusOr<std::string> NodeAddress(docker::DockerClient& docker, const std::string& name);

// Set by SIGTERM and SIGINT once InstallStopHandler ran; writers stop when it is.
extern std::atomic<bool> g_stop;
void InstallStopHandler();
// Sleeps `ms` in small steps; returns early (false) once g_stop is set.
bool SleepUnlessStopped(int64_t ms);

// `--key value` pairs after the subcommand; InvalidArgument on a stray word.
absl::StatusOr<std::map<std::string, std::string>> ParseArgs(int argc, char** argv, int first);

// The argument `key`, or `fallback` when absent (InvalidArgument when absent and
// `fallback` is null).
absl::StatusOr<std::string> Arg(const std::map<std::string, std::string>& args,
                                const std::string& key, const char* fallback = nullptr);

// The first line of file `path` without its newline (secrets are one line).
absl::StatusOr<std::string> ReadFirstLine(const std::string& path);

}  // namespace nxt::bench::chaos

#endif  // NXT_BENCH_CHAOS_CHAOS_SUPPORT_H_
