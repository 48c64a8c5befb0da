#include "reconciler/api/api_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <boost/asio.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <functional>
#include <optional>
#include <thread>
#include <utility>

#include "common/logging.h"
#include "reconciler/accept_gate.h"

namespace nxt::reconciler::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Protocol = asio::local::stream_protocol;

constexpr char kComponent[] = "api";

std::string ErrnoText(int err) { return std::strerror(err); }

// mkdir -p, giving every directory it creates mode 0755 (whatever the umask).
absl::Status MakeParentDirs(const std::string& socket_path) {
  size_t pos = 0;
  while ((pos = socket_path.find('/', pos + 1)) != std::string::npos) {
    std::string dir = socket_path.substr(0, pos);
    struct stat st {};
    if (::stat(dir.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) return absl::FailedPreconditionError(dir + " is not a directory");
      continue;
    }
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
      return absl::PermissionDeniedError("create " + dir + ": " + ErrnoText(errno));
    }
    ::chmod(dir.c_str(), 0755);
  }
  return absl::OkStatus();
}

// Leaves the path free for bind, or says why it cannot be taken.
absl::Status ClaimSocketPath(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return absl::PermissionDeniedError("stat " + path + ": " + ErrnoText(errno));
  }
  if (!S_ISSOCK(st.st_mode)) {
    return absl::FailedPreconditionError(path + " exists and is not a socket; not replacing it");
  }
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError("socket: " + ErrnoText(errno));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
  int err = errno;
  ::close(fd);
  if (rc == 0) {
    return absl::AlreadyExistsError("another daemon is already serving " + path);
  }
  if (err != ECONNREFUSED && err != ENOENT) {
    return absl::FailedPreconditionError("cannot check existing socket " + path + ": " +
                                         ErrnoText(err));
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return absl::PermissionDeniedError("remove stale socket " + path + ": " + ErrnoText(errno));
  }
  Log(LogLevel::kInfo, kComponent, "replaced stale socket", {{"path", path}});
  return absl::OkStatus();
}

// What every connection shares with its server; outlives the connections.
struct ServerContext {
  const ApiServer::Handler& handler;
  asio::thread_pool& workers;
  const ApiServer::Options& options;
  std::function<void()> on_closed;  // on the io thread, once per connection
};

