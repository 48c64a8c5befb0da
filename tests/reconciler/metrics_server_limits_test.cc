// MetricsServer under clients that misbehave: silent, slow to send, not reading, too
// many. Real sockets on loopback; short timeouts through the options.
#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"
#include "reconciler/metrics_server.h"
#include "tests/testing/raw_socket.h"
#include "tests/testing/status_matchers.h"

namespace nxt::reconciler {
namespace {

using ::nxt::testing::RawSocket;
using ::nxt::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr absl::Duration kPrompt = absl::Seconds(5);
constexpr absl::Duration kNoAnswer = absl::Milliseconds(300);
constexpr char kScrape[] = "GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n";

// One gauge family; `label_bytes` of label value per sample makes the answer as large
// as a test needs.
class FillerCollectable : public prometheus::Collectable {
 public:
  FillerCollectable(int samples, size_t label_bytes)
      : samples_(samples), label_(label_bytes, 'f') {}
  std::vector<prometheus::MetricFamily> Collect() const override {
    prometheus::MetricFamily family{"filler", "bulk", prometheus::MetricType::Gauge, {}};
    for (int i = 0; i < samples_; ++i) {
      prometheus::ClientMetric metric;
      metric.label = {{"i", std::to_string(i)}, {"pad", label_}};
      metric.gauge.value = i;
      family.metric.push_back(std::move(metric));
    }
    return {family};
  }

 private:
  const int samples_;
  const std::string label_;
};

class MetricsServerLimitsTest : public ::testing::Test {
 protected:
  void Start(MetricsServerOptions options) {
    options.address = "127.0.0.1:0";
    if (options.collectables.empty()) options.collectables = {&small_};
    absl::StatusOr<std::unique_ptr<MetricsServer>> server = MetricsServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
  }
  int port() const { return server_->port(); }

  // A scrape on a fresh connection that must be answered 200 within kPrompt.
  void ExpectPromptScrape() {
    const absl::Time start = absl::Now();
    RawSocket client = RawSocket::Tcp(port());
    ASSERT_TRUE(client.Send(kScrape));
    RawSocket::ReadResult got = client.ReadUntilClosed(kPrompt);
    EXPECT_TRUE(got.closed);
    EXPECT_THAT(got.data, StartsWith("HTTP/1.1 200 OK"));
    EXPECT_THAT(got.data, HasSubstr("filler{"));
    EXPECT_LT(absl::Now() - start, kPrompt);
  }

  FillerCollectable small_{2, 4};
  std::unique_ptr<MetricsServer> server_;
};

TEST_F(MetricsServerLimitsTest, SilentClientsDoNotBlockAScrape) {
  ASSERT_NO_FATAL_FAILURE(Start({}));
  std::vector<RawSocket> silent;
  for (int i = 0; i < 10; ++i) silent.push_back(RawSocket::Tcp(port()));
  RawSocket half = RawSocket::Tcp(port());
  ASSERT_TRUE(half.Send("GET /metr"));
  ExpectPromptScrape();
  for (RawSocket& s : silent) EXPECT_FALSE(s.WaitReadable(absl::ZeroDuration()));
}

TEST_F(MetricsServerLimitsTest, IdleAndHalfSentClientsAreDisconnected) {
  MetricsServerOptions options;
  options.request_timeout = absl::Milliseconds(200);
  ASSERT_NO_FATAL_FAILURE(Start(options));
  const absl::Time start = absl::Now();
  RawSocket silent = RawSocket::Tcp(port());
  RawSocket half = RawSocket::Tcp(port());
  ASSERT_TRUE(half.Send("GET /metrics HTTP/1.1\r\nHost: lo"));
  RawSocket::ReadResult silent_end = silent.ReadUntilClosed(kPrompt);
  RawSocket::ReadResult half_end = half.ReadUntilClosed(kPrompt);
  EXPECT_TRUE(silent_end.closed);
  EXPECT_TRUE(half_end.closed);
  EXPECT_EQ(half_end.data, "");
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(200));
  ExpectPromptScrape();
}

TEST_F(MetricsServerLimitsTest, ClientThatStopsReadingIsDisconnectedAndFreesItsSlot) {
  // ~24 MB of metrics: more than loopback TCP buffers hold for a client that reads nothing.
  FillerCollectable big(1200, 20000);
  MetricsServerOptions options;
  options.collectables = {&big};
  options.response_timeout = absl::Milliseconds(300);
  options.max_connections = 1;
  ASSERT_NO_FATAL_FAILURE(Start(options));
  RawSocket reader = RawSocket::Tcp(port(), /*receive_buffer=*/4096);
  ASSERT_TRUE(reader.Send(kScrape));
  ASSERT_TRUE(reader.WaitReadable(kPrompt));  // the answer has started; no more reading
  // The next scrape waits for the only slot, which the server takes back from the reader.
  RawSocket next = RawSocket::Tcp(port());
  ASSERT_TRUE(next.Send("GET /healthz HTTP/1.1\r\n\r\n"));
  RawSocket::ReadResult healthz = next.ReadUntilClosed(kPrompt);
  EXPECT_THAT(healthz.data, StartsWith("HTTP/1.1 200 OK"));
  RawSocket::ReadResult got = reader.ReadUntilClosed(kPrompt);
  EXPECT_TRUE(got.closed);
  EXPECT_LT(got.data.size(), size_t{1200} * 20000);
}

TEST_F(MetricsServerLimitsTest, PastTheConnectionCapClientsWaitForAFreeSlot) {
  MetricsServerOptions options;
  options.max_connections = 2;
  ASSERT_NO_FATAL_FAILURE(Start(options));
  RawSocket first = RawSocket::Tcp(port());
  RawSocket second = RawSocket::Tcp(port());
  ASSERT_TRUE(first.ok() && second.ok());
  // The kernel completes the third connection, but the server does not take it yet.
  RawSocket third = RawSocket::Tcp(port());
  ASSERT_TRUE(third.Send(kScrape));
  EXPECT_FALSE(third.WaitReadable(kNoAnswer));
  first.Close();
  RawSocket::ReadResult got = third.ReadUntilClosed(kPrompt);
  EXPECT_THAT(got.data, StartsWith("HTTP/1.1 200 OK"));
  ExpectPromptScrape();
  EXPECT_FALSE(second.WaitReadable(absl::ZeroDuration()));
}

TEST(MetricsServerLimitsStartTest, RefusesZeroConnections) {
  MetricsServerOptions options;
  options.address = "127.0.0.1:0";
  options.max_connections = 0;
  EXPECT_THAT(MetricsServer::Start(options), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace nxt::reconciler
