#include "docker/hijack.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "docker/http_status.h"

namespace nxt::docker {
namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

absl::Status Connect(const Fd& fd, const std::string& path, const std::string& call) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (fd.get() < 0 || path.size() >= sizeof(addr.sun_path)) {
    return StatusFromTransport(false, "cannot create socket", call);
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return StatusFromTransport(false, absl::StrCat(path, ": ", std::strerror(errno)), call);
  }
  ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) | O_NONBLOCK);
  return absl::OkStatus();
}

// Drives one connection: sends `out` (then half-closes if asked), reads into `in`.
class Pump {
 public:
  Pump(int fd, absl::Time deadline, std::string call)
      : fd_(fd), deadline_(deadline), call_(std::move(call)) {}

  // Waits for the socket, then moves bytes. Sets *eof when the peer closed.
  absl::Status Step(std::string* out, bool half_close_when_sent, std::string* in, bool* eof) {
    if (out->empty() && half_close_when_sent && !shut_) {
      ::shutdown(fd_, SHUT_WR);
      shut_ = true;
    }
    pollfd p{fd_, static_cast<short>(POLLIN | (out->empty() ? 0 : POLLOUT)), 0};
    absl::Duration left = deadline_ - absl::Now();
    if (left <= absl::ZeroDuration()) return Timeout();
    int wait_ms = static_cast<int>(std::min<int64_t>(absl::ToInt64Milliseconds(left) + 1, 1000));
    int n = ::poll(&p, 1, wait_ms);
    if (n < 0 && errno != EINTR) return Broken("poll");
    if (n <= 0) return absl::OkStatus();
    if ((p.revents & POLLOUT) != 0 && !out->empty()) {
      ssize_t w = ::send(fd_, out->data(), out->size(), MSG_NOSIGNAL);
      if (w < 0 && errno != EAGAIN && errno != EINTR) return Broken("send");
      if (w > 0) out->erase(0, static_cast<size_t>(w));
    }
    if ((p.revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      char buf[64 * 1024];
      ssize_t r = ::recv(fd_, buf, sizeof(buf), 0);
      if (r < 0 && errno != EAGAIN && errno != EINTR) return Broken("recv");
      if (r == 0) *eof = true;
      if (r > 0) in->append(buf, static_cast<size_t>(r));
    }
    return absl::OkStatus();
  }

 private:
  absl::Status Timeout() const {
    return StatusFromTransport(true, "timed out (the process may still be running)", call_);
  }
  absl::Status Broken(const char* what) const {
    return StatusFromTransport(false, absl::StrCat(what, ": ", std::strerror(errno)), call_);
  }

  const int fd_;
  const absl::Time deadline_;
  const std::string call_;
  bool shut_ = false;
};

// Parses "HTTP/1.1 101 UPGRADED\r\n...headers...\r\n\r\n"; *content_length = -1 if absent.
bool ParseHead(const std::string& head, int* code, int64_t* content_length) {
  *content_length = -1;
  size_t sp = head.find(' ');
  if (head.rfind("HTTP/1.", 0) != 0 || sp == std::string::npos ||
      !absl::SimpleAtoi(head.substr(sp + 1, 3), code)) {
    return false;
  }
  std::string lower = absl::AsciiStrToLower(head);
  size_t cl = lower.find("\r\ncontent-length:");
  if (cl != std::string::npos) {
    size_t start = cl + 17;
    size_t end = lower.find("\r\n", start);
    if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(lower.substr(start, end - start)),
                          content_length)) {
      *content_length = -1;
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<HijackResponse> RunHijacked(const HijackRequest& request, ExecStreamDemuxer* demuxer,
                                           const std::string& call) {
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (absl::Status s = Connect(fd, request.socket_path, call); !s.ok()) return s;
  Pump pump(fd.get(), request.deadline, call);
  std::string out =
      absl::StrCat("POST ", request.target, " HTTP/1.1\r\nHost: docker\r\n",
                   "Content-Type: application/json\r\n", "Connection: Upgrade\r\nUpgrade: tcp\r\n",
                   "Content-Length: ", request.body.size(), "\r\n\r\n", request.body);
  std::string in;
  bool eof = false;
  size_t head_end = std::string::npos;
  // Stdin is sent only after the answer's head: the engine drops bytes it buffered
  // before hijacking the connection.
  while ((head_end = in.find("\r\n\r\n")) == std::string::npos) {
    if (eof) return StatusFromTransport(false, "connection closed before an answer", call);
    if (absl::Status s = pump.Step(&out, false, &in, &eof); !s.ok()) return s;
  }
  HijackResponse response;
  int64_t content_length = -1;
  if (!ParseHead(in.substr(0, head_end + 2), &response.code, &content_length)) {
    return absl::InternalError(absl::StrCat(call, ": malformed HTTP answer"));
  }
  in.erase(0, head_end + 4);
  bool streaming = response.code == 101 || response.code == 200;
  if (streaming) {
    out = request.send_stdin ? request.stdin_data : std::string();
  }
  while (!eof) {
    if (!streaming && content_length >= 0 && static_cast<int64_t>(in.size()) >= content_length) {
      break;
    }
    if (streaming && !in.empty()) {
      demuxer->Feed(in);
      in.clear();
    }
    if (absl::Status s = pump.Step(&out, streaming && request.send_stdin, &in, &eof); !s.ok()) {
      return s;
    }
  }
  if (streaming) {
    demuxer->Feed(in);
  } else {
    response.error_body = std::move(in);
  }
  return response;
}

}  // namespace nxt::docker
