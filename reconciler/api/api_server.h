// Serves the local API (protocol.h) on a Unix socket: an Asio thread for the sockets and
// a small pool of threads for the handlers.
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
// `Connection: close`). Bodies above max_request_bytes get 413.
//
// One client cannot stall the others:
//   - socket I/O is asynchronous on the server's io thread, so a client that is slow to
//     send its request (or sends nothing) holds only its own connection;
//   - the handler runs on a pool of handler_threads workers, so a slow request (a diff
//     whose planner talks to Docker) delays only the requests queued behind the busy
//     workers, never the reading and writing of the others;
//   - a client that has not sent its whole request request_timeout after it was
//     accepted, or has not read the whole answer response_timeout after the handler
//     returned, is disconnected (no deadline while the handler runs);
//   - at most max_connections are open at once; at the limit the server stops accepting
//     (a warning is logged, at most once a minute) and new clients wait in the kernel's
//     listen backlog until a connection closes, at the latest when it times out.
//
// Start:
//   - creates the socket's parent directory (mode 0755) when missing;
//   - an existing socket that answers a connect means another daemon serves it:
//     AlreadyExists, and that socket is left alone; a socket nobody answers is stale
//     and is replaced; a path that is not a socket: FailedPrecondition;
//   - the socket is mode 0600 before it accepts its first connection;
//   - InvalidArgument for max_connections or handler_threads below 1.
// Stop (also run by the destructor) closes the listener, waits for the handlers that
// are running, drops open connections and queued requests, joins the threads and
// removes the socket file if it is still the one this server created.
//
// Start and Stop are not thread-safe with each other; call them from one thread. The
// handler runs concurrently on the worker threads and must be thread-safe (ApiHandlers
// is). No exception escapes (Asio is used through error_code overloads; a throwing
// handler gives a 500).
class ApiServer {
 public:
  using Handler = std::function<ApiResponse(const ApiRequest&)>;

  struct Options {
    std::string socket_path = kDefaultSocketPath;
    size_t max_request_bytes = kMaxRequestBytes;
    absl::Duration request_timeout = absl::Seconds(30);
    absl::Duration response_timeout = absl::Seconds(30);
    size_t max_connections = 64;
    int handler_threads = 4;
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
