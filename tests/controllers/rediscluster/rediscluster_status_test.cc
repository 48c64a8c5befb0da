// RedisCluster status (fields, conditions, convergence) and the metrics computed from it.
#include <boost/json.hpp>
#include <map>
#include <string>

#include "common/clock.h"
#include "controllers/rediscluster/redis_metrics.h"
#include "controllers/rediscluster/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "resources/rediscluster.h"
#include "tests/controllers/rediscluster/rediscluster_cluster_builder.h"
#include "tests/testing/fake_store.h"

namespace nxt::rediscluster {
namespace {

using testing::Cluster;
using testing::Member;

const absl::Time kNow = absl::FromUnixSeconds(1800000000);

resources::ObjectStatus StatusOf(const Cluster& c, std::vector<Action> actions = {},
                                 absl::Status error = absl::OkStatus()) {
  StatusInput in;
  in.generation = 3;
  in.desired = &c.desired_;
  in.observed = &c.observed_;
  in.actions = std::move(actions);
  in.error = std::move(error);
  in.now = kNow;
  return BuildStatus(in);
}

std::string Str(const resources::ObjectStatus& s, const char* field) {
  const boost::json::value& v = s.fields.at(field);
  return v.is_string() ? std::string(v.get_string()) : boost::json::serialize(v);
}

TEST(RedisStatusTest, AHealthyClusterIsReady) {
  Cluster c("cache", 6);
  c.Members(Cluster::Healthy(3));
  EXPECT_TRUE(Converged(c.desired_, c.observed_));
  resources::ObjectStatus s = StatusOf(c);
  EXPECT_EQ(s.observed_generation, 3);
  EXPECT_EQ(Str(s, "ready"), "6/6");
  EXPECT_EQ(Str(s, "masters"), "3");
  EXPECT_EQ(Str(s, "replicas"), "3");
  EXPECT_EQ(Str(s, "slots"), "16384/16384");
  EXPECT_EQ(Str(s, "clusterState"), "ok");
  EXPECT_EQ(Str(s, "summary"), "Ready");
  EXPECT_EQ(s.fields.at("members").as_array().size(), 6u);
  const resources::Condition* ready = s.FindCondition(resources::kConditionReady);
  ASSERT_NE(ready, nullptr);
  EXPECT_EQ(ready->status, "True");
  EXPECT_EQ(ready->message, "3 masters, 3 replicas, all 16384 slots ok");
  EXPECT_EQ(s.FindCondition(resources::kConditionReconciling)->status, "False");
}

TEST(RedisStatusTest, MembersListRoleSlotsAndTheAnchorsLinkState) {
  Cluster c("cache", 6);
  std::vector<Member> members = Cluster::Healthy(3);
  members[4].flags = "fail";  // cache-4, a replica, failing as the others see it
  c.Members(members, "ok");
  resources::ObjectStatus s = StatusOf(c);
  std::map<std::string, boost::json::object> by_name;
  for (const boost::json::value& m : s.fields.at("members").as_array()) {
    by_name[std::string(m.at("name").as_string())] = m.as_object();
  }
  ASSERT_EQ(by_name.size(), 6u);
  EXPECT_EQ(by_name["cache-0"].at("role").as_string(), "master");
  EXPECT_EQ(by_name["cache-0"].at("slots").as_int64(), 5461);
  EXPECT_EQ(by_name["cache-0"].at("link").as_string(), "connected");  // the anchor itself
  EXPECT_EQ(by_name["cache-1"].at("link").as_string(), "connected");
  EXPECT_EQ(by_name["cache-3"].at("role").as_string(), "replica");
  EXPECT_EQ(by_name["cache-3"].at("slots").as_int64(), 0);
  EXPECT_EQ(by_name["cache-4"].at("link").as_string(), "disconnected fail");
}

TEST(RedisStatusTest, ScalingUpIsReconcilingAndNamesTheStep) {
  Cluster c("cache", 8);
  c.Members(Cluster::Healthy(3)).Fresh(6).Fresh(7);
  EXPECT_FALSE(Converged(c.desired_, c.observed_));
  resources::ObjectStatus s = StatusOf(c, Plan(c.desired_, c.observed_));
  EXPECT_EQ(Str(s, "summary"), "ScalingUp");
  EXPECT_EQ(Str(s, "ready"), "6/8");
  const resources::Condition* r = s.FindCondition(resources::kConditionReconciling);
  EXPECT_EQ(r->status, "True");
  EXPECT_EQ(r->message, "add cache-6 as a master");
}

TEST(RedisStatusTest, EveryNodeAMemberButSlotsNotRebalancedIsNotReadyYet) {
  Cluster c("cache", 8);
  std::vector<Member> members = Cluster::Healthy(3);
  members.push_back(Member(6));     // the new shard's master, no slots yet
  members.push_back(Member(7, 6));  // and its replica
  c.Members(members);
  std::vector<Action> plan = Plan(c.desired_, c.observed_);
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0].type, Action::Type::kRebalance);
  resources::ObjectStatus s = StatusOf(c, plan);
  EXPECT_EQ(Str(s, "ready"), "8/8");
  EXPECT_EQ(Str(s, "clusterState"), "ok");
  EXPECT_EQ(Str(s, "summary"), "ScalingUp");
  EXPECT_EQ(s.FindCondition(resources::kConditionReady)->status, "False") << "not converged";
  EXPECT_EQ(s.FindCondition(resources::kConditionReconciling)->status, "True");
}

