// RedisCluster rendering (redis.conf, the node's container, the config hash) and the
// redis-cli runner: what every image needs (no entrypoint script, so redis:7.4-alpine and
// nxt/redis:7 behave alike), the password only in the config file and on stdin, and a
// timeout on every redis-cli call.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "controllers/common/owner.h"
#include "controllers/rediscluster/admin.h"
#include "controllers/rediscluster/render.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/mocks/docker/mock_docker_client.h"
#include "tests/testing/builtin_kinds.h"
#include "tests/testing/status_matchers.h"

namespace nxt::rediscluster {
namespace {

using ::nxt::testing::IsOk;
using ::nxt::testing::StatusIs;
using ::testing::_;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Return;

const resources::ObjectKey kKey{resources::kRedisClusterKind, "prod", "cache"};
constexpr char kPassword[] = "s3cret-0123456789abcdef";

resources::RedisClusterSpec Spec(const std::string& image = "redis:7.4-alpine") {
  resources::RedisClusterSpec spec = nxt::testing::DecodedDefaults(
      resources::DecodeRedisClusterSpec, "RedisCluster", {{"nodes", 6}});
  spec.image = image;
  spec.maxmemory_bytes = 64 << 20;
  spec.maxmemory_policy = "allkeys-lru";
  spec.config = {{"hz", "20"}};
  return spec;
}

TEST(RedisRenderTest, TheNodeRunsRedisServerOnTheGeneratedConfigWhateverTheImage) {
  for (const char* image : {"redis:7.4-alpine", "nxt/redis:7"}) {
    docker::ContainerSpec c = RenderNode(kKey, Spec(image), 2, "hash-1");
    EXPECT_EQ(c.image, image);
    EXPECT_EQ(c.name, "cache-2");
    EXPECT_EQ(c.hostname, "cache-2");
    // The image's entrypoint script (chown + su-exec in the upstream image) is bypassed.
    EXPECT_THAT(c.entrypoint, ElementsAre("redis-server"));
    EXPECT_THAT(c.cmd, ElementsAre("/etc/nxt/redis.conf"));
    EXPECT_TRUE(c.env.empty()) << "no password in the environment";
    EXPECT_THAT(c.networks, ElementsAre("nxt-prod-cache"));
    EXPECT_THAT(c.network_aliases, ElementsAre("cache-2"));
    ASSERT_EQ(c.mounts.size(), 1u);
    EXPECT_EQ(c.mounts[0].source, "nxt-prod-cache-2-data");
    EXPECT_EQ(c.mounts[0].target, "/data");
    EXPECT_THAT(c.cap_drop, ElementsAre("ALL"));
    EXPECT_EQ(c.labels.at(docker::kLabelOrdinal), "2");
    EXPECT_EQ(c.labels.at(docker::kLabelRole), kNodeRole);
    EXPECT_EQ(c.labels.at(docker::kLabelConfigHash), "hash-1");
    // Only the controller restarts a node (a killed master waits for its replica's
    // promotion).
    EXPECT_EQ(c.restart_policy, "no");
  }
}

TEST(RedisRenderTest, TheConfigMakesAStableClusterNodeWithThePassword) {
  const std::string conf = RedisConf(Spec(), "cache-2", kPassword);
  EXPECT_THAT(conf, AllOf(HasSubstr("\ncluster-enabled yes\n"),
                          HasSubstr("\ncluster-config-file /data/nodes.conf\n"),
                          HasSubstr("\ncluster-node-timeout 5000\n"),
                          HasSubstr("\ncluster-announce-hostname cache-2\n"),
                          HasSubstr("\ncluster-preferred-endpoint-type hostname\n"),
                          HasSubstr("\nappendonly yes\n"), HasSubstr("\nmaxmemory 67108864\n"),
                          HasSubstr("\nmaxmemory-policy allkeys-lru\n"), HasSubstr("\nhz 20\n"),
                          HasSubstr(std::string("\nrequirepass ") + kPassword + "\n"),
                          HasSubstr(std::string("\nmasterauth ") + kPassword + "\n")));
  EXPECT_THAT(RedisConf(Spec(), "cache-2", ""), Not(HasSubstr("requirepass")));
}

TEST(RedisRenderTest, TheHashIsTheSameForEveryNodeAndFollowsImageConfigAndPassword) {
  const std::string hash = ConfigHashOf(kKey, Spec(), "v1");
  resources::RedisClusterSpec more = Spec();
  more.nodes = 8;
  EXPECT_EQ(ConfigHashOf(kKey, more, "v1"), hash) << "scaling restarts nothing";
  EXPECT_NE(ConfigHashOf(kKey, Spec("nxt/redis:7"), "v1"), hash);
  resources::RedisClusterSpec config = Spec();
  config.config["hz"] = "10";
  EXPECT_NE(ConfigHashOf(kKey, config, "v1"), hash);
  EXPECT_NE(ConfigHashOf(kKey, Spec(), "v2"), hash);
}

// Every redis-cli call: `timeout N redis-cli --askpass ...`, the Exec deadline beyond N,
// the password first on stdin and nowhere in argv.
class RedisAdminTest : public ::testing::Test {
 protected:
  void ExpectTimedExec(const std::string& reply) {
    EXPECT_CALL(docker_, Exec("cache-0", _, _, _))
        .WillOnce([this, reply](const std::string&, const std::vector<std::string>& cmd,
                                absl::Duration deadline, const std::string& in) {
          EXPECT_GE(cmd.size(), 4u);
          EXPECT_EQ(cmd[0], "timeout");
          int64_t seconds = 0;
          EXPECT_TRUE(absl::SimpleAtoi(cmd[1], &seconds)) << cmd[1];
          EXPECT_GT(seconds, 0);
          EXPECT_GT(deadline, absl::Seconds(seconds)) << "the exec outlives redis-cli's timeout";
          EXPECT_EQ(cmd[2], "redis-cli");
          EXPECT_EQ(cmd[3], "--askpass");
          for (const std::string& arg : cmd) EXPECT_THAT(arg, Not(HasSubstr(kPassword)));
          EXPECT_TRUE(absl::StartsWith(in, std::string(kPassword) + "\n"));
          last_timeout_ = absl::Seconds(seconds);
          return docker::ExecResult{0, reply, ""};
        });
  }

