// RedisCluster against the real engine and real Redis (images/redis: nxt/redis:7, or
// NXT_REDIS_IMAGE): CurlDockerClient + ContainerCache + the reconciler with an in-memory
// store. Every object carries io.nxt.name=<unique name> and is removed by that label in
// TearDown, even when a test failed.
#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/clock.h"
#include "common/logging.h"
#include "controllers/common/owner.h"
#include "controllers/rediscluster/admin.h"
#include "controllers/rediscluster/hiredis_node_link.h"
#include "controllers/rediscluster/rediscluster_reconciler.h"
#include "docker/container_cache.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/mocks/docker/mock_docker_client.h"
#include "tests/testing/controller_docker_test.h"
#include "tests/testing/status_matchers.h"

namespace nxt::rediscluster {
namespace {

using ::nxt::testing::IsOk;

constexpr absl::Duration kResync = absl::Seconds(77);  // marks "converged" in results

std::string RedisImage() {
  const char* s = std::getenv("NXT_REDIS_IMAGE");
  return s != nullptr ? s : "nxt/redis:7";
}

class RedisClusterDockerTest : public nxt::testing::ControllerDockerTest {
 protected:
  void SetUp() override {
    SetUpEngine(resources::kRedisClusterKind, "default", {RedisImage()}, "redis");
    if (IsSkipped() || HasFatalFailure()) return;
    RedisClusterReconciler::Options options;
    options.stop_timeout = absl::Seconds(2);
    options.resync = kResync;
    reconciler_ = std::make_unique<RedisClusterReconciler>(Deps(), options);
  }

  void ApplyNodes(int nodes, int replicas_per_master = 1, boost::json::object config = {}) {
    resources::Object o;
    o.kind = resources::kRedisClusterKind;
    o.metadata.name = name_;
    o.spec = {{"nodes", nodes},
              {"replicasPerMaster", replicas_per_master},
              {"image", RedisImage()},
              {"maxmemory", "64Mi"},
              {"appendonly", true}};
    if (!config.empty()) o.spec["config"] = std::move(config);
    store_->Apply(std::move(o));
  }

  // Reconciles as the daemon does (cache refreshed first) until converged.
  void Converge(absl::Duration limit = absl::Seconds(150)) {
    const double seconds =
        ReconcileUntilConverged(*reconciler_, kResync, limit, absl::Milliseconds(500));
    if (seconds >= 0) {
      std::fprintf(stderr, "[ converged ] %s in %.1f s\n", StatusField("ready").c_str(), seconds);
    }
  }

  std::string Node(int i) const { return absl::StrCat(name_, "-", i); }

  RedisAdmin Admin() {
    absl::StatusOr<std::string> pw = secrets_->Get(key_, kPasswordSecret);
    EXPECT_THAT(pw, IsOk());
    return RedisAdmin(*docker_, pw.ok() ? *pw : "", RedisAdmin::Timeouts{});
  }

  // The anchor's view, from node `i`.
  NodeView View(int i) {
    RedisAdmin admin = Admin();
    absl::StatusOr<NodeView> v = admin.Query(Node(i));
    EXPECT_THAT(v, IsOk());
    return v.ok() ? *v : NodeView{};
  }

  // Checks the invariants of a healthy cluster of `masters` shards with `replicas`
  // replicas each; returns node ID by container ordinal.
  std::map<int, std::string> ExpectHealthy(int nodes, int masters, int replicas = 1) {
    std::map<int, std::string> ids;
    std::map<std::string, int> replicas_of;
    std::vector<int> slots;
    for (int i = 0; i < nodes; ++i) {
      NodeView v = View(i);
      if (v.Myself() == nullptr) continue;
      ids[i] = v.Myself()->id;
      EXPECT_EQ(v.info.state, "ok") << Node(i);
      EXPECT_EQ(v.info.slots_ok, kClusterSlots) << Node(i);
      EXPECT_EQ(v.info.known_nodes, nodes) << Node(i) << ": no ghosts, no missing nodes";
      if (i != 0) continue;
      for (const ClusterNode& n : v.nodes) {
        EXPECT_FALSE(n.IsFailing()) << n.id;
        EXPECT_EQ(n.open_slots, 0);
        if (n.IsReplica()) ++replicas_of[n.master_id];
        if (n.IsMaster()) slots.push_back(n.SlotCount());
        EXPECT_EQ(n.hostname.substr(0, name_.size()), name_) << "announced hostname";
      }
    }
    EXPECT_EQ(static_cast<int>(slots.size()), masters);
    for (int s : slots) {
      // redis-cli rebalances within its 2% threshold.
      EXPECT_NEAR(s, kClusterSlots / masters, kClusterSlots / masters * 0.03);
    }
    EXPECT_EQ(static_cast<int>(replicas_of.size()), masters);
    for (const auto& [master, count] : replicas_of) EXPECT_EQ(count, replicas) << master;
    return ids;
  }

