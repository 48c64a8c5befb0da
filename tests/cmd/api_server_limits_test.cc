// ApiServer under clients that misbehave: silent, slow to send, not reading, too many;
// and a slow handler. Real sockets; short timeouts through the Options.
#include <atomic>
#include <boost/json.hpp>
#include <string>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "cmd/nxtctl/curl_daemon_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reconciler/api/api_handlers.h"
#include "reconciler/api/api_server.h"
#include "tests/cmd/api_fakes.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/fake_store.h"
#include "tests/testing/raw_socket.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace nxt::reconciler::api {
namespace {

using ::nxt::testing::IsOk;
using ::nxt::testing::RawSocket;
using ::nxt::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// Long enough for a loaded machine, far below the server's timeouts where they matter.
constexpr absl::Duration kPrompt = absl::Seconds(5);
// How long a client that should NOT be answered yet is watched.
constexpr absl::Duration kNoAnswer = absl::Milliseconds(300);

constexpr char kGetVersion[] = "GET /v1/version HTTP/1.1\r\nHost: nxtd\r\n\r\n";

ApiResponse Version(const ApiRequest&) { return {200, R"({"version":"t"})"}; }

class ApiServerLimitsTest : public ::testing::Test {
 protected:
  ApiServer::Options Opts() {
    ApiServer::Options o;
    o.socket_path = socket_;
    return o;
  }
  // A GET through nxtctl's client; fails the test unless it is answered 200 within kPrompt.
  void ExpectPromptAnswer(const std::string& target = "/v1/version") {
    const absl::Time start = absl::Now();
    nxtctl::CurlDaemonClient client(socket_, kPrompt);
    absl::StatusOr<nxtctl::DaemonResponse> got = client.Send("GET", target, "");
    ASSERT_THAT(got, IsOk());
    EXPECT_EQ(got->status, 200) << got->body;
    EXPECT_LT(absl::Now() - start, kPrompt);
  }

