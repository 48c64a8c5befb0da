// GaleraCluster against the real engine and real Galera (nxt/mariadb-galera:10.11, built
// by images/build.sh mariadb-galera): CurlDockerClient + ContainerCache + the reconciler,
// with an in-memory store and a temporary state directory. Every object carries
// io.nxt.name=<unique name> and is removed by that label in TearDown, even on failure.
#include <atomic>
#include <boost/json.hpp>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/clock.h"
#include "common/logging.h"
#include "controllers/common/owner.h"
#include "controllers/galeracluster/galera_reconciler.h"
#include "controllers/galeracluster/mariadb_sql_link.h"
#include "controllers/galeracluster/render.h"
#include "docker/container_cache.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/controller_docker_test.h"
#include "tests/testing/status_matchers.h"

namespace nxt::galera {
namespace {

using ::nxt::testing::IsOk;

std::string GaleraImage() {
  const char* s = std::getenv("NXT_GALERA_IMAGE");
  return s != nullptr ? s : "nxt/mariadb-galera:10.11";
}

class GaleraDockerTest : public nxt::testing::ControllerDockerTest {
 protected:
  static constexpr char kNamespace[] = "galera-docker-test-namespace";

  void SetUp() override {
    // "<namespace>-<name>" is longer than the 32 bytes Galera allows for a cluster name:
    // every test also proves the shortened wsrep_cluster_name works.
    SetUpEngine(resources::kGaleraClusterKind, kNamespace, {GaleraImage()}, "mariadb-galera");
    if (IsSkipped() || HasFatalFailure()) return;
    GaleraClusterReconciler::Options options;
    options.grace = absl::Seconds(20);
    options.stop_timeout = absl::Seconds(60);
    link_ = std::make_shared<MariadbSqlLink>(*docker_);
    options.admin.link = link_;  // as nxtd probes
    reconciler_ = std::make_unique<GaleraClusterReconciler>(Deps(), options);
  }

  void ApplySpec(int replicas, const std::string& database = "app",
                 const std::string& sst = "mariabackup") {
    resources::Object o;
    o.kind = resources::kGaleraClusterKind;
    o.metadata.name = name_;
    o.metadata.namespace_ = kNamespace;
    o.spec = {{"image", GaleraImage()},
              {"replicas", replicas},
              {"database", database},
              {"user", "app"},
              {"sst", sst},
              {"config", boost::json::object{{"innodb_buffer_pool_size", "64M"},
                                             {"innodb_log_file_size", "16M"},
                                             {"wsrep_provider_options", "gcache.size=16M"},
                                             {"performance_schema", "OFF"}}}};
    store_->Apply(std::move(o));
  }

  // Reconciles as the daemon would until the status says Ready; false (with a failure
  // recorded) when it does not get there within `limit`.
  bool ConvergeReady(absl::Duration limit) {
    absl::Time deadline = absl::Now() + limit;
    std::string last;
    while (absl::Now() < deadline) {
      EXPECT_THAT(cache_->Resync(), IsOk());
      absl::StatusOr<reconciler::Result> r = reconciler_->Reconcile({key_});
      last = r.ok() ? StatusField("summary") : std::string(r.status().message());
      if (r.ok() && StatusField("summary") == "Ready") return true;
      absl::SleepFor(absl::Seconds(1));
    }
    ADD_FAILURE() << "not Ready within " << limit << "; last: " << last << " nodes "
                  << StatusField("nodes");
    return false;
  }

  std::string Node(int i) const { return absl::StrCat(name_, "-", i); }

  // SQL through the root socket of node `i` (stdin); its output.
  std::string Sql(int i, const std::string& sql) {
    absl::StatusOr<docker::ExecResult> r = docker_->Exec(
        Node(i), {"mariadb", "--protocol=socket", "-uroot", "-N", "-B"}, absl::Seconds(30), sql);
    EXPECT_THAT(r, IsOk());
    if (!r.ok()) return "";
    EXPECT_EQ(r->exit_code, 0) << r->stderr_text;
    return std::string(absl::StripAsciiWhitespace(r->stdout_text));
  }

