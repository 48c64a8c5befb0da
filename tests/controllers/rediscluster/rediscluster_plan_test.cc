// The RedisCluster plan, table by table: containers, create, repair, scale up and down by
// shards, replica placement and rolling updates. Views are built as Redis prints them.
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "controllers/rediscluster/plan.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/controllers/rediscluster/rediscluster_cluster_builder.h"

namespace nxt::rediscluster {
namespace {

using T = Action::Type;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

using testing::Cluster;
using testing::Id;
using testing::kHash;
using testing::Member;
using testing::Node;

std::vector<T> Types(const std::vector<Action>& actions) {
  std::vector<T> out;
  for (const Action& a : actions) out.push_back(a.type);
  return out;
}

TEST(RedisPlanTest, CreatesNetworkVolumesThenAllContainersAtOnce) {
  Cluster c("cache", 6);
  std::vector<Action> plan = c.Plan();
  ASSERT_EQ(plan.size(), 13u);
  EXPECT_EQ(plan[0].type, T::kEnsureNetwork);
  EXPECT_EQ(plan[0].name, "nxt-default-cache");
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(plan[1 + i].type, T::kEnsureVolume);
    EXPECT_EQ(plan[1 + i].name, absl::StrCat("nxt-default-cache-", i, "-data"));
    EXPECT_EQ(plan[7 + i].type, T::kCreate);
    EXPECT_EQ(plan[7 + i].name, absl::StrCat("cache-", i));
  }
}

TEST(RedisPlanTest, StartsStoppedReplacesDeadAndRemovesForeignContainers) {
  Cluster c("cache", 6);
  c.Members(Cluster::Healthy(3));
  c.Container(1).state = "exited";
  c.Container(2).state = "dead";
  ObservedNode foreign;
  foreign.name = "cache-x";
  foreign.state = "running";
  c.observed_.nodes.push_back(foreign);
  EXPECT_THAT(Types(c.Plan()), ElementsAre(T::kRemove, T::kStart, T::kReplace));
}

TEST(RedisPlanTest, ANodeCreatedButNeverStartedIsReplacedNotStarted) {
  // nxtd stopped between creating the container and writing its redis.conf.
  Cluster c("cache", 6);
  c.Members(Cluster::Healthy(3));
  c.Container(4).state = "created";
  c.Container(4).view.reset();
  std::vector<Action> plan = c.Plan();
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0].type, T::kReplace);
  EXPECT_EQ(plan[0].name, "cache-4");
}

TEST(RedisPlanTest, WaitsUntilEveryNodeAnswers) {
  Cluster c("cache", 6);
  for (int i = 0; i < 6; ++i) c.Fresh(i);
  c.Container(3).view.reset();
  std::vector<Action> plan = c.Plan();
  ASSERT_THAT(Types(plan), ElementsAre(T::kWait));
  EXPECT_EQ(plan[0].detail, "cache-3 not answering");
}

TEST(RedisPlanTest, CreatesTheClusterWhenEveryNodeIsFresh) {
  Cluster c("cache", 6);
  for (int i = 0; i < 6; ++i) c.Fresh(i);
  std::vector<Action> plan = c.Plan();
  ASSERT_THAT(Types(plan), ElementsAre(T::kCreateCluster));
  EXPECT_THAT(plan[0].ordinals, ElementsAre(0, 1, 2, 3, 4, 5));
  EXPECT_EQ(plan[0].via, 0);
}

TEST(RedisPlanTest, AHealthyClusterPlansNothing) {
  Cluster c("cache", 6);
  c.Members(Cluster::Healthy(3));
  EXPECT_THAT(c.Plan(), IsEmpty());
  ClusterSummary s = Summarize(c.observed_);
  EXPECT_EQ(s.masters, 3);
  EXPECT_EQ(s.replicas, 3);
  EXPECT_EQ(s.slots_ok, kClusterSlots);
  EXPECT_TRUE(s.all_ok);
  EXPECT_EQ(s.anchor, 0);
}

