#include "controllers/common/network_pool.h"

#include <sys/stat.h>

#include <set>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "controllers/common/adoption.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace nxt::controllers {
namespace {

using ::nxt::testing::IsOk;
using ::nxt::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Optional;

constexpr char kHeader[] =
    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n";
// As this host prints them: default via eth0, docker0 172.17.0.0/16, eth0 192.0.2.0/24.
constexpr char kHostRoutes[] =
    "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
    "docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n"
    "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n";

Ipv4Prefix P(const std::string& text) { return Ipv4Prefix::Parse(text).value(); }

docker::NetworkInfo Network(const std::string& name, const std::string& subnet, bool nxt) {
  docker::NetworkInfo n;
  n.id = "id-" + name;
  n.name = name;
  if (nxt) n.labels[docker::kLabelManagedBy] = docker::kManagedByValue;
  n.subnets = {subnet};
  return n;
}

class NetworkPoolTest : public ::testing::Test {
 protected:
  void SetUp() override { SetRoutes(""); }

  void SetRoutes(const std::string& extra) {
    dir_.Write("route", absl::StrCat(kHeader, kHostRoutes, extra));
  }
  std::unique_ptr<NetworkPool> Open(const std::string& ranges, int prefix) {
    NetworkPoolOptions options;
    options.ranges = ParseNetworkPool(ranges, prefix).value();
    options.prefix_length = prefix;
    options.state_file = dir_.Join("network-subnets");
    options.routes_file = dir_.Join("route");
    absl::StatusOr<std::unique_ptr<NetworkPool>> pool = NetworkPool::Open(options);
    EXPECT_THAT(pool.status(), IsOk());
    return pool.ok() ? std::move(*pool) : nullptr;
  }
  std::string Allocated(NetworkPool& pool, const std::string& name,
                        const std::vector<docker::NetworkInfo>& engine = {}) {
    absl::StatusOr<Ipv4Prefix> s = pool.Allocate(name, engine);
    return s.ok() ? s->ToString() : absl::StrCat("error: ", s.status().message());
  }

  ::nxt::testing::TempDir dir_;
};

TEST(ParseNetworkPoolTest, AutoListsAndRefusals) {
  absl::StatusOr<std::vector<Ipv4Prefix>> ranges = ParseNetworkPool("auto", 26);
  ASSERT_THAT(ranges.status(), IsOk());
  EXPECT_THAT(*ranges, ElementsAre(P("10.224.0.0/16"), P("10.225.0.0/16"), P("172.16.0.0/16")));
  EXPECT_THAT(ParseNetworkPool("10.50.0.0/16,10.51.0.0/24", 26).value_or(std::vector<Ipv4Prefix>{}),
              ElementsAre(P("10.50.0.0/16"), P("10.51.0.0/24")));
  EXPECT_THAT(ParseNetworkPool("10.50.0.1/16", 26),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("host bits")));
  EXPECT_THAT(ParseNetworkPool("10.50.0.0/28", 26),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("smaller than one /26")));
  EXPECT_THAT(ParseNetworkPool("10.0.0.0/8,10.50.0.0/16", 26),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("overlaps 10.0.0.0/8")));
  EXPECT_THAT(ParseNetworkPool("10.0.0.0/16", 30), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseNetworkPool("", 26), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseNetworkPool("banana", 26), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ParseProcNetRouteTest, ReadsUpRoutesInKernelByteOrder) {
  absl::StatusOr<std::vector<HostRoute>> routes = ParseProcNetRoute(absl::StrCat(
      kHeader, kHostRoutes, "wg0\t0000D50A\t00000000\t0000\t0\t0\t0\t0000FFFF\t0\t0\t0\n"));
  ASSERT_THAT(routes.status(), IsOk());
  ASSERT_EQ(routes->size(), 3u) << "the route that is down (flags 0) is left out";
  EXPECT_EQ((*routes)[0].destination.ToString(), "0.0.0.0/0");
  EXPECT_EQ((*routes)[1].destination.ToString(), "172.17.0.0/16");
  EXPECT_EQ((*routes)[1].device, "docker0");
  EXPECT_EQ((*routes)[2].destination.ToString(), "192.0.2.0/24");
  EXPECT_THAT(ParseProcNetRoute(absl::StrCat(kHeader, "eth0 zz 0 1 0 0 0 0\n")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("route line 2")));
}

TEST_F(NetworkPoolTest, GivesDistinctBlocksAndTheSameOneAgainToTheSameNetwork) {
  std::unique_ptr<NetworkPool> pool = Open("10.213.0.0/16", 26);
  EXPECT_EQ(Allocated(*pool, "nxt-a-web"), "10.213.0.0/26");
  EXPECT_EQ(Allocated(*pool, "nxt-a-db"), "10.213.0.64/26");
  EXPECT_EQ(Allocated(*pool, "nxt-a-web"), "10.213.0.0/26") << "reused, not a new block";
  EXPECT_EQ(pool->Records().size(), 2u);
}

