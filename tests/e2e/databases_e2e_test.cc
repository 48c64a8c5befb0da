// End to end with the real databases (nxt/mariadb-galera:10.11 and nxt/redis:7, built by
// images/build.sh): rules refused by `nxtctl apply` and on manifest edits with the
// running cluster untouched, and nxtd SIGKILLed in the middle of a membership change.
#include <boost/json.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "resources/galeracluster.h"
#include "resources/rediscluster.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/e2e/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace nxt::e2e {
namespace {

using ::testing::AllOf;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;

std::string GaleraYaml(const std::string& ns, const std::string& name, int replicas) {
  return absl::StrCat("apiVersion: nxt.io/v1alpha1\nkind: GaleraCluster\nmetadata:\n  name: ", name,
                      "\n  namespace: ", ns, "\nspec:\n  replicas: ", replicas,
                      "\n  image: nxt/mariadb-galera:10.11\n  database: app\n  user: app\n"
                      "  config:\n    innodb_buffer_pool_size: 64M\n"
                      "    innodb_log_file_size: 16M\n"
                      "    wsrep_provider_options: \"gcache.size=16M\"\n"
                      "    performance_schema: \"OFF\"\n");
}

std::string RedisYaml(const std::string& ns, const std::string& name, int nodes) {
  return absl::StrCat("apiVersion: nxt.io/v1alpha1\nkind: RedisCluster\nmetadata:\n  name: ", name,
                      "\n  namespace: ", ns, "\nspec:\n  nodes: ", nodes,
                      "\n  replicasPerMaster: 1\n  image: nxt/redis:7\n  maxmemory: 64Mi\n");
}

class DatabasesE2eTest : public E2eTest {
 protected:
  // Runs `cmd` in `container` with `stdin_text`; its stdout (the test fails on errors).
  std::string Exec(const std::string& container, const std::vector<std::string>& cmd,
                   const std::string& stdin_text) {
    absl::StatusOr<docker::ExecResult> r =
        docker_->Exec(container, cmd, absl::Seconds(60), stdin_text);
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return "";
    EXPECT_EQ(r->exit_code, 0) << container << ": " << r->stderr_text;
    return std::string(absl::StripAsciiWhitespace(r->stdout_text));
  }
  std::string Sql(const std::string& node, const std::string& sql) {
    return Exec(node, {"mariadb", "--protocol=socket", "-uroot", "-N", "-B"}, sql);
  }
  // redis-cli in `node` (cluster mode), the password on stdin as nxt does.
  std::string Redis(const std::string& node, const std::string& name,
                    const std::vector<std::string>& lines) {
    std::string in =
        absl::StrCat(Secrets(resources::kRedisClusterKind, name, {"password"})[0], "\n");
    for (const std::string& l : lines) absl::StrAppend(&in, l, "\n");
    return Exec(node, {"timeout", "50", "redis-cli", "-c", "--askpass"}, in);
  }
  std::string Status(const std::string& name, const std::string& kind, const char* field) {
    boost::json::object o = GetObject(name, kind);
    const boost::json::value* s = o.if_contains("status");
    const boost::json::value* v =
        s != nullptr && s->is_object() ? s->as_object().if_contains(field) : nullptr;
    if (v == nullptr) return "";
    return v->is_string() ? std::string(v->get_string()) : boost::json::serialize(*v);
  }

  // A manifest edit the daemon must refuse: the object goes Stalled with file:line:col
  // and the field path, and the containers stay exactly as they were.
  void ExpectEditRefused(const std::string& file, const std::string& yaml, const std::string& name,
                         const std::string& kind, const std::string& field) {
    const std::map<std::string, std::string> ids = ContainerIds(name, "node");
    nxtd_->WriteManifest(file, yaml);
    ASSERT_TRUE(
        WaitFor([&] { return Condition(GetObject(name, kind), "Stalled").status == "True"; },
                absl::Seconds(20)))
        << nxtd_->Nxtctl({"describe", kind, name, "-n", ns_}).stdout_text;
    ConditionView stalled = Condition(GetObject(name, kind), "Stalled");
    EXPECT_THAT(stalled.message, AllOf(ContainsRegex(file + ":[0-9]+:[0-9]+"), HasSubstr(field)))
        << stalled.message;
    EXPECT_FALSE(WaitFor([&] { return ContainerIds(name, "node") != ids; }, absl::Seconds(3),
                         absl::Milliseconds(200)))
        << "a refused edit changed Docker";
  }