TEST(RedisPlanTest, ForgetsGhostsFirst) {
  Cluster c("cache", 6);
  std::vector<Member> members = Cluster::Healthy(3);
  members.push_back({9, 0, -1, -1, "ghost"});
  c.Members(members);
  std::vector<Action> plan = c.Plan();
  ASSERT_THAT(Types(plan), ElementsAre(T::kForget));
  EXPECT_EQ(plan[0].node_id, Id(9));
}

TEST(RedisPlanTest, MeetsAgainAFailedNodeThatAnswers) {
  Cluster c("cache", 6);
  std::vector<Member> members = Cluster::Healthy(3);
  members[4].flags = "fail";
  c.Members(members);
  std::vector<Action> plan = c.Plan();
  ASSERT_THAT(Types(plan), ElementsAre(T::kMeet));
  EXPECT_EQ(plan[0].ordinal, 4);
  EXPECT_EQ(plan[0].via, 0);
}

TEST(RedisPlanTest, FixesOpenSlots) {
  Cluster c("cache", 6);
  c.Members(Cluster::Healthy(3));
  c.Container(1).view->nodes[1].open_slots = 1;  // cache-1's own line
  EXPECT_THAT(Types(c.Plan()), ElementsAre(T::kFix));
}

TEST(RedisPlanTest, WaitsWhileTheClusterIsNotOk) {
  Cluster c("cache", 6);
  c.Members(Cluster::Healthy(3), "fail");
  c.Fresh(5);  // would join, but not now
  std::vector<Action> plan = c.Plan();
  ASSERT_THAT(Types(plan), ElementsAre(T::kWait));
}

TEST(RedisPlanTest, ARecreatedEmptyNodeJoinsAsAReplicaOfTheMasterMissingOne) {
  Cluster c("cache", 6);
  std::vector<Member> members = Cluster::Healthy(3);
  members.erase(members.begin() + 4);  // cache-4 (replica of cache-1) lost its volume
  c.Members(members).Fresh(4);
  std::vector<Action> plan = c.Plan();
  ASSERT_THAT(Types(plan), ElementsAre(T::kAddReplica));
  EXPECT_EQ(plan[0].ordinal, 4);
  EXPECT_EQ(plan[0].node_id, Id(1));
}

TEST(RedisPlanTest, ScaleUpAddsAMasterThenItsReplicaThenRebalances) {
  Cluster c("cache", 8);
  c.Members(Cluster::Healthy(3)).Fresh(6).Fresh(7);
  std::vector<Action> plan = c.Plan();
  ASSERT_THAT(Types(plan), ElementsAre(T::kAddMaster));
  EXPECT_EQ(plan[0].ordinal, 6);

  std::vector<Member> members = Cluster::Healthy(3);
  members.push_back({6});  // an empty master
  Cluster joined("cache", 8);
  joined.Members(members).Fresh(7);
  plan = joined.Plan();
  ASSERT_THAT(Types(plan), ElementsAre(T::kAddReplica));
  EXPECT_EQ(plan[0].ordinal, 7);
  EXPECT_EQ(plan[0].node_id, Id(6)) << "the empty master has no replica yet";

  members.push_back({7, 6});
  Cluster complete("cache", 8);
  complete.Members(members);
  EXPECT_THAT(Types(complete.Plan()), ElementsAre(T::kRebalance));
}

TEST(RedisPlanTest, WaitsUntilEveryNodeKnowsTheNewMaster) {
  std::vector<Member> members = Cluster::Healthy(3);
  members.push_back({6});
  Cluster c("cache", 8);
  c.Members(members).Fresh(7);
  NodeView& v = *c.Container(2).view;
  v.nodes.erase(v.nodes.begin() + 6);  // cache-2 has not heard of cache-6 yet
  EXPECT_THAT(Types(c.Plan()), ElementsAre(T::kWait));
}