  std::shared_ptr<MariadbSqlLink> link_;
  std::unique_ptr<GaleraClusterReconciler> reconciler_;
};

// One cluster for the create checks and the two repairs (a cluster costs ~40 s here).
// Its joiners copy their data by rsync, the other SST method (the other tests use
// mariabackup, the default).
TEST_F(GaleraDockerTest, ThreeNodesReadyRowReplicatedThenKilledAndRemovedNodesRejoin) {
  ApplySpec(3, "app", "rsync");
  absl::Time start = absl::Now();
  ASSERT_TRUE(ConvergeReady(absl::Minutes(4)));
  std::cerr << "3 nodes Ready in " << absl::ToDoubleSeconds(absl::Now() - start) << " s\n";
  EXPECT_EQ(StatusField("ready"), "3/3");
  EXPECT_EQ(StatusField("clusterSize"), "3");
  EXPECT_EQ(StatusField("primary"), "Yes");
  EXPECT_EQ(StatusField("bootstrapped"), "true");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Sql(i, "SHOW GLOBAL STATUS LIKE 'wsrep_cluster_size'"), "wsrep_cluster_size\t3");
    EXPECT_EQ(Sql(i, "SELECT @@wsrep_cluster_address"),
              absl::StrCat("gcomm://", Node(0), ",", Node(1), ",", Node(2)));
    EXPECT_EQ(Sql(i, "SELECT @@wsrep_sst_method"), "rsync");
  }
  Sql(0,
      "CREATE TABLE app.t (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO app.t VALUES (1, "
      "'hello');");
  EXPECT_EQ(Sql(2, "SET SESSION wsrep_sync_wait=1; SELECT v FROM app.t WHERE id = 1"), "hello");
  // Users exist everywhere; the health user answers the probe on every node.
  EXPECT_EQ(Sql(1, "SELECT COUNT(*) FROM mysql.user WHERE user IN ('app', 'nxt_health')"), "3");
  // Converged: more rounds change nothing in Docker, and probe every node over MariaDB's
  // protocol from this process: no exec at all.
  auto before = docker_->ListContainers({{docker::kLabelName, name_}});
  ASSERT_THAT(before, IsOk());
  requests_.Reset();
  for (int round = 0; round < 3; ++round) {
    ASSERT_THAT(cache_->Resync(), IsOk());
    ASSERT_THAT(reconciler_->Reconcile({key_}), IsOk());
    EXPECT_EQ(StatusField("ready"), "3/3");
  }
  EXPECT_EQ(requests_.Count("POST", "/containers/{id}/exec"), 0);
  auto after = docker_->ListContainers({{docker::kLabelName, name_}});
  ASSERT_THAT(after, IsOk());
  ASSERT_EQ(before->size(), after->size());
  for (size_t i = 0; i < before->size(); ++i) EXPECT_EQ((*before)[i].id, (*after)[i].id);
  // The link reads only the node it was asked for, and keeps the password to itself.
  const std::string network = controllers::NetworkName(kNamespace, name_);
  absl::StatusOr<std::string> health = secrets_->GetOrCreate(key_, "health");
  ASSERT_THAT(health, IsOk());
  absl::StatusOr<std::string> size =
      link_->Query(Node(2), network, kHealthUser, *health,
                   "SHOW GLOBAL STATUS LIKE 'wsrep_cluster_size'", absl::Seconds(5));
  ASSERT_THAT(size, IsOk());
  EXPECT_EQ(*size, "wsrep_cluster_size\t3\n");
  absl::StatusOr<std::string> wrong =
      link_->Query(Node(2), network, kHealthUser, "not-the-password", "SELECT 1", absl::Seconds(5));
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kPermissionDenied) << wrong.status();
  EXPECT_THAT(std::string(wrong.status().message()), ::testing::Not(::testing::HasSubstr(*health)));
  EXPECT_THAT(std::string(wrong.status().message()),
              ::testing::Not(::testing::HasSubstr("not-the-password")));

  // kill -9 of node 1's server (PID 1 of its container; the engine does not restart a
  // killed container): the controller starts it again, its start script recovers the
  // position, and it catches up by IST (rsync's joiner says which it got).
  ASSERT_THAT(docker_->KillContainer(Node(1), "KILL"), IsOk());
  Sql(0, "INSERT INTO app.t VALUES (2, 'node 1 down');");
  start = absl::Now();
  ASSERT_TRUE(ConvergeReady(absl::Minutes(3)));
  std::cerr << "killed node Ready again in " << absl::ToDoubleSeconds(absl::Now() - start)
            << " s\n";
  EXPECT_EQ(Sql(1, "SET SESSION wsrep_sync_wait=1; SELECT COUNT(*) FROM app.t"), "2");
  absl::StatusOr<docker::ContainerInfo> info = docker_->InspectContainer(Node(1));
  ASSERT_THAT(info, IsOk());
  absl::StatusOr<std::string> log = docker_->Logs(Node(1), info->started_at, 5000);
  ASSERT_THAT(log, IsOk());
  EXPECT_THAT(*log, ::testing::HasSubstr("nxt: recovered position "));
  EXPECT_THAT(*log, ::testing::HasSubstr("rsync IST completed on joiner"));
  EXPECT_THAT(StatusField("nodes"), ::testing::HasSubstr(R"("lastTransfer":"IST")"));
  // docker rm -f of node 2: recreated on its volume, rejoins.
  ASSERT_THAT(docker_->RemoveContainer(Node(2), true), IsOk());
  Sql(0, "INSERT INTO app.t VALUES (3, 'node 2 gone');");
  ASSERT_TRUE(ConvergeReady(absl::Minutes(3)));
  EXPECT_EQ(Sql(2, "SET SESSION wsrep_sync_wait=1; SELECT COUNT(*) FROM app.t"), "3");
  EXPECT_EQ(StatusField("recoveries"), "0");  // a Primary component existed throughout
}