  testing::TempDir dir_;
  const std::string socket_ = dir_.Join("nxtd.sock");
};

TEST_F(ApiServerLimitsTest, SilentClientDoesNotDelayAnother) {
  ApiServer server(Opts(), Version);
  ASSERT_THAT(server.Start(), IsOk());
  RawSocket silent = RawSocket::Unix(socket_);
  ASSERT_TRUE(silent.ok());
  RawSocket half = RawSocket::Unix(socket_);
  ASSERT_TRUE(half.Send("POST /v1/apply HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"fi"));
  ExpectPromptAnswer();
  EXPECT_FALSE(silent.WaitReadable(absl::ZeroDuration())) << "still open, nothing sent";
}

TEST_F(ApiServerLimitsTest, SlowDiffDoesNotBlockGet) {
  // The real handlers, with a planner that blocks until the test lets it go.
  testing::FakeClock clock;
  std::shared_ptr<const resources::KindRegistry> kinds = *resources::KindRegistry::Builtin();
  testing::FakeStore store(clock);
  testing::FakeApplyBackend backend(*kinds, store);
  ApiHandlers handlers(store, *kinds, backend, {.server_version = "t"});
  absl::Notification planning, release;
  handlers.SetPlanner("ContainerSet", [&](const resources::Object&) {
    planning.Notify();
    release.WaitForNotification();
    return std::vector<std::string>{"create web-0"};
  });
  ApiServer server(Opts(), handlers);
  ASSERT_THAT(server.Start(), IsOk());

  const std::string web =
      "apiVersion: nxt.io/v1alpha1\nkind: ContainerSet\nmetadata:\n  name: web\n"
      "spec:\n  image: nginx:1.27\n  replicas: 1\n";
  const std::string body = boost::json::serialize(boost::json::object{
      {"files", boost::json::array{boost::json::object{{"name", "w.yaml"}, {"content", web}}}}});
  absl::StatusOr<nxtctl::DaemonResponse> diff;
  std::thread differ(
      [&] { diff = nxtctl::CurlDaemonClient(socket_).Send("POST", "/v1/diff", body); });
  ASSERT_TRUE(planning.WaitForNotificationWithTimeout(kPrompt));

  ExpectPromptAnswer("/v1/objects?kind=cs");
  ExpectPromptAnswer("/v1/version");
  EXPECT_FALSE(release.HasBeenNotified());  // the diff was still running throughout

  release.Notify();
  differ.join();
  ASSERT_THAT(diff, IsOk());
  EXPECT_EQ(diff->status, 200);
  EXPECT_THAT(diff->body, HasSubstr("create web-0"));
}

TEST_F(ApiServerLimitsTest, BusyWorkersQueueRequestsWithoutDroppingThem) {
  absl::Notification release;
  std::atomic<int> running{0};
  ApiServer::Options o = Opts();
  o.handler_threads = 1;
  ApiServer server(o, [&](const ApiRequest& r) {
    if (r.target == "/slow") {
      ++running;
      release.WaitForNotification();
    }
    return ApiResponse{200, "{}"};
  });
  ASSERT_THAT(server.Start(), IsOk());
  RawSocket slow = RawSocket::Unix(socket_);
  ASSERT_TRUE(slow.Send("GET /slow HTTP/1.1\r\n\r\n"));
  RawSocket queued = RawSocket::Unix(socket_);
  ASSERT_TRUE(queued.Send(kGetVersion));
  EXPECT_FALSE(queued.WaitReadable(kNoAnswer)) << "the only worker is busy";
  release.Notify();
  EXPECT_THAT(queued.ReadUntilClosed(kPrompt).data, StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(slow.ReadUntilClosed(kPrompt).data, StartsWith("HTTP/1.1 200"));
  EXPECT_EQ(running.load(), 1);
}

TEST_F(ApiServerLimitsTest, IdleAndHalfSentClientsAreDisconnected) {
  ApiServer::Options o = Opts();
  o.request_timeout = absl::Milliseconds(200);
  ApiServer server(o, Version);
  ASSERT_THAT(server.Start(), IsOk());
  const absl::Time start = absl::Now();
  RawSocket silent = RawSocket::Unix(socket_);
  RawSocket half = RawSocket::Unix(socket_);
  ASSERT_TRUE(half.Send("GET /v1/version HTTP/1.1\r\nHost: nx"));
  RawSocket::ReadResult silent_end = silent.ReadUntilClosed(kPrompt);
  RawSocket::ReadResult half_end = half.ReadUntilClosed(kPrompt);
  EXPECT_TRUE(silent_end.closed);
  EXPECT_TRUE(half_end.closed);
  EXPECT_EQ(silent_end.data, "");
  EXPECT_EQ(half_end.data, "");
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(200));
  ExpectPromptAnswer();  // the server itself is fine
}

TEST_F(ApiServerLimitsTest, ClientThatStopsReadingIsDisconnectedAndFreesItsSlot) {
  ApiServer::Options o = Opts();
  o.response_timeout = absl::Milliseconds(200);
  o.max_connections = 1;
  const std::string big(8 << 20, 'x');  // far more than a Unix socket buffers
  ApiServer server(o, [&](const ApiRequest& r) {
    return ApiResponse{200, r.target == "/big" ? big : "{}"};
  });
  ASSERT_THAT(server.Start(), IsOk());
  RawSocket reader = RawSocket::Unix(socket_);
  ASSERT_TRUE(reader.Send("GET /big HTTP/1.1\r\n\r\n"));
  ASSERT_TRUE(reader.WaitReadable(kPrompt));  // the answer has started; the client reads no more
  // The only slot is taken until the server gives up on the reader.
  ExpectPromptAnswer();
  RawSocket::ReadResult got = reader.ReadUntilClosed(kPrompt);
  EXPECT_TRUE(got.closed);
  EXPECT_LT(got.data.size(), big.size());
}

TEST_F(ApiServerLimitsTest, PastTheConnectionCapClientsWaitForAFreeSlot) {
  ApiServer::Options o = Opts();
  o.max_connections = 2;
  ApiServer server(o, Version);
  ASSERT_THAT(server.Start(), IsOk());
  RawSocket first = RawSocket::Unix(socket_);
  RawSocket second = RawSocket::Unix(socket_);
  ASSERT_TRUE(first.ok() && second.ok());
  // The third connects (the kernel queues it) but is not served while two are open.
  RawSocket third = RawSocket::Unix(socket_);
  ASSERT_TRUE(third.Send(kGetVersion));
  EXPECT_FALSE(third.WaitReadable(kNoAnswer));
  first.Close();
  RawSocket::ReadResult got = third.ReadUntilClosed(kPrompt);
  EXPECT_THAT(got.data, StartsWith("HTTP/1.1 200"));
  EXPECT_TRUE(got.closed);
  // Its slot is free again, and the second still holds the other one.
  ExpectPromptAnswer();
  EXPECT_FALSE(second.WaitReadable(absl::ZeroDuration()));
}

TEST_F(ApiServerLimitsTest, RefusesZeroConnectionsOrThreads) {
  ApiServer::Options o = Opts();
  o.max_connections = 0;
  EXPECT_THAT(ApiServer(o, Version).Start(), StatusIs(absl::StatusCode::kInvalidArgument));
  o = Opts();
  o.handler_threads = 0;
  EXPECT_THAT(ApiServer(o, Version).Start(), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace nxt::reconciler::api