TEST(RedisPlanTest, ScaleDownDrainsThenDeletesReplicaThenMasterThenContainers) {
  Cluster c("cache", 6);
  c.Members(Cluster::Healthy(4));  // masters 0-3, replicas 4-7 (7 replicates 3)
  // Healthy(4) puts the leaving pair at master 3 / replica 7; rename so 6/7 leave.
  c = Cluster("cache", 6);
  c.Members({{0, -1, 0, 4095},
             {1, -1, 4096, 8191},
             {2, -1, 8192, 12287},
             {6, -1, 12288, 16383},
             {3, 0},
             {4, 1},
             {5, 2},
             {7, 6}});
  std::vector<Action> plan = c.Plan();
  ASSERT_THAT(Types(plan), ElementsAre(T::kDrain));
  EXPECT_THAT(plan[0].node_ids, ElementsAre(Id(6)));

  Cluster drained("cache", 6);
  drained.Members({{0, -1, 0, 5460},
                   {1, -1, 5461, 10922},
                   {2, -1, 10923, 16383},
                   {6},
                   {3, 0},
                   {4, 1},
                   {5, 2},
                   {7, 6}});
  plan = drained.Plan();
  ASSERT_THAT(Types(plan), ElementsAre(T::kDelNode));
  EXPECT_EQ(plan[0].ordinal, 7) << "the replica first";
  EXPECT_EQ(plan[0].node_id, Id(7));

  Cluster replica_gone("cache", 6);
  replica_gone.Members(
      {{0, -1, 0, 5460}, {1, -1, 5461, 10922}, {2, -1, 10923, 16383}, {6}, {3, 0}, {4, 1}, {5, 2}});
  replica_gone.Fresh(7);  // del-node reset it; it still runs
  plan = replica_gone.Plan();
  ASSERT_THAT(Types(plan), ElementsAre(T::kDelNode));
  EXPECT_EQ(plan[0].ordinal, 6);

  Cluster both_gone("cache", 6);
  both_gone.Members(Cluster::Healthy(3)).Fresh(6).Fresh(7);
  plan = both_gone.Plan();
  ASSERT_THAT(Types(plan), ElementsAre(T::kRemove));
  EXPECT_EQ(plan[0].name, "cache-6");
}

TEST(RedisPlanTest, ScaleDownFailsOverToAStayingReplicaOfALeavingMaster) {
  Cluster c("cache", 6);
  // After a failover, leaving cache-6 is master of slots whose replica cache-2 stays.
  c.Members({{0, -1, 0, 5460},
             {1, -1, 5461, 10922},
             {6, -1, 10923, 16383},
             {3, 0},
             {4, 1},
             {2, 6},
             {5, 6},
             {7, 0}});
  std::vector<Action> plan = c.Plan();
  ASSERT_THAT(Types(plan), ElementsAre(T::kFailover));
  EXPECT_EQ(plan[0].ordinal, 2);
}

TEST(RedisPlanTest, MoreReplicasPerMasterJoinAsReplicasOfTheMastersWithFewest) {
  Cluster c("cache", 9);
  c.desired_.replicas_per_master = 2;
  c.Members(Cluster::Healthy(3)).Fresh(6).Fresh(7).Fresh(8);
  std::vector<Action> plan = c.Plan();
  ASSERT_THAT(Types(plan), ElementsAre(T::kAddReplica));
  EXPECT_EQ(plan[0].ordinal, 6);
  EXPECT_EQ(plan[0].node_id, Id(0));

  std::vector<Member> members = Cluster::Healthy(3);
  members.push_back({6, 0});
  Cluster next("cache", 9);
  next.desired_.replicas_per_master = 2;
  next.Members(members).Fresh(7).Fresh(8);
  plan = next.Plan();
  ASSERT_THAT(Types(plan), ElementsAre(T::kAddReplica));
  EXPECT_EQ(plan[0].ordinal, 7);
  EXPECT_EQ(plan[0].node_id, Id(1)) << "master 0 has two now";
}

TEST(RedisPlanTest, FewerReplicasPerMasterDeletesTheLeavingReplicas) {
  std::vector<Member> members = Cluster::Healthy(3);
  for (int i = 0; i < 3; ++i) members.push_back({6 + i, i});
  Cluster c("cache", 6);
  c.Members(members);
  std::vector<Action> plan = c.Plan();
  ASSERT_THAT(Types(plan), ElementsAre(T::kDelNode));
  EXPECT_EQ(plan[0].ordinal, 6);
}

