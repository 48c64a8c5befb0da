// GaleraClusterReconciler against the fake Docker client and a small simulated Galera
// (exec answers): the create flow end to end, secrets never in argv, and no second
// bootstrap after a daemon restart that lost its status.
#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/logging.h"
#include "controllers/galeracluster/galera_metrics.h"
#include "controllers/galeracluster/galera_reconciler.h"
#include "controllers/galeracluster/render.h"
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

namespace nxt::galera {
namespace {

using ::nxt::testing::FakeDockerClient;
using ::nxt::testing::IsOk;
using ::nxt::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

const resources::ObjectKey kKey{"GaleraCluster", "default", "db"};

int Occurrences(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}
constexpr char kUuid[] = "895df241-e622-11f1-a54e-ae1bbd32e2b6";

struct ExecCall {
  std::string container;
  std::vector<std::string> cmd;
  std::string stdin_data;
};

class GaleraReconcilerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetLogLevel(LogLevel::kError);
    docker_.AddEventListener([this](const docker::Event& e) { cache_.Apply(e); });
    docker_.SetExecHandler([this](const std::string& c, const std::vector<std::string>& cmd,
                                  const std::string& in) { return Galera(c, cmd, in); });
    ASSERT_THAT(cache_.Resync(), IsOk());
    reconciler_ = NewReconciler(store_);
  }

  std::unique_ptr<GaleraClusterReconciler> NewReconciler(reconciler::Store& store) {
    return std::make_unique<GaleraClusterReconciler>(
        controllers::KindDeps{.store = store,
                              .docker = docker_,
                              .cache = cache_,
                              .secrets = secrets_,
                              .http = http_,
                              .clock = clock_,
                              .state_dir = state_.path()},
        GaleraClusterReconciler::Options{});
  }

  // A tiny Galera: a cluster exists while a bootstrap-mode node runs or, once formed,
  // while any node runs; every running node of it is Primary/Synced. Tools answer like
  // the real scripts. (Called by the fake: reads only the cache, never the fake.)
  std::optional<docker::ExecResult> Galera(const std::string& container,
                                           const std::vector<std::string>& cmd,
                                           const std::string& in) {
    std::lock_guard<std::mutex> lock(exec_mu_);  // evictions run on survivors at once
    calls_.push_back({container, cmd, in});
    if (cmd[0] == "sh") {
      const std::string& script = cmd[2];
      if (absl::StrContains(script, "mariadb-install-db")) return {{0, "initialised\n", ""}};
      if (absl::StrContains(script, "has_data")) {
        return {{0,
                 absl::StrCat("has_data=1\ngrastate=1\nuuid: ", kUuid,
                              "\nseqno: 5\nsafe_to_bootstrap: 0\n"),
                 ""}};
      }
      return {{0, "", ""}};
    }
    if (absl::StrContains(cmd.back(), "information_schema.TABLES")) {
      return {{0, absl::StrCat(data_bytes_, "\n"), ""}};
    }
    if (in.empty() && silent_.count(container) > 0) {  // a joiner: no SQL before its SST
      return {{1, "", "ERROR 2002 (HY000): Can't connect to local server through socket"}};
    }
    if (absl::StrContains(in, "evs.evict=")) {  // a dead run leaves the view
      evicted_.push_back(absl::StrCat(container, ": ", in));
      dead_in_view_ = 0;
      return {{0, "", ""}};
    }
    if (in.empty()) {  // probe
      int running = 0;
      bool bootstrap = false;
      for (const auto& c : cache_.List({{docker::kLabelRole, kNodeRole}})) {
        if (c.state != "running") continue;
        ++running;
        bootstrap |= c.labels.at(kLabelMode) == kModeBootstrap;
      }
      formed_ = running > 0 && (formed_ || bootstrap);
      std::string status = formed_ ? "Primary" : "non-Primary";
      std::string comment = formed_ ? "Synced" : "Initialized";
      return {
          {0,
           absl::StrCat("wsrep_cluster_status\t", status, "\nwsrep_local_state_comment\t", comment,
                        "\nwsrep_local_state\t", formed_ ? 4 : 0, "\nwsrep_cluster_size\t",
                        formed_ ? running + dead_in_view_ : 1, "\nwsrep_cluster_state_uuid\t",
                        kUuid, "\nwsrep_gcomm_uuid\t", RunUuid(container), "\n"),
           ""}};
    }
    return {{0, "", ""}};  // provisioning SQL
  }

  void ApplySpec(nxt::testing::FakeStore& store, int replicas) {
    resources::Object o;
    o.kind = resources::kGaleraClusterKind;
    o.metadata.name = kKey.name;
    o.spec = {{"replicas", replicas}, {"image", "nxt/mariadb-galera:10.11"}};
    store.Apply(std::move(o));
  }

  std::string Field(nxt::testing::FakeStore& store, const char* name) {
    std::optional<resources::ObjectStatus> s = store.GetStatus(kKey);
    if (!s.has_value() || !s->fields.contains(name)) return "";
    const boost::json::value& v = s->fields.at(name);
    return v.is_string() ? std::string(v.get_string()) : boost::json::serialize(v);
  }

