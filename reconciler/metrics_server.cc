#include "reconciler/metrics_server.h"

#include <boost/asio.hpp>
#include <chrono>
#include <exception>
#include <istream>
#include <string>
#include <thread>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/logging.h"
#include "prometheus/metric_family.h"
#include "prometheus/text_serializer.h"
#include "reconciler/accept_gate.h"

namespace nxt::reconciler {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

constexpr size_t kMaxRequestBytes = 8192;
constexpr char kComponent[] = "metrics";

struct Response {
  int code = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

const char* Reason(int code) {
  switch (code) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 431:
      return "Request Header Fields Too Large";
    case 503:
      return "Service Unavailable";
    default:
      return "Internal Server Error";
  }
}

std::string Render(const Response& r, bool head) {
  std::string out =
      absl::StrCat("HTTP/1.1 ", r.code, " ", Reason(r.code), "\r\nContent-Type: ", r.content_type,
                   "\r\nContent-Length: ", r.body.size(), "\r\nConnection: close\r\n\r\n");
  if (!head) {
    out += r.body;
  }
  return out;
}

// Splits "host:port" ("[v6]:port" too). False when malformed.
bool SplitAddress(const std::string& address, std::string* host, int* port) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) {
    return false;
  }
  *host = address.substr(0, colon);
  if (host->size() >= 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
  }
  if (host->empty()) {
    *host = "0.0.0.0";
  }
  return absl::SimpleAtoi(address.substr(colon + 1), port) && *port >= 0 && *port <= 65535;
}

}  // namespace

class MetricsServer::Impl {
 public:
  explicit Impl(MetricsServerOptions options)
      : options_(std::move(options)),
        acceptor_(io_),
        gate_(acceptor_, options_.max_connections, kComponent,
              [this](tcp::socket socket) { OnAccepted(std::move(socket)); }) {}

  absl::Status Listen() {
    if (options_.max_connections < 1) {
      return absl::InvalidArgumentError("metrics server needs max_connections >= 1");
    }
    std::string host;
    int port = 0;
    if (!SplitAddress(options_.address, &host, &port)) {
      return absl::InvalidArgumentError(
          absl::StrCat("metrics address \"", options_.address, "\": want host:port"));
    }
    error_code ec;
    tcp::resolver resolver(io_);
    auto results = resolver.resolve(host, std::to_string(port), ec);
    if (ec || results.empty()) {
      return absl::UnavailableError(absl::StrCat("metrics address \"", options_.address,
                                                 "\": cannot resolve: ", ec.message()));
    }
    for (const auto& entry : results) {  // the first address that binds wins
      ec = BindAndListen(entry.endpoint());
      if (!ec) {
        break;
      }
    }
    if (ec) {
      return absl::UnavailableError(absl::StrCat("metrics address \"", options_.address,
                                                 "\": cannot listen: ", ec.message()));
    }
    port_ = acceptor_.local_endpoint(ec).port();
    gate_.Start();
    thread_ = std::thread([this] { Run(); });
    return absl::OkStatus();
  }

  int port() const { return port_; }

  error_code BindAndListen(const tcp::endpoint& endpoint) {
    error_code ec;
    if (acceptor_.is_open()) {
      acceptor_.close(ec);
    }
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) {
      acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    }
    if (!ec) {
      acceptor_.bind(endpoint, ec);
    }
    if (!ec) {
      acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    }
    return ec;
  }

  void Stop() {
    absl::MutexLock lock(&stop_mu_);
    if (stopped_) {
      return;
    }
    stopped_ = true;
    io_.stop();
    if (thread_.joinable()) {
      thread_.join();
    }
  }

 private:
  class Connection;

  void Run() {
    for (;;) {
      try {
        io_.run();
        return;
      } catch (const std::exception& e) {  // a handler threw: log it and keep serving
        Log(LogLevel::kError, kComponent, "server handler failed", {{"error", e.what()}});
      }
    }
  }

  // Serves one connection the gate accepted; on the server thread.
  void OnAccepted(tcp::socket socket);

  Response Handle(const std::string& method, const std::string& target) const;
  Response Metrics() const;

  const MetricsServerOptions options_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  // The accept loop, on the server thread (after Listen): one async_accept at a time, none
  // while max_connections are open (clients wait in the listen backlog until one closes).
  AcceptGate<tcp::acceptor> gate_;
  int port_ = 0;
  std::thread thread_;
  absl::Mutex stop_mu_;
  bool stopped_ ABSL_GUARDED_BY(stop_mu_) = false;
};

