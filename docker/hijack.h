// The hijacked connection of POST /exec/{id}/start: HTTP/1.1 spoken by hand on a fresh
// Unix socket connection ("Connection: Upgrade", "Upgrade: tcp"), then the connection
// is a raw duplex stream: stdin goes up (then a half-close ends it), the multiplexed
// stdout/stderr stream comes down until the process ends. libcurl cannot write a request
// body after the response has started, hence this small, self-contained client.
// Internal to docker/. Thread-safe (no shared state).
#ifndef NXT_DOCKER_HIJACK_H_
#define NXT_DOCKER_HIJACK_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "docker/exec_stream.h"

namespace nxt::docker {

struct HijackRequest {
  std::string socket_path;
  std::string target;  // "/v1.41/exec/<id>/start"
  std::string body;    // {"Detach":false,"Tty":false}
  bool send_stdin = false;
  std::string stdin_data;
  absl::Time deadline = absl::InfiniteFuture();
};

struct HijackResponse {
  int code = 0;            // 101 (or 200) when the stream ran
  std::string error_body;  // the body of any other answer
};

// Runs the request; the raw stream of a 101/200 answer is fed to `demuxer` until EOF.
// Unavailable when the socket cannot be reached or the connection breaks before an
// answer; DeadlineExceeded at `deadline` (`call` names the request in messages).
absl::StatusOr<HijackResponse> RunHijacked(const HijackRequest& request, ExecStreamDemuxer* demuxer,
                                           const std::string& call);

}  // namespace nxt::docker

#endif  // NXT_DOCKER_HIJACK_H_