  // The group UUID of a node's current run: its name and start count.
  std::string RunUuid(const std::string& container) {
    return absl::StrCat("0000000", std::string(1, container.back()), "-0000-0000-0000-",
                        absl::StrFormat("%012d", starts_[container]));
  }

  int Running() {
    int n = 0;
    for (const auto& c : cache_.List({{docker::kLabelRole, kNodeRole}})) n += c.state == "running";
    return n;
  }

  int Count(const std::string& needle) {
    int n = 0;
    for (const ExecCall& c : calls_) {
      for (const std::string& arg : c.cmd) n += absl::StrContains(arg, needle) ? 1 : 0;
    }
    return n;
  }

  nxt::testing::TempDir state_;
  nxt::testing::FakeClock clock_;
  FakeDockerClient docker_{&clock_};
  docker::ContainerCache cache_{docker_};
  nxt::testing::FakeStore store_{clock_};
  controllers::SecretStore secrets_{state_.path()};
  nxt::testing::NoHttpClient http_;
  std::unique_ptr<GaleraClusterReconciler> reconciler_;
  std::vector<ExecCall> calls_;
  bool formed_ = false;
  std::set<std::string> silent_;      // nodes whose probe gets no answer
  int64_t data_bytes_ = 0;            // what a ready node counts in information_schema
  int dead_in_view_ = 0;              // dead runs the simulated view still counts
  std::vector<std::string> evicted_;  // "<survivor>: <the eviction SQL it got>"
  std::mutex exec_mu_;
  std::map<std::string, int> starts_;  // node → the number of its run
};

TEST_F(GaleraReconcilerTest, CreatesThreeNodesOneAtATimeWithOneBootstrap) {
  ApplySpec(store_, 3);
  int previous_running = 0;
  for (int round = 0; round < 20 && Field(store_, "summary") != "Ready"; ++round) {
    ASSERT_THAT(reconciler_->Reconcile({kKey}), IsOk()) << "round " << round;
    EXPECT_LE(Running(), previous_running + 1) << "more than one node joined in one round";
    previous_running = Running();
    int bootstrap_nodes = 0;
    for (const auto& c : cache_.List({{docker::kLabelRole, kNodeRole}})) {
      bootstrap_nodes += c.labels.at(kLabelMode) == kModeBootstrap;
    }
    EXPECT_LE(bootstrap_nodes, 1);
  }
  ASSERT_EQ(Field(store_, "summary"), "Ready");
  EXPECT_EQ(Field(store_, "ready"), "3/3");
  EXPECT_EQ(Field(store_, "bootstrapped"), "true");
  EXPECT_EQ(Count("mariadb-install-db"), 1);
  EXPECT_EQ(Count("--wsrep-new-cluster"), 0);  // a flag of the container, never of an exec
  for (int i = 0; i < 3; ++i) {
    std::optional<FakeDockerClient::Container> c = docker_.GetContainer(NodeName(kKey, i));
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(c->spec.labels.at(kLabelMode), kModeJoin) << i;
    EXPECT_THAT(c->files.at(kConfigPath).first,
                HasSubstr("wsrep_cluster_address=gcomm://db-0,db-1,db-2\n"));
    EXPECT_EQ(c->files.at(kConfigPath).second, 0644);
    EXPECT_EQ(c->files.at(kHealthConfigPath).second, 0600);
    EXPECT_EQ(c->files.at(kSstConfigPath).second, 0600);
  }
  // No tool container is left behind, and the next round changes nothing.
  EXPECT_EQ(docker_.ContainerNames().size(), 3u);
  docker_.ResetCalls();
  ASSERT_THAT(reconciler_->Reconcile({kKey}), IsOk());
  EXPECT_EQ(docker_.total_mutating_calls(), 0);
}