  ::testing::StrictMock<docker::MockDockerClient> docker_;
  RedisAdmin admin_{docker_, kPassword, RedisAdmin::Timeouts{absl::Seconds(4), absl::Seconds(90)}};
  absl::Duration last_timeout_;
};

TEST_F(RedisAdminTest, EveryCallIsBoundedByATimeout) {
  ExpectTimedExec(
      "cluster_state:ok\ncluster_slots_assigned:0\ncluster_slots_ok:0\ncluster_known_nodes:1\n"
      "9761e340fd6af2b9e405df446d2b526131d5f3cb :6379@16379 myself,master - 0 0 0 connected\n");
  EXPECT_THAT(admin_.Query("cache-0"), IsOk());
  EXPECT_EQ(last_timeout_, absl::Seconds(4));
  ExpectTimedExec("OK\n");
  EXPECT_THAT(admin_.Command("cache-0", {"CLUSTER", "FAILOVER"}), IsOk());
  EXPECT_EQ(last_timeout_, absl::Seconds(4));
  ExpectTimedExec("OK\nOK\n");
  EXPECT_THAT(admin_.Commands("cache-0", {"PING", "PING"}), IsOk());
  ExpectTimedExec("[OK] All 16384 slots covered.\n");
  EXPECT_THAT(admin_.ClusterTool("cache-0", {"rebalance", "10.0.0.2:6379"}), IsOk());
  EXPECT_EQ(last_timeout_, absl::Seconds(90));
}

TEST_F(RedisAdminTest, ATimedOutOrFailingCallIsAnError) {
  EXPECT_CALL(docker_, Exec("cache-0", _, _, _))
      .WillOnce(Return(docker::ExecResult{124, "", ""}))
      .WillOnce(Return(docker::ExecResult{0, "ERR Unknown node abc\n", ""}));
  EXPECT_THAT(admin_.Command("cache-0", {"CLUSTER", "FORGET", "abc"}),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("timed out")));
  EXPECT_THAT(admin_.Command("cache-0", {"CLUSTER", "FORGET", "abc"}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("Unknown node")));
}

TEST_F(RedisAdminTest, ClusterToolsFailByTheirExitCodeNotByTheirStarredLines) {
  EXPECT_CALL(docker_, Exec("cache-0", _, _, _))
      .WillOnce(Return(docker::ExecResult{0, ">>> Rebalancing\n*** No rebalancing needed!\n", ""}))
      .WillOnce(Return(docker::ExecResult{
          1, ">>> Check\n*** Please fix your cluster problems before rebalancing\n", ""}));
  EXPECT_THAT(admin_.ClusterTool("cache-0", {"rebalance", "10.0.0.2:6379"}), IsOk());
  EXPECT_THAT(admin_.ClusterTool("cache-0", {"rebalance", "10.0.0.2:6379"}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("exit code 1: *** Please fix your cluster problems")));
}

TEST_F(RedisAdminTest, ALeftoverClusterToolIsFoundInTheProcessList) {
  EXPECT_CALL(docker_, Exec("cache-0", ElementsAre("sh", "-c", HasSubstr("[r]edis-cli")), _, ""))
      .WillOnce(Return(docker::ExecResult{0, "2\n", ""}))
      .WillOnce(Return(docker::ExecResult{0, "0\n", ""}));
  absl::StatusOr<bool> running = admin_.ClusterToolRunning("cache-0");
  ASSERT_THAT(running, IsOk());
  EXPECT_TRUE(*running);
  running = admin_.ClusterToolRunning("cache-0");
  ASSERT_THAT(running, IsOk());
  EXPECT_FALSE(*running);
}

}  // namespace
}  // namespace nxt::rediscluster