  // Writes keys k0..k<n-1> through the cluster (redis-cli -c follows MOVED).
  void WriteKeys(int n) {
    std::vector<std::string> lines;
    for (int i = 0; i < n; ++i) lines.push_back(absl::StrCat("SET k", i, " v", i));
    RunClient(lines);
  }
  void ExpectKeys(int n) {
    std::vector<std::string> lines;
    for (int i = 0; i < n; ++i) lines.push_back(absl::StrCat("GET k", i));
    std::string out = RunClient(lines);
    std::vector<std::string> got;
    for (absl::string_view line : absl::StrSplit(out, '\n', absl::SkipEmpty())) {
      if (!absl::StartsWith(line, "-> ")) got.emplace_back(line);  // "-> Redirected to ..."
    }
    ASSERT_EQ(static_cast<int>(got.size()), n) << out;
    for (int i = 0; i < n; ++i) EXPECT_EQ(got[i], absl::StrCat("v", i));
  }
  std::string RunClient(const std::vector<std::string>& lines) {
    absl::StatusOr<std::string> pw = secrets_->Get(key_, kPasswordSecret);
    std::string in = absl::StrCat(pw.ok() ? *pw : "", "\n");
    for (const std::string& l : lines) absl::StrAppend(&in, l, "\n");
    absl::StatusOr<docker::ExecResult> r = docker_->Exec(
        Node(0), {"timeout", "60", "redis-cli", "-c", "--askpass"}, absl::Seconds(65), in);
    EXPECT_THAT(r, IsOk());
    return r.ok() ? r->stdout_text : "";
  }

  // HiredisNodeLink against the real nodes: a command, a wrong password, and an address
  // that leads to another node (as after a restart with a new address).
  void ExpectTheLinkReachesOnlyTheNodeItNames() {
    const std::string network = controllers::NetworkName(key_.namespace_, key_.name);
    const std::string password = *secrets_->Get(key_, kPasswordSecret);
    HiredisNodeLink link(*docker_);
    absl::StatusOr<std::vector<std::string>> pong =
        link.Run(Node(0), network, password, {{"PING"}, {"DBSIZE"}}, absl::Seconds(5));
    ASSERT_THAT(pong, IsOk());
    EXPECT_EQ((*pong)[0], "PONG");
    const std::string wrong = "not-the-password-4242";
    absl::StatusOr<std::vector<std::string>> refused =
        link.Run(Node(0), network, wrong, {{"PING"}}, absl::Seconds(5));
    EXPECT_TRUE(absl::IsUnavailable(refused.status())) << refused.status();
    EXPECT_THAT(std::string(refused.status().message()),
                ::testing::Not(::testing::HasSubstr(wrong)));
    EXPECT_THAT(std::string(refused.status().message()),
                ::testing::Not(::testing::HasSubstr(password)));

    // node 1's name at node 0's address: refused before any command runs; once the engine
    // gives the right address, the next Run looks it up again and reaches node 1.
    absl::StatusOr<docker::ContainerInfo> zero = docker_->InspectContainer(Node(0));
    absl::StatusOr<docker::ContainerInfo> one = docker_->InspectContainer(Node(1));
    ASSERT_THAT(zero, IsOk());
    ASSERT_THAT(one, IsOk());
    ::testing::NiceMock<docker::MockDockerClient> engine;
    EXPECT_CALL(engine, InspectContainer(Node(1)))
        .WillOnce(::testing::Return(*zero))
        .WillRepeatedly(::testing::Return(*one));
    HiredisNodeLink stale(engine);
    absl::StatusOr<std::vector<std::string>> other =
        stale.Run(Node(1), network, password, {{"CLUSTER", "FAILOVER"}}, absl::Seconds(5));
    EXPECT_TRUE(absl::IsUnavailable(other.status())) << other.status();
    EXPECT_THAT(std::string(other.status().message()), ::testing::HasSubstr("another node"));
    absl::StatusOr<std::vector<std::string>> myid =
        stale.Run(Node(1), network, password, {{"CLUSTER", "MYID"}}, absl::Seconds(5));
    ASSERT_THAT(myid, IsOk());
    EXPECT_EQ((*myid)[0], View(1).Myself()->id);
  }

