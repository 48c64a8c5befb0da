// RedisClusterReconciler against the fake Docker client, store and node link: what it
// creates, how the password travels (config file, the link, exec stdin; never argv), how
// rounds are paced, leftover cluster tools, invalid specs, deletion. Real cluster
// behaviour is covered by rediscluster_docker_test.
#include "controllers/rediscluster/rediscluster_reconciler.h"

#include <algorithm>
#include <boost/json.hpp>
#include <mutex>
#include <set>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "controllers/rediscluster/node_link.h"
#include "controllers/rediscluster/render.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reconciler/reconciler.h"
#include "tests/controllers/rediscluster/rediscluster_cluster_builder.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/fake_docker_client.h"
#include "tests/testing/fake_store.h"
#include "tests/testing/no_http_client.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace nxt::rediscluster {
namespace {

using ::nxt::testing::IsOk;
using ::nxt::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

const resources::ObjectKey kKey{resources::kRedisClusterKind, "default", "cache"};

int Occurrences(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

constexpr char kFreshView[] =
    "cluster_state:fail\ncluster_slots_assigned:0\ncluster_slots_ok:0\ncluster_known_nodes:1\n"
    "9761e340fd6af2b9e405df446d2b526131d5f3cb :6379@16379 myself,master - 0 0 0 connected\n";

// Answers every node as fresh (alone, no slots), or as `answer` says; records the calls.
class FakeNodeLink : public NodeLink {
 public:
  struct Call {
    std::string container;
    std::string network;
    std::string password;
    std::vector<std::vector<std::string>> commands;
  };

  absl::StatusOr<std::vector<std::string>> Run(
      const std::string& container, const std::string& network, const std::string& password,
      const std::vector<std::vector<std::string>>& commands, absl::Duration) override {
    std::lock_guard<std::mutex> lock(mu_);
    calls_.push_back({container, network, password, commands});
    if (!answers_) return absl::UnavailableError(container + ": connection refused");
    std::vector<std::string> out;
    auto view = views_.find(container);
    for (const std::vector<std::string>& c : commands) {
      if (c == std::vector<std::string>{"CLUSTER", "INFO"}) {
        out.push_back(view == views_.end() ? kFreshInfo : InfoText(view->second));
      } else if (c == std::vector<std::string>{"CLUSTER", "NODES"}) {
        out.push_back(view == views_.end() ? kFreshNodes : NodesText(view->second));
      } else if (c == std::vector<std::string>{"INFO", "replication", "keyspace"}) {
        out.push_back(view == views_.end() ? kFreshData : DataText(container, view->second));
      } else {
        out.push_back("OK");
      }
    }
    return out;
  }

  std::vector<Call> calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  void set_answers(bool answers) {
    std::lock_guard<std::mutex> lock(mu_);
    answers_ = answers;
  }
  // Each running node of `observed` answers with its view (as Redis prints it).
  void set_views(const ObservedState& observed) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const ObservedNode& n : observed.nodes) {
      if (n.view.has_value()) views_[n.name] = *n.view;
    }
  }

  static std::string InfoText(const NodeView& v) {
    return absl::StrCat(
        "cluster_state:", v.info.state, "\ncluster_slots_assigned:", v.info.slots_assigned,
        "\ncluster_slots_ok:", v.info.slots_ok, "\ncluster_known_nodes:", v.info.known_nodes, "\n");
  }
  static std::string NodesText(const NodeView& v) {
    std::string out;
    for (const ClusterNode& n : v.nodes) {
      absl::StrAppend(&out, n.id, " ", n.ip, ":", n.port, "@", n.bus_port, ",", n.hostname, " ",
                      absl::StrJoin(n.flags, ","), " ", n.master_id.empty() ? "-" : n.master_id,
                      " 0 0 ", n.config_epoch, n.connected ? " connected" : " disconnected");
      for (const auto& [from, to] : n.slot_ranges) absl::StrAppend(&out, " ", from, "-", to);
      out += "\n";
    }
    return out;
  }

