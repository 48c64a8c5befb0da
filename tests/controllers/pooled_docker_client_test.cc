#include "controllers/common/pooled_docker_client.h"

#include <boost/json.hpp>

#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "controllers/common/adoption.h"
#include "controllers/common/owner.h"
#include "controllers/common/secret_store.h"
#include "controllers/containerset/containerset_reconciler.h"
#include "docker/container_cache.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reconciler/reconciler.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/fake_docker_client.h"
#include "tests/testing/fake_store.h"
#include "tests/testing/no_http_client.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace nxt::controllers {
namespace {

using ::nxt::testing::FakeDockerClient;
using ::nxt::testing::IsOk;
using ::nxt::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Optional;
using ::testing::StartsWith;
using M = FakeDockerClient::Method;

const resources::ObjectKey kWeb{"ContainerSet", "ns", "web"};
const resources::ObjectKey kDb{"ContainerSet", "ns", "db"};

class PooledDockerClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("route", "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n");
    NetworkPoolOptions options;
    options.ranges = ParseNetworkPool("10.213.0.0/25", 26).value();
    options.prefix_length = 26;
    options.state_file = dir_.Join("network-subnets");
    options.routes_file = dir_.Join("route");
    pool_ = NetworkPool::Open(options).value();
    pooled_ = std::make_unique<PooledDockerClient>(docker_, *pool_);
  }
  std::vector<std::string> SubnetsOf(const std::string& name) {
    absl::StatusOr<docker::NetworkInfo> n = docker_.InspectNetwork(name);
    return n.ok() ? n->subnets : std::vector<std::string>{"missing"};
  }

  ::nxt::testing::TempDir dir_;
  ::nxt::testing::FakeClock clock_;
  FakeDockerClient docker_{&clock_};
  std::unique_ptr<NetworkPool> pool_;
  std::unique_ptr<PooledDockerClient> pooled_;
};

TEST_F(PooledDockerClientTest, NxtNetworksGetPoolSubnetsOthersAreLeftToTheEngine) {
  const std::string web = NetworkName("ns", "web");
  ASSERT_THAT(EnsureOwnedNetwork(*pooled_, web, OwnerLabels(kWeb, "network")), IsOk());
  EXPECT_THAT(SubnetsOf(web), ElementsAre("10.213.0.0/26"));
  EXPECT_THAT(pool_->Recorded(web), Optional(Ipv4Prefix::Parse("10.213.0.0/26").value()));
  ASSERT_THAT(pooled_->CreateNetwork("hand-made", {}), IsOk());
  EXPECT_THAT(SubnetsOf("hand-made"), IsEmpty());
  // Ensured again: nothing created, the subnet kept.
  ASSERT_THAT(EnsureOwnedNetwork(*pooled_, web, OwnerLabels(kWeb, "network")), IsOk());
  EXPECT_EQ(docker_.calls(M::kCreateNetwork), 2);
  EXPECT_THAT(SubnetsOf(web), ElementsAre("10.213.0.0/26"));
}

TEST_F(PooledDockerClientTest, AnExistingNetworkKeepsItsSubnetAndOneInThePoolIsRecorded) {
  const std::string web = NetworkName("ns", "web");
  const std::string db = NetworkName("ns", "db");
  ASSERT_THAT(docker_.CreateNetwork(web, OwnerLabels(kWeb, "network"), "172.18.0.0/16"), IsOk());
  ASSERT_THAT(docker_.CreateNetwork(db, OwnerLabels(kDb, "network"), "10.213.0.0/26"), IsOk());
  ASSERT_THAT(EnsureOwnedNetwork(*pooled_, web, OwnerLabels(kWeb, "network")), IsOk());
  ASSERT_THAT(EnsureOwnedNetwork(*pooled_, db, OwnerLabels(kDb, "network")), IsOk());
  EXPECT_THAT(SubnetsOf(web), ElementsAre("172.18.0.0/16"));
  EXPECT_FALSE(pool_->Recorded(web).has_value()) << "outside the pool";
  EXPECT_TRUE(pool_->Recorded(db).has_value()) << "adopted";
}