// 1 -> 3: node 0 leaves bootstrap mode and the joiners copy their data by mariabackup
// logged in as the SST user — the unix_socket account of the OS user `mysql` that it could
// otherwise fall back to is dropped first. A database added in the same edit is created
// (provisioning runs again when the database or users change).
TEST_F(GaleraDockerTest, OneToThreeJoinsBySstAsTheSstUserAndCreatesAnAddedDatabase) {
  ApplySpec(1);
  ASSERT_TRUE(ConvergeReady(absl::Minutes(3)));
  EXPECT_EQ(Sql(0, "SELECT COUNT(*) FROM mysql.user WHERE user = 'nxt_sst' AND host = 'localhost'"),
            "1");
  Sql(0,
      "DROP USER IF EXISTS 'mysql'@'localhost'; CREATE TABLE app.t (id INT PRIMARY KEY); "
      "INSERT INTO app.t VALUES (1), (2);");
  ApplySpec(3, "app2");
  ASSERT_TRUE(ConvergeReady(absl::Minutes(5)));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Sql(i, "SET SESSION wsrep_sync_wait=1; SELECT COUNT(*) FROM app.t"), "2") << i;
    EXPECT_EQ(Sql(i, "SHOW DATABASES LIKE 'app2'"), "app2") << i;
    EXPECT_EQ(Sql(i, "SELECT COUNT(*) FROM mysql.user WHERE user = 'mysql'"), "0") << i;
    absl::StatusOr<docker::ExecResult> mode =
        docker_->Exec(Node(i), {"stat", "-c", "%a %U", kSstConfigPath}, absl::Seconds(10));
    ASSERT_THAT(mode, IsOk());
    EXPECT_EQ(absl::StripAsciiWhitespace(mode->stdout_text), "600 root") << i;
  }
  EXPECT_EQ(StatusField("provisioned"), "true");
}