  // nxtd's /metrics once `metric` has a sample with `labels` and `value` (the test fails
  // after 30 s otherwise); the whole text passes `promtool check metrics`.
  std::string MetricsWith(const std::string& metric, const std::vector<std::string>& labels,
                          const std::string& value) {
    std::string body;
    EXPECT_TRUE(WaitFor(
        [&] {
          absl::StatusOr<HttpResponse> r = HttpGet(nxtd_->metrics_url("/metrics"));
          if (r.ok() && r->status == 200) body = r->body;
          return HasMetricSample(body, metric, labels, value);
        },
        absl::Seconds(30), absl::Milliseconds(500)))
        << "no " << metric << " sample with value " << value << " in:\n"
        << body;
    absl::StatusOr<CommandResult> promtool =
        RunCommand({"promtool", "check", "metrics"}, StdinOptions(body));
    EXPECT_TRUE(promtool.ok()) << promtool.status();
    if (promtool.ok()) {
      EXPECT_EQ(promtool->exit_code, 0) << promtool->stdout_text << promtool->stderr_text;
    }
    return body;
  }
  std::vector<std::string> Labels(const std::string& name) const {
    return {"namespace=\"" + ns_ + "\"", "name=\"" + name + "\""};
  }
  static std::vector<std::string> With(std::vector<std::string> labels, const std::string& more) {
    labels.push_back(more);
    return labels;
  }