  std::unique_ptr<RedisClusterReconciler> reconciler_;
};

TEST_F(RedisClusterDockerTest, CreatesThreeMastersWithAReplicaEachAndRepairsARemovedNode) {
  ApplyNodes(6);
  Converge();
  std::map<int, std::string> ids = ExpectHealthy(6, 3);
  EXPECT_EQ(StatusField("ready"), "6/6");
  EXPECT_EQ(StatusField("slots"), "16384/16384");
  EXPECT_EQ(StatusField("clusterState"), "ok");
  EXPECT_EQ(StatusField("masters"), "3");
  EXPECT_EQ(StatusField("replicas"), "3");

  // The password is required (requirepass from the config file) and is not in argv/env.
  absl::StatusOr<docker::ExecResult> noauth =
      docker_->Exec(Node(0), {"redis-cli", "PING"}, absl::Seconds(10));
  ASSERT_THAT(noauth, IsOk());
  EXPECT_THAT(noauth->stdout_text, ::testing::HasSubstr("NOAUTH"));
  absl::StatusOr<docker::ExecResult> cmdline =
      docker_->Exec(Node(0), {"sh", "-c", "cat /proc/1/cmdline /proc/1/environ | tr '\\0' ' '"},
                    absl::Seconds(10));
  ASSERT_THAT(cmdline, IsOk());
  EXPECT_THAT(cmdline->stdout_text,
              ::testing::Not(::testing::HasSubstr(*secrets_->Get(key_, kPasswordSecret))));
  WriteKeys(200);
  ExpectTheLinkReachesOnlyTheNodeItNames();

  // A second reconcile of a converged cluster changes nothing.
  ASSERT_THAT(cache_->Resync(), IsOk());
  absl::StatusOr<reconciler::Result> again = reconciler_->Reconcile({key_});
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->requeue_after, kResync);