TEST_F(GaleraDockerTest, TotalOutageRecoversFromTheMostAdvancedNodeWithEveryRow) {
  ApplySpec(3);
  ASSERT_TRUE(ConvergeReady(absl::Minutes(4)));
  Sql(0, "CREATE TABLE app.t (id INT PRIMARY KEY); INSERT INTO app.t VALUES (1),(2),(3);");
  // Node 2 stops early and falls behind; more rows are committed without it.
  ASSERT_THAT(docker_->StopContainer(Node(2), absl::Seconds(60)), IsOk());
  Sql(0, "INSERT INTO app.t VALUES (4),(5),(6);");
  // Power loss on the rest.
  ASSERT_THAT(docker_->KillContainer(Node(0), "KILL"), IsOk());
  ASSERT_THAT(docker_->KillContainer(Node(1), "KILL"), IsOk());
  absl::SleepFor(absl::Seconds(1));
  for (int i : {0, 1}) {
    // Keep them down as after a power cut (the engine's restart policy may have fired).
    docker_->StopContainer(Node(i), absl::Seconds(1)).IgnoreError();
  }
  absl::Time start = absl::Now();
  ASSERT_TRUE(ConvergeReady(absl::Minutes(6)));
  std::cerr << "recovered to Ready in " << absl::ToDoubleSeconds(absl::Now() - start) << " s\n";
  std::optional<resources::ObjectStatus> s = store_->GetStatus(key_);
  ASSERT_TRUE(s.has_value());
  const boost::json::value* rec = s->fields.if_contains("lastRecovery");
  ASSERT_NE(rec, nullptr) << "no recovery recorded";
  std::string chosen(rec->at("chosen").as_string());
  EXPECT_NE(chosen, Node(2)) << boost::json::serialize(*rec);
  EXPECT_TRUE(chosen == Node(0) || chosen == Node(1)) << boost::json::serialize(*rec);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Sql(i, "SET SESSION wsrep_sync_wait=1; SELECT COUNT(*) FROM app.t"), "6") << i;
  }
  bool event = false;
  for (const reconciler::Event& e : store_->Events(key_)) event |= e.reason == "Recovering";
  EXPECT_TRUE(event);
}

// A client that keeps inserting rows while the cluster changes: batches of autocommit
// INSERTs through nodes 0..2 (which every size keeps) in turn. The mariadb client stops
// at the first error, and each INSERT is followed by `SELECT <id>`, so an id printed is an
// insert the server acknowledged (committed); ids after an error count as not
// acknowledged, even if some were written.
class Inserter {
 public:
  Inserter(docker::DockerClient& docker, std::vector<std::string> nodes)
      : docker_(docker), nodes_(std::move(nodes)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~Inserter() { Stop(); }

  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::set<int> Acknowledged() {
    std::lock_guard<std::mutex> lock(mu_);
    return acked_;
  }
  int Attempted() const { return next_id_; }

 private:
  void Run() {
    for (size_t round = 0; !stop_; ++round) {
      std::string sql;
      for (int i = 0; i < kBatch; ++i) {
        absl::StrAppend(&sql, "INSERT INTO app.w VALUES (", next_id_ + i, "); SELECT ",
                        next_id_ + i, ";\n");
      }
      next_id_ += kBatch;
      absl::StatusOr<docker::ExecResult> r = docker_.Exec(
          nodes_[round % nodes_.size()], {"mariadb", "--protocol=socket", "-uroot", "-N", "-B"},
          absl::Seconds(30), sql);
      if (r.ok()) {
        std::lock_guard<std::mutex> lock(mu_);
        for (absl::string_view line : absl::StrSplit(r->stdout_text, '\n', absl::SkipEmpty())) {
          int id = 0;
          if (absl::SimpleAtoi(line, &id)) acked_.insert(id);
        }
      }
      absl::SleepFor(absl::Milliseconds(100));
    }
  }

  static constexpr int kBatch = 20;
  docker::DockerClient& docker_;
  const std::vector<std::string> nodes_;
  std::atomic<bool> stop_ = false;
  std::atomic<int> next_id_ = 0;
  std::mutex mu_;
  std::set<int> acked_;
  std::thread thread_;
};

TEST_F(GaleraDockerTest, ScalesThreeToFiveToThreeWhileAClientInsertsAndKeepsEveryAckedRow) {
  ApplySpec(3);
  ASSERT_TRUE(ConvergeReady(absl::Minutes(4)));
  Sql(0, "CREATE TABLE app.w (id INT PRIMARY KEY)");
  Inserter inserter(*docker_, {Node(0), Node(1), Node(2)});
  // The member list is read only when a server starts: scaling restarts no old node, and
  // every node's my.cnf names the current members for its next start.
  std::vector<absl::Time> started;
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<docker::ContainerInfo> info = docker_->InspectContainer(Node(i));
    ASSERT_THAT(info, IsOk());
    started.push_back(info->started_at);
  }
  auto restarted = [&](int i) {
    absl::StatusOr<docker::ContainerInfo> info = docker_->InspectContainer(Node(i));
    return !info.ok() || !info->running || info->started_at != started[i];
  };
  auto listed = [&](int i) {
    absl::StatusOr<docker::ExecResult> r =
        docker_->Exec(Node(i), {"grep", "^wsrep_cluster_address=", kConfigPath}, absl::Seconds(30));
    return r.ok() ? std::string(absl::StripAsciiWhitespace(r->stdout_text)) : std::string();
  };
  const std::string five = absl::StrCat("wsrep_cluster_address=gcomm://", Node(0), ",", Node(1),
                                        ",", Node(2), ",", Node(3), ",", Node(4));
  const std::string three =
      absl::StrCat("wsrep_cluster_address=gcomm://", Node(0), ",", Node(1), ",", Node(2));