TEST(RedisPlanTest, MovesAReplicaToAMasterThatLostItsReplica) {
  Cluster c("cache", 6);
  // cache-4 was master 1's replica; 1 failed over to 4, came back as a replica: fine.
  // Here master 2 has two replicas and master 1 none.
  c.Members(
      {{0, -1, 0, 5460}, {1, -1, 5461, 10922}, {2, -1, 10923, 16383}, {3, 0}, {4, 2}, {5, 2}});
  std::vector<Action> plan = c.Plan();
  ASSERT_THAT(Types(plan), ElementsAre(T::kReplicate));
  EXPECT_EQ(plan[0].node_id, Id(1));
}

TEST(RedisPlanTest, ShrinkingWhereTheLeavingNodesWereReplicasDrainsTheExtraMaster) {
  // Created with 8 nodes (masters 0-3, replicas 4-7), shrunk to 6: 6 and 7 (replicas of
  // 2 and 3) are deleted; four masters then serve slots for three shards.
  Cluster c("cache", 6);
  c.Members({{0, -1, 0, 4095},
             {1, -1, 4096, 8191},
             {2, -1, 8192, 12287},
             {3, -1, 12288, 16383},
             {4, 0},
             {5, 1}});
  std::vector<Action> plan = c.Plan();
  ASSERT_THAT(Types(plan), ElementsAre(T::kDrain));
  EXPECT_THAT(plan[0].node_ids, ElementsAre(Id(3))) << "the highest ordinal hands its slots";

  Cluster drained("cache", 6);
  drained.Members(
      {{0, -1, 0, 5460}, {1, -1, 5461, 10922}, {2, -1, 10923, 16383}, {3}, {4, 0}, {5, 1}});
  plan = drained.Plan();
  ASSERT_THAT(Types(plan), ElementsAre(T::kReplicate));
  EXPECT_EQ(plan[0].ordinal, 3);
  EXPECT_EQ(plan[0].node_id, Id(2)) << "the master without a replica";
}

TEST(RedisPlanTest, AnEmptyExtraMasterBecomesAReplica) {
  Cluster c("cache", 6);
  c.Members({{0, -1, 0, 5460}, {1, -1, 5461, 10922}, {2, -1, 10923, 16383}, {3, 0}, {4, 1}, {5}});
  std::vector<Action> plan = c.Plan();
  ASSERT_THAT(Types(plan), ElementsAre(T::kReplicate));
  EXPECT_EQ(plan[0].ordinal, 5);
  EXPECT_EQ(plan[0].node_id, Id(2));
}

TEST(RedisPlanTest, RollingUpdateReplacesReplicasThenFailsOverMasters) {
  Cluster c("cache", 6);
  c.Members(Cluster::Healthy(3));
  c.desired_.config_hash = "hash-2";
  std::vector<Action> plan = c.Plan();
  ASSERT_THAT(Types(plan), ElementsAre(T::kReplace));
  EXPECT_EQ(plan[0].name, "cache-5");

  for (int i = 3; i < 6; ++i) c.Container(i).config_hash = "hash-2";
  plan = c.Plan();
  ASSERT_THAT(Types(plan), ElementsAre(T::kFailover));
  EXPECT_EQ(plan[0].ordinal, 5) << "master cache-2's replica takes over first";
}

TEST(RedisPlanTest, ResetsAStrayNodeTheClusterDoesNotKnow) {
  Cluster c("cache", 6);
  std::vector<Member> members = Cluster::Healthy(3);
  members.pop_back();
  c.Members(members);
  // cache-5 still believes it is a member (an old nodes.conf), but nobody lists it.
  Cluster stray("cache", 6);
  stray.Members(Cluster::Healthy(3));
  c.Container(5).view = stray.Container(5).view;
  std::vector<Action> plan = c.Plan();
  ASSERT_THAT(Types(plan), ElementsAre(T::kResetNode));
  EXPECT_EQ(plan[0].ordinal, 5);
}