// The loop of issue 13: a node that does not answer SQL while it receives an SST is
// Joining (from `docker top`, no exec), is never restarted however long the SST takes,
// and once it is stuck the grace counts from its last sign of progress: the end of the
// SST, then its own restart.
TEST_F(GaleraReconcilerTest, AJoinerInSstIsNeverRestartedAndAStuckOneOnlyAfterTheGrace) {
  ApplySpec(store_, 3);
  for (int round = 0; round < 20 && Field(store_, "summary") != "Ready"; ++round) {
    ASSERT_THAT(reconciler_->Reconcile({kKey}), IsOk());
  }
  ASSERT_EQ(Field(store_, "summary"), "Ready");
  const std::string joiner = NodeName(kKey, 2);
  silent_.insert(joiner);
  ASSERT_THAT(docker_.SetProcesses(joiner, {"mariadbd",
                                            "/bin/bash -ue /usr//bin/wsrep_sst_mariabackup "
                                            "--role joiner --address db-2",
                                            "mbstream -x"}),
              IsOk());
  docker_.ResetCalls();
  auto restarts = [&] { return docker_.calls(FakeDockerClient::Method::kStopContainer); };
  auto round_after = [&](absl::Duration d) {
    clock_.Advance(d);
    ASSERT_THAT(reconciler_->Reconcile({kKey}), IsOk());
  };
  for (int i = 0; i < 20; ++i) round_after(absl::Seconds(30));  // a 10-minute SST
  EXPECT_EQ(restarts(), 0);
  EXPECT_THAT(Field(store_, "nodes"), HasSubstr(R"("state":"Joining")"));
  EXPECT_THAT(Field(store_, "nodes"), HasSubstr(R"("sst":"mariabackup")"));
  EXPECT_THAT(Field(store_, "nodes"), HasSubstr(R"("startedAt":")"));
  EXPECT_EQ(Field(store_, "summary"), "Waiting");

  // The SST is over but the server does not answer: restarted one grace after the SST.
  ASSERT_THAT(docker_.SetProcesses(joiner, {"mariadbd"}), IsOk());
  round_after(absl::Seconds(30));
  EXPECT_EQ(restarts(), 0);
  EXPECT_THAT(Field(store_, "nodes"), HasSubstr(R"("state":"Starting")"));
  round_after(absl::Seconds(31));
  EXPECT_EQ(restarts(), 1);
  // The restart is progress: the next one only one grace after the container started.
  round_after(absl::Seconds(40));
  EXPECT_EQ(restarts(), 1);
  round_after(absl::Seconds(21));
  EXPECT_EQ(restarts(), 2);
  // Top and inspect only for the node that is not ready; never an exec beyond the probes.
  EXPECT_EQ(Count("wsrep_sst"), 0);
}

// A killed node is started again at once; while it rejoins by IST without answering SQL,
// its log (docker logs, no exec) makes it Joining, each new progress line holds off a
// restart, and only a log that stands still for 60 s + 30 s per GiB of data restarts
// it. Its transfer kind is an event once per start and stays in status.
TEST_F(GaleraReconcilerTest, AJoinerIsJudgedByItsLogAndRestartedOnlyWhenItStandsStill) {
  ApplySpec(store_, 3);
  for (int round = 0; round < 20 && Field(store_, "summary") != "Ready"; ++round) {
    ASSERT_THAT(reconciler_->Reconcile({kKey}), IsOk());
  }
  ASSERT_EQ(Field(store_, "summary"), "Ready");
  const std::string node = NodeName(kKey, 0);
  data_bytes_ = int64_t{5} << 30;  // 5 GiB: the limit is 60 s + 150 s
  ASSERT_THAT(docker_.KillContainer(node, "KILL"), IsOk());
  silent_.insert(node);
  docker_.ResetCalls();
  ASSERT_THAT(reconciler_->Reconcile({kKey}), IsOk());
  EXPECT_EQ(docker_.calls(FakeDockerClient::Method::kStartContainer), 1);
  EXPECT_EQ(Field(store_, "readyReplicas"), "2");
  ASSERT_THAT(docker_.AppendLog(node, absl::StrCat("nxt: recovered position ", kUuid, ":41")),
              IsOk());
  auto restarts = [&] { return docker_.calls(FakeDockerClient::Method::kStopContainer); };
  auto round_after = [&](absl::Duration d) {
    clock_.Advance(d);
    ASSERT_THAT(reconciler_->Reconcile({kKey}), IsOk());
  };
  for (int i = 0; i < 20; ++i) {  // 10 minutes of a slow IST, a step every 30 s
    ASSERT_THAT(docker_.AppendLog(node, absl::StrCat("2026-12-03 11:36:", 10 + i,
                                                     " 0 [Note] WSREP: Shifting PRIMARY -> JOINER"
                                                     " (TO: ",
                                                     50 + i, ")")),
                IsOk());
    round_after(absl::Seconds(30));
  }
  EXPECT_EQ(restarts(), 0);
  EXPECT_THAT(Field(store_, "nodes"), HasSubstr(R"("state":"Joining")"));
  EXPECT_THAT(Field(store_, "nodes"),
              HasSubstr(absl::StrCat(R"("recoveredPosition":")", kUuid, R"(:41")")));
  ASSERT_THAT(docker_.AppendLog(node, "WSREP_SST: [INFO] mariabackup IST completed on joiner"),
              IsOk());
  round_after(absl::Seconds(1));
  EXPECT_THAT(Field(store_, "nodes"), HasSubstr(R"("lastTransfer":"IST")"));
  // The log stands still: not restarted at 61 s (the data adds 150 s), restarted after.
  round_after(absl::Seconds(61));
  round_after(absl::Seconds(100));
  EXPECT_EQ(restarts(), 0);
  round_after(absl::Seconds(50));
  EXPECT_EQ(restarts(), 1);
  int ist_events = 0;
  for (const reconciler::Event& e : store_.Events(kKey)) {
    ist_events += e.reason == "IncrementalTransfer" ? e.count : 0;
    EXPECT_NE(e.reason, "StateSnapshotTransfer");
  }
  EXPECT_EQ(ist_events, 1);
}

// An SST says why in status and a warning event.
TEST_F(GaleraReconcilerTest, AnSstJoinSaysWhyInStatusAndAnEvent) {
  ApplySpec(store_, 3);
  for (int round = 0; round < 20 && Field(store_, "summary") != "Ready"; ++round) {
    ASSERT_THAT(reconciler_->Reconcile({kKey}), IsOk());
  }
  const std::string node = NodeName(kKey, 1);
  ASSERT_THAT(docker_.KillContainer(node, "KILL"), IsOk());
  silent_.insert(node);
  ASSERT_THAT(reconciler_->Reconcile({kKey}), IsOk());
  ASSERT_THAT(docker_.AppendLog(node, absl::StrCat("WSREP: State transfer required:\n"
                                                   "\tGroup state: ",
                                                   kUuid, ":900\n\tLocal state: ", kUuid,
                                                   ":12\nWSREP_SST: [INFO] Proceeding with SST")),
              IsOk());
  clock_.Advance(absl::Seconds(2));
  ASSERT_THAT(reconciler_->Reconcile({kKey}), IsOk());
  EXPECT_THAT(Field(store_, "nodes"), HasSubstr(R"("lastTransfer":"SST")"));
  EXPECT_THAT(Field(store_, "nodes"), HasSubstr("no longer holds the write sets after seqno 12"));
  bool warned = false;
  for (const reconciler::Event& e : store_.Events(kKey)) {
    warned |= e.reason == "StateSnapshotTransfer" && e.type == "Warning" &&
              absl::StrContains(e.message, "db-1 rejoins by a full SST: the donor's gcache");
  }
  EXPECT_TRUE(warned);
}

// docker kill of a node: its dead run still counts in the survivors' view (Galera keeps it
// for its inactive timeout). The next round evicts exactly that run, once,
// on every survivor at once, says so in an event, and starts the node; a node that left cleanly is
// never evicted.
TEST_F(GaleraReconcilerTest, AKilledNodesDeadRunIsEvictedOnASurvivorOnceAndTheNodeStarted) {
  ApplySpec(store_, 3);
  for (int round = 0; round < 20 && Field(store_, "summary") != "Ready"; ++round) {
    ASSERT_THAT(reconciler_->Reconcile({kKey}), IsOk());
  }
  ASSERT_EQ(Field(store_, "summary"), "Ready");
  const std::string victim = NodeName(kKey, 1);
  const std::string dead_run = RunUuid(victim);
  ASSERT_THAT(docker_.StopBehindBack(victim), IsOk());
  starts_[victim]++;  // its next start is a new run
  dead_in_view_ = 1;
  ASSERT_THAT(reconciler_->Reconcile({kKey}), IsOk());
  const std::string sql =
      absl::StrCat("SET GLOBAL wsrep_provider_options='evs.evict=", dead_run, "';");
  EXPECT_THAT(evicted_, ::testing::UnorderedElementsAre(NodeName(kKey, 0) + ": " + sql,
                                                        NodeName(kKey, 2) + ": " + sql));
  EXPECT_EQ(docker_.GetContainer(victim)->state, "running") << "started in the same round";
  bool event = false;
  for (const auto& e : store_.Events(kKey)) {
    event |= e.reason == "MemberEvicted" && absl::StrContains(e.message, dead_run);
  }
  EXPECT_TRUE(event);
  for (int round = 0; round < 5; ++round) ASSERT_THAT(reconciler_->Reconcile({kKey}), IsOk());
  EXPECT_EQ(evicted_.size(), 2u) << "evicted once, on both survivors";
  EXPECT_EQ(Field(store_, "summary"), "Ready");
  // 3 -> 1: the leavers stop cleanly and leave the view; nothing is evicted.
  ApplySpec(store_, 1);
  for (int round = 0; round < 20 && Field(store_, "ready") != "1/1"; ++round) {
    ASSERT_THAT(reconciler_->Reconcile({kKey}), IsOk());
  }
  EXPECT_EQ(Field(store_, "ready"), "1/1");
  EXPECT_EQ(evicted_.size(), 2u);
}

TEST_F(GaleraReconcilerTest, DescribePlanNamesTheNextStepWithoutChangingDocker) {
  ApplySpec(store_, 3);
  docker_.ResetCalls();
  absl::StatusOr<std::vector<std::string>> plan = reconciler_->DescribePlan(*store_.Get(kKey));
  ASSERT_THAT(plan, IsOk());
  EXPECT_THAT(*plan, ElementsAre(HasSubstr("bootstrap node 0")));
  EXPECT_EQ(docker_.total_mutating_calls(), 0);
  for (int round = 0; round < 20 && Field(store_, "summary") != "Ready"; ++round) {
    ASSERT_THAT(reconciler_->Reconcile({kKey}), IsOk());
  }
  ASSERT_EQ(Field(store_, "summary"), "Ready");
  plan = reconciler_->DescribePlan(*store_.Get(kKey));
  ASSERT_THAT(plan, IsOk());
  EXPECT_THAT(*plan, IsEmpty()) << "converged";

  ApplySpec(store_, 5);
  docker_.ResetCalls();
  plan = reconciler_->DescribePlan(*store_.Get(kKey));
  ASSERT_THAT(plan, IsOk());
  EXPECT_THAT(*plan, ElementsAre(HasSubstr("join node 3")));
  EXPECT_EQ(docker_.total_mutating_calls(), 0);
  EXPECT_EQ(docker_.ContainerNames().size(), 3u);
}

TEST_F(GaleraReconcilerTest, DeletionStopsNodesCleanlyAndKeepsVolumesAndSecretsUnlessAsked) {
  ApplySpec(store_, 3);
  for (int round = 0; round < 20 && Field(store_, "summary") != "Ready"; ++round) {
    ASSERT_THAT(reconciler_->Reconcile({kKey}), IsOk());
  }
  ASSERT_EQ(Field(store_, "summary"), "Ready");
  absl::StatusOr<std::string> root = secrets_.Get(kKey, "root");
  ASSERT_THAT(root, IsOk());
  docker_.ResetCalls();
  ASSERT_THAT(store_.Delete(kKey), IsOk());
  ASSERT_THAT(reconciler_->Reconcile({kKey}), IsOk());
  EXPECT_EQ(docker_.calls(FakeDockerClient::Method::kStopContainer), 3) << "clean stops first";
  EXPECT_TRUE(docker_.ContainerNames().empty());
  EXPECT_FALSE(docker_.NetworkNames().contains("nxt-default-db"));
  EXPECT_EQ(docker_.VolumeNames().size(), 3u);
  EXPECT_EQ(*secrets_.Get(kKey, "root"), *root) << "kept for the volumes' data";

  resources::Object o;
  o.kind = resources::kGaleraClusterKind;
  o.metadata.name = kKey.name;
  o.spec = {{"replicas", 3}, {"image", "nxt/mariadb-galera:10.11"}, {"deletionPolicy", "Delete"}};
  store_.Apply(std::move(o));
  ASSERT_THAT(store_.Delete(kKey), IsOk());
  ASSERT_THAT(reconciler_->Reconcile({kKey}), IsOk());
  EXPECT_TRUE(docker_.VolumeNames().empty());
  EXPECT_FALSE(secrets_.Get(kKey, "root").ok());
}

TEST_F(GaleraReconcilerTest, OneToThreeDisarmsTheBootstrapNodeBeforeAnyPeerJoins) {
  ApplySpec(store_, 1);
  for (int round = 0; round < 10 && Field(store_, "summary") != "Ready"; ++round) {
    ASSERT_THAT(reconciler_->Reconcile({kKey}), IsOk());
  }
  ASSERT_EQ(Field(store_, "summary"), "Ready");
  std::optional<FakeDockerClient::Container> single = docker_.GetContainer(NodeName(kKey, 0));
  ASSERT_TRUE(single.has_value());
  EXPECT_EQ(single->spec.labels.at(kLabelMode), kModeBootstrap);
  EXPECT_EQ(single->spec.restart_policy, "unless-stopped") << "alone, it restarts by itself";

  ApplySpec(store_, 3);
  // (The status still says Ready for 1 node until the first round has looked.)
  for (int round = 0; round < 20 && (round == 0 || Field(store_, "summary") != "Ready"); ++round) {
    ASSERT_THAT(reconciler_->Reconcile({kKey}), IsOk()) << "round " << round;
    std::optional<FakeDockerClient::Container> node0 = docker_.GetContainer(NodeName(kKey, 0));
    ASSERT_TRUE(node0.has_value());
    if (docker_.GetContainer(NodeName(kKey, 1)).has_value() &&
        node0->spec.labels.at(kLabelMode) == kModeBootstrap) {
      // A peer exists: the engine must never restart node 0 with --wsrep-new-cluster.
      EXPECT_EQ(node0->spec.restart_policy, "no") << "round " << round;
    }
  }
  ASSERT_EQ(Field(store_, "summary"), "Ready");
  for (int i = 0; i < 3; ++i) {
    std::optional<FakeDockerClient::Container> c = docker_.GetContainer(NodeName(kKey, i));
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(c->spec.labels.at(kLabelMode), kModeJoin) << i;
  }
  EXPECT_EQ(Count("mariadb-install-db"), 1) << "one bootstrap";
}

TEST_F(GaleraReconcilerTest, MetricsFollowTheStatus) {
  ApplySpec(store_, 3);
  for (int round = 0; round < 20 && Field(store_, "summary") != "Ready"; ++round) {
    ASSERT_THAT(reconciler_->Reconcile({kKey}), IsOk());
  }
  ASSERT_EQ(Field(store_, "summary"), "Ready");
  std::map<std::string, double> values;  // "family{label values}" → value
  for (const prometheus::MetricFamily& f : GaleraMetricsCollector(store_).Collect()) {
    for (const prometheus::ClientMetric& m : f.metric) {
      std::string id = f.name;
      for (const auto& l : m.label) id += "," + l.value;
      values[id] = f.type == prometheus::MetricType::Counter ? m.counter.value : m.gauge.value;
    }
  }
  EXPECT_EQ(values["nxt_galera_cluster_size,default,db"], 3);
  EXPECT_EQ(values["nxt_galera_recoveries_total,default,db"], 0);
  for (const char* node : {"db-0", "db-1", "db-2"}) {
    EXPECT_EQ(values[absl::StrCat("nxt_galera_node_ready,default,db,", node)], 1) << node;
    EXPECT_EQ(values[absl::StrCat("nxt_galera_node_state,default,db,", node, ",Synced")], 1);
    EXPECT_EQ(values[absl::StrCat("nxt_galera_node_state,default,db,", node, ",Stopped")], 0);
  }
  EXPECT_EQ(MetricState("Primary/Donor/Desynced"), "Donor/Desynced");
  EXPECT_EQ(MetricState("non-Primary/Initialized"), "NonPrimary");
  EXPECT_EQ(MetricState("exited"), "Stopped");
}

TEST_F(GaleraReconcilerTest, SecretsReachContainersOnlyAsFilesAndStdin) {
  ApplySpec(store_, 1);
  for (int round = 0; round < 6; ++round) ASSERT_THAT(reconciler_->Reconcile({kKey}), IsOk());
  ASSERT_EQ(Field(store_, "summary"), "Ready");
  std::vector<std::string> secrets;
  for (const char* name : {"root", "user", "health", "sst"}) {
    absl::StatusOr<std::string> s = secrets_.Get(kKey, name);
    ASSERT_THAT(s, IsOk()) << name;
    secrets.push_back(*s);
  }
  bool provisioned = false;
  for (const ExecCall& c : calls_) {
    for (const std::string& arg : c.cmd) {
      for (const std::string& s : secrets) EXPECT_FALSE(absl::StrContains(arg, s)) << arg;
    }
    provisioned |= absl::StrContains(c.stdin_data, secrets[0]);
  }
  EXPECT_TRUE(provisioned) << "root password set through stdin";
  std::optional<FakeDockerClient::Container> c = docker_.GetContainer("db-0");
  ASSERT_TRUE(c.has_value());
  for (const std::string& e : c->spec.env) {
    for (const std::string& s : secrets) EXPECT_FALSE(absl::StrContains(e, s));
  }
  EXPECT_THAT(c->files.at(kHealthConfigPath).first, HasSubstr(secrets[2]));
  EXPECT_THAT(c->files.at(kSstConfigPath).first, HasSubstr(secrets[3]));
  for (const std::string& s : secrets) {
    EXPECT_FALSE(absl::StrContains(c->files.at(kConfigPath).first, s));
    EXPECT_FALSE(absl::StrContains(boost::json::serialize(store_.GetStatus(kKey)->fields), s));
  }
}

TEST_F(GaleraReconcilerTest, ADatabaseAddedToARunningClusterIsCreatedOnce) {
  ApplySpec(store_, 3);
  for (int round = 0; round < 20 && Field(store_, "summary") != "Ready"; ++round) {
    ASSERT_THAT(reconciler_->Reconcile({kKey}), IsOk());
  }
  ASSERT_EQ(Field(store_, "summary"), "Ready");
  auto provisions = [this] {
    int n = 0;
    for (const ExecCall& c : calls_) n += absl::StrContains(c.stdin_data, "CREATE USER");
    return n;
  };
  EXPECT_EQ(provisions(), 1);
  EXPECT_EQ(Field(store_, "provisioned"), "true");
  const std::string applied = Field(store_, "provisionHash");
  EXPECT_EQ(applied.size(), 16u);

  resources::Object o = *store_.Get(kKey);
  o.spec["database"] = "analytics";
  store_.Apply(std::move(o));
  absl::StatusOr<std::vector<std::string>> plan = reconciler_->DescribePlan(*store_.Get(kKey));
  ASSERT_THAT(plan, IsOk());
  EXPECT_THAT(*plan, ElementsAre(HasSubstr("provision")));
  docker_.ResetCalls();
  for (int round = 0; round < 5; ++round) ASSERT_THAT(reconciler_->Reconcile({kKey}), IsOk());
  EXPECT_EQ(provisions(), 2) << "once more, then never again";
  bool created = false;
  for (const ExecCall& c : calls_) {
    created |= absl::StrContains(c.stdin_data, "CREATE DATABASE IF NOT EXISTS `analytics`");
  }
  EXPECT_TRUE(created);
  EXPECT_NE(Field(store_, "provisionHash"), applied);
  EXPECT_EQ(Field(store_, "summary"), "Ready");
  EXPECT_EQ(docker_.total_mutating_calls(), 0) << "no node restarts for a new database";
}

TEST_F(GaleraReconcilerTest, AJoinerCreatedWithoutItsFilesGetsThemBeforeItStarts) {
  ApplySpec(store_, 1);
  for (int round = 0; round < 10 && Field(store_, "summary") != "Ready"; ++round) {
    ASSERT_THAT(reconciler_->Reconcile({kKey}), IsOk());
  }
  ASSERT_EQ(Field(store_, "summary"), "Ready");
  // nxtd died between creating db-1 and writing its files (1 -> 3).
  ApplySpec(store_, 3);
  absl::StatusOr<resources::GaleraClusterSpec> spec =
      resources::DecodeGaleraClusterSpec(store_.Get(kKey)->spec);
  ASSERT_THAT(spec, IsOk());
  const std::string hash = NodeConfigHash(
      kKey, *spec, {"", "", *secrets_.Get(kKey, "health"), *secrets_.Get(kKey, "sst")});
  ASSERT_THAT(docker_.CreateContainer(RenderNode(kKey, *spec, 1, NodeMode::kJoin, hash)), IsOk());
  std::unique_ptr<GaleraClusterReconciler> restarted = NewReconciler(store_);
  for (int round = 0; round < 20 && (round == 0 || Field(store_, "summary") != "Ready"); ++round) {
    ASSERT_THAT(restarted->Reconcile({kKey}), IsOk()) << "round " << round;
  }
  ASSERT_EQ(Field(store_, "summary"), "Ready");
  std::optional<FakeDockerClient::Container> node1 = docker_.GetContainer(NodeName(kKey, 1));
  ASSERT_TRUE(node1.has_value());
  EXPECT_EQ(node1->files.count(kConfigPath), 1u);
  EXPECT_EQ(node1->files.count(kHealthConfigPath), 1u) << "the health probe needs it";
  EXPECT_EQ(node1->files.count(kSstConfigPath), 1u) << "a donor needs it";
  EXPECT_EQ(Count("mariadb-install-db"), 1) << "one bootstrap";
}

// wsrep_cluster_address is read only when a server starts: a change of `replicas` alone
// restarts no running member, yet every member's my.cnf lists the current members, so
// the next start of any of them (by nxtd or by the engine's restart policy) reads them.
TEST_F(GaleraReconcilerTest, ScalingRestartsNoRunningMemberAndEveryMemberGetsTheNewList) {
  auto converge = [&] {
    for (int round = 0; round < 40 && (round == 0 || Field(store_, "summary") != "Ready");
         ++round) {
      ASSERT_THAT(reconciler_->Reconcile({kKey}), IsOk()) << "round " << round;
    }
    ASSERT_EQ(Field(store_, "summary"), "Ready");
  };
  // Stops, starts and removals of db-0..db-2 among the events from `from` on.
  auto restarts = [&](size_t from) {
    std::vector<std::string> out;
    const std::vector<docker::Event> events = docker_.EventLog();
    for (size_t i = from; i < events.size(); ++i) {
      const docker::Event& e = events[i];
      auto name = e.attributes.find("name");
      if (name == e.attributes.end() || e.type != "container") continue;
      const bool old = name->second == "db-0" || name->second == "db-1" || name->second == "db-2";
      if (old && (e.action == "start" || e.action == "stop" || e.action == "die" ||
                  e.action == "kill" || e.action == "destroy")) {
        out.push_back(absl::StrCat(e.action, " ", name->second));
      }
    }
    return out;
  };
  auto config = [&](int ordinal) {
    std::optional<FakeDockerClient::Container> c = docker_.GetContainer(NodeName(kKey, ordinal));
    if (!c.has_value() || c->files.count(kConfigPath) == 0) return std::string();
    return c->files.at(kConfigPath).first;
  };
  ApplySpec(store_, 3);
  converge();
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(docker_.GetContainer(NodeName(kKey, i))->id);
  const std::string hash = Field(store_, "configHash");

  size_t mark = docker_.EventLog().size();
  ApplySpec(store_, 5);
  converge();
  EXPECT_THAT(restarts(mark), IsEmpty());
  EXPECT_EQ(Field(store_, "configHash"), hash) << "the member list is not in the hash";
  for (int i = 0; i < 5; ++i) {
    EXPECT_THAT(config(i), HasSubstr("wsrep_cluster_address=gcomm://db-0,db-1,db-2,db-3,db-4\n"))
        << "db-" << i;
  }
  for (int i = 0; i < 3; ++i) EXPECT_EQ(docker_.GetContainer(NodeName(kKey, i))->id, ids[i]);

  mark = docker_.EventLog().size();
  ApplySpec(store_, 3);
  converge();
  EXPECT_THAT(restarts(mark), IsEmpty());
  EXPECT_THAT(docker_.ContainerNames(), ElementsAre("db-0", "db-1", "db-2"));
  for (int i = 0; i < 3; ++i) {
    EXPECT_THAT(config(i), HasSubstr("wsrep_cluster_address=gcomm://db-0,db-1,db-2\n"));
  }

  // A member that stops (a crash, `docker kill`) is started again as it is: its files
  // are current, so none is written on its way back.
  ASSERT_THAT(docker_.StopBehindBack("db-1"), IsOk());
  docker_.ResetCalls();
  converge();
  EXPECT_EQ(docker_.GetContainer("db-1")->state, "running");
  EXPECT_EQ(docker_.GetContainer("db-1")->id, ids[1]);
  EXPECT_EQ(docker_.calls(FakeDockerClient::Method::kPutFile), 0);
  EXPECT_THAT(config(1), HasSubstr("wsrep_cluster_address=gcomm://db-0,db-1,db-2\n"));
}

TEST_F(GaleraReconcilerTest, RestartedDaemonThatLostItsStatusNeverBootstrapsANewCluster) {
  ApplySpec(store_, 3);
  for (int round = 0; round < 20 && Field(store_, "summary") != "Ready"; ++round) {
    ASSERT_THAT(reconciler_->Reconcile({kKey}), IsOk());
  }
  ASSERT_EQ(Field(store_, "summary"), "Ready");
  // Every node gone, and a new nxtd whose store has no status for the object.
  for (const std::string& name : docker_.ContainerNames()) {
    ASSERT_THAT(docker_.RemoveBehindBack(name), IsOk());
  }
  formed_ = false;
  nxt::testing::FakeStore fresh(clock_);
  ApplySpec(fresh, 3);
  std::unique_ptr<GaleraClusterReconciler> restarted = NewReconciler(fresh);
  calls_.clear();
  ASSERT_THAT(restarted->Reconcile({kKey}), IsOk());
  EXPECT_EQ(Count("mariadb-install-db"), 0);
  EXPECT_GT(Count("has_data"), 0) << "recovery read the volumes";
  bool recovering = false;
  for (const reconciler::Event& e : fresh.Events(kKey)) recovering |= e.reason == "Recovering";
  EXPECT_TRUE(recovering);
  EXPECT_THAT(Field(fresh, "lastRecovery"), HasSubstr("\"chosen\":\"db-0\""));
}

// Errors keep their meaning: a failed Docker call comes back with its code and payloads
// (a terminal one stays terminal), and "galeracluster default/db" is said once.
TEST_F(GaleraReconcilerTest, ADockerErrorKeepsItsCodeAndPayloadsAndNamesTheObjectOnce) {
  ApplySpec(store_, 3);
  absl::Status refused = reconciler::TerminalError(absl::FailedPreconditionError("by the test"));
  refused.SetPayload("type.test/payload", absl::Cord("kept"));
  docker_.FailNext(FakeDockerClient::Method::kCreateContainer, 1, refused);
  absl::StatusOr<reconciler::Result> r = reconciler_->Reconcile({kKey});
  EXPECT_THAT(
      r, StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("galeracluster default/db: ")));
  EXPECT_THAT(r.status().message(), HasSubstr("by the test"));
  EXPECT_EQ(Occurrences(std::string(r.status().message()), "default/db"), 1)
      << r.status().message();
  EXPECT_TRUE(reconciler::IsTerminal(r.status()));
  EXPECT_EQ(r.status().GetPayload("type.test/payload"), absl::Cord("kept"));

  docker_.FailNext(FakeDockerClient::Method::kCreateContainer, 1,
                   absl::UnavailableError("HTTP 500"));
  r = reconciler_->Reconcile({kKey});
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kUnavailable, HasSubstr("HTTP 500")));
  EXPECT_FALSE(reconciler::IsTerminal(r.status()));
  EXPECT_EQ(Occurrences(std::string(r.status().message()), "default/db"), 1)
      << r.status().message();
}