  // INFO replication keyspace as Redis prints it, from the view (or the next of the
  // states set by script_replication for `container`).
  std::string DataText(const std::string& container, const NodeView& v) {
    ReplicationInfo r = v.replication;
    auto script = scripts_.find(container);
    if (script != scripts_.end() && !script->second.empty()) {
      r = script->second.front();
      if (script->second.size() > 1) script->second.erase(script->second.begin());
    }
    std::string out = absl::StrCat("# Replication\r\nrole:", r.role, "\r\n");
    if (r.role == "slave") {
      absl::StrAppend(&out, "master_link_status:", r.link_up ? "up" : "down",
                      "\r\nmaster_sync_in_progress:", r.sync_in_progress ? 1 : 0,
                      "\r\nslave_repl_offset:", r.offset, "\r\n");
      if (!r.link_up) {
        absl::StrAppend(&out, "master_link_down_since_seconds:", r.link_down_seconds, "\r\n");
      }
    } else {
      absl::StrAppend(&out, "master_repl_offset:", r.offset, "\r\n");
    }
    absl::StrAppend(&out, "\r\n# Keyspace\r\n");
    if (v.keys > 0) absl::StrAppend(&out, "db0:keys=", v.keys, ",expires=0,avg_ttl=0\r\n");
    return out;
  }
  // The INFO replication answers of `container`, one per query, the last one kept.
  void script_replication(const std::string& container, std::vector<ReplicationInfo> states) {
    std::lock_guard<std::mutex> lock(mu_);
    scripts_[container] = std::move(states);
  }

  static constexpr char kFreshData[] =
      "# Replication\r\nrole:master\r\nmaster_repl_offset:0\r\n\r\n# Keyspace\r\n";
  static constexpr char kFreshInfo[] =
      "cluster_state:fail\ncluster_slots_assigned:0\ncluster_slots_ok:0\n"
      "cluster_known_nodes:1\n";
  static constexpr char kFreshNodes[] =
      "9761e340fd6af2b9e405df446d2b526131d5f3cb :6379@16379 myself,master - 0 0 0 connected\n";

 private:
  std::mutex mu_;
  std::vector<Call> calls_;
  bool answers_ = true;
  std::map<std::string, NodeView> views_;  // container → its view; fresh when absent
  std::map<std::string, std::vector<ReplicationInfo>> scripts_;
};

RedisClusterReconciler::Options WithLink(NodeLink* link) {
  RedisClusterReconciler::Options o;
  o.link = link;
  return o;
}

class RedisClusterReconcilerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    docker_.AddEventListener([this](const docker::Event& e) { cache_.Apply(e); });
    ASSERT_THAT(cache_.Resync(), IsOk());
    docker_.SetExecHandler([this](const std::string& container, const std::vector<std::string>& cmd,
                                  const std::string& in) {
      std::lock_guard<std::mutex> lock(mu_);
      docker::ExecResult r;
      r.exit_code = 0;
      if (cmd[0] == "sh") {  // is a redis-cli --cluster left over from an earlier nxtd?
        tool_checks_.push_back(container);
        r.stdout_text = leftover_tool_ ? "2\n" : "0\n";
        return std::optional<docker::ExecResult>(r);
      }
      execs_.push_back({container, cmd, in});
      r.stdout_text = kFreshView;
      return std::optional<docker::ExecResult>(r);
    });
  }

  void Apply(boost::json::object spec) {
    resources::Object o;
    o.kind = resources::kRedisClusterKind;
    o.metadata.name = "cache";
    o.spec = std::move(spec);
    store_.Apply(std::move(o));
  }

  controllers::KindDeps Deps() {
    return {.store = store_,
            .docker = docker_,
            .cache = cache_,
            .secrets = secrets_,
            .http = http_,
            .clock = clock_};
  }

  std::string Password() { return *secrets_.Get(kKey, kPasswordSecret); }

  // CLUSTER FAILOVER FORCE commands sent so far.
  int Failovers() {
    int n = 0;
    for (const FakeNodeLink::Call& c : link_.calls()) {
      n += c.commands == std::vector<std::vector<std::string>>{{"CLUSTER", "FAILOVER", "FORCE"}};
    }
    return n;
  }

  struct ExecCall {
    std::string container;
    std::vector<std::string> cmd;
    std::string stdin_data;
  };

  ::nxt::testing::FakeClock clock_;
  ::nxt::testing::FakeDockerClient docker_{&clock_};
  docker::ContainerCache cache_{docker_};
  ::nxt::testing::FakeStore store_{clock_};
  ::nxt::testing::TempDir state_;
  controllers::SecretStore secrets_{state_.path()};
  ::nxt::testing::NoHttpClient http_;
  FakeNodeLink link_;
  RedisClusterReconciler reconciler_{Deps(), WithLink(&link_)};
  std::mutex mu_;
  std::vector<ExecCall> execs_;  // redis-cli runs (--cluster: the link asks the nodes)
  std::vector<std::string> tool_checks_;
  bool leftover_tool_ = false;
};