TEST(RedisPlanTest, ANodeThatJustMetTheClusterIsNotResetWhileAHandshakeRuns) {
  Cluster c("cache", 8);
  c.Members(Cluster::Healthy(3));
  c.Fresh(7);
  // cache-6 was just added (add-node: it sent MEET to cache-0) and knows cache-0 only as
  // a handshake so far; cache-0 does not list it yet.
  NodeView joining;
  joining.info.state = "fail";
  joining.info.known_nodes = 2;
  joining.nodes = {Node(Member(6), true), Node(Member(0, -1, -1, -1, "handshake"), false)};
  c.Container(6).view = joining;
  std::vector<Action> plan = c.Plan();
  ASSERT_THAT(Types(plan), ElementsAre(T::kWait));
  EXPECT_THAT(plan[0].detail, HasSubstr("cache-6 is meeting the cluster"));

  // The other side: cache-6 knows cache-0, which lists it under a temporary ID.
  joining.nodes = {Node(Member(6), true), Node(Member(0, -1, 0, 5460), false)};
  c.Container(6).view = joining;
  for (int i = 0; i < 6; ++i) {
    NodeView& v = *c.Container(i).view;
    ClusterNode temporary = Node(Member(6, -1, -1, -1, "handshake"), false);
    temporary.id = std::string(40, 'f');
    v.nodes.push_back(temporary);
  }
  plan = c.Plan();
  ASSERT_THAT(Types(plan), ElementsAre(T::kWait));
  EXPECT_THAT(plan[0].detail, HasSubstr("cache-6 is meeting the cluster"));
}

TEST(RedisPlanTest, SuspendPlansNothingAndDeletionTearsDown) {
  Cluster c("cache", 6);
  c.desired_.suspend = true;
  EXPECT_THAT(c.Plan(), IsEmpty());
  c.desired_.suspend = false;
  c.Members(Cluster::Healthy(3));
  c.desired_.deleting = true;
  c.desired_.delete_volumes = true;
  c.observed_.network_present = true;
  c.observed_.volumes = {"nxt-default-cache-0-data"};
  std::vector<T> types = Types(c.Plan());
  EXPECT_EQ(std::count(types.begin(), types.end(), T::kRemove), 6);
  EXPECT_EQ(types[6], T::kRemoveNetwork);
  EXPECT_EQ(types[7], T::kRemoveVolume);
}

// ---- A down master (plan_failover.cc): its replica is promoted before it comes back.

// Cluster::Healthy(3): masters 0, 1, 2; replica 3 of 0, 4 of 1, 5 of 2.
Cluster WithNodeDown(int ordinal, const std::string& state = "exited") {
  Cluster c("cache", 6);
  c.Members(Cluster::Healthy(3));
  c.Container(ordinal).state = state;
  c.Container(ordinal).view.reset();
  return c;
}

TEST(RedisPlanTest, AKilledMasterStaysDownWhileItsReplicaIsPromoted) {
  Cluster c = WithNodeDown(1);
  std::vector<Action> plan = c.Plan();
  ASSERT_THAT(Types(plan), ElementsAre(T::kPromote));
  EXPECT_EQ(plan[0].ordinal, 1);
  EXPECT_EQ(plan[0].name, "cache-1");
  EXPECT_EQ(plan[0].node_id, Id(1));
  EXPECT_THAT(plan[0].ordinals, ElementsAre(4));
  EXPECT_EQ(plan[0].Describe(), "promote a replica of cache-1 (down) to master");
  // Still so after a few seconds down, and when the others already flag it failing.
  c.observed_.down_for["cache-1"] = absl::Seconds(5);
  std::vector<Member> members = Cluster::Healthy(3);
  members[1].flags = "fail";
  c.Members(members);
  c.Container(1).view.reset();
  EXPECT_THAT(Types(c.Plan()), ElementsAre(T::kPromote));
}

TEST(RedisPlanTest, AMissingMasterIsNotRecreatedBeforeItsReplicaIsPromoted) {
  Cluster c = WithNodeDown(1);
  std::erase_if(c.observed_.nodes, [](const ObservedNode& n) { return n.ordinal == 1; });
  std::vector<Action> plan = c.Plan();
  ASSERT_THAT(Types(plan), ElementsAre(T::kPromote));
  EXPECT_EQ(plan[0].name, "cache-1");
}

TEST(RedisPlanTest, OnceItsReplicaServesTheSlotsTheOldMasterIsStarted) {
  // The anchor's table: cache-4 took over 5461-10921, cache-1 is a failed replica of it.
  Cluster c("cache", 6);
  std::vector<Member> members = Cluster::Healthy(3);
  members[1] = Member(1, 4, -1, -1, "fail");
  members[4] = Member(4, -1, 5461, 10921);
  c.Members(members);
  c.Container(1).state = "exited";
  c.Container(1).view.reset();
  std::vector<Action> plan = c.Plan();
  ASSERT_THAT(Types(plan), ElementsAre(T::kStart));
  EXPECT_EQ(plan[0].name, "cache-1");
}