TEST(RedisStatusTest, BeforeCreationTheStateIsADash) {
  Cluster c("cache", 6);
  for (int i = 0; i < 6; ++i) c.Fresh(i);
  resources::ObjectStatus s = StatusOf(c, Plan(c.desired_, c.observed_));
  EXPECT_EQ(Str(s, "summary"), "Creating");
  EXPECT_EQ(Str(s, "ready"), "0/6");
  EXPECT_EQ(Str(s, "slots"), "0/16384");
  EXPECT_EQ(s.FindCondition(resources::kConditionReady)->status, "False");
}

TEST(RedisStatusTest, ErrorsAreReportedWithoutTheCommandLine) {
  Cluster c("cache", 6);
  c.Members(Cluster::Healthy(3));
  resources::ObjectStatus s =
      StatusOf(c, {}, absl::UnavailableError("redis-cli CLUSTER NODES in cache-0: timed out"));
  EXPECT_EQ(Str(s, "summary"), "ReconcileError");
  EXPECT_EQ(s.FindCondition(resources::kConditionReconciling)->message,
            "redis-cli CLUSTER NODES in cache-0: timed out");
}

TEST(RedisStatusTest, AStoppedNodeIsDownNotAGhost) {
  Cluster c("cache", 6);
  std::vector<Member> members = Cluster::Healthy(3);
  members[4].flags = "fail";
  c.Members(members);
  c.Container(4).state = "exited";
  c.Container(4).view.reset();
  resources::ObjectStatus s = StatusOf(c, Plan(c.desired_, c.observed_));
  EXPECT_EQ(Str(s, "ready"), "5/6");
  EXPECT_EQ(Str(s, "down"), "1");
  EXPECT_EQ(Str(s, "ghosts"), "0");
  EXPECT_EQ(Str(s, "summary"), "Repairing");  // started again: it is a replica
  EXPECT_EQ(s.FindCondition(resources::kConditionReady)->message,
            "cluster_state ok, 16384/16384 slots ok, 5/6 nodes ready, 1 down: cache-4 (exited)");
  // Its container gone as well: now a ghost (a member with no container), not down.
  std::erase_if(c.observed_.nodes, [](const ObservedNode& n) { return n.ordinal == 4; });
  s = StatusOf(c, Plan(c.desired_, c.observed_));
  EXPECT_EQ(Str(s, "down"), "0");
  EXPECT_EQ(Str(s, "ghosts"), "1");
  EXPECT_EQ(s.FindCondition(resources::kConditionReady)->message,
            "cluster_state ok, 16384/16384 slots ok, 5/6 nodes ready, 1 ghost(s)");
}

TEST(RedisStatusTest, AKilledMasterIsFailingOver) {
  Cluster c("cache", 6);
  c.Members(Cluster::Healthy(3));
  c.Container(1).state = "exited";
  c.Container(1).view.reset();
  resources::ObjectStatus s = StatusOf(c, Plan(c.desired_, c.observed_));
  EXPECT_EQ(Str(s, "summary"), "FailingOver");
  EXPECT_EQ(Str(s, "ready"), "5/6");
  EXPECT_EQ(s.FindCondition(resources::kConditionReady)->status, "False");
  EXPECT_EQ(s.FindCondition(resources::kConditionReconciling)->message,
            "promote a replica of cache-1 (down) to master");
}