TEST_F(RedisClusterReconcilerTest, CreatesNodesWithTheirConfigFileAndVolume) {
  Apply({{"nodes", 6}, {"replicasPerMaster", 1}, {"image", "nxt/redis:7"}});
  absl::StatusOr<reconciler::Result> r = reconciler_.Reconcile({kKey});
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->requeue_after, absl::Milliseconds(50)) << "a round that acted looks again soon";
  EXPECT_EQ(docker_.ContainerNames(), (std::vector<std::string>{"cache-0", "cache-1", "cache-2",
                                                                "cache-3", "cache-4", "cache-5"}));
  EXPECT_TRUE(docker_.NetworkNames().contains("nxt-default-cache"));
  std::optional<std::map<std::string, std::string>> labels =
      docker_.VolumeLabels("nxt-default-cache-3-data");
  ASSERT_TRUE(labels.has_value()) << "volumes are created by nxt, labelled";
  EXPECT_EQ(labels->at(docker::kLabelOrdinal), "3");

  auto c = docker_.GetContainer("cache-3");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->state, "running");
  EXPECT_EQ(c->spec.hostname, "cache-3");
  EXPECT_EQ(c->spec.entrypoint, std::vector<std::string>{"redis-server"});
  EXPECT_EQ(c->spec.cmd, std::vector<std::string>{"/etc/nxt/redis.conf"});
  EXPECT_EQ(c->spec.cap_drop, std::vector<std::string>{"ALL"});
  const std::string password = Password();
  EXPECT_EQ(password.size(), 32u);
  for (const std::string& arg : c->spec.cmd) EXPECT_THAT(arg, Not(HasSubstr(password)));
  for (const std::string& env : c->spec.env) EXPECT_THAT(env, Not(HasSubstr(password)));
  ASSERT_TRUE(c->files.contains("/etc/nxt/redis.conf"));
  const auto& [conf, mode] = c->files.at("/etc/nxt/redis.conf");
  EXPECT_EQ(mode, 0600);
  EXPECT_THAT(conf, HasSubstr("requirepass " + password + "\n"));
  EXPECT_THAT(conf, HasSubstr("masterauth " + password + "\n"));
  EXPECT_THAT(conf, HasSubstr("cluster-announce-hostname cache-3\n"));
  EXPECT_THAT(conf, HasSubstr("cluster-config-file /data/nodes.conf\n"));
  EXPECT_THAT(conf, HasSubstr("appendonly yes\n"));
}

TEST_F(RedisClusterReconcilerTest, AsksEveryNodeOverTheLinkAndGivesRedisCliThePasswordOnStdin) {
  Apply({{"nodes", 6}});
  ASSERT_THAT(reconciler_.Reconcile({kKey}), IsOk());
  ASSERT_THAT(reconciler_.Reconcile({kKey}), IsOk());  // every node fresh: create
  const std::string password = Password();
  std::vector<FakeNodeLink::Call> calls = link_.calls();
  std::set<std::string> asked;
  for (const FakeNodeLink::Call& c : calls) {
    EXPECT_EQ(c.network, "nxt-default-cache");
    EXPECT_EQ(c.password, password);
    EXPECT_EQ(c.commands,
              (std::vector<std::vector<std::string>>{
                  {"CLUSTER", "INFO"}, {"CLUSTER", "NODES"}, {"INFO", "replication", "keyspace"}}));
    asked.insert(c.container);
  }
  EXPECT_EQ(asked, (std::set<std::string>{"cache-0", "cache-1", "cache-2", "cache-3", "cache-4",
                                          "cache-5"}));
  std::lock_guard<std::mutex> lock(mu_);
  ASSERT_EQ(execs_.size(), 1u) << "only the cluster tool runs in a container";
  const ExecCall& create = execs_[0];
  EXPECT_EQ(create.cmd[0], "timeout") << "every redis-cli call has a timeout";
  EXPECT_EQ(create.cmd[2], "redis-cli");
  EXPECT_EQ(create.cmd[3], "--askpass");
  for (const std::string& arg : create.cmd) EXPECT_THAT(arg, Not(HasSubstr(password)));
  EXPECT_TRUE(absl::StartsWith(create.stdin_data, password + "\n"));
  EXPECT_EQ(create.container, "cache-0");
  std::vector<std::string> tail(create.cmd.begin() + 8, create.cmd.end());
  ASSERT_EQ(tail.size(), 11u) << ::testing::PrintToString(create.cmd);
  EXPECT_EQ(tail[0], "--cluster");
  EXPECT_EQ(tail[1], "create");
  for (int i = 2; i < 8; ++i) EXPECT_THAT(tail[i], ::testing::EndsWith(":6379"));
  EXPECT_EQ(tail[8], "--cluster-replicas");
  EXPECT_EQ(tail[9], "1");
  EXPECT_EQ(tail[10], "--cluster-yes");
  EXPECT_TRUE(tool_checks_.empty())
      << "containers this reconciler made never ran an earlier nxtd's tool";
  std::optional<resources::ObjectStatus> s = store_.GetStatus(kKey);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->fields.at("clusterState").as_string(), "-");
  EXPECT_EQ(s->fields.at("ready").as_string(), "0/6");
  EXPECT_THAT(boost::json::serialize(s->fields), Not(HasSubstr(password)));
}

