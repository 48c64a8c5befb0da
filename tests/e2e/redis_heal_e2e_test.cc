// End to end: a 3 + 3 RedisCluster under the real nxtd, a client writing through
// `docker kill` of a master with every write acknowledged by WAIT 1 1000
// (redis_client.h, straight to the nodes' addresses). nxtd leaves the killed master down,
// promotes its replica (CLUSTER FAILOVER FORCE), then starts it as a replica: the
// master's slots are writable again within seconds, no acknowledged key is lost, and
// `nxtctl get` says the object is not Ready within a second of the kill.
#include <boost/json.hpp>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "controllers/common/owner.h"
#include "controllers/rediscluster/cluster_state.h"
#include "gtest/gtest.h"
#include "resources/rediscluster.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/e2e/redis_client.h"

namespace nxt::e2e {
namespace {

std::string RedisYaml(const std::string& ns, const std::string& name) {
  return absl::StrCat("apiVersion: nxt.io/v1alpha1\nkind: RedisCluster\nmetadata:\n  name: ", name,
                      "\n  namespace: ", ns,
                      "\nspec:\n  nodes: 6\n  replicasPerMaster: 1\n  image: nxt/redis:7\n"
                      "  maxmemory: 64Mi\n");
}

class RedisHealE2eTest : public E2eTest {
 protected:
  std::string Field(const boost::json::object& o, const char* field) {
    const boost::json::value* s = o.if_contains("status");
    const boost::json::value* v =
        s != nullptr && s->is_object() ? s->as_object().if_contains(field) : nullptr;
    if (v == nullptr) return "";
    return v->is_string() ? std::string(v->get_string()) : boost::json::serialize(*v);
  }
  // "<Ready status> <status.ready>" through nxtd's API, "" when it does not answer.
  std::string ReadyFromApi(const std::string& name) {
    absl::StatusOr<HttpResponse> r =
        HttpGet(absl::StrCat("http://localhost/v1/objects/", resources::kRedisClusterKind, "/", ns_,
                             "/", name),
                nxtd_->api_socket());
    if (!r.ok() || r->status != 200) return "";
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(r->body, ec);
    if (ec || !v.is_object()) return "";
    return absl::StrCat(Condition(v.as_object(), "Ready").status, " ",
                        Field(v.as_object(), "ready"));
  }
  // CLUSTER NODES as node `ip` sees it.
  std::vector<rediscluster::ClusterNode> Table(const std::string& ip, const std::string& password) {
    absl::StatusOr<std::unique_ptr<RespConnection>> c =
        RespConnection::Connect(ip, 6379, absl::Seconds(1), absl::Seconds(5));
    if (!c.ok()) return {};
    (void)(*c)->Command({"AUTH", password});
    absl::StatusOr<RespReply> r = (*c)->Command({"CLUSTER", "NODES"});
    if (!r.ok()) return {};
    absl::StatusOr<std::vector<rediscluster::ClusterNode>> nodes =
        rediscluster::ParseClusterNodes(r->text);
    return nodes.ok() ? *nodes : std::vector<rediscluster::ClusterNode>{};
  }
};

TEST_F(RedisHealE2eTest, AKilledMasterFailsOverFastKeepsEveryAcknowledgedKeyAndStatusFollows) {
  ASSERT_NO_FATAL_FAILURE(StartNxtd());
  const std::string cache = SetName("heal");
  nxtd_->WriteManifest("cache.yaml", RedisYaml(ns_, cache));
  ASSERT_TRUE(WaitFor([&] { return IsReady(cache, "redis"); }, absl::Seconds(120)))
      << nxtd_->Nxtctl({"describe", "redis", cache, "-n", ns_}).stdout_text;
  const std::string password = Secrets(resources::kRedisClusterKind, cache, {"password"})[0];
  std::vector<std::string> ips;
  for (int i = 0; i < 6; ++i) {
    absl::StatusOr<docker::ContainerInfo> info =
        docker_->InspectContainer(controllers::ContainerName(cache, i));
    ASSERT_TRUE(info.ok()) << info.status();
    ips.push_back(info->network_ips[controllers::NetworkName(ns_, cache)]);
  }
  std::string victim;
  for (const rediscluster::ClusterNode& n : Table(ips[0], password)) {
    if (n.IsMaster() && n.SlotCount() > 0 && !n.IsMyself()) victim = n.hostname;
  }
  ASSERT_FALSE(victim.empty()) << "no master other than node 0";

  BackgroundWriter writer(ips, password);
  ASSERT_TRUE(WaitFor([&] { return writer.Acknowledged().size() >= 30; }, absl::Seconds(30)))
      << "the client could not write before the kill";
  const absl::Time killed = absl::Now();
  writer.Mark(killed);
  ASSERT_TRUE(docker_->KillContainer(victim, "KILL").ok());
  // The engine answers a SIGKILL once the process is gone: its die event is out now.
  const absl::Time died = absl::Now();

  // Status: not Ready within a second of the die event, from the container alone. Polled
  // through the API socket (an nxtctl process per look would blur the figure); the bound
  // is the end of the first answer that says so.
  absl::Duration not_ready_after = absl::InfiniteDuration();
  std::string seen;
  while (absl::Now() - killed < absl::Seconds(5)) {
    seen = ReadyFromApi(cache);
    if (absl::StartsWith(seen, "False ") && !absl::StrContains(seen, " 6/6")) {
      not_ready_after = absl::Now() - died;
      break;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_LE(not_ready_after, absl::Seconds(1)) << "last seen: " << seen;
  const boost::json::object after_kill = GetObject(cache, "redis");
  EXPECT_EQ(Condition(after_kill, "Ready").status, "False");
  EXPECT_NE(Field(after_kill, "ready"), "6/6") << "nxtctl get -o json";

  // Writable again (the promoted replica), then healed: Ready, the old master a replica.
  ASSERT_TRUE(WaitFor([&] { return writer.WritableAgain() > 0; }, absl::Seconds(20)))
      << "writes never came back";
  ASSERT_TRUE(WaitFor([&] { return IsReady(cache, "redis"); }, absl::Seconds(60)))
      << nxtd_->Nxtctl({"describe", "redis", cache, "-n", ns_}).stdout_text;
  const int before_stop = writer.Written();
  ASSERT_TRUE(WaitFor([&] { return writer.Written() > before_stop + 5; }, absl::Seconds(20)));
  writer.Stop();
  std::printf(
      "[ redis heal ] docker kill took %.3f s; its return (die) -> not Ready %.3f s; kill "
      "request -> writable again %.3f s\n",
      absl::ToDoubleSeconds(died - killed), absl::ToDoubleSeconds(not_ready_after),
      writer.WritableAgain());
  EXPECT_LE(writer.WritableAgain(), 7.0);

  bool victim_is_replica = false;
  for (const rediscluster::ClusterNode& n : Table(ips[0], password)) {
    victim_is_replica |= n.hostname == victim && n.IsReplica();
  }
  EXPECT_TRUE(victim_is_replica) << victim << " should have come back as a replica";
  const std::string describe = nxtd_->Nxtctl({"describe", "redis", cache, "-n", ns_}).stdout_text;
  EXPECT_TRUE(absl::StrContains(describe, absl::StrCat("promote a replica of ", victim)))
      << describe;

  // Not one acknowledged key lost.
  const std::map<std::string, std::string> acknowledged = writer.Acknowledged();
  ClusterWriter reader(ips, password);
  int lost = 0;
  for (const auto& [key, value] : acknowledged) {
    absl::StatusOr<std::optional<std::string>> got = reader.Read(key);
    for (int retry = 0; retry < 20 && !got.ok(); ++retry) got = reader.Read(key);
    ASSERT_TRUE(got.ok()) << key << ": " << got.status();
    if (!got->has_value() || **got != value) ++lost;
  }
  EXPECT_EQ(lost, 0) << "of " << acknowledged.size() << " acknowledged keys";
  EXPECT_GE(acknowledged.size(), 30u);
}

}  // namespace
}  // namespace nxt::e2e