// What the cache alone shows after a Ready round: `ordinal`'s container in `state`
// ("" removes it).
ObservedState Containers(const Cluster& c, int ordinal, const std::string& state) {
  ObservedState o;
  for (ObservedNode n : c.observed_.nodes) {
    n.view.reset();
    if (n.ordinal == ordinal && state.empty()) continue;
    if (n.ordinal == ordinal) n.state = state;
    o.nodes.push_back(n);
  }
  return o;
}

TEST(RedisStatusTest, FactsStatusTakesAStoppedNodeOutOfReadyBeforeAnyProbe) {
  Cluster c("cache", 6);
  c.Members(Cluster::Healthy(3));
  const resources::ObjectStatus ready = StatusOf(c);
  ASSERT_EQ(ready.FindCondition(resources::kConditionReady)->status, "True");
  const absl::Time later = kNow + absl::Seconds(7);
  EXPECT_FALSE(FactsStatus(c.desired_, Containers(c, 1, "running"), ready, later).has_value())
      << "nothing changed";

  std::optional<resources::ObjectStatus> s =
      FactsStatus(c.desired_, Containers(c, 1, "exited"), ready, later);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(Str(*s, "ready"), "5/6");
  EXPECT_EQ(Str(*s, "down"), "1");
  EXPECT_EQ(Str(*s, "summary"), "NodeDown");
  const resources::Condition* r = s->FindCondition(resources::kConditionReady);
  EXPECT_EQ(r->status, "False");
  EXPECT_EQ(r->reason, "NodeDown");
  EXPECT_EQ(r->message, "no longer running: cache-1 (exited)");
  EXPECT_EQ(r->last_transition_time, later);
  EXPECT_EQ(s->FindCondition(resources::kConditionReconciling)->status, "True");
  const boost::json::object& member = s->fields.at("members").as_array()[1].as_object();
  EXPECT_EQ(member.at("name").as_string(), "cache-1");
  EXPECT_EQ(member.at("container").as_string(), "exited");
  EXPECT_FALSE(member.at("up").as_bool());
  EXPECT_FALSE(member.at("ready").as_bool());
  // Written once: the same facts again change nothing.
  EXPECT_FALSE(FactsStatus(c.desired_, Containers(c, 1, "exited"), *s, later).has_value());

  s = FactsStatus(c.desired_, Containers(c, 1, ""), ready, later);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(Str(*s, "ready"), "5/6");
  EXPECT_EQ(Str(*s, "down"), "0") << "no container: not down";
  EXPECT_EQ(s->FindCondition(resources::kConditionReady)->message,
            "no longer running: cache-1 (no container)");
}

TEST(RedisMetricsTest, ExportsClusterAndNodeGaugesFromTheStatus) {
  nxt::testing::FakeStore store(RealClock::Get());
  resources::Object o;
  o.kind = resources::kRedisClusterKind;
  o.metadata.name = "cache";
  o.spec = {{"nodes", 6}};
  store.Apply(o);
  Cluster c("cache", 6);
  c.Members(Cluster::Healthy(3));
  c.Container(5).view.reset();  // not answering
  EXPECT_TRUE(store.UpdateStatus(o.Key(), StatusOf(c)).ok());
  RedisMetricsCollector collector(store);
  std::map<std::string, std::vector<prometheus::ClientMetric>> families;
  for (const prometheus::MetricFamily& f : collector.Collect()) families[f.name] = f.metric;
  ASSERT_EQ(families["nxt_redis_cluster_state_ok"].size(), 1u);
  EXPECT_EQ(families["nxt_redis_cluster_state_ok"][0].gauge.value, 1);
  ASSERT_EQ(families["nxt_redis_slots"].size(), 3u);
  EXPECT_EQ(families["nxt_redis_slots"][0].gauge.value, 16384);
  EXPECT_EQ(families["nxt_redis_masters"][0].gauge.value, 3);
  EXPECT_EQ(families["nxt_redis_known_nodes"][0].gauge.value, 6);
  ASSERT_EQ(families["nxt_redis_node_up"].size(), 6u);
  int up = 0;
  for (const auto& m : families["nxt_redis_node_up"]) up += static_cast<int>(m.gauge.value);
  EXPECT_EQ(up, 5);
  EXPECT_EQ(families["nxt_redis_node_up"][5].label[3].value, "unknown") << "role of a silent node";
}

}  // namespace
}  // namespace nxt::rediscluster
