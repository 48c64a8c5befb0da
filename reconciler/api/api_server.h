// Serves the local API (protocol.h) on a Unix socket with its own Asio thread.
#ifndef NXT_RECONCILER_API_API_SERVER_H_
#define NXT_RECONCILER_API_API_SERVER_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "reconciler/api/api_handlers.h"
#include "reconciler/api/protocol.h"

namespace nxt::reconciler::api {

// HTTP/1.1 on a Unix stream socket, one request per connection (the answer carries
// `Connection: close`). Requests are handled one at a time on the server's thread, so a
// handler should not block for long. Bodies above max_request_bytes get 413; a client
// that does not finish its request within request_timeout is disconnected.
//
// Start:
//   - creates the socket's parent directory (mode 0755) when missing;
//   - an existing socket that answers a connect means another daemon serves it:
//     AlreadyExists, and that socket is left alone; a socket nobody answers is stale
//     and is replaced; a path that is not a socket: FailedPrecondition;
//   - the socket is mode 0600 before it accepts its first connection.
// Stop (also run by the destructor) closes the listener, drops open connections, joins
// the thread and removes the socket file if it is still the one this server created.
//
// Start and Stop are not thread-safe with each other; call them from one thread. The
// handler runs on the server thread and must be thread-safe with the rest of nxtd.
// No exception escapes (Asio is used through error_code overloads; a throwing handler
// gives a 500).
class ApiServer {
 public:
  using Handler = std::function<ApiResponse(const ApiRequest&)>;

  struct Options {
    std::string socket_path = kDefaultSocketPath;
    size_t max_request_bytes = kMaxRequestBytes;
    absl::Duration request_timeout = absl::Seconds(30);
  };

  ApiServer(Options options, Handler handler);
  // Serves `handlers`, which must outlive the server.
  ApiServer(Options options, const ApiHandlers& handlers);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  absl::Status Start();
  void Stop();

  const std::string& socket_path() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nxt::reconciler::api

#endif  // NXT_RECONCILER_API_API_SERVER_H_
