// DaemonClient over libcurl (CURLOPT_UNIX_SOCKET_PATH).
#ifndef NXT_CMD_NXTCTL_CURL_DAEMON_CLIENT_H_
#define NXT_CMD_NXTCTL_CURL_DAEMON_CLIENT_H_

#include <string>

#include "absl/time/time.h"
#include "cmd/nxtctl/daemon_client.h"

namespace nxt::nxtctl {

// One easy handle per request; not thread-safe (use one per thread).
class CurlDaemonClient : public DaemonClient {
 public:
  explicit CurlDaemonClient(std::string socket_path, absl::Duration timeout = absl::Minutes(5));

  absl::StatusOr<DaemonResponse> Send(const std::string& method, const std::string& target,
                                      const std::string& body) override;

 private:
  // Why connecting failed, from a plain connect() (libcurl's text names no path).
  std::string ConnectError() const;

  const std::string socket_path_;
  const absl::Duration timeout_;
};

}  // namespace nxt::nxtctl

#endif  // NXT_CMD_NXTCTL_CURL_DAEMON_CLIENT_H_