  // docker rm -f of a node: recreated with its identity (nodes.conf on its volume).
  ASSERT_THAT(docker_->RemoveContainer(Node(1), true), IsOk());
  Converge();
  std::map<int, std::string> after = ExpectHealthy(6, 3);
  EXPECT_EQ(after, ids) << "every node kept its ID";
  ExpectKeys(200);
}

// The shard loss that reverted the first native probes, for real: a master removed
// (`docker rm -f`, volume kept) while its replica has not finished its first sync (held
// back here by repl-diskless-sync-delay 20) comes back from its volume with its keys; the
// empty replica is not promoted.
TEST_F(RedisClusterDockerTest, AMasterRemovedBeforeItsReplicasFirstSyncComesBackWithItsKeys) {
  ApplyNodes(6, 1, {{"repl-diskless-sync-delay", "20"}});
  absl::Time deadline = absl::Now() + absl::Seconds(120);  // every step done but the syncs
  while (absl::Now() < deadline &&
         !absl::StrContains(ReconcilingMessage(), "still copying its master's data")) {
    ASSERT_THAT(cache_->Resync(), IsOk());
    (void)reconciler_->Reconcile({key_});
    absl::SleepFor(absl::Milliseconds(200));
  }
  ASSERT_THAT(ReconcilingMessage(), ::testing::HasSubstr("still copying its master's data"));
  WriteKeys(200);
  // A master other than node 0 (the test's client) whose replica holds no copy yet.
  std::map<std::string, int> ordinal;
  for (int i = 0; i < 6; ++i) ordinal[View(i).Myself()->id] = i;
  int master = -1;
  std::string seen;
  for (int i = 0; i < 6 && master < 0; ++i) {
    const NodeView v = View(i);
    const ClusterNode* me = v.Myself();
    if (!me->IsReplica() || ordinal[me->master_id] == 0) continue;
    absl::StatusOr<std::string> info = Admin().Command(Node(i), {"INFO", "replication"});
    absl::StrAppend(&seen, Node(i), ": ", info.ok() ? *info : info.status().ToString(), "\n");
    if (info.ok() && absl::StrContains(*info, "master_link_down_since_seconds:-1")) {
      master = ordinal[me->master_id];
    }
  }
  if (master < 0) {
    GTEST_SKIP() << "every replica finished its sync first (a slow machine)\n" << seen;
  }
  ASSERT_THAT(docker_->RemoveContainer(Node(master), true), IsOk());
  Converge();
  ExpectHealthy(6, 3);
  ExpectKeys(200);
  for (const reconciler::Event& e : store_->Events(key_)) {
    EXPECT_NE(e.reason, "ReplicaPromoted") << e.message;
  }
}

TEST_F(RedisClusterDockerTest, AKilledMasterComesBackAsAReplicaOfItsPromotedReplica) {
  ApplyNodes(6);
  Converge();
  ExpectHealthy(6, 3);
  WriteKeys(100);
  NodeView v = View(0);
  std::map<std::string, int> ordinal;
  for (int i = 0; i < 6; ++i) ordinal[View(i).Myself()->id] = i;
  int master = -1;
  int replica = -1;
  for (const ClusterNode& n : v.nodes) {
    if (n.IsReplica()) {
      master = ordinal[n.master_id];
      replica = ordinal[n.id];
    }
  }
  ASSERT_GE(master, 0);
  // Redis fails over only to a replica whose data is fresh: wait until its initial sync
  // is done (a loaded machine can take longer than the cluster needs to report ok).
  absl::Time synced_by = absl::Now() + absl::Seconds(60);
  std::string replication;
  while (absl::Now() < synced_by) {
    absl::StatusOr<std::string> info = Admin().Command(Node(replica), {"INFO", "replication"});
    replication = info.ok() ? *info : std::string(info.status().message());
    if (absl::StrContains(replication, "master_link_status:up")) break;
    absl::SleepFor(absl::Milliseconds(200));
  }
  ASSERT_THAT(replication, ::testing::HasSubstr("master_link_status:up")) << Node(replica);
  // docker kill: the engine does not restart a killed container (it counts as stopped by
  // hand), and no reconcile runs until Converge, so it stays down long enough for the
  // cluster to fail over (node timeout 5 s).
  ASSERT_THAT(docker_->KillContainer(Node(master), "KILL"), IsOk());
  absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline && !View(replica).Myself()->IsMaster()) {
    absl::SleepFor(absl::Milliseconds(500));
  }
  ASSERT_TRUE(View(replica).Myself()->IsMaster()) << Node(replica) << " was not promoted";

  Converge();
  ExpectHealthy(6, 3);
  EXPECT_TRUE(View(master).Myself()->IsReplica()) << Node(master) << " came back as a replica";
  ExpectKeys(100);
}

TEST_F(RedisClusterDockerTest, ReplicasPerMasterTwoGivesEveryMasterASecondReplicaAndBack) {
  ApplyNodes(6);
  Converge();
  std::map<int, std::string> before = ExpectHealthy(6, 3);
  WriteKeys(200);

  // Same 3 masters, 2 replicas each: nodes 6..8 join as replicas of the masters with one.
  ApplyNodes(9, 2);
  Converge();
  std::map<int, std::string> grown = ExpectHealthy(9, 3, 2);
  for (const auto& [ordinal, id] : before) EXPECT_EQ(grown[ordinal], id) << Node(ordinal);
  EXPECT_EQ(StatusField("replicas"), "6");
  ExpectKeys(200);

  // Back to 1: the highest ordinals leave (del-node, then their containers go).
  ApplyNodes(6, 1);
  Converge();
  ExpectHealthy(6, 3, 1);
  EXPECT_EQ(StatusField("replicas"), "3");
  ExpectKeys(200);
  auto rows = docker_->ListContainers({{docker::kLabelName, name_}});
  ASSERT_THAT(rows, IsOk());
  EXPECT_EQ(rows->size(), 6u);
}

