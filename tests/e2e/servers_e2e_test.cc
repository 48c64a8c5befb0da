// End to end: clients that open connections to the real nxtd and send nothing (or half a
// request) stall neither the API socket nor the metrics endpoint, and nxtd hangs up on
// them after --client-timeout; past the connection cap, clients wait for a free slot.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/testing/raw_socket.h"
#include "tests/testing/temp_dir.h"

namespace nxt::e2e {
namespace {

using ::nxt::testing::RawSocket;
using ::testing::HasSubstr;

constexpr absl::Duration kClientTimeout = absl::Seconds(3);
constexpr absl::Duration kPrompt = absl::Seconds(5);

class ServersE2eTest : public E2eTest {
 protected:
  void StartWithShortTimeout() {
    NxtdOptions options;
    options.extra_flags = {"--client-timeout=" + absl::FormatDuration(kClientTimeout)};
    StartNxtd(options);
  }

  // `n` silent connections to the API socket and `n` to the metrics port, plus one on
  // each that sent half a request.
  std::vector<RawSocket> OpenSilentClients(int n) {
    std::vector<RawSocket> clients;
    for (int i = 0; i < n; ++i) {
      clients.push_back(RawSocket::Unix(nxtd_->api_socket()));
      clients.push_back(RawSocket::Tcp(nxtd_->metrics_port()));
    }
    clients.push_back(RawSocket::Unix(nxtd_->api_socket()));
    EXPECT_TRUE(clients.back().Send("POST /v1/apply HTTP/1.1\r\nContent-Length: 90\r\n\r\n{"));
    clients.push_back(RawSocket::Tcp(nxtd_->metrics_port()));
    EXPECT_TRUE(clients.back().Send("GET /metrics HTTP/1.1\r\nHo"));
    for (const RawSocket& c : clients) EXPECT_TRUE(c.ok());
    return clients;
  }

  // Runs nxtctl and fails the test unless it succeeds within `limit`.
  CommandResult TimedNxtctl(const std::vector<std::string>& args, absl::Duration limit) {
    const absl::Time start = absl::Now();
    CommandResult r = nxtd_->Nxtctl(args);
    EXPECT_EQ(r.exit_code, 0) << r.stderr_text;
    EXPECT_LT(absl::Now() - start, limit) << "nxtctl " << args.front();
    return r;
  }

  void ExpectScrapeWithin(absl::Duration limit) {
    const absl::Time start = absl::Now();
    absl::StatusOr<HttpResponse> scrape = HttpGet(nxtd_->metrics_url("/metrics"));
    ASSERT_TRUE(scrape.ok()) << scrape.status();
    EXPECT_EQ(scrape->status, 200);
    EXPECT_THAT(scrape->body, HasSubstr("controller_runtime_reconcile_total"));
    EXPECT_LT(absl::Now() - start, limit);
  }
};

TEST_F(ServersE2eTest, SilentClientsStallNeitherApiNorMetricsAndAreDisconnected) {
  const std::string web = SetName("web");
  StartWithShortTimeout();
  nxt::testing::TempDir input;
  input.Write("web.yaml", SetManifest(ns_, web, 1).Yaml());

  const absl::Time opened = absl::Now();
  std::vector<RawSocket> silent = OpenSilentClients(20);

  // A write, a read and a scrape are all answered at once.
  CommandResult applied = TimedNxtctl({"apply", "-f", input.Join("web.yaml")}, kPrompt);
  EXPECT_THAT(applied.stdout_text, HasSubstr(web + " created"));
  CommandResult got = TimedNxtctl({"get", "cs", web, "-n", ns_}, kPrompt);
  EXPECT_THAT(got.stdout_text, HasSubstr(web));
  ExpectScrapeWithin(kPrompt);
  // The controllers are not held up either.
  WaitRunningMembers(web, 1, absl::Seconds(60));

  // nxtd hangs up on every one of them once the timeout has passed, without an answer.
  for (RawSocket& client : silent) {
    const absl::Duration left = opened + kClientTimeout + kPrompt - absl::Now();
    RawSocket::ReadResult end = client.ReadUntilClosed(std::max(left, absl::ZeroDuration()));
    EXPECT_TRUE(end.closed);
    EXPECT_EQ(end.data, "");
  }
  EXPECT_GE(absl::Now() - opened, kClientTimeout);
  TimedNxtctl({"get", "cs", "-n", ns_}, kPrompt);
  ExpectScrapeWithin(kPrompt);
}

TEST_F(ServersE2eTest, PastTheConnectionCapClientsWaitForASlot) {
  StartWithShortTimeout();
  // nxtd serves 64 connections per server; these take every slot.
  const absl::Time opened = absl::Now();
  std::vector<RawSocket> silent;
  for (int i = 0; i < 64; ++i) {
    silent.push_back(RawSocket::Unix(nxtd_->api_socket()));
    silent.push_back(RawSocket::Tcp(nxtd_->metrics_port()));
  }
  // Clients past the cap are answered once the timeout frees the slots, not before.
  TimedNxtctl({"get", "cs", "-n", ns_}, kClientTimeout + kPrompt);
  EXPECT_GE(absl::Now() - opened, kClientTimeout);
  ExpectScrapeWithin(kPrompt);
  EXPECT_THAT(nxtd_->ReadLog(), HasSubstr("connection limit reached"));
}

}  // namespace
}  // namespace nxt::e2e