// One request, one answer, then close. Kept alive by the handlers queued for it (on the
// io_context or the worker pool). Socket I/O and Close run on the io thread only; the
// request handler runs on a worker and hands its answer back to the io thread.
//
// Deadlines: request_timeout from accept to the complete request, no deadline while
// the handler runs (it is nxtd's own work), response_timeout to write the answer.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Protocol::socket socket, const ServerContext& context)
      : socket_(std::move(socket)), io_(socket_.get_executor()), deadline_(io_), context_(context) {
    parser_.body_limit(context.options.max_request_bytes);
    parser_.header_limit(64 * 1024);
  }

  void Start() {
    ArmDeadline(context_.options.request_timeout);
    http::async_read_header(socket_, buffer_, parser_,
                            [self = shared_from_this()](const boost::system::error_code& ec,
                                                        size_t) { self->OnHeader(ec); });
  }

 private:
  // Closes the connection unless the deadline is moved before `timeout` passes. A
  // wake-up that lost the race with a move sees the later expiry and does nothing.
  void ArmDeadline(absl::Duration timeout) {
    deadline_.expires_after(absl::ToChronoMilliseconds(timeout));
    deadline_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || self->deadline_.expiry() > asio::steady_timer::clock_type::now()) return;
      self->Close();
    });
  }

  void OnHeader(const boost::system::error_code& ec) {
    if (ec == http::error::body_limit) return Respond(413, "RequestTooLarge");
    if (ec == http::error::header_limit) return Respond(431, "BadRequest");
    if (ec) return Close();
    if (beast::iequals(parser_.get()[http::field::expect], "100-continue")) {
      continue_.result(http::status::continue_);
      continue_.version(11);
      http::async_write(socket_, continue_,
                        [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                          if (ec) return self->Close();
                          self->ReadBody();
                        });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    http::async_read(socket_, buffer_, parser_,
                     [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                       self->OnBody(ec);
                     });
  }

  void OnBody(const boost::system::error_code& ec) {
    if (ec == http::error::body_limit) return Respond(413, "RequestTooLarge");
    if (ec) return Close();
    const auto& req = parser_.get();
    ApiRequest request;
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    request.body = req.body();
    Dispatch(std::move(request));
  }

  // Runs the handler on the worker pool, then writes its answer from the io thread.
  void Dispatch(ApiRequest request) {
    deadline_.expires_at(asio::steady_timer::time_point::max());
    asio::post(context_.workers, [self = shared_from_this(), request = std::move(request)] {
      ApiResponse response;
      try {
        response = self->context_.handler(request);
      } catch (...) {
        response = ApiResponse{500, R"({"error":"internal error","reason":"InternalError"})"};
      }
      asio::post(self->io_, [self, response = std::move(response)]() mutable {
        self->Write(response.status, std::move(response.body));
      });
    });
  }

  void Respond(int status, const std::string& reason) {
    std::string message = status == 413
                              ? "request too large: the body is over the API's limit of " +
                                    std::to_string(context_.options.max_request_bytes) +
                                    " bytes; nothing was changed"
                              : "request header too large";
    linger_ = true;
    Write(status, R"({"error":")" + message + R"(","reason":")" + reason + R"("})");
  }

  void Write(int status, std::string body) {
    ArmDeadline(context_.options.response_timeout);
    response_.result(static_cast<unsigned>(status));
    response_.version(11);
    response_.set(http::field::content_type, "application/json");
    response_.set(http::field::server, "nxtd");
    response_.keep_alive(false);
    response_.body() = std::move(body);
    response_.prepare_payload();
    http::async_write(socket_, response_,
                      [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                        if (ec || !self->linger_) return self->Close();
                        self->Linger();
                      });
  }

  // After an answer given before the request was read whole (413, 431): stop sending and
  // read what the client still sends, so that it is not cut off mid-upload (EPIPE) before
  // it reads the answer. Ends at the client's EOF, kLingerBytes or the response deadline.
  void Linger() {
    boost::system::error_code ignored;
    socket_.shutdown(Protocol::socket::shutdown_send, ignored);
    socket_.async_read_some(
        asio::buffer(discard_),
        [self = shared_from_this()](const boost::system::error_code& ec, size_t n) {
          self->lingered_ += n;
          if (ec || self->lingered_ > kLingerBytes) return self->Close();
          self->Linger();
        });
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ignored;
    deadline_.cancel();
    socket_.shutdown(Protocol::socket::shutdown_both, ignored);
    socket_.close(ignored);
    context_.on_closed();
  }

  // What Linger reads and drops at most: twice the largest body nxtd accepts.
  static constexpr size_t kLingerBytes = 2 * kMaxRequestBytes;

  Protocol::socket socket_;
  const asio::any_io_executor io_;
  asio::steady_timer deadline_;
  const ServerContext& context_;
  bool closed_ = false;
  bool linger_ = false;
  size_t lingered_ = 0;
  std::array<char, 64 * 1024> discard_{};
  beast::flat_buffer buffer_;
  http::request_parser<http::string_body> parser_;
  http::response<http::empty_body> continue_;
  http::response<http::string_body> response_;
};

}  // namespace

class ApiServer::Impl {
 public:
  Impl(Options options, Handler handler)
      : options_(std::move(options)), handler_(std::move(handler)) {}
  ~Impl() { Stop(); }

  absl::Status Start();
  void Stop();
  const std::string& socket_path() const { return options_.socket_path; }

 private:
  absl::Status Listen();

  const Options options_;
  const Handler handler_;  // outlives io_ and workers_: connections refer to it
  std::unique_ptr<asio::io_context> io_;
  // Keeps io_ running while its only work is a request on a worker (at the connection
  // cap no accept is pending either).
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> io_work_;
  std::unique_ptr<asio::thread_pool> workers_;
  std::unique_ptr<ServerContext> context_;
  std::unique_ptr<Protocol::acceptor> acceptor_;
  // The accept loop, on the io thread: one async_accept at a time, none while
  // max_connections are open (clients wait in the listen backlog until one closes).
  std::unique_ptr<AcceptGate<Protocol::acceptor>> gate_;
  std::thread thread_;
  bool started_ = false;
  ino_t socket_inode_ = 0;
};