TEST_F(PooledDockerClientTest, RemovingTheNetworkByIdOrNameReleasesItsBlock) {
  const std::string web = NetworkName("ns", "web");
  const std::string db = NetworkName("ns", "db");
  ASSERT_THAT(EnsureOwnedNetwork(*pooled_, web, OwnerLabels(kWeb, "network")), IsOk());
  ASSERT_THAT(EnsureOwnedNetwork(*pooled_, db, OwnerLabels(kDb, "network")), IsOk());
  ASSERT_THAT(pooled_->RemoveNetwork(docker_.InspectNetwork(web)->id), IsOk());
  ASSERT_THAT(pooled_->RemoveNetwork(db), IsOk());
  EXPECT_THAT(pool_->Records(), IsEmpty());
  EXPECT_THAT(pooled_->RemoveNetwork(db), StatusIs(absl::StatusCode::kNotFound));
}

// Through a reconciler: a full pool stalls the object with the reason, nothing is created,
// and the object converges once a block is free.
TEST_F(PooledDockerClientTest, AFullPoolStallsTheObjectUntilABlockIsFree) {
  SetLogLevel(LogLevel::kError);
  docker::ContainerCache cache(docker_);
  docker_.AddEventListener([&cache](const docker::Event& e) { cache.Apply(e); });
  ASSERT_THAT(cache.Resync(), IsOk());
  ::nxt::testing::FakeStore store(clock_);
  ::nxt::testing::TempDir state;
  SecretStore secrets(state.path());  // ContainerSet keeps none
  ::nxt::testing::NoHttpClient http;
  containerset::ContainerSetReconciler reconciler({.store = store,
                                                   .docker = *pooled_,
                                                   .cache = cache,
                                                   .secrets = secrets,
                                                   .http = http,
                                                   .clock = clock_},
                                                  {.stop_timeout = absl::Seconds(1)});
  // Two /26 in the /25: both taken.
  ASSERT_THAT(EnsureOwnedNetwork(*pooled_, "nxt-x-a", OwnerLabels(kDb, "network")), IsOk());
  ASSERT_THAT(EnsureOwnedNetwork(*pooled_, "nxt-x-b", OwnerLabels(kDb, "network")), IsOk());
  resources::Object o;
  o.kind = resources::kContainerSetKind;
  o.metadata.name = kWeb.name;
  o.metadata.namespace_ = kWeb.namespace_;
  o.spec = boost::json::object{{"image", "img"}, {"replicas", 1}};
  store.Apply(std::move(o));
  absl::StatusOr<reconciler::Result> r = reconciler.Reconcile({kWeb});
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("is full")));
  EXPECT_TRUE(reconciler::IsTerminal(r.status()));
  std::optional<resources::ObjectStatus> status = store.GetStatus(kWeb);
  ASSERT_TRUE(status.has_value());
  const resources::Condition* stalled = status->FindCondition(resources::kConditionStalled);
  ASSERT_NE(stalled, nullptr);
  EXPECT_EQ(stalled->status, "True");
  EXPECT_EQ(stalled->reason, kReasonNetworkPoolExhausted);
  EXPECT_THAT(stalled->message, StartsWith("create network nxt-ns-web: network pool "
                                           "10.213.0.0/25 in /26 blocks is full"));
  EXPECT_EQ(docker_.calls(M::kCreateContainer), 0);

  ASSERT_THAT(pooled_->RemoveNetwork("nxt-x-b"), IsOk());
  ASSERT_THAT(reconciler.Reconcile({kWeb}), IsOk());
  EXPECT_THAT(SubnetsOf(NetworkName("ns", "web")), ElementsAre("10.213.0.64/26"));
  EXPECT_TRUE(docker_.GetContainer("web-0").has_value());
}

}  // namespace
}  // namespace nxt::controllers
