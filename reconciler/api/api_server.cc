#include "reconciler/api/api_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <cstring>
#include <exception>
#include <optional>
#include <thread>
#include <utility>

#include "common/logging.h"

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

// One request, one answer, then close. Owned by the handlers queued on the io_context.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Protocol::socket socket, const ApiServer::Handler& handler, size_t max_bytes,
             absl::Duration timeout)
      : socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        handler_(handler),
        max_bytes_(max_bytes),
        timeout_(timeout) {
    parser_.body_limit(max_bytes);
    parser_.header_limit(64 * 1024);
  }

  void Start() {
    timer_.expires_after(absl::ToChronoMilliseconds(timeout_));
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->Close();
    });
    http::async_read_header(socket_, buffer_, parser_,
                            [self = shared_from_this()](const boost::system::error_code& ec,
                                                        size_t) { self->OnHeader(ec); });
  }

 private:
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
    ApiResponse response;
    try {
      response = handler_(request);
    } catch (...) {
      response = ApiResponse{500, R"({"error":"internal error","reason":"InternalError"})"};
    }
    Write(response.status, std::move(response.body));
  }

  void Respond(int status, const std::string& reason) {
    std::string message = status == 413
                              ? "request too large: the body is over the API's limit of " +
                                    std::to_string(max_bytes_) + " bytes; nothing was changed"
                              : "request header too large";
    Write(status, R"({"error":")" + message + R"(","reason":")" + reason + R"("})");
  }

  void Write(int status, std::string body) {
    response_.result(static_cast<unsigned>(status));
    response_.version(11);
    response_.set(http::field::content_type, "application/json");
    response_.set(http::field::server, "nxtd");
    response_.keep_alive(false);
    response_.body() = std::move(body);
    response_.prepare_payload();
    http::async_write(
        socket_, response_,
        [self = shared_from_this()](const boost::system::error_code&, size_t) { self->Close(); });
  }

  void Close() {
    boost::system::error_code ignored;
    timer_.cancel();
    socket_.shutdown(Protocol::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  Protocol::socket socket_;
  asio::steady_timer timer_;
  const ApiServer::Handler& handler_;
  const size_t max_bytes_;
  const absl::Duration timeout_;
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
  void Accept();

  const Options options_;
  const Handler handler_;  // outlives io_ (declared first): connections refer to it
  std::unique_ptr<asio::io_context> io_;
  std::unique_ptr<Protocol::acceptor> acceptor_;
  std::unique_ptr<asio::steady_timer> retry_timer_;
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
  if (absl::Status s = MakeParentDirs(path); !s.ok()) return s;
  if (absl::Status s = ClaimSocketPath(path); !s.ok()) return s;
  io_ = std::make_unique<asio::io_context>(1);
  if (absl::Status s = Listen(); !s.ok()) {
    acceptor_.reset();
    io_.reset();
    return s;
  }
  started_ = true;
  Accept();
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
  retry_timer_ = std::make_unique<asio::steady_timer>(*io_);
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

void ApiServer::Impl::Accept() {
  acceptor_->async_accept([this](const boost::system::error_code& ec, Protocol::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (ec) {
      // Out of descriptors or similar: try again shortly instead of spinning.
      Log(LogLevel::kWarning, kComponent, "accept failed", {{"error", ec.message()}});
      retry_timer_->expires_after(std::chrono::milliseconds(100));
      retry_timer_->async_wait([this](const boost::system::error_code& wait_ec) {
        if (!wait_ec) Accept();
      });
      return;
    }
    std::make_shared<Connection>(std::move(socket), handler_, options_.max_request_bytes,
                                 options_.request_timeout)
        ->Start();
    Accept();
  });
}

void ApiServer::Impl::Stop() {
  if (!started_) return;
  started_ = false;
  io_->stop();
  if (thread_.joinable()) thread_.join();
  acceptor_.reset();
  retry_timer_.reset();
  io_.reset();  // destroys queued handlers, and with them the open connections
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