TEST(RedisPlanTest, APromotionTheAnchorHasNotHeardOfYetCountsAsDone) {
  // cache-4 says it is a master serving the slots; cache-0's table is a moment behind.
  Cluster c = WithNodeDown(1);
  ClusterNode& me = c.Container(4).view->nodes[4];
  ASSERT_TRUE(me.IsMyself());
  me.flags = {"myself", "master"};
  me.master_id.clear();
  me.slot_ranges = {{5461, 10921}};
  EXPECT_THAT(Types(c.Plan()), ElementsAre(T::kStart));
}

TEST(RedisPlanTest, AMasterIsStartedAtOnceWhenNoReplicaCanTakeOver) {
  // Its replica is down too: nobody to promote; both come back.
  Cluster both = WithNodeDown(1);
  both.Container(4).state = "exited";
  both.Container(4).view.reset();
  EXPECT_THAT(Types(both.Plan()), ElementsAre(T::kStart, T::kStart));
  // Two masters of three down: no majority to vote, Redis cannot elect either.
  Cluster two = WithNodeDown(1);
  two.Container(2).state = "exited";
  two.Container(2).view.reset();
  EXPECT_THAT(Types(two.Plan()), ElementsAre(T::kStart, T::kStart));
  // Its replica answers but the anchor flags it failing.
  Cluster failing("cache", 6);
  std::vector<Member> members = Cluster::Healthy(3);
  members[4].flags = "fail";
  failing.Members(members);
  failing.Container(1).state = "exited";
  failing.Container(1).view.reset();
  EXPECT_THAT(Types(failing.Plan()), ElementsAre(T::kStart));
}

TEST(RedisPlanTest, AMasterDownLongerThanTheHoldLimitIsStarted) {
  Cluster c = WithNodeDown(1);
  c.observed_.down_for["cache-1"] = kHoldLimit;
  EXPECT_THAT(Types(c.Plan()), ElementsAre(T::kStart));
}

TEST(RedisPlanTest, ADownReplicaIsStartedAtOnce) {
  EXPECT_THAT(Types(WithNodeDown(4).Plan()), ElementsAre(T::kStart));
  EXPECT_THAT(Types(WithNodeDown(4, "dead").Plan()), ElementsAre(T::kReplace));
}

TEST(RedisPlanTest, AStoppedNodeIsNotAGhostButAMemberWithNoContainerIs) {
  Cluster c("cache", 6);
  std::vector<Member> members = Cluster::Healthy(3);
  members[4].flags = "fail";
  c.Members(members);
  c.Container(4).state = "exited";
  c.Container(4).view.reset();
  ClusterSummary s = Summarize(c.observed_);
  EXPECT_THAT(s.ghosts, IsEmpty());
  EXPECT_EQ(s.silent_of.at(Id(4)), 4);
  std::erase_if(c.observed_.nodes, [](const ObservedNode& n) { return n.ordinal == 4; });
  s = Summarize(c.observed_);
  EXPECT_THAT(s.ghosts, ElementsAre(Id(4)));
  EXPECT_THAT(s.silent_of, IsEmpty());
}

TEST(RedisPlanTest, DescribesActionsForHumans) {
  Action a;
  a.type = T::kAddReplica;
  a.name = "cache-7";
  a.node_id = Id(6);
  EXPECT_EQ(a.Describe(), "add cache-7 as a replica of 00000000");
  a.type = T::kDrain;
  a.node_ids = {Id(6)};
  EXPECT_EQ(a.Describe(), "move the slots of 1 master(s) away");
  EXPECT_STREQ(ActionTypeName(T::kWait), "wait");
  EXPECT_STREQ(ActionTypeName(T::kCreateCluster), "create-cluster");
  EXPECT_STREQ(ActionTypeName(T::kPromote), "promote");
}

}  // namespace
}  // namespace nxt::rediscluster
