// A client socket for tests that play a misbehaving client of nxtd's servers: connect,
// send part of a request or nothing, stop reading, and watch what the server does.
//
//   RawSocket silent = RawSocket::Unix(socket_path);
//   ASSERT_TRUE(silent.ok());
//   EXPECT_TRUE(silent.ReadUntilClosed(absl::Seconds(5)).closed);  // the server hung up
//
// Blocking I/O bounded by poll(); never throws. Closes its descriptor on destruction.
// Not thread-safe.
#ifndef NXT_TESTS_TESTING_RAW_SOCKET_H_
#define NXT_TESTS_TESTING_RAW_SOCKET_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace nxt::testing {

class RawSocket {
 public:
  struct ReadResult {
    std::string data;
    bool closed = false;  // the server closed (EOF or reset); false: timed out
  };

  // Connected to the Unix socket `path`; !ok() when that failed.
  static RawSocket Unix(const std::string& path) {
    RawSocket s(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
    s.Connect(reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
    return s;
  }

  // Connected to 127.0.0.1:`port`. A `receive_buffer` above 0 is set before connecting
  // (SO_RCVBUF), so that a client that stops reading fills up quickly.
  static RawSocket Tcp(int port, int receive_buffer = 0) {
    RawSocket s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (s.fd_ >= 0 && receive_buffer > 0) {
      ::setsockopt(s.fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer));
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s.Connect(reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
    return s;
  }

  RawSocket(RawSocket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  RawSocket& operator=(RawSocket&& other) noexcept {
    if (this != &other) {
      Close();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;
  ~RawSocket() { Close(); }

  bool ok() const { return fd_ >= 0; }

  // Sends all of `data`; false when the connection failed first.
  bool Send(const std::string& data) {
    size_t sent = 0;
    while (fd_ >= 0 && sent < data.size()) {
      const ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
    }
    return fd_ >= 0;
  }

  // True when data (or the end of the stream) arrives within `timeout`.
  bool WaitReadable(absl::Duration timeout) {
    if (fd_ < 0) return false;
    pollfd p{fd_, POLLIN, 0};
    int rc;
    do {
      rc = ::poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(timeout)));
    } while (rc < 0 && errno == EINTR);
    return rc > 0;
  }

  // Reads until the server closes the connection or `timeout` passes.
  ReadResult ReadUntilClosed(absl::Duration timeout) {
    ReadResult result;
    const absl::Time deadline = absl::Now() + timeout;
    char buffer[16384];
    while (fd_ >= 0) {
      // Past the deadline, one last look at what has already arrived.
      const absl::Duration left = std::max(deadline - absl::Now(), absl::ZeroDuration());
      if (!WaitReadable(left)) return result;
      const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        result.closed = true;
        return result;
      }
      result.data.append(buffer, static_cast<size_t>(n));
    }
    return result;
  }

  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  explicit RawSocket(int fd) : fd_(fd) {}

  void Connect(const sockaddr* addr, socklen_t size) {
    if (fd_ >= 0 && ::connect(fd_, addr, size) != 0) Close();
  }

  int fd_ = -1;
};

}  // namespace nxt::testing

#endif  // NXT_TESTS_TESTING_RAW_SOCKET_H_