TEST_F(RedisClusterReconcilerTest, WaitingRoundsBackOffFrom50MsTo1sAndStartOverWhenTheWaitChanges) {
  Apply({{"nodes", 6}});
  ASSERT_THAT(reconciler_.Reconcile({kKey}), IsOk());  // containers
  link_.set_answers(false);                            // redis-server not listening yet
  std::vector<absl::Duration> delays;
  for (int i = 0; i < 7; ++i) {
    absl::StatusOr<reconciler::Result> r = reconciler_.Reconcile({kKey});
    ASSERT_THAT(r, IsOk());
    delays.push_back(r->requeue_after);
  }
  EXPECT_EQ(delays, (std::vector<absl::Duration>{absl::Milliseconds(50), absl::Milliseconds(100),
                                                 absl::Milliseconds(200), absl::Milliseconds(400),
                                                 absl::Milliseconds(800), absl::Seconds(1),
                                                 absl::Seconds(1)}));
  link_.set_answers(true);  // they answer: the create runs, and the next look is soon
  absl::StatusOr<reconciler::Result> r = reconciler_.Reconcile({kKey});
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->requeue_after, absl::Milliseconds(50));
}

TEST_F(RedisClusterReconcilerTest, AClusterToolLeftRunningByAnEarlierNxtdMakesTheStepWait) {
  Apply({{"nodes", 6}});
  {
    RedisClusterReconciler earlier(Deps(), WithLink(&link_));
    ASSERT_THAT(earlier.Reconcile({kKey}), IsOk());  // containers, by the earlier nxtd
  }
  clock_.Advance(absl::Minutes(1));
  RedisClusterReconciler restarted(Deps(), WithLink(&link_));
  leftover_tool_ = true;
  auto cluster_runs = [this] {
    std::lock_guard<std::mutex> lock(mu_);
    return std::count_if(execs_.begin(), execs_.end(), [](const ExecCall& e) {
      return std::find(e.cmd.begin(), e.cmd.end(), "--cluster") != e.cmd.end();
    });
  };
  ASSERT_THAT(restarted.Reconcile({kKey}), IsOk());
  EXPECT_EQ(cluster_runs(), 0) << "no second cluster tool next to the first";
  EXPECT_FALSE(tool_checks_.empty());
  std::optional<resources::ObjectStatus> status = store_.GetStatus(kKey);
  ASSERT_TRUE(status.has_value());
  const resources::Condition* reconciling = status->FindCondition(resources::kConditionReconciling);
  ASSERT_NE(reconciling, nullptr);
  EXPECT_THAT(reconciling->message, HasSubstr("redis-cli --cluster started earlier still runs"));

  leftover_tool_ = false;  // it finished
  ASSERT_THAT(restarted.Reconcile({kKey}), IsOk());
  EXPECT_EQ(cluster_runs(), 1) << "--cluster create once the node is free";
  const size_t checks = tool_checks_.size();
  EXPECT_EQ(checks, 7u) << "the busy node, then each node once";
  ASSERT_THAT(restarted.Reconcile({kKey}), IsOk());  // still fresh in the fake: create again
  EXPECT_EQ(cluster_runs(), 2);
  EXPECT_EQ(tool_checks_.size(), checks) << "a container found free is not looked into again";
}

