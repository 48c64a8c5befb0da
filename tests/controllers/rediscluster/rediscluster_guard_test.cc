// The RedisCluster plan's data guards: no decision may make a node without a shard's
// data serve that shard, or destroy the only copy of a key. Each test injects the fault
// into what the nodes say (INFO replication, INFO keyspace, CLUSTER NODES) and checks the
// plan's decision. The first is the shard loss seen on a loaded machine: `docker rm -f`
// of a master whose replica had not finished its initial sync (Redis 7 delays a
// replica's first sync by repl-diskless-sync-delay, 5 s), and CLUSTER FAILOVER FORCE on
// that empty replica.
#include <string>
#include <vector>

#include "controllers/rediscluster/plan.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/controllers/rediscluster/rediscluster_cluster_builder.h"

namespace nxt::rediscluster {
namespace {

using T = Action::Type;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

using testing::Cluster;
using testing::Member;

std::vector<T> Types(const std::vector<Action>& actions) {
  std::vector<T> out;
  for (const Action& a : actions) out.push_back(a.type);
  return out;
}

// Cluster::Healthy(3): masters 0, 1, 2; replica 3 of 0, 4 of 1, 5 of 2. Node `ordinal`'s
// container removed (`docker rm -f`, volume kept).
Cluster WithNodeRemoved(int ordinal) {
  Cluster c("cache", 6);
  c.Members(Cluster::Healthy(3));
  std::erase_if(c.observed_.nodes, [&](const ObservedNode& n) { return n.ordinal == ordinal; });
  return c;
}

ReplicationInfo LinkDownFor(int seconds) {
  ReplicationInfo r = Cluster::SyncedReplica();
  r.link_up = false;
  r.link_down_seconds = seconds;
  return r;
}

// ---- Promotion (CLUSTER FAILOVER FORCE skips Redis's own data-age check).

TEST(RedisGuardTest, AReplicaThatNeverFinishedItsInitialSyncIsNotPromoted) {
  Cluster c = WithNodeRemoved(1);
  c.Replication(4) = Cluster::NeverSynced();  // link never up, offset 0, no keys
  std::vector<Action> plan = c.Plan();
  EXPECT_THAT(Types(plan), Not(Contains(T::kPromote)));
  EXPECT_THAT(Types(plan), ElementsAre(T::kEnsureNetwork, T::kEnsureVolume, T::kCreate))
      << "the master is recreated at once from its volume: it is the only copy";
  EXPECT_EQ(plan.back().name, "cache-1");

  // Stopped rather than removed: started at once.
  Cluster stopped("cache", 6);
  stopped.Members(Cluster::Healthy(3));
  stopped.Container(1).state = "exited";
  stopped.Container(1).view.reset();
  stopped.Replication(4) = Cluster::NeverSynced();
  EXPECT_THAT(Types(stopped.Plan()), ElementsAre(T::kStart));
}

TEST(RedisGuardTest, AReplicaInTheMiddleOfAFullSyncIsNotPromoted) {
  Cluster c = WithNodeRemoved(1);
  c.Replication(4).link_up = false;
  c.Replication(4).sync_in_progress = true;
  EXPECT_THAT(Types(c.Plan()), Not(Contains(T::kPromote)));
}

TEST(RedisGuardTest, AReplicaWhoseLinkBrokeBeforeItsMasterDiedIsNotPromoted) {
  Cluster c = WithNodeRemoved(1);
  c.observed_.down_for["cache-1"] = absl::Seconds(3);
  c.Replication(4) = LinkDownFor(60);  // cut off a minute ago: a minute of writes missing
  EXPECT_THAT(Types(c.Plan()), Not(Contains(T::kPromote)));

  c.Replication(4) = LinkDownFor(4);  // lost it with the master (whole seconds apart)
  std::vector<Action> plan = c.Plan();
  ASSERT_THAT(Types(plan), ElementsAre(T::kPromote));
  EXPECT_EQ(plan[0].down_for, absl::Seconds(3)) << "the actuator checks again against it";
}

TEST(RedisGuardTest, AReplicaWhoseReplicationStateIsUnknownIsNotPromoted) {
  Cluster c = WithNodeRemoved(1);
  c.Replication(4) = ReplicationInfo{};  // INFO replication not in its answer
  EXPECT_THAT(Types(c.Plan()), Not(Contains(T::kPromote)));
}

TEST(RedisGuardTest, OfTwoReplicasOnlyTheOneHoldingTheDataIsACandidate) {
  Cluster c("cache", 7);
  std::vector<Member> members = Cluster::Healthy(3);
  members.push_back(Member(6, 1));  // a second replica of cache-1
  c.Members(members);
  std::erase_if(c.observed_.nodes, [](const ObservedNode& n) { return n.ordinal == 1; });
  c.Replication(4) = Cluster::NeverSynced();
  std::vector<Action> plan = c.Plan();
  ASSERT_THAT(Types(plan), ElementsAre(T::kPromote));
  EXPECT_THAT(plan[0].ordinals, ElementsAre(6));
}

TEST(RedisGuardTest, HoldsMastersDataReadsTheReplicasOwnWord) {
  EXPECT_TRUE(HoldsMastersData(Cluster::SyncedReplica(), absl::ZeroDuration()));
  EXPECT_FALSE(HoldsMastersData(Cluster::NeverSynced(), absl::Seconds(10)));
  EXPECT_FALSE(HoldsMastersData(Cluster::Master(), absl::Seconds(10)));
  EXPECT_TRUE(HoldsMastersData(LinkDownFor(12), absl::Seconds(10)));
  EXPECT_FALSE(HoldsMastersData(LinkDownFor(13), absl::Seconds(10)));
  EXPECT_TRUE(Synced(Cluster::SyncedReplica()));
  EXPECT_FALSE(Synced(LinkDownFor(0)));
}

// ---- Failover to a replica (scale-down, rolling update): only a synced one.

TEST(RedisGuardTest, ARollingUpdateWaitsForAMastersReplicaToFinishItsSync) {
  Cluster c("cache", 6);
  c.Members(Cluster::Healthy(3));
  c.desired_.config_hash = "hash-2";
  for (int i = 3; i < 6; ++i) c.Container(i).config_hash = "hash-2";  // replicas done
  c.Replication(5) = Cluster::NeverSynced();  // cache-2's replica, just replaced
  std::vector<Action> plan = c.Plan();
  ASSERT_THAT(Types(plan), ElementsAre(T::kWait));
  EXPECT_THAT(plan[0].detail, HasSubstr("still copying"));
  c.Replication(5) = Cluster::SyncedReplica();
  plan = c.Plan();
  ASSERT_THAT(Types(plan), ElementsAre(T::kFailover));
  EXPECT_EQ(plan[0].ordinal, 5);
}

TEST(RedisGuardTest, ScaleDownDoesNotFailOverToAReplicaStillSyncing) {
  // After a failover, leaving cache-6 is master of slots whose replicas cache-2 and
  // cache-5 stay; cache-2 is still copying, cache-5 is not there yet.
  Cluster c("cache", 6);
  c.Members({{0, -1, 0, 5460},
             {1, -1, 5461, 10922},
             {6, -1, 10923, 16383},
             {3, 0},
             {4, 1},
             {2, 6},
             {5, 6},
             {7, 0}});
  c.Replication(2) = Cluster::NeverSynced();
  c.Replication(5) = Cluster::NeverSynced();
  std::vector<Action> plan = c.Plan();
  ASSERT_THAT(Types(plan), ElementsAre(T::kWait));
  EXPECT_THAT(plan[0].detail, HasSubstr("still copying"));
  c.Replication(5) = Cluster::SyncedReplica();
  plan = c.Plan();
  ASSERT_THAT(Types(plan), ElementsAre(T::kFailover));
  EXPECT_EQ(plan[0].name, "cache-5");
}

TEST(RedisGuardTest, AClusterWhoseReplicaIsStillCopyingIsNotConverged) {
  Cluster c("cache", 6);
  c.Members(Cluster::Healthy(3));
  c.Replication(3) = Cluster::NeverSynced();
  std::vector<Action> plan = c.Plan();
  ASSERT_THAT(Types(plan), ElementsAre(T::kWait));
  EXPECT_EQ(plan[0].detail, "cache-3 is still copying its master's data");
}

// ---- Reset (FLUSHALL + CLUSTER RESET HARD): never the only copy of a key.

// The anchor (cache-0) does not list cache-5; cache-5's own view is `v`.
Cluster WithStray(const NodeView& v) {
  Cluster c("cache", 6);
  std::vector<Member> members = Cluster::Healthy(3);
  members.pop_back();
  c.Members(members);
  c.Container(5).view = v;
  return c;
}

NodeView StrayView(const std::vector<Member>& members, int keys) {
  Cluster stray("cache", 6);
  stray.Members(members);
  NodeView v = *stray.Container(5).view;
  v.keys = keys;
  return v;
}

TEST(RedisGuardTest, AStrayReplicaOfAHealthyMasterIsResetItsKeysAreACopy) {
  Cluster c = WithStray(StrayView(Cluster::Healthy(3), 40));
  EXPECT_THAT(Types(c.Plan()), ElementsAre(T::kResetNode));
}

TEST(RedisGuardTest, AStrayMasterWithKeysOrSlotsIsNeverReset) {
  std::vector<Member> members = Cluster::Healthy(3);
  members[5] = Member(5, -1);  // a master without slots, 40 keys of its own
  std::vector<Action> plan = WithStray(StrayView(members, 40)).Plan();
  ASSERT_THAT(Types(plan), ElementsAre(T::kWait));
  EXPECT_THAT(plan[0].detail, HasSubstr("holds 40 key(s): not reset"));

  members[0] = Member(0, -1, 201, 5460);  // (so that cache-0 stays the anchor)
  members[5] = Member(5, -1, 100, 200);   // serves slots in its own view
  plan = WithStray(StrayView(members, 0)).Plan();
  ASSERT_THAT(Types(plan), ElementsAre(T::kWait));
  EXPECT_THAT(plan[0].detail, HasSubstr("serves 101 slot(s)"));

  plan = WithStray(StrayView(Cluster::Healthy(3), -1)).Plan();  // keys not counted
  ASSERT_THAT(Types(plan), ElementsAre(T::kWait));
}

TEST(RedisGuardTest, AnInterruptedCreateResetsNoNodeThatHoldsKeys) {
  // Met, no slot assigned anywhere: an interrupted create, normally reset node by node.
  std::vector<Member> members;
  for (int i = 0; i < 6; ++i) members.push_back(Member(i));
  Cluster c("cache", 6);
  c.Members(members, "fail");
  std::vector<Action> plan = c.Plan();
  EXPECT_EQ(Types(plan), std::vector<T>(6, T::kResetNode));
  c.Container(2).view->keys = 7;  // one holds keys: this is no fresh cluster
  plan = c.Plan();
  ASSERT_THAT(Types(plan), ElementsAre(T::kWait));
  EXPECT_THAT(plan[0].detail, HasSubstr("cache-2"));
}

}  // namespace
}  // namespace nxt::rediscluster
