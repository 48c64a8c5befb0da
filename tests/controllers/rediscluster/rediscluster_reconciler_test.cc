// RedisClusterReconciler against the fake Docker client and store: what it creates, how
// the password travels (config file and exec stdin, never argv), invalid specs, deletion.
// Real cluster behaviour is covered by rediscluster_docker_test.
#include "controllers/rediscluster/rediscluster_reconciler.h"

#include <algorithm>
#include <boost/json.hpp>
#include <mutex>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "controllers/rediscluster/render.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reconciler/reconciler.h"
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

  std::string Password() { return *secrets_.Get(kKey, kPasswordSecret); }

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
  RedisClusterReconciler reconciler_{{.store = store_,
                                      .docker = docker_,
                                      .cache = cache_,
                                      .secrets = secrets_,
                                      .http = http_,
                                      .clock = clock_},
                                     {}};
  std::mutex mu_;
  std::vector<ExecCall> execs_;  // redis-cli runs
  std::vector<std::string> tool_checks_;
  bool leftover_tool_ = false;
};

TEST_F(RedisClusterReconcilerTest, CreatesNodesWithTheirConfigFileAndVolume) {
  Apply({{"nodes", 6}, {"replicasPerMaster", 1}, {"image", "nxt/redis:7"}});
  absl::StatusOr<reconciler::Result> r = reconciler_.Reconcile({kKey});
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->requeue_after, absl::Seconds(1));
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

TEST_F(RedisClusterReconcilerTest, AsksEveryNodeWithThePasswordOnStdinOnly) {
  Apply({{"nodes", 6}});
  ASSERT_THAT(reconciler_.Reconcile({kKey}), IsOk());
  ASSERT_THAT(reconciler_.Reconcile({kKey}), IsOk());  // every node fresh: create
  std::lock_guard<std::mutex> lock(mu_);
  ASSERT_GE(execs_.size(), 6u);
  const std::string password = Password();
  for (const ExecCall& e : execs_) {
    EXPECT_EQ(e.cmd[0], "timeout") << "every redis-cli call has a timeout";
    EXPECT_EQ(e.cmd[2], "redis-cli");
    EXPECT_EQ(e.cmd[3], "--askpass");
    for (const std::string& arg : e.cmd) EXPECT_THAT(arg, Not(HasSubstr(password)));
    EXPECT_TRUE(absl::StartsWith(e.stdin_data, password + "\n"));
  }
  auto it = std::find_if(execs_.begin(), execs_.end(), [](const ExecCall& e) {
    return std::find(e.cmd.begin(), e.cmd.end(), "--cluster") != e.cmd.end();
  });
  ASSERT_NE(it, execs_.end()) << "no --cluster create";
  const ExecCall& create = *it;
  EXPECT_EQ(create.container, "cache-0");
  std::vector<std::string> tail(create.cmd.begin() + 8, create.cmd.end());
  ASSERT_EQ(tail.size(), 11u) << ::testing::PrintToString(create.cmd);
  EXPECT_EQ(tail[0], "--cluster");
  EXPECT_EQ(tail[1], "create");
  for (int i = 2; i < 8; ++i) EXPECT_THAT(tail[i], ::testing::EndsWith(":6379"));
  EXPECT_EQ(tail[8], "--cluster-replicas");
  EXPECT_EQ(tail[9], "1");
  EXPECT_EQ(tail[10], "--cluster-yes");
  std::optional<resources::ObjectStatus> s = store_.GetStatus(kKey);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->fields.at("clusterState").as_string(), "-");
  EXPECT_EQ(s->fields.at("ready").as_string(), "0/6");
  EXPECT_THAT(boost::json::serialize(s->fields), Not(HasSubstr(password)));
}

TEST_F(RedisClusterReconcilerTest, AClusterToolLeftRunningByAnEarlierNxtdMakesTheStepWait) {
  Apply({{"nodes", 6}});
  ASSERT_THAT(reconciler_.Reconcile({kKey}), IsOk());  // containers
  leftover_tool_ = true;
  auto cluster_runs = [this] {
    std::lock_guard<std::mutex> lock(mu_);
    return std::count_if(execs_.begin(), execs_.end(), [](const ExecCall& e) {
      return std::find(e.cmd.begin(), e.cmd.end(), "--cluster") != e.cmd.end();
    });
  };
  ASSERT_THAT(reconciler_.Reconcile({kKey}), IsOk());
  EXPECT_EQ(cluster_runs(), 0) << "no second cluster tool next to the first";
  EXPECT_FALSE(tool_checks_.empty());
  std::optional<resources::ObjectStatus> status = store_.GetStatus(kKey);
  ASSERT_TRUE(status.has_value());
  const resources::Condition* reconciling = status->FindCondition(resources::kConditionReconciling);
  ASSERT_NE(reconciling, nullptr);
  EXPECT_THAT(reconciling->message, HasSubstr("redis-cli --cluster started earlier still runs"));

  leftover_tool_ = false;  // it finished
  ASSERT_THAT(reconciler_.Reconcile({kKey}), IsOk());
  EXPECT_EQ(cluster_runs(), 1) << "--cluster create once the node is free";
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