// The hold of a killed master (kHoldLimit) counts from the engine's FinishedAt, so an nxtd
// restarted during the hold neither starts the master early nor holds it for a new 30 s.
TEST_F(RedisClusterReconcilerTest, AKilledMastersHoldCountsFromItsDeathAcrossAnNxtdRestart) {
  Apply({{"nodes", 6}});
  ASSERT_THAT(reconciler_.Reconcile({kKey}), IsOk());  // containers
  testing::Cluster cluster("cache", 6);
  std::vector<testing::Member> members = testing::Cluster::Healthy(3);
  members[1].flags = "fail?";  // cache-1, a master, as its peers see it once killed
  cluster.Members(members);
  link_.set_views(cluster.observed_);
  ASSERT_THAT(docker_.KillContainer("cache-1", "KILL"), IsOk());
  auto promotions = [this] {
    int n = 0;
    for (const FakeNodeLink::Call& c : link_.calls()) {
      n += c.commands == std::vector<std::vector<std::string>>{{"CLUSTER", "FAILOVER", "FORCE"}};
    }
    return n;
  };

  clock_.Advance(absl::Seconds(5));
  {
    RedisClusterReconciler restarted(Deps(), WithLink(&link_));
    ASSERT_THAT(restarted.Reconcile({kKey}), IsOk());
  }
  EXPECT_EQ(docker_.GetContainer("cache-1")->state, "exited") << "held 5 s after its death";
  EXPECT_EQ(promotions(), 1) << "its replica is promoted instead";

  clock_.Advance(absl::Seconds(kHoldLimit / absl::Seconds(1)));
  RedisClusterReconciler restarted_again(Deps(), WithLink(&link_));
  ASSERT_THAT(restarted_again.Reconcile({kKey}), IsOk());
  EXPECT_EQ(docker_.GetContainer("cache-1")->state, "running")
      << "down 35 s by the engine's clock: started, though this nxtd saw it down just now";
}

// The shard loss of a loaded machine, injected: `docker rm -f` of master cache-1 while
// its replica cache-4 had not finished its initial sync (link never up, nothing copied).
// CLUSTER FAILOVER FORCE on cache-4 would make an empty node serve cache-1's slots, and
// cache-1, recreated from its volume, would resync from it and drop its keys.
TEST_F(RedisClusterReconcilerTest, AMasterRemovedBeforeItsReplicaSyncedIsRecreatedNotFailedOver) {
  Apply({{"nodes", 6}});
  ASSERT_THAT(reconciler_.Reconcile({kKey}), IsOk());  // containers
  testing::Cluster cluster("cache", 6);
  cluster.Members(testing::Cluster::Healthy(3));
  cluster.Replication(4) = testing::Cluster::NeverSynced();
  link_.set_views(cluster.observed_);
  ASSERT_THAT(docker_.RemoveContainer("cache-1", /*force=*/true), IsOk());
  ASSERT_THAT(reconciler_.Reconcile({kKey}), IsOk());
  EXPECT_EQ(Failovers(), 0) << "no promotion of a replica without the shard's data";
  ASSERT_TRUE(docker_.GetContainer("cache-1").has_value());
  EXPECT_EQ(docker_.GetContainer("cache-1")->state, "running") << "recreated at once";
}

// The plan saw cache-4 holding the data; when the promotion runs, cache-4 says otherwise
// (its sync restarted): the actuator asks again and refuses.
TEST_F(RedisClusterReconcilerTest, ThePromotionAsksTheReplicaAgainAndRefusesOneWithoutTheData) {
  Apply({{"nodes", 6}});
  ASSERT_THAT(reconciler_.Reconcile({kKey}), IsOk());  // containers
  testing::Cluster cluster("cache", 6);
  cluster.Members(testing::Cluster::Healthy(3));
  link_.set_views(cluster.observed_);
  ReplicationInfo syncing = testing::Cluster::SyncedReplica();
  syncing.link_up = false;
  syncing.sync_in_progress = true;
  link_.script_replication("cache-4", {testing::Cluster::SyncedReplica(), syncing});
  ASSERT_THAT(docker_.KillContainer("cache-1", "KILL"), IsOk());
  absl::StatusOr<reconciler::Result> r = reconciler_.Reconcile({kKey});
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(r.status().message(), HasSubstr("cache-4 does not hold its master's data"));
  EXPECT_EQ(Failovers(), 0);
  ASSERT_THAT(reconciler_.Reconcile({kKey}), IsOk());  // the plan sees it syncing now
  EXPECT_EQ(Failovers(), 0);
  EXPECT_EQ(docker_.GetContainer("cache-1")->state, "running") << "started with its data";
}