// One request, one response, then close. Kept alive by its pending handlers; runs on the
// server thread only. Deadlines: request_timeout from accept to the end of the request
// headers, response_timeout to write the response.
class MetricsServer::Impl::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Impl& server, tcp::socket socket)
      : server_(server),
        socket_(std::move(socket)),
        buffer_(kMaxRequestBytes),
        deadline_(socket_.get_executor()) {}

  void Start() {
    ArmDeadline(server_.options_.request_timeout);
    asio::async_read_until(
        socket_, buffer_, "\r\n\r\n",
        [self = shared_from_this()](error_code ec, size_t) { self->OnRequest(ec); });
  }

 private:
  // Closes the connection unless the deadline is moved before `timeout` passes. A
  // wake-up that lost the race with a move sees the later expiry and does nothing.
  void ArmDeadline(absl::Duration timeout) {
    deadline_.expires_after(absl::ToChronoMilliseconds(timeout));
    deadline_.async_wait([self = shared_from_this()](error_code ec) {
      if (ec || self->deadline_.expiry() > asio::steady_timer::clock_type::now()) {
        return;
      }
      self->Close();
    });
  }

  void OnRequest(error_code ec) {
    if (ec == asio::error::not_found) {  // the headers did not fit kMaxRequestBytes
      Reply(Response{431, "text/plain; charset=utf-8", "request too large\n"}, false);
      return;
    }
    if (ec) {
      Close();
      return;
    }
    std::istream in(&buffer_);
    std::string method, target, version;
    in >> method >> target >> version;
    if (method.empty() || target.empty() || version.rfind("HTTP/", 0) != 0) {
      Reply(Response{400, "text/plain; charset=utf-8", "bad request\n"}, false);
      return;
    }
    Reply(server_.Handle(method, target), method == "HEAD");
  }

  void Reply(const Response& response, bool head) {
    ArmDeadline(server_.options_.response_timeout);
    out_ = Render(response, head);
    asio::async_write(socket_, asio::buffer(out_),
                      [self = shared_from_this()](error_code, size_t) { self->Close(); });
  }

  void Close() {
    if (closed_) {
      return;
    }
    closed_ = true;
    error_code ignored;
    deadline_.cancel();
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    server_.gate_.Closed();
  }

  Impl& server_;
  tcp::socket socket_;
  asio::streambuf buffer_;
  asio::steady_timer deadline_;
  std::string out_;
  bool closed_ = false;
};

void MetricsServer::Impl::OnAccepted(tcp::socket socket) {
  std::make_shared<Connection>(*this, std::move(socket))->Start();
}

Response MetricsServer::Impl::Handle(const std::string& method, const std::string& target) const {
  const std::string path = target.substr(0, target.find('?'));
  if (path != "/metrics" && path != "/healthz" && path != "/readyz") {
    return Response{404, "text/plain; charset=utf-8", "not found\n"};
  }
  if (method != "GET" && method != "HEAD") {
    return Response{405, "text/plain; charset=utf-8", "method not allowed\n"};
  }
  if (path == "/metrics") {
    return Metrics();
  }
  if (path == "/readyz") {
    bool ready = true;
    try {
      ready = !options_.ready || options_.ready();
    } catch (const std::exception&) {
      ready = false;
    }
    if (!ready) {
      return Response{503, "text/plain; charset=utf-8", "not ready\n"};
    }
  }
  return Response{200, "text/plain; charset=utf-8", "ok\n"};
}

Response MetricsServer::Impl::Metrics() const {
  try {
    std::vector<prometheus::MetricFamily> families;
    for (const prometheus::Collectable* collectable : options_.collectables) {
      std::vector<prometheus::MetricFamily> more = collectable->Collect();
      families.insert(families.end(), std::make_move_iterator(more.begin()),
                      std::make_move_iterator(more.end()));
    }
    return Response{200, "text/plain; version=0.0.4; charset=utf-8",
                    prometheus::TextSerializer().Serialize(families)};
  } catch (const std::exception& e) {
    Log(LogLevel::kError, kComponent, "collecting metrics failed", {{"error", e.what()}});
    return Response{500, "text/plain; charset=utf-8", "internal error\n"};
  }
}

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(MetricsServerOptions options) {
  auto impl = std::make_unique<Impl>(std::move(options));
  if (absl::Status status = impl->Listen(); !status.ok()) {
    return status;
  }
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(impl)));
}

MetricsServer::MetricsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MetricsServer::~MetricsServer() { Stop(); }

int MetricsServer::port() const { return impl_->port(); }

void MetricsServer::Stop() { impl_->Stop(); }

}  // namespace nxt::reconciler
