// The HTTP endpoint of nxtd's metrics and health: GET /metrics (Prometheus text format
// 0.0.4), /healthz (200 "ok") and /readyz (200 when ready, else 503); anything else 404.
// A small HTTP/1.1 server on Boost.Asio with its own io_context and one thread: each
// connection carries one request (at most 8 KiB of headers) and is closed after the
// response. Reads and writes are asynchronous, so a silent client holds only its own
// connection; idle clients time out and open connections are capped (see
// MetricsServerOptions). We do not use prometheus-cpp's Exposer: it cannot serve
// /healthz and its destructor takes about two seconds.
#ifndef NXT_RECONCILER_METRICS_SERVER_H_
#define NXT_RECONCILER_METRICS_SERVER_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "prometheus/collectable.h"

namespace nxt::reconciler {

struct MetricsServerOptions {
  // "host:port": "127.0.0.1:9480", "[::1]:9480", "localhost:0", ":9480" (all IPv4
  // interfaces). Port 0 picks a free port; see MetricsServer::port().
  std::string address = "127.0.0.1:9480";
  // Collected and serialized in this order on every GET /metrics (a prometheus::Registry,
  // a ProcessMetrics, ...). They must outlive the server.
  std::vector<const prometheus::Collectable*> collectables;
  // GET /readyz answers 200 "ok" when this returns true, 503 otherwise. Empty: always
  // ready. Called on the server thread, so it must be quick and thread-safe.
  std::function<bool()> ready;
  // A client that has not sent its whole request this long after it was accepted is
  // disconnected.
  absl::Duration request_timeout = absl::Seconds(30);
  // A client that has not read the whole answer this long after it was ready is
  // disconnected.
  absl::Duration response_timeout = absl::Seconds(30);
  // Open connections at most. At the limit the server stops accepting (a warning is
  // logged, at most once a minute) and new clients wait in the kernel's listen backlog
  // until a connection closes, at the latest when it times out.
  size_t max_connections = 64;
};

// Thread-safe. No exception escapes: Asio is used through its error_code overloads,
// and a throwing collectable or readiness callback yields a 500 / 503.
class MetricsServer {
 public:
  // Binds, listens and starts serving. InvalidArgument for a malformed address or a
  // max_connections of 0, Unavailable when the address cannot be resolved or bound.
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(MetricsServerOptions options);
  ~MetricsServer();  // Stop()

  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // The bound port (the real one when the address asked for port 0).
  int port() const;
  // Stops accepting, drops open connections and joins the server thread. Idempotent.
  void Stop();

  class Impl;

 private:
  explicit MetricsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace nxt::reconciler

#endif  // NXT_RECONCILER_METRICS_SERVER_H_
