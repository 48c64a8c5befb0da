#include "reconciler/metrics_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "reconciler/metrics.h"
#include "reconciler/process_metrics.h"
#include "tests/testing/status_matchers.h"

namespace nxt::reconciler {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing::StatusIs;

struct HttpReply {
  std::string status_line;
  std::string headers;
  std::string body;
};

// Sends `request` raw to 127.0.0.1:port and reads until the server closes.
HttpReply Exchange(int port, const std::string& request) {
  HttpReply reply;
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    ADD_FAILURE() << "socket";
    return reply;
  }
  timeval timeout{.tv_sec = 10, .tv_usec = 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ADD_FAILURE() << "connect";
    close(fd);
    return reply;
  }
  size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      break;  // the server may close early (request too large)
    }
    sent += static_cast<size_t>(n);
  }
  std::string raw;
  char buffer[4096];
  for (ssize_t n; (n = recv(fd, buffer, sizeof(buffer), 0)) > 0;) {
    raw.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  const size_t line_end = raw.find("\r\n");
  const size_t head_end = raw.find("\r\n\r\n");
  if (line_end == std::string::npos || head_end == std::string::npos) {
    ADD_FAILURE() << "malformed reply: " << raw;
    return reply;
  }
  reply.status_line = raw.substr(0, line_end);
  reply.headers = raw.substr(line_end + 2, head_end - line_end - 2);
  reply.body = raw.substr(head_end + 4);
  return reply;
}

MetricsServerOptions At(const std::string& address) {
  MetricsServerOptions options;
  options.address = address;
  return options;
}

HttpReply Get(int port, const std::string& path) {
  return Exchange(port, "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
}

class MetricsServerTest : public ::testing::Test {
 protected:
  MetricsServerTest() : controller_metrics_(registry_), resource_metrics_(registry_) {
    controller_metrics_.Register("containerset", 2);
    resource_metrics_.SetCondition({"ContainerSet", "default", "web"}, "Ready", "True");
    resource_metrics_.SetReplicas({"ContainerSet", "default", "web"}, 2, 1);
    MetricsServerOptions options;
    options.address = "127.0.0.1:0";
    options.collectables = {&registry_, &process_metrics_};
    options.ready = [this] { return ready_.load(); };
    absl::StatusOr<std::unique_ptr<MetricsServer>> server = MetricsServer::Start(options);
    EXPECT_TRUE(server.ok()) << server.status();
    if (server.ok()) {
      server_ = std::move(*server);
    }
  }

  int port() const { return server_ ? server_->port() : 0; }

  prometheus::Registry registry_;
  ControllerMetrics controller_metrics_;
  ResourceMetrics resource_metrics_;
  ProcessMetrics process_metrics_;
  std::atomic<bool> ready_{false};
  std::unique_ptr<MetricsServer> server_;
};

TEST_F(MetricsServerTest, ServesMetricsInTextFormat) {
  ASSERT_GT(port(), 0);
  HttpReply reply = Get(port(), "/metrics");
  EXPECT_EQ(reply.status_line, "HTTP/1.1 200 OK");
  EXPECT_THAT(reply.headers, HasSubstr("Content-Type: text/plain; version=0.0.4"));
  EXPECT_THAT(reply.headers, HasSubstr("Connection: close"));
  EXPECT_THAT(reply.headers, HasSubstr("Content-Length: " + std::to_string(reply.body.size())));
  EXPECT_THAT(reply.body, HasSubstr("controller_runtime_reconcile_total{controller="
                                    "\"containerset\",result=\"success\"} 0"));
  EXPECT_THAT(reply.body, HasSubstr("nxt_resource_replicas{"));
  EXPECT_THAT(reply.body, HasSubstr("process_resident_memory_bytes "));
}

TEST_F(MetricsServerTest, MetricsPassPromtool) {
  ASSERT_GT(port(), 0);
  const std::string body = Get(port(), "/metrics").body;
  ASSERT_FALSE(body.empty());
  // CI installs promtool (Debian package "prometheus"); missing promtool is a failure.
  ASSERT_EQ(access("/usr/bin/promtool", X_OK), 0) << "promtool not installed";
  FILE* pipe = popen("/usr/bin/promtool check metrics", "w");
  ASSERT_NE(pipe, nullptr);
  fwrite(body.data(), 1, body.size(), pipe);
  const int status = pclose(pipe);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << body;
}

TEST_F(MetricsServerTest, HealthzIsAlwaysOk) {
  ASSERT_GT(port(), 0);
  HttpReply reply = Get(port(), "/healthz");
  EXPECT_EQ(reply.status_line, "HTTP/1.1 200 OK");
  EXPECT_EQ(reply.body, "ok\n");
}

TEST_F(MetricsServerTest, ReadyzFollowsTheCallback) {
  ASSERT_GT(port(), 0);
  EXPECT_EQ(Get(port(), "/readyz").status_line, "HTTP/1.1 503 Service Unavailable");
  ready_ = true;
  HttpReply reply = Get(port(), "/readyz?verbose");
  EXPECT_EQ(reply.status_line, "HTTP/1.1 200 OK");
  EXPECT_EQ(reply.body, "ok\n");
}

TEST_F(MetricsServerTest, UnknownPathIs404AndOtherMethods405) {
  ASSERT_GT(port(), 0);
  EXPECT_EQ(Get(port(), "/nope").status_line, "HTTP/1.1 404 Not Found");
  EXPECT_EQ(Exchange(port(), "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n").status_line,
            "HTTP/1.1 405 Method Not Allowed");
  HttpReply head = Exchange(port(), "HEAD /healthz HTTP/1.1\r\n\r\n");
  EXPECT_EQ(head.status_line, "HTTP/1.1 200 OK");
  EXPECT_EQ(head.body, "");
}

TEST_F(MetricsServerTest, MalformedAndOversizedRequestsAreRefused) {
  ASSERT_GT(port(), 0);
  EXPECT_EQ(Exchange(port(), "garbage\r\n\r\n").status_line, "HTTP/1.1 400 Bad Request");
  const std::string huge = "GET /metrics HTTP/1.1\r\nX-Filler: " + std::string(20000, 'a');
  EXPECT_THAT(Exchange(port(), huge).status_line, StartsWith("HTTP/1.1 431"));
  EXPECT_EQ(Get(port(), "/healthz").status_line, "HTTP/1.1 200 OK") << "still serving";
}

TEST_F(MetricsServerTest, StopIsIdempotent) {
  ASSERT_NE(server_, nullptr);
  server_->Stop();
  server_->Stop();
}

TEST(MetricsServerStartTest, RefusesBadAddresses) {
  EXPECT_THAT(MetricsServer::Start(At("no-port")), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MetricsServer::Start(At("127.0.0.1:99999")),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(MetricsServerStartTest, PortInUseIsUnavailable) {
  absl::StatusOr<std::unique_ptr<MetricsServer>> first = MetricsServer::Start(At("127.0.0.1:0"));
  ASSERT_TRUE(first.ok()) << first.status();
  const std::string taken = "127.0.0.1:" + std::to_string((*first)->port());
  EXPECT_THAT(MetricsServer::Start(At(taken)),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr(taken)));
}

TEST(MetricsServerStartTest, LocalhostResolves) {
  absl::StatusOr<std::unique_ptr<MetricsServer>> server = MetricsServer::Start(At("localhost:0"));
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_GT((*server)->port(), 0);
}

}  // namespace
}  // namespace nxt::reconciler
