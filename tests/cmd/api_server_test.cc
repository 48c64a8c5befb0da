#include "reconciler/api/api_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <string>

#include "cmd/nxtctl/curl_daemon_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace nxt::reconciler::api {
namespace {

using ::nxt::testing::IsOk;
using ::nxt::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::StartsWith;

int Connect(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

void SendAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<size_t>(n);
  }
}

std::string ReadSome(int fd) {
  char buf[4096];
  ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

std::string ReadAll(int fd) {
  std::string out;
  for (std::string part = ReadSome(fd); !part.empty(); part = ReadSome(fd)) out += part;
  return out;
}

// Echoes method, target and body length, so the round trip is visible.
ApiResponse Echo(const ApiRequest& r) {
  return {r.target == "/missing" ? 404 : 200,
          "{\"method\":\"" + r.method + "\",\"target\":\"" + r.target +
              "\",\"bytes\":" + std::to_string(r.body.size()) + "}"};
}

class ApiServerTest : public ::testing::Test {
 protected:
  ApiServer::Options Opts() {
    ApiServer::Options o;
    o.socket_path = socket_;
    o.max_request_bytes = 1024;
    return o;
  }
  testing::TempDir dir_;
  const std::string socket_ = dir_.Join("run/nxt/nxtd.sock");
};

TEST_F(ApiServerTest, ServesHttpOverSocketWithMode0600) {
  ApiServer server(Opts(), Echo);
  ASSERT_THAT(server.Start(), IsOk());
  struct stat st {};
  ASSERT_EQ(::stat(socket_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(dir_.Join("run/nxt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u);

  nxtctl::CurlDaemonClient client(socket_);
  absl::StatusOr<nxtctl::DaemonResponse> got = client.Send("GET", "/v1/objects?kind=cs", "");
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(got->body, R"({"method":"GET","target":"/v1/objects?kind=cs","bytes":0})");
  got = client.Send("POST", "/v1/apply", std::string(700, 'x'));
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->body, R"({"method":"POST","target":"/v1/apply","bytes":700})");
  got = client.Send("GET", "/missing", "");
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->status, 404);

  server.Stop();
  EXPECT_NE(::stat(socket_.c_str(), &st), 0) << "socket file removed on Stop";
}

TEST_F(ApiServerTest, RequestOverTheLimitGets413) {
  ApiServer server(Opts(), Echo);
  ASSERT_THAT(server.Start(), IsOk());
  int fd = Connect(socket_);
  ASSERT_GE(fd, 0);
  SendAll(fd, "POST /v1/apply HTTP/1.1\r\nHost: nxtd\r\nContent-Length: 5000\r\n\r\n");
  std::string reply = ReadAll(fd);
  ::close(fd);
  EXPECT_THAT(reply, StartsWith("HTTP/1.1 413"));
  EXPECT_THAT(reply, HasSubstr("RequestTooLarge"));
  EXPECT_THAT(reply, HasSubstr("over the API's limit of 1024 bytes"));
}

// Through nxtctl's own client: the answer arrives although the body was not read.
TEST_F(ApiServerTest, CurlClientGetsThe413OfAnOversizeBody) {
  ApiServer server(Opts(), Echo);
  ASSERT_THAT(server.Start(), IsOk());
  nxtctl::CurlDaemonClient client(socket_);
  absl::StatusOr<nxtctl::DaemonResponse> got =
      client.Send("POST", "/v1/apply", std::string(4 << 20, 'x'));
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->status, 413);
  EXPECT_THAT(got->body, HasSubstr("RequestTooLarge"));
}

TEST_F(ApiServerTest, HonoursExpect100Continue) {
  ApiServer server(Opts(), Echo);
  ASSERT_THAT(server.Start(), IsOk());
  int fd = Connect(socket_);
  ASSERT_GE(fd, 0);
  SendAll(fd,
          "POST /v1/diff HTTP/1.1\r\nHost: nxtd\r\nContent-Length: 4\r\n"
          "Expect: 100-continue\r\n\r\n");
  EXPECT_THAT(ReadSome(fd), StartsWith("HTTP/1.1 100 Continue"));
  SendAll(fd, "abcd");
  std::string reply = ReadAll(fd);
  ::close(fd);
  EXPECT_THAT(reply, StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(reply, HasSubstr(R"("bytes":4)"));
  EXPECT_THAT(reply, HasSubstr("Connection: close"));
}

TEST_F(ApiServerTest, RefusesToStartWhileAnotherServerAnswers) {
  ApiServer first(Opts(), Echo);
  ASSERT_THAT(first.Start(), IsOk());
  ApiServer second(Opts(), Echo);
  EXPECT_THAT(second.Start(), StatusIs(absl::StatusCode::kAlreadyExists));
  second.Stop();
  // The first one is untouched and still serving.
  nxtctl::CurlDaemonClient client(socket_);
  absl::StatusOr<nxtctl::DaemonResponse> got = client.Send("GET", "/v1/version", "");
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->status, 200);
}

TEST_F(ApiServerTest, ReplacesStaleSocket) {
  std::filesystem::create_directories(dir_.Join("run/nxt"));
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket_.c_str(), sizeof(addr.sun_path) - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)), 0);
  ::close(fd);  // a crashed daemon leaves its socket file behind
  ApiServer server(Opts(), Echo);
  ASSERT_THAT(server.Start(), IsOk());
  nxtctl::CurlDaemonClient client(socket_);
  EXPECT_THAT(client.Send("GET", "/v1/version", ""), IsOk());
}

TEST_F(ApiServerTest, RefusesToReplaceAFileThatIsNotASocket) {
  dir_.Write("run/nxt/nxtd.sock", "precious");
  ApiServer server(Opts(), Echo);
  EXPECT_THAT(server.Start(), StatusIs(absl::StatusCode::kFailedPrecondition));
  std::ifstream in(socket_);
  std::string content;
  in >> content;
  EXPECT_EQ(content, "precious");
}

TEST_F(ApiServerTest, ClientReportsUnreachableDaemon) {
  nxtctl::CurlDaemonClient client(socket_);
  EXPECT_THAT(client.Send("GET", "/v1/version", ""),
              StatusIs(absl::StatusCode::kUnavailable,
                       HasSubstr("cannot reach nxtd at " + socket_ + ": No such file")));
}

}  // namespace
}  // namespace nxt::reconciler::api