  absl::Time start = absl::Now();
  ApplySpec(5);
  ASSERT_TRUE(ConvergeReady(absl::Minutes(6)));
  std::cerr << "3 -> 5 Ready in " << absl::ToDoubleSeconds(absl::Now() - start) << " s\n";
  EXPECT_EQ(StatusField("ready"), "5/5");
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Sql(i, "SHOW GLOBAL STATUS LIKE 'wsrep_cluster_size'"), "wsrep_cluster_size\t5");
    EXPECT_EQ(listed(i), five) << Node(i);
    if (i < 3) {
      EXPECT_FALSE(restarted(i)) << Node(i) << " was restarted by the scale-up";
    }
  }

  start = absl::Now();
  ApplySpec(3);
  ASSERT_TRUE(ConvergeReady(absl::Minutes(6)));
  std::cerr << "5 -> 3 Ready in " << absl::ToDoubleSeconds(absl::Now() - start) << " s\n";
  absl::SleepFor(absl::Seconds(2));  // a few inserts on the final cluster too
  inserter.Stop();

  const std::set<int> acked = inserter.Acknowledged();
  std::cerr << acked.size() << " of " << inserter.Attempted() << " inserts acknowledged\n";
  ASSERT_GT(acked.size(), 100u) << "the client barely wrote";
  for (int i = 0; i < 3; ++i) {
    std::string ids = Sql(i, "SET SESSION wsrep_sync_wait=1; SELECT id FROM app.w ORDER BY id");
    std::set<int> present;
    for (absl::string_view line : absl::StrSplit(ids, '\n', absl::SkipEmpty())) {
      int id = 0;
      if (absl::SimpleAtoi(line, &id)) present.insert(id);
    }
    int missing = 0;
    for (int id : acked) missing += present.count(id) == 0 ? 1 : 0;
    EXPECT_EQ(missing, 0) << Node(i) << " lacks acknowledged rows";
    EXPECT_EQ(listed(i), three) << Node(i);
    EXPECT_FALSE(restarted(i)) << Node(i) << " was restarted by the scaling";
  }
  auto rows = docker_->ListContainers({{docker::kLabelName, name_}});
  ASSERT_THAT(rows, IsOk());
  EXPECT_EQ(rows->size(), 3u) << "nodes 3 and 4 removed";
  auto volumes = docker_->ListVolumes({{docker::kLabelName, name_}});
  ASSERT_THAT(volumes, IsOk());
  std::set<std::string> names;
  for (const auto& v : *volumes) names.insert(v.name);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(names.count(DataVolume(key_, i)), 1u) << "volumes stay";
}

}  // namespace
}  // namespace nxt::galera
