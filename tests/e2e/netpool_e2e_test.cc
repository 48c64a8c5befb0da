// End to end: nxtd gives every network it creates a small subnet from its own pool
// (--network-pool), so an engine with Docker's default address pools (about 31 networks)
// runs more objects than that; a pool that cannot serve is Stalled on the object, and a
// bad flag stops nxtd at once.
#include <sys/stat.h>

#include <fstream>
#include <iterator>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/ipv4_prefix.h"
#include "controllers/common/network_pool.h"
#include "controllers/common/owner.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/e2e_fixture.h"

namespace nxt::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

// Past Docker's default pools (31 networks), so only nxt's own pool can serve them all.
constexpr int kSets = 40;
constexpr absl::Duration kConverge = absl::Seconds(90);

class NetpoolE2eTest : public E2eTest {
 protected:
  int RunningInNamespace() {
    absl::StatusOr<NamespaceObjects> objects = ListNamespace(*docker_, ns_);
    if (!objects.ok()) return -1;
    int running = 0;
    for (const auto& c : objects->containers) running += c.state == "running" ? 1 : 0;
    return running;
  }
  // The records of <state-dir>/network-subnets (this nxtd's own): name → CIDR.
  std::map<std::string, std::string> Records() {
    std::ifstream in(absl::StrCat(nxtd_->state_dir(), "/", controllers::kNetworkPoolFile));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::map<std::string, std::string> out;
    for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
      std::vector<std::string> f = absl::StrSplit(line, ' ');
      if (f.size() == 2 && f[0][0] != '#') out[f[0]] = f[1];
    }
    return out;
  }
};

TEST_F(NetpoolE2eTest, FortySetsRunOnTheirOwnSmallSubnetsAndGiveThemBackOnDelete) {
  NxtdOptions options;
  options.workers = 4;
  StartNxtd(options);
  std::vector<std::string> sets;
  for (int i = 0; i < kSets; ++i) {
    sets.push_back(SetName(absl::StrCat("s", i)));
    nxtd_->WriteManifest(sets.back() + ".yaml", SetManifest(ns_, sets.back(), 1).Yaml());
  }
  ASSERT_TRUE(
      WaitFor([&] { return RunningInNamespace() == kSets; }, kConverge, absl::Milliseconds(250)))
      << RunningInNamespace() << " of " << kSets << " sets running";

  // Each set's network: one /26 of the auto pool, no two alike, as recorded.
  std::vector<Ipv4Prefix> pool = controllers::ParseNetworkPool("auto", 26).value();
  std::set<std::string> subnets;
  std::map<std::string, std::string> ids;
  for (const std::string& set : sets) {
    const std::string network = controllers::NetworkName(ns_, set);
    absl::StatusOr<docker::NetworkInfo> info = docker_->InspectNetwork(network);
    ASSERT_TRUE(info.ok()) << info.status();
    ASSERT_THAT(info->subnets, SizeIs(1)) << network;
    absl::StatusOr<Ipv4Prefix> subnet = Ipv4Prefix::Parse(info->subnets[0]);
    ASSERT_TRUE(subnet.ok()) << info->subnets[0];
    EXPECT_EQ(subnet->length, 26);
    bool in_pool = false;
    for (const Ipv4Prefix& range : pool) in_pool = in_pool || range.Contains(*subnet);
    EXPECT_TRUE(in_pool) << network << " " << info->subnets[0];
    subnets.insert(info->subnets[0]);
    ids[network] = info->id;
  }
  EXPECT_EQ(subnets.size(), static_cast<size_t>(kSets));
  std::map<std::string, std::string> records = Records();
  EXPECT_EQ(records.size(), static_cast<size_t>(kSets));
  for (const auto& [network, cidr] : records) EXPECT_TRUE(subnets.count(cidr) > 0) << network;
  struct stat st;
  ASSERT_EQ(::stat(absl::StrCat(nxtd_->state_dir(), "/network-subnets").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  // A restart keeps every network as it is, and the records with it.
  ASSERT_TRUE(nxtd_->Restart().ok()) << nxtd_->ReadLog();
  EXPECT_EQ(RunningInNamespace(), kSets);
  for (const auto& [network, id] : ids) EXPECT_EQ(docker_->InspectNetwork(network)->id, id);
  EXPECT_EQ(Records(), records);

  // Deleting the objects removes their networks and frees their blocks.
  for (const std::string& set : sets) nxtd_->RemoveManifest(set + ".yaml");
  ASSERT_TRUE(WaitFor(
      [&] {
        absl::StatusOr<NamespaceObjects> left = ListNamespace(*docker_, ns_);
        return left.ok() && left->containers.empty() && left->networks.empty();
      },
      kConverge, absl::Milliseconds(250)))
      << "objects left in " << ns_;
  EXPECT_TRUE(WaitFor([&] { return Records().empty(); }, absl::Seconds(5)))
      << Records().size() << " records left";
}

TEST_F(NetpoolE2eTest, APoolOverANetworkNxtDoesNotOwnStallsTheObject) {
  // The engine's default bridge: every block of a pool made of its subnet overlaps it.
  absl::StatusOr<docker::NetworkInfo> bridge = docker_->InspectNetwork("bridge");
  if (!bridge.ok() || bridge->subnets.empty()) GTEST_SKIP() << "the engine has no bridge network";
  NxtdOptions options;
  options.extra_flags = {absl::StrCat("--network-pool=", bridge->subnets[0])};
  StartNxtd(options);
  const std::string web = SetName("web");
  nxtd_->WriteManifest("web.yaml", SetManifest(ns_, web, 1).Yaml());
  ASSERT_TRUE(WaitFor([&] { return Condition(GetObject(web), "Stalled").status == "True"; },
                      absl::Seconds(30)))
      << nxtd_->ReadLog();
  ConditionView stalled = Condition(GetObject(web), "Stalled");
  EXPECT_EQ(stalled.reason, controllers::kReasonNetworkPoolOverlap);
  EXPECT_THAT(stalled.message, HasSubstr("network bridge (not nxt's)"));
  EXPECT_TRUE(Members(web).empty());
  EXPECT_FALSE(docker_->InspectNetwork(controllers::NetworkName(ns_, web)).ok());
  EXPECT_TRUE(nxtd_->running());
}

TEST_F(NetpoolE2eTest, ABadPoolFlagStopsNxtdWithOneLine) {
  NxtdOptions options;
  options.extra_flags = {"--network-pool=10.213.0.1/16"};
  nxtd_ = std::make_unique<NxtdProcess>(options);
  ASSERT_TRUE(nxtd_->Spawn().ok());
  absl::StatusOr<int> code = nxtd_->Wait(absl::Seconds(10));
  ASSERT_TRUE(code.ok()) << "nxtd kept running with a bad --network-pool";
  EXPECT_EQ(*code, 1);
  const std::string log = nxtd_->ReadLog();
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 1) << log;
  EXPECT_THAT(log, HasSubstr("--network-pool=10.213.0.1/16"));
  EXPECT_THAT(log, HasSubstr("host bits are set (the network is 10.213.0.0/16)"));
}

}  // namespace
}  // namespace nxt::e2e