TEST_F(RedisClusterReconcilerTest, AnUndecodableSpecStallsWithoutTouchingDocker) {
  // (The size rules are the manifest check's alone: a spec the reader refuses is never stored.)
  Apply({{"nodes", 6}, {"maxmemory", "lots"}});
  absl::StatusOr<reconciler::Result> r = reconciler_.Reconcile({kKey});
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_TRUE(reconciler::IsTerminal(r.status()));
  EXPECT_EQ(docker_.total_mutating_calls(), 0);
  EXPECT_EQ(store_.GetStatus(kKey)->FindCondition(resources::kConditionStalled)->status, "True");
}

TEST_F(RedisClusterReconcilerTest, DeletionKeepsVolumesAndPasswordUnlessDeletePolicy) {
  Apply({{"nodes", 6}});
  ASSERT_THAT(reconciler_.Reconcile({kKey}), IsOk());
  const std::string password = Password();
  ASSERT_THAT(store_.Delete(kKey), IsOk());
  ASSERT_THAT(reconciler_.Reconcile({kKey}), IsOk());
  EXPECT_TRUE(docker_.ContainerNames().empty());
  EXPECT_FALSE(docker_.NetworkNames().contains("nxt-default-cache"));
  EXPECT_EQ(docker_.VolumeNames().size(), 6u);
  EXPECT_EQ(Password(), password) << "kept for the volumes' data";

  Apply({{"nodes", 6}, {"deletionPolicy", "Delete"}});
  ASSERT_THAT(reconciler_.Reconcile({kKey}), IsOk());
  EXPECT_EQ(Password(), password) << "re-created objects find their old password";
  ASSERT_THAT(store_.Delete(kKey), IsOk());
  ASSERT_THAT(reconciler_.Reconcile({kKey}), IsOk());
  EXPECT_TRUE(docker_.VolumeNames().empty());
  EXPECT_THAT(secrets_.Get(kKey, kPasswordSecret), StatusIs(absl::StatusCode::kNotFound));
}

// Errors keep their meaning: a failed Docker call comes back with its code and payloads
// (a terminal one stays terminal), and "rediscluster default/cache" is said once.
TEST_F(RedisClusterReconcilerTest, ADockerErrorKeepsItsCodeAndPayloadsAndNamesTheObjectOnce) {
  Apply({{"nodes", 6}, {"replicasPerMaster", 1}, {"image", "nxt/redis:7"}});
  absl::Status refused = reconciler::TerminalError(absl::FailedPreconditionError("by the test"));
  refused.SetPayload("type.test/payload", absl::Cord("kept"));
  docker_.FailNext(::nxt::testing::FakeDockerClient::Method::kCreateContainer, 1, refused);
  absl::StatusOr<reconciler::Result> r = reconciler_.Reconcile({kKey});
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kFailedPrecondition,
                          HasSubstr("rediscluster default/cache: ")));
  EXPECT_THAT(r.status().message(), HasSubstr("by the test"));
  EXPECT_EQ(Occurrences(std::string(r.status().message()), "default/cache"), 1)
      << r.status().message();
  EXPECT_TRUE(reconciler::IsTerminal(r.status()));
  EXPECT_EQ(r.status().GetPayload("type.test/payload"), absl::Cord("kept"));
}

// An invalid spec whose Stalled status cannot be written is retried, and says the object
// once.
TEST_F(RedisClusterReconcilerTest, AStallWhoseStatusCannotBeWrittenNamesTheObjectOnce) {
  Apply({{"nodes", 6}, {"maxmemory", "lots"}});
  store_.FailWrites(absl::UnavailableError("disk full"));
  absl::StatusOr<reconciler::Result> r = reconciler_.Reconcile({kKey});
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kUnavailable,
                          HasSubstr("rediscluster default/cache: write status: disk full")));
  EXPECT_FALSE(reconciler::IsTerminal(r.status()));
  EXPECT_EQ(Occurrences(std::string(r.status().message()), "default/cache"), 1)
      << r.status().message();
  store_.FailWrites(absl::OkStatus());
  r = reconciler_.Reconcile({kKey});
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument,
                          HasSubstr("rediscluster default/cache: spec.maxmemory")));
  EXPECT_TRUE(reconciler::IsTerminal(r.status()));
  EXPECT_EQ(docker_.total_mutating_calls(), 0);
}

}  // namespace
}  // namespace nxt::rediscluster