  // `nxtctl apply -f` of `yaml` fails with file:line:col, the field and `words`.
  void ExpectApplyRefused(const std::string& yaml, const std::string& field,
                          const std::string& words) {
    nxt::testing::TempDir input;
    input.Write("bad.yaml", yaml);
    for (const char* verb : {"apply", "validate"}) {
      CommandResult r = nxtd_->Nxtctl({verb, "-f", input.Join("bad.yaml")});
      EXPECT_NE(r.exit_code, 0) << verb << " accepted:\n" << yaml;
      EXPECT_THAT(r.stderr_text, AllOf(ContainsRegex("bad\\.yaml:[0-9]+:[0-9]+"), HasSubstr(field),
                                       HasSubstr(words)))
          << verb;
    }
  }
};

TEST_F(DatabasesE2eTest, GaleraEvenSizeRefusedAndSigkillMidScaleUpFinishesWithOneBootstrap) {
  const std::string db = SetName("db");
  StartNxtd();
  nxtd_->WriteManifest("db.yaml", GaleraYaml(ns_, db, 1));
  ASSERT_TRUE(WaitFor([&] { return IsReady(db, "galera"); }, absl::Seconds(120)))
      << nxtd_->Nxtctl({"describe", "galera", db, "-n", ns_}).stdout_text;
  const std::string uuid = Sql(db + "-0", "SHOW GLOBAL STATUS LIKE 'wsrep_cluster_state_uuid'");
  ASSERT_THAT(uuid, HasSubstr("wsrep_cluster_state_uuid\t"));
  Sql(db + "-0", "CREATE TABLE app.t (id INT PRIMARY KEY); INSERT INTO app.t VALUES (1), (2);");

  // `nxtctl diff` asks the daemon what the next round would do.
  nxt::testing::TempDir input;
  input.Write("db.yaml", GaleraYaml(ns_, db, 3));
  CommandResult diff = nxtd_->Nxtctl({"diff", "-f", input.Join("db.yaml")});
  EXPECT_EQ(diff.exit_code, 1) << diff.stderr_text;
  EXPECT_THAT(diff.stdout_text, AllOf(HasSubstr("+spec.replicas: 3"), HasSubstr("join node 1")))
      << diff.stdout_text;

  ExpectApplyRefused(GaleraYaml(ns_, db, 2), "spec.replicas", "even");
  ExpectEditRefused("db.yaml", GaleraYaml(ns_, db, 4), db, "galera", "spec.replicas");

  // 1 → 3; nxtd dies as soon as the first joiner exists.
  nxtd_->WriteManifest("db.yaml", GaleraYaml(ns_, db, 3));
  ASSERT_TRUE(WaitFor([&] { return ContainerIds(db, "node").count(db + "-1") == 1; },
                      absl::Seconds(60), absl::Milliseconds(20)))
      << "the scale-up never started";
  nxtd_->Kill();
  ASSERT_TRUE(nxtd_->Start().ok());
  ASSERT_TRUE(WaitFor([&] { return IsReady(db, "galera"); }, absl::Seconds(300)))
      << nxtd_->Nxtctl({"describe", "galera", db, "-n", ns_}).stdout_text;

  for (int i = 0; i < 3; ++i) {
    const std::string node = absl::StrCat(db, "-", i);
    EXPECT_EQ(Sql(node, "SHOW GLOBAL STATUS LIKE 'wsrep_cluster_state_uuid'"), uuid)
        << node << " is in another cluster: a second bootstrap";
    EXPECT_EQ(Sql(node, "SET SESSION wsrep_sync_wait=1; SELECT COUNT(*) FROM app.t"), "2");
  }
  CommandResult get = nxtd_->Nxtctl({"get", "galeraclusters", db, "-n", ns_});
  EXPECT_THAT(get.stdout_text, AllOf(ContainsRegex("NAME +READY +SIZE +PRIMARY +STATUS +AGE\n"),
                                     ContainsRegex(db + " +3/3 +3 +Yes +Ready +[0-9]")))
      << get.stdout_text;
  CommandResult describe = nxtd_->Nxtctl({"describe", "galera", db, "-n", ns_});
  EXPECT_THAT(describe.stdout_text, AllOf(HasSubstr(db + "-2"), HasSubstr("Synced")))
      << describe.stdout_text;
  int bootstraps = 0;
  for (absl::string_view line : absl::StrSplit(describe.stdout_text, '\n')) {
    bootstraps += absl::StrContains(line, "Bootstrapped") ? 1 : 0;
  }
  EXPECT_EQ(bootstraps, 1) << describe.stdout_text;
  EXPECT_EQ(Status(db, "galera", "recoveries"), "0");
  // The passwords are nowhere a user or a scraper can see.
  ExpectSecretsHidden(resources::kGaleraClusterKind, "galera", db,
                      {"root", "user", "health", "sst"});

  std::string metrics = MetricsWith("nxt_galera_cluster_size", Labels(db), "3");
  EXPECT_TRUE(HasMetricSample(metrics, "nxt_galera_recoveries_total", Labels(db), "0"));
  for (int i = 0; i < 3; ++i) {
    const std::string node = absl::StrCat("node=\"", db, "-", i, "\"");
    EXPECT_TRUE(HasMetricSample(metrics, "nxt_galera_node_ready", With(Labels(db), node), "1"))
        << node;
    EXPECT_TRUE(HasMetricSample(metrics, "nxt_galera_node_state",
                                With(With(Labels(db), node), "state=\"Synced\""), "1"))
        << node;
  }
}

// Slots served by the masters whose announced hostname is in `names`, from CLUSTER NODES;
// -1 while a slot of theirs is migrating. Masters only.
int SlotsOf(const std::string& cluster_nodes, const std::set<std::string>& names) {
  int total = 0;
  for (absl::string_view line : absl::StrSplit(cluster_nodes, '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> f = absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (f.size() < 8 || !absl::StrContains(f[2], "master")) continue;
    std::vector<absl::string_view> address = absl::StrSplit(f[1], ',');
    if (address.size() < 2 || names.count(std::string(address[1])) == 0) continue;
    for (size_t i = 8; i < f.size(); ++i) {
      if (absl::StartsWith(f[i], "[")) return -1;
      std::vector<absl::string_view> range = absl::StrSplit(f[i], '-');
      int from = 0;
      int to = 0;
      if (!absl::SimpleAtoi(range[0], &from)) continue;
      if (range.size() < 2 || !absl::SimpleAtoi(range[1], &to)) to = from;
      total += to - from + 1;
    }
  }
  return total;
}

TEST_F(DatabasesE2eTest, RedisRulesRefusedAndSigkillMidScaleDownFinishesWithEverySlot) {
  const std::string cache = SetName("cache");
  const std::string node0 = cache + "-0";
  StartNxtd();
  ExpectApplyRefused(RedisYaml(ns_, cache, 7), "spec.nodes", "multiple of");
  ExpectApplyRefused(RedisYaml(ns_, cache, 4), "spec.nodes", "at least 3 masters");

  nxtd_->WriteManifest("cache.yaml", RedisYaml(ns_, cache, 6));
  ASSERT_TRUE(WaitFor([&] { return IsReady(cache, "redis"); }, absl::Seconds(120)))
      << nxtd_->Nxtctl({"describe", "redis", cache, "-n", ns_}).stdout_text;
  std::vector<std::string> sets;
  for (int i = 0; i < 500; ++i) sets.push_back(absl::StrCat("SET k", i, " v", i));
  Redis(node0, cache, sets);
  ExpectEditRefused("cache.yaml", RedisYaml(ns_, cache, 7), cache, "redis", "spec.nodes");

  nxtd_->WriteManifest("cache.yaml", RedisYaml(ns_, cache, 8));
  ASSERT_TRUE(
      WaitFor([&] { return IsReady(cache, "redis") && ContainerIds(cache, "node").size() == 8; },
              absl::Seconds(180)))
      << nxtd_->Nxtctl({"describe", "redis", cache, "-n", ns_}).stdout_text;
  CommandResult get = nxtd_->Nxtctl({"get", "redisclusters", cache, "-n", ns_});
  EXPECT_THAT(get.stdout_text,
              AllOf(ContainsRegex("NAME +READY +MASTERS +REPLICAS +SLOTS +STATE +STATUS +AGE\n"),
                    ContainsRegex(cache + " +8/8 +4 +4 +16384/16384 +ok +Ready +[0-9]")))
      << get.stdout_text;
  const std::set<std::string> leaving = {cache + "-6", cache + "-7"};
  const int before = SlotsOf(Redis(node0, cache, {"CLUSTER NODES"}), leaving);
  ASSERT_GT(before, 0) << "the added shard's master serves slots";

  // 8 → 6; nxtd dies as soon as the leaving master's slots start moving.
  nxtd_->WriteManifest("cache.yaml", RedisYaml(ns_, cache, 6));
  ASSERT_TRUE(
      WaitFor([&] { return SlotsOf(Redis(node0, cache, {"CLUSTER NODES"}), leaving) != before; },
              absl::Seconds(60), absl::Milliseconds(50)))
      << "the scale-down never started";
  nxtd_->Kill();
  ASSERT_TRUE(nxtd_->Start().ok());
  ASSERT_TRUE(
      WaitFor([&] { return IsReady(cache, "redis") && ContainerIds(cache, "node").size() == 6; },
              absl::Seconds(180)))
      << nxtd_->Nxtctl({"describe", "redis", cache, "-n", ns_}).stdout_text;

  EXPECT_EQ(Status(cache, "redis", "slots"), "16384/16384");
  for (int i = 0; i < 6; ++i) {
    std::string info = Redis(absl::StrCat(cache, "-", i), cache, {"CLUSTER INFO"});
    EXPECT_THAT(info, AllOf(HasSubstr("cluster_state:ok"), HasSubstr("cluster_slots_ok:16384"),
                            HasSubstr("cluster_known_nodes:6")))
        << "node " << i << ": no lost slots, no ghosts";
  }
  std::vector<std::string> gets;
  for (int i = 0; i < 500; ++i) gets.push_back(absl::StrCat("GET k", i));
  std::vector<std::string> values;
  for (absl::string_view line :
       absl::StrSplit(Redis(node0, cache, gets), '\n', absl::SkipEmpty())) {
    if (!absl::StartsWith(line, "-> ")) values.emplace_back(line);
  }
  ASSERT_EQ(values.size(), 500u);
  for (int i = 0; i < 500; ++i) EXPECT_EQ(values[i], absl::StrCat("v", i));
  CommandResult describe = nxtd_->Nxtctl({"describe", "rediscluster", cache, "-n", ns_});
  EXPECT_THAT(describe.stdout_text,
              AllOf(HasSubstr(cache + "-5"), HasSubstr("role: master"), HasSubstr("role: replica"),
                    ContainsRegex("slots: [1-9][0-9]{3}\n"), HasSubstr("link: connected")))
      << describe.stdout_text;

  ExpectSecretsHidden(resources::kRedisClusterKind, "redis", cache, {"password"});
  std::string metrics = MetricsWith("nxt_redis_known_nodes", Labels(cache), "6");
  EXPECT_TRUE(HasMetricSample(metrics, "nxt_redis_cluster_state_ok", Labels(cache), "1"));
  EXPECT_TRUE(HasMetricSample(metrics, "nxt_redis_masters", Labels(cache), "3"));
  EXPECT_TRUE(
      HasMetricSample(metrics, "nxt_redis_slots", With(Labels(cache), "state=\"ok\""), "16384"));
  EXPECT_TRUE(HasMetricSample(metrics, "nxt_redis_slots", With(Labels(cache), "state=\"assigned\""),
                              "16384"));
  EXPECT_TRUE(
      HasMetricSample(metrics, "nxt_redis_slots", With(Labels(cache), "state=\"fail\""), "0"));
  EXPECT_TRUE(HasMetricSample(metrics, "nxt_redis_node_up",
                              With(Labels(cache), "node=\"" + node0 + "\""), "1"));
  absl::StatusOr<NamespaceObjects> objects = ListNamespace(*docker_, ns_);
  ASSERT_TRUE(objects.ok()) << objects.status();
  EXPECT_EQ(objects->volumes.size(), 8u) << "the removed nodes' volumes stay";
}

}  // namespace
}  // namespace nxt::e2e