absl::Status ApiServer::Impl::Start() {
  if (started_) return absl::FailedPreconditionError("api server already started");
  const std::string& path = options_.socket_path;
  if (path.empty() || path.size() >= sizeof(sockaddr_un{}.sun_path)) {
    return absl::InvalidArgumentError("api socket path empty or too long: " + path);
  }
  if (options_.max_connections < 1 || options_.handler_threads < 1) {
    return absl::InvalidArgumentError("api server needs max_connections and handler_threads >= 1");
  }
  if (absl::Status s = MakeParentDirs(path); !s.ok()) return s;
  if (absl::Status s = ClaimSocketPath(path); !s.ok()) return s;
  io_ = std::make_unique<asio::io_context>(1);
  if (absl::Status s = Listen(); !s.ok()) {
    acceptor_.reset();
    io_.reset();
    return s;
  }
  started_ = true;
  io_work_.emplace(io_->get_executor());
  workers_ = std::make_unique<asio::thread_pool>(static_cast<size_t>(options_.handler_threads));
  context_ = std::make_unique<ServerContext>(
      ServerContext{handler_, *workers_, options_, [this] { gate_->Closed(); }});
  gate_ = std::make_unique<AcceptGate<Protocol::acceptor>>(
      *acceptor_, options_.max_connections, kComponent, [this](Protocol::socket socket) {
        std::make_shared<Connection>(std::move(socket), *context_)->Start();
      });
  gate_->Start();
  thread_ = std::thread([this] {
    for (;;) {
      try {
        io_->run();
        return;
      } catch (const std::exception& e) {
        Log(LogLevel::kError, kComponent, "unexpected exception", {{"error", e.what()}});
      }
    }
  });
  Log(LogLevel::kInfo, kComponent, "serving", {{"socket", path}});
  return absl::OkStatus();
}

// bind → chmod 0600 → listen: nobody can connect before the mode is right.
absl::Status ApiServer::Impl::Listen() {
  const std::string& path = options_.socket_path;
  boost::system::error_code ec;
  acceptor_ = std::make_unique<Protocol::acceptor>(*io_);
  acceptor_->open(Protocol(), ec);
  if (ec) return absl::InternalError("api socket: " + ec.message());
  acceptor_->bind(Protocol::endpoint(path), ec);
  if (ec) return absl::UnavailableError("bind " + path + ": " + ec.message());
  struct stat st {};
  if (::chmod(path.c_str(), 0600) != 0 || ::stat(path.c_str(), &st) != 0) {
    int err = errno;
    ::unlink(path.c_str());
    return absl::PermissionDeniedError("chmod 0600 " + path + ": " + ErrnoText(err));
  }
  socket_inode_ = st.st_ino;
  acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    ::unlink(path.c_str());
    return absl::UnavailableError("listen " + path + ": " + ec.message());
  }
  return absl::OkStatus();
}

void ApiServer::Impl::Stop() {
  if (!started_) return;
  started_ = false;
  io_->stop();
  if (thread_.joinable()) thread_.join();
  // Handlers already running finish (their answers are never written); queued ones are
  // dropped. The pool goes before io_: its queued work holds connections.
  workers_->stop();
  workers_->join();
  workers_.reset();
  gate_.reset();
  acceptor_.reset();
  io_work_.reset();
  io_.reset();  // destroys queued handlers, and with them the open connections
  context_.reset();
  struct stat st {};
  if (::lstat(options_.socket_path.c_str(), &st) == 0 && st.st_ino == socket_inode_) {
    ::unlink(options_.socket_path.c_str());
  }
  Log(LogLevel::kInfo, kComponent, "stopped", {{"socket", options_.socket_path}});
}

ApiServer::ApiServer(Options options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

ApiServer::ApiServer(Options options, const ApiHandlers& handlers)
    : ApiServer(std::move(options),
                [&handlers](const ApiRequest& request) { return handlers.Handle(request); }) {}

ApiServer::~ApiServer() = default;

absl::Status ApiServer::Start() { return impl_->Start(); }
void ApiServer::Stop() { impl_->Stop(); }
const std::string& ApiServer::socket_path() const { return impl_->socket_path(); }

}  // namespace nxt::reconciler::api