// An invalid spec whose Stalled status cannot be written is retried, and says the object
// once (it said "galeracluster default/db: galeracluster default/db: write status").
TEST_F(GaleraReconcilerTest, AStallWhoseStatusCannotBeWrittenNamesTheObjectOnce) {
  resources::Object o;
  o.kind = resources::kGaleraClusterKind;
  o.metadata.name = kKey.name;
  o.spec = {{"replicas", 3}, {"resources", {{"memory", "lots"}}}};
  store_.Apply(std::move(o));
  store_.FailWrites(absl::UnavailableError("disk full"));
  absl::StatusOr<reconciler::Result> r = reconciler_->Reconcile({kKey});
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kUnavailable,
                          HasSubstr("galeracluster default/db: write status: disk full")));
  EXPECT_FALSE(reconciler::IsTerminal(r.status()));
  EXPECT_EQ(Occurrences(std::string(r.status().message()), "default/db"), 1)
      << r.status().message();
  store_.FailWrites(absl::OkStatus());
  r = reconciler_->Reconcile({kKey});
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument,
                          HasSubstr("galeracluster default/db: spec.resources.memory")));
  EXPECT_TRUE(reconciler::IsTerminal(r.status()));
  EXPECT_EQ(Field(store_, "summary"), "InvalidSpec");
  EXPECT_EQ(docker_.total_mutating_calls(), 0);
}

}  // namespace
}  // namespace nxt::galera