TEST_F(NetworkPoolTest, RecordsSurviveAReopenInA0600File) {
  {
    std::unique_ptr<NetworkPool> pool = Open("10.213.0.0/16", 27);
    EXPECT_EQ(Allocated(*pool, "nxt-a-web"), "10.213.0.0/27");
    EXPECT_EQ(Allocated(*pool, "nxt-a-db"), "10.213.0.32/27");
    ASSERT_THAT(pool->Release("nxt-a-web"), IsOk());
    EXPECT_EQ(Allocated(*pool, "nxt-a-cache"), "10.213.0.0/27") << "a released block is free";
  }
  struct stat st;
  ASSERT_EQ(::stat(dir_.Join("network-subnets").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::unique_ptr<NetworkPool> reopened = Open("10.213.0.0/16", 27);
  EXPECT_THAT(reopened->Recorded("nxt-a-db"), Optional(P("10.213.0.32/27")));
  EXPECT_THAT(reopened->Recorded("nxt-a-cache"), Optional(P("10.213.0.0/27")));
  EXPECT_FALSE(reopened->Recorded("nxt-a-web").has_value());
  EXPECT_EQ(Allocated(*reopened, "nxt-a-db"), "10.213.0.32/27");
  EXPECT_EQ(Allocated(*reopened, "nxt-a-web"), "10.213.0.64/27");
}

TEST_F(NetworkPoolTest, AStateFileItCannotReadIsRefusedWithItsLine) {
  dir_.Write("network-subnets", "# comment\nnxt-a-web 10.213.0.0/26\nnxt-a-db 10.213.0.65/26\n");
  NetworkPoolOptions options;
  options.ranges = {P("10.213.0.0/16")};
  options.state_file = dir_.Join("network-subnets");
  EXPECT_THAT(NetworkPool::Open(options),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("network-subnets:3: ")));
}

TEST_F(NetworkPoolTest, AFullPoolIsARefusalWithAReasonUntilABlockIsReleased) {
  std::unique_ptr<NetworkPool> pool = Open("10.213.0.0/24", 26);
  std::vector<docker::NetworkInfo> engine;
  for (int i = 0; i < 4; ++i) {
    const std::string name = absl::StrCat("nxt-a-s", i);
    absl::StatusOr<Ipv4Prefix> block = pool->Allocate(name, engine);
    ASSERT_THAT(block.status(), IsOk());
    engine.push_back(Network(name, block->ToString(), true));
  }
  absl::StatusOr<Ipv4Prefix> none = pool->Allocate("nxt-a-s4", engine);
  EXPECT_THAT(none, StatusIs(absl::StatusCode::kFailedPrecondition,
                             HasSubstr("network pool 10.213.0.0/24 in /26 blocks is full: 4 "
                                       "networks of nxt hold every block")));
  EXPECT_EQ(ConflictReason(none.status()), kReasonNetworkPoolExhausted);
  EXPECT_FALSE(pool->Recorded("nxt-a-s4").has_value());
  ASSERT_THAT(pool->Release("nxt-a-s2"), IsOk());
  engine.erase(engine.begin() + 2);
  EXPECT_EQ(Allocated(*pool, "nxt-a-s4", engine), "10.213.0.128/26");
}

TEST_F(NetworkPoolTest, AFullPoolReclaimsRecordsWhoseNetworksAreGone) {
  std::unique_ptr<NetworkPool> pool = Open("10.213.0.0/25", 26);
  EXPECT_EQ(Allocated(*pool, "nxt-a-gone"), "10.213.0.0/26");
  EXPECT_EQ(Allocated(*pool, "nxt-a-here"), "10.213.0.64/26");
  // Only nxt-a-here exists: nxt-a-gone was removed by hand.
  const std::vector<docker::NetworkInfo> engine = {Network("nxt-a-here", "10.213.0.64/26", true)};
  EXPECT_EQ(Allocated(*pool, "nxt-a-new", engine), "10.213.0.0/26");
  EXPECT_FALSE(pool->Recorded("nxt-a-gone").has_value());
  EXPECT_TRUE(pool->Recorded("nxt-a-here").has_value());
}

TEST_F(NetworkPoolTest, BlocksUnderHostRoutesAreSkipped) {
  // A VPN route over the start of the pool; the bridge of an engine network is no host route.
  SetRoutes(
      "wg0\t0000D50A\t00000000\t0001\t0\t0\t0\t0080FFFF\t0\t0\t0\n"     // 10.213.0.0/17
      "br-1\t0080D50A\t00000000\t0001\t0\t0\t0\tC0FFFFFF\t0\t0\t0\n");  // 10.213.128.0/26
  std::unique_ptr<NetworkPool> pool = Open("10.213.0.0/16", 26);
  const std::vector<docker::NetworkInfo> engine = {Network("nxt-a-old", "10.213.128.0/26", true)};
  EXPECT_EQ(Allocated(*pool, "nxt-a-web", engine), "10.213.128.64/26");
}

TEST_F(NetworkPoolTest, APoolUnderAHostRouteIsARefusalNamingTheRoute) {
  std::unique_ptr<NetworkPool> pool = Open("192.0.2.0/25", 26);
  absl::StatusOr<Ipv4Prefix> none = pool->Allocate("nxt-a-web", {});
  EXPECT_THAT(none, StatusIs(absl::StatusCode::kFailedPrecondition,
                             HasSubstr("overlap host route 192.0.2.0/24 dev eth0")));
  EXPECT_EQ(ConflictReason(none.status()), kReasonNetworkPoolOverlap);
}

TEST_F(NetworkPoolTest, NetworksNxtDoesNotManageAreAvoidedAndNamed) {
  std::unique_ptr<NetworkPool> pool = Open("10.213.0.0/24", 26);
  std::vector<docker::NetworkInfo> engine = {Network("theirs", "10.213.0.0/25", false),
                                             Network("nxt-a-x", "10.213.0.128/26", true)};
  EXPECT_EQ(Allocated(*pool, "nxt-a-web", engine), "10.213.0.192/26");
  engine.push_back(Network("nxt-a-web", "10.213.0.192/26", true));
  absl::StatusOr<Ipv4Prefix> none = pool->Allocate("nxt-a-db", engine);
  EXPECT_THAT(none, StatusIs(absl::StatusCode::kFailedPrecondition,
                             HasSubstr("2 are held by networks of nxt and the rest overlap "
                                       "network theirs (not nxt's)")));
  EXPECT_EQ(ConflictReason(none.status()), kReasonNetworkPoolOverlap);
}

TEST_F(NetworkPoolTest, ARecordThatNowOverlapsSomethingIsReplaced) {
  std::unique_ptr<NetworkPool> pool = Open("10.213.0.0/16", 26);
  EXPECT_EQ(Allocated(*pool, "nxt-a-web"), "10.213.0.0/26");
  // Its network was removed by hand and someone took the addresses.
  const std::vector<docker::NetworkInfo> engine = {Network("theirs", "10.213.0.0/24", false)};
  EXPECT_EQ(Allocated(*pool, "nxt-a-web", engine), "10.213.1.0/26");
  EXPECT_THAT(pool->Recorded("nxt-a-web"), Optional(P("10.213.1.0/26")));
}

TEST_F(NetworkPoolTest, ARecordOutsideAMovedPoolIsReplaced) {
  EXPECT_EQ(Allocated(*Open("10.213.0.0/16", 26), "nxt-a-web"), "10.213.0.0/26");
  std::unique_ptr<NetworkPool> moved = Open("10.50.0.0/16", 26);
  EXPECT_EQ(Allocated(*moved, "nxt-a-web"), "10.50.0.0/26");
}

TEST_F(NetworkPoolTest, AdoptRecordsOnlySubnetsInThePool) {
  std::unique_ptr<NetworkPool> pool = Open("10.213.0.0/16", 26);
  ASSERT_THAT(pool->Adopt("nxt-a-old", P("172.18.0.0/16")), IsOk());
  ASSERT_THAT(pool->Adopt("nxt-a-mine", P("10.213.0.0/26")), IsOk());
  EXPECT_FALSE(pool->Recorded("nxt-a-old").has_value());
  EXPECT_EQ(Allocated(*pool, "nxt-a-web", {Network("nxt-a-mine", "10.213.0.0/26", true)}),
            "10.213.0.64/26");
}

TEST_F(NetworkPoolTest, ConcurrentAllocationsNeverShareAnAddress) {
  std::unique_ptr<NetworkPool> pool = Open("10.213.0.0/20", 28);
  std::vector<std::thread> threads;
  std::vector<std::vector<std::string>> got(8);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 32; ++i) got[t].push_back(Allocated(*pool, absl::StrCat("n", t, "-", i)));
    });
  }
  for (std::thread& t : threads) t.join();
  std::set<std::string> distinct;
  for (const auto& blocks : got) {
    for (const std::string& b : blocks) {
      ASSERT_THAT(b, ::testing::StartsWith("10.213.")) << b;
      distinct.insert(b);
    }
  }
  EXPECT_EQ(distinct.size(), 256u) << "every /28 of the /20, each once";
  std::unique_ptr<NetworkPool> reopened = Open("10.213.0.0/20", 28);
  std::vector<docker::NetworkInfo> engine;
  for (const auto& [name, subnet] : reopened->Records()) {
    engine.push_back(Network(name, subnet.ToString(), true));
  }
  EXPECT_EQ(engine.size(), 256u);
  EXPECT_THAT(reopened->Allocate("one-more", engine),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace nxt::controllers
