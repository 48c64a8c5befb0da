// Parsers of CLUSTER INFO / CLUSTER NODES (Redis 7.0 and 7.4 formats) and of the combined
// redis-cli answer the controller execs.
#include <fstream>
#include <sstream>

#include "controllers/rediscluster/cluster_state.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace nxt::rediscluster {
namespace {

using ::nxt::testing::IsOk;
using ::nxt::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Pair;

std::string Testdata(const std::string& name) {
  std::ifstream in(std::string(NXT_SOURCE_DIR_DEFAULT) + "/tests/testdata/redis/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(ClusterNodesTest, ParsesRedis70LinesWithHostnames) {
  auto nodes = ParseClusterNodes(Testdata("cluster_nodes_7_0.txt"));
  ASSERT_THAT(nodes, IsOk());
  ASSERT_EQ(nodes->size(), 3u);
  const ClusterNode& me = (*nodes)[2];
  EXPECT_EQ(me.id, "de05cce26e9f78085a29e7499e5ccabbb779abaf");
  EXPECT_EQ(me.ip, "172.23.0.2");
  EXPECT_EQ(me.port, 6379);
  EXPECT_EQ(me.bus_port, 16379);
  EXPECT_EQ(me.hostname, "nxt-t-probe-0");
  EXPECT_TRUE(me.IsMyself());
  EXPECT_TRUE(me.IsMaster());
  EXPECT_FALSE(me.IsFailing());
  EXPECT_TRUE(me.connected);
  EXPECT_THAT(me.slot_ranges, ElementsAre(Pair(0, 5460)));
  EXPECT_EQ(me.SlotCount(), 5461);
  EXPECT_EQ((*nodes)[0].SlotCount() + (*nodes)[1].SlotCount() + me.SlotCount(), kClusterSlots);
}

TEST(ClusterNodesTest, ParsesRedis74AuxFieldsOpenSlotsAndFailedNodes) {
  auto nodes = ParseClusterNodes(Testdata("cluster_nodes_7_4.txt"));
  ASSERT_THAT(nodes, IsOk());
  ASSERT_EQ(nodes->size(), 7u);
  EXPECT_EQ((*nodes)[0].hostname, "hostname4");
  EXPECT_TRUE((*nodes)[0].IsReplica());
  EXPECT_EQ((*nodes)[0].master_id, "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca");
  EXPECT_EQ((*nodes)[2].hostname, "") << "empty hostname before aux fields";
  const ClusterNode& me = (*nodes)[5];
  EXPECT_EQ(me.open_slots, 2);
  EXPECT_THAT(me.slot_ranges, ElementsAre(Pair(0, 5460), Pair(12000, 12000)));
  EXPECT_EQ(me.SlotCount(), 5462);
  const ClusterNode& ghost = (*nodes)[6];
  EXPECT_EQ(ghost.ip, "");
  EXPECT_TRUE(ghost.IsFailing());
  EXPECT_TRUE(ghost.HasFlag("noaddr"));
  EXPECT_FALSE(ghost.connected);
}

TEST(ClusterNodesTest, RejectsMalformedLines) {
  for (const char* bad : {
           "nothex 1.2.3.4:6379@16379 master - 0 0 1 connected",
           "de05cce26e9f78085a29e7499e5ccabbb779abaf 1.2.3.4:6379 master - 0 0 1 connected",
           "de05cce26e9f78085a29e7499e5ccabbb779abaf 1.2.3.4:6379@16379 master - 0 0 1 maybe",
           "de05cce26e9f78085a29e7499e5ccabbb779abaf 1.2.3.4:6379@16379 master - 0 0 1 connected "
           "16384",
           "de05cce26e9f78085a29e7499e5ccabbb779abaf 1.2.3.4:6379@16379 master - 0 0 1 connected "
           "10-5",
           "de05cce26e9f78085a29e7499e5ccabbb779abaf 1.2.3.4:6379@16379 master -",
       }) {
    EXPECT_THAT(ParseClusterNodes(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
}

TEST(ClusterInfoTest, ParsesCountsAndIgnoresUnknownKeys) {
  auto info = ParseClusterInfo(
      "cluster_state:ok\r\ncluster_slots_assigned:16384\r\ncluster_slots_ok:16000\r\n"
      "cluster_slots_pfail:384\r\ncluster_slots_fail:0\r\ncluster_known_nodes:6\r\n"
      "cluster_size:3\r\ncluster_current_epoch:9\r\ncluster_new_field:x\r\n");
  ASSERT_THAT(info, IsOk());
  EXPECT_EQ(info->state, "ok");
  EXPECT_EQ(info->slots_assigned, 16384);
  EXPECT_EQ(info->slots_ok, 16000);
  EXPECT_EQ(info->slots_pfail, 384);
  EXPECT_EQ(info->known_nodes, 6);
  EXPECT_EQ(info->size, 3);
  EXPECT_EQ(info->current_epoch, 9);
  EXPECT_THAT(ParseClusterInfo("cluster_slots_ok:1\n"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseClusterInfo("cluster_state:ok\ncluster_size:many\n"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(NodeViewTest, SplitsTheCombinedAnswerOfAFreshNode) {
  auto view = ParseNodeView(Testdata("view_fresh.txt"));
  ASSERT_THAT(view, IsOk());
  EXPECT_EQ(view->info.state, "fail");
  ASSERT_NE(view->Myself(), nullptr);
  EXPECT_EQ(view->Myself()->ip, "");
  EXPECT_TRUE(view->IsFresh());
  EXPECT_EQ(view->OpenSlots(), 0);
}

TEST(NodeViewTest, AClusterMemberIsNotFresh) {
  auto view = ParseNodeView("cluster_state:ok\ncluster_known_nodes:3\n" +
                            Testdata("cluster_nodes_7_0.txt"));
  ASSERT_THAT(view, IsOk());
  EXPECT_FALSE(view->IsFresh());
  EXPECT_EQ(view->Myself()->hostname, "nxt-t-probe-0");
  EXPECT_NE(view->Find("e9211af17a656d44223608dfdf14df2c3e552b13"), nullptr);
  EXPECT_EQ(view->Find("0000000000000000000000000000000000000000"), nullptr);
}

TEST(NodeViewTest, RefusalsAreUnavailable) {
  for (const char* refused :
       {"NOAUTH Authentication required.\n", "LOADING Redis is loading the dataset in memory\n",
        "ERR This instance has cluster support disabled\n", "", "cluster_state:ok\n"}) {
    EXPECT_THAT(ParseNodeView(refused), StatusIs(absl::StatusCode::kUnavailable)) << refused;
  }
  EXPECT_THAT(ParseNodeView("cluster_state:ok\nsomething else\n"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// INFO replication keyspace as redis-server 7.0 answered in the controller's probe (\r\n
// line ends), after CLUSTER INFO and CLUSTER NODES.
std::string WithInfo(const std::string& info) {
  return "cluster_state:ok\ncluster_known_nodes:3\n" + Testdata("cluster_nodes_7_0.txt") + info;
}

TEST(NodeViewTest, ReadsAReplicaThatNeverFinishedItsInitialSync) {
  auto view = ParseNodeView(
      WithInfo("# Replication\r\nrole:slave\r\nmaster_host:172.30.0.4\r\nmaster_port:6379\r\n"
               "master_link_status:down\r\nmaster_last_io_seconds_ago:-1\r\n"
               "master_sync_in_progress:0\r\nslave_read_repl_offset:0\r\nslave_repl_offset:0\r\n"
               "master_link_down_since_seconds:-1\r\nslave_priority:100\r\nslave_read_only:1\r\n"
               "replica_announced:1\r\nconnected_slaves:0\r\nmaster_failover_state:no-failover\r\n"
               "master_replid:bcde05ddff404ce43a9167580d42b1bc04e9b0e1\r\nmaster_repl_offset:0\r\n"
               "second_repl_offset:-1\r\nrepl_backlog_active:0\r\n\r\n# Keyspace\r\n"));
  ASSERT_THAT(view, IsOk());
  EXPECT_TRUE(view->replication.known);
  EXPECT_EQ(view->replication.role, "slave");
  EXPECT_FALSE(view->replication.link_up);
  EXPECT_FALSE(view->replication.sync_in_progress);
  EXPECT_EQ(view->replication.link_down_seconds, -1);
  EXPECT_EQ(view->replication.offset, 0);
  EXPECT_EQ(view->keys, 0);
  EXPECT_FALSE(view->IsFresh()) << "the cluster part is read as before";
}

TEST(NodeViewTest, ReadsASyncedReplicaAndAMaster) {
  auto replica = ParseNodeView(
      WithInfo("# Replication\r\nrole:slave\r\nmaster_link_status:up\r\n"
               "master_sync_in_progress:0\r\nslave_repl_offset:2209\r\nmaster_repl_offset:2209\r\n"
               "\r\n# Keyspace\r\ndb0:keys=68,expires=0,avg_ttl=0\r\n"));
  ASSERT_THAT(replica, IsOk());
  EXPECT_TRUE(replica->replication.link_up);
  EXPECT_EQ(replica->replication.offset, 2209);
  EXPECT_EQ(replica->keys, 68);
  auto master = ParseNodeView(
      WithInfo("# Replication\r\nrole:master\r\nconnected_slaves:1\r\n"
               "slave0:ip=172.30.0.7,port=6379,state=online,offset=2209,lag=0\r\n"
               "master_repl_offset:2223\r\n\r\n# Keyspace\r\ndb0:keys=3,expires=1,avg_ttl=9\r\n"));
  ASSERT_THAT(master, IsOk());
  EXPECT_EQ(master->replication.role, "master");
  EXPECT_EQ(master->replication.offset, 2223);
  EXPECT_EQ(master->keys, 3);
}

TEST(NodeViewTest, WithoutInfoNothingIsKnownAboutTheData) {
  auto view = ParseNodeView(WithInfo(""));
  ASSERT_THAT(view, IsOk());
  EXPECT_FALSE(view->replication.known);
  EXPECT_EQ(view->keys, -1);
  EXPECT_THAT(ParseNodeView(WithInfo("# Keyspace\r\ndb0:nokeys\r\n")),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseNodeView(WithInfo("# Replication\r\nmaster_link_down_since_seconds:x\r\n")),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace nxt::rediscluster
