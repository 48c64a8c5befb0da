// nxtctl's link to nxtd: one HTTP request over the daemon's Unix socket. An interface so
// tests can answer from memory (an in-process ApiHandlers, or canned replies).
#ifndef NXT_CMD_NXTCTL_DAEMON_CLIENT_H_
#define NXT_CMD_NXTCTL_DAEMON_CLIENT_H_

#include <string>

#include "absl/status/statusor.h"

namespace nxt::nxtctl {

struct DaemonResponse {
  int status = 0;    // HTTP status
  std::string body;  // JSON
};

// Not required to be thread-safe (nxtctl is single-threaded).
class DaemonClient {
 public:
  virtual ~DaemonClient() = default;
  // Sends `method target` with a JSON `body` (may be empty). Any HTTP status is a
  // response; Unavailable when the daemon cannot be reached ("cannot reach nxtd at
  // /run/nxt/nxtd.sock: No such file or directory"), DeadlineExceeded on timeout.
  virtual absl::StatusOr<DaemonResponse> Send(const std::string& method, const std::string& target,
                                              const std::string& body) = 0;
};

}  // namespace nxt::nxtctl

#endif  // NXT_CMD_NXTCTL_DAEMON_CLIENT_H_