// A client that keeps writing while the cluster changes: through node 0 (which every
// size keeps), batches of `ECHO m<i>`, `SET w<i> <i>`, `WAIT 1 1000` with redis-cli -c
// (following MOVED and ASK). A key is acknowledged when SET answered OK and WAIT reported
// at least one replica had it.
class AckedWriter {
 public:
  AckedWriter(docker::DockerClient& docker, std::string node, std::string password)
      : docker_(docker), node_(std::move(node)), password_(std::move(password)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~AckedWriter() { Stop(); }

  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::vector<int> Acknowledged() {
    std::lock_guard<std::mutex> lock(mu_);
    return acked_;
  }
  int Attempted() const { return next_; }

 private:
  void Run() {
    while (!stop_) {
      std::string in = absl::StrCat(password_, "\n");
      for (int i = next_; i < next_ + kBatch; ++i) {
        absl::StrAppend(&in, "ECHO m", i, "\nSET w", i, " ", i, "\nWAIT 1 1000\n");
      }
      next_ += kBatch;
      absl::StatusOr<docker::ExecResult> r = docker_.Exec(
          node_, {"timeout", "60", "redis-cli", "-c", "--askpass"}, absl::Seconds(65), in);
      if (r.ok()) Parse(r->stdout_text);
      absl::SleepFor(absl::Milliseconds(50));
    }
  }

  // m<i> / OK / <replicas>, with "-> Redirected ..." lines in between.
  void Parse(const std::string& out) {
    int id = -1;
    int step = 0;  // 0: expect marker, 1: expect OK, 2: expect WAIT's count
    std::lock_guard<std::mutex> lock(mu_);
    for (absl::string_view line : absl::StrSplit(out, '\n', absl::SkipEmpty())) {
      if (absl::StartsWith(line, "-> ")) continue;
      int n = 0;
      if (absl::ConsumePrefix(&line, "m") && absl::SimpleAtoi(line, &n)) {
        id = n;
        step = 1;
      } else if (step == 1 && line == "OK") {
        step = 2;
      } else if (step == 2 && absl::SimpleAtoi(line, &n)) {
        if (n >= 1) acked_.push_back(id);
        step = 0;
      } else {
        step = 0;
      }
    }
  }

  static constexpr int kBatch = 50;
  docker::DockerClient& docker_;
  const std::string node_;
  const std::string password_;
  std::atomic<bool> stop_ = false;
  std::atomic<int> next_ = 0;
  std::mutex mu_;
  std::vector<int> acked_;
  std::thread thread_;
};

TEST_F(RedisClusterDockerTest, ScalesByWholeShardsUpAndDownWhileAClientWritesWithWait) {
  ApplyNodes(6);
  Converge();
  ExpectHealthy(6, 3);
  WriteKeys(300);
  absl::StatusOr<std::string> pw = secrets_->Get(key_, kPasswordSecret);
  ASSERT_THAT(pw, IsOk());
  AckedWriter writer(*docker_, Node(0), *pw);

  ApplyNodes(8);
  Converge();
  ExpectHealthy(8, 4);
  ExpectKeys(300);

  ApplyNodes(6);
  Converge();
  ExpectHealthy(6, 3);
  absl::SleepFor(absl::Seconds(1));  // some writes on the final cluster too
  writer.Stop();
  ExpectKeys(300);

  const std::vector<int> acked = writer.Acknowledged();
  std::fprintf(stderr, "%zu of %d writes acknowledged by a replica\n", acked.size(),
               writer.Attempted());
  ASSERT_GT(acked.size(), 200u) << "the client barely wrote";
  std::vector<std::string> gets;
  for (int id : acked) gets.push_back(absl::StrCat("ECHO m", id, "\nGET w", id));
  std::string out = RunClient(gets);
  std::map<int, std::string> read;
  int id = -1;
  for (absl::string_view line : absl::StrSplit(out, '\n', absl::SkipEmpty())) {
    if (absl::StartsWith(line, "-> ")) continue;
    int n = 0;
    if (absl::ConsumePrefix(&line, "m") && absl::SimpleAtoi(line, &n)) {
      id = n;
    } else if (id >= 0) {
      read[id] = std::string(line);
      id = -1;
    }
  }
  int missing = 0;
  for (int acked_id : acked) missing += read[acked_id] == absl::StrCat(acked_id) ? 0 : 1;
  EXPECT_EQ(missing, 0) << "acknowledged keys lost or changed";

  auto rows = docker_->ListContainers({{docker::kLabelName, name_}});
  ASSERT_THAT(rows, IsOk());
  EXPECT_EQ(rows->size(), 6u) << "nodes 6 and 7 removed";
  auto volumes = docker_->ListVolumes({{docker::kLabelName, name_}});
  ASSERT_THAT(volumes, IsOk());
  EXPECT_EQ(volumes->size(), 8u) << "volumes stay after scale-down";
}

}  // namespace
}  // namespace nxt::rediscluster
