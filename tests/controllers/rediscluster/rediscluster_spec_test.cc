// RedisCluster manifests: decode with defaults, the size rules alone and against the
// running object (as nxtd checks an edited manifest: CheckAgainstStored), with file:line.
#include <boost/json.hpp>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "resources/kind_registry.h"
#include "resources/manifest_reader.h"
#include "resources/rediscluster.h"
#include "tests/testing/manifest_checks.h"
#include "tests/testing/status_matchers.h"

namespace nxt::resources {
namespace {

using ::nxt::testing::IsOk;
using ::nxt::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::string Manifest(int nodes, int replicas = -1) {
  std::string out =
      "apiVersion: nxt.io/v1alpha1\nkind: RedisCluster\nmetadata:\n  name: cache\nspec:\n"
      "  nodes: " +
      std::to_string(nodes) + "\n";
  if (replicas >= 0) out += "  replicasPerMaster: " + std::to_string(replicas) + "\n";
  return out;
}

TEST(RedisClusterSpecTest, DefaultsAndDecoding) {
  ParseResult r = ParseManifest(nxt::testing::BuiltinKinds(), "cache.yaml",
                                Manifest(6) +
                                    "  maxmemory: 512Mi\n  resources:\n    memory: 1Gi\n"
                                    "  config:\n    tcp-keepalive: \"60\"\n");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(nxt::testing::ErrorsOf(r));
  ASSERT_EQ(r.objects.size(), 1u);
  absl::StatusOr<RedisClusterSpec> spec = DecodeRedisClusterSpec(r.objects[0].spec);
  ASSERT_THAT(spec, IsOk());
  EXPECT_EQ(spec->nodes, 6);
  EXPECT_EQ(spec->replicas_per_master, 1);
  EXPECT_EQ(spec->Masters(), 3);
  EXPECT_EQ(spec->image, "redis:7.4-alpine");
  EXPECT_TRUE(spec->appendonly);
  EXPECT_EQ(spec->maxmemory_policy, "noeviction");
  EXPECT_EQ(spec->maxmemory_bytes, 512 * 1024 * 1024);
  EXPECT_EQ(spec->memory_bytes, 1024 * 1024 * 1024);
  EXPECT_EQ(spec->config.at("tcp-keepalive"), "60");
  EXPECT_EQ(spec->deletion_policy, DeletionPolicy::kRetain);
  EXPECT_FALSE(spec->suspend);
  EXPECT_NE(nxt::testing::BuiltinKinds().Find("redis"), nullptr) << "short name";
  EXPECT_NE(nxt::testing::BuiltinKinds().Find("redisclusters"), nullptr);
}

TEST(RedisClusterSpecTest, ValidSizes) {
  for (const auto& [nodes, replicas] :
       std::vector<std::pair<int, int>>{{6, 1}, {8, 1}, {10, 1}, {9, 2}, {3, 0}, {12, 3}}) {
    ParseResult r =
        ParseManifest(nxt::testing::BuiltinKinds(), "cache.yaml", Manifest(nodes, replicas));
    EXPECT_THAT(nxt::testing::ErrorsOf(r), IsEmpty()) << nodes << "/" << replicas;
  }
}

TEST(RedisClusterSpecTest, ANodeCountEditMustBeWholeShards) {
  // As nxtd sees an edited file: the parse refuses it, with file:line:col.
  EXPECT_THAT(nxt::testing::EditErrors("cache.yaml", Manifest(6), Manifest(7)),
              ElementsAre("cache.yaml:6:3: spec.nodes: Invalid value: 7: must be a multiple of "
                          "1 + spec.replicasPerMaster = 2 (each shard is 1 master + 1 replica)"));
  EXPECT_THAT(nxt::testing::EditErrors("cache.yaml", Manifest(6), Manifest(8)), IsEmpty());
  EXPECT_THAT(nxt::testing::EditErrors("cache.yaml", Manifest(8), Manifest(6)), IsEmpty());
  EXPECT_THAT(nxt::testing::EditErrors("cache.yaml", Manifest(6), Manifest(4)),
              ElementsAre("cache.yaml:6:3: spec.nodes: Invalid value: 4: must give at least 3 "
                          "masters, but 4 / (1 + spec.replicasPerMaster) = 2; use at least 6 "
                          "nodes"));
}

TEST(RedisClusterSpecTest, TheCheckAgainstTheRunningObjectNamesTheNextSizes) {
  Object current;
  current.spec = {{"nodes", 8}, {"replicasPerMaster", 1}};
  Object desired;
  desired.spec = {{"nodes", 9}, {"replicasPerMaster", 1}};
  std::vector<FieldError> errors = CheckRedisCluster(desired, &current);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field_path, "spec.nodes");
  EXPECT_EQ(errors[0].message,
            "Invalid value: 9: must change by whole shards of 2 nodes (1 master + 1 replica): the "
            "cluster runs 8 nodes, so 10 to add a shard or 6 to remove one");
  current.spec["nodes"] = 6;
  desired.spec["nodes"] = 7;
  errors = CheckRedisCluster(desired, &current);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message,
            "Invalid value: 7: must change by whole shards of 2 nodes (1 master + 1 replica): the "
            "cluster runs 6 nodes, so 8 to add a shard");
}

TEST(RedisClusterSpecTest, ReplicasPerMasterChangesAloneAreAllowed) {
  EXPECT_THAT(nxt::testing::EditErrors("cache.yaml", Manifest(6, 1), Manifest(9, 2)), IsEmpty());
  EXPECT_THAT(nxt::testing::EditErrors("cache.yaml", Manifest(9, 2), Manifest(6, 1)), IsEmpty());
  EXPECT_THAT(nxt::testing::EditErrors("cache.yaml", Manifest(6, 1), Manifest(12, 2)),
              ElementsAre("cache.yaml:7:3: spec.replicasPerMaster: Invalid value: 2: cannot "
                          "change in the same edit as the number of masters (3 -> 4): change "
                          "replicasPerMaster first (nodes = 9), then nodes"));
}

TEST(RedisClusterSpecTest, EachRuleIsTheChecksAloneAndDecodeOnlyConverts) {
  // The size rule is reported once, by the check, where the user wrote the value.
  EXPECT_THAT(nxt::testing::ErrorsOf(
                  ParseManifest(nxt::testing::BuiltinKinds(), "cache.yaml", Manifest(7))),
              ElementsAre("cache.yaml:6:3: spec.nodes: Invalid value: 7: must be a multiple of "
                          "1 + spec.replicasPerMaster = 2 (each shard is 1 master + 1 replica)"));
  // Decode fills no default: what the CRD did not fill in is a zero value.
  absl::StatusOr<RedisClusterSpec> bare = DecodeRedisClusterSpec({{"nodes", 6}});
  ASSERT_THAT(bare, IsOk());
  EXPECT_EQ(bare->replicas_per_master, 0);
  EXPECT_EQ(bare->image, "");
  // A quantity must still parse to be converted.
  EXPECT_THAT(DecodeRedisClusterSpec({{"nodes", 6}, {"maxmemory", "lots"}}),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("spec.maxmemory")));
}

TEST(RedisClusterSpecTest, ControllerOwnedDirectives) {
  for (const char* owned : {"port", "requirepass", "masterauth", "cluster-enabled", "dir",
                            "cluster-announce-hostname", "appendonly", "maxmemory"}) {
    EXPECT_TRUE(IsControllerOwnedRedisDirective(owned)) << owned;
  }
  for (const char* free : {"save", "tcp-keepalive", "notify-keyspace-events", "hz"}) {
    EXPECT_FALSE(IsControllerOwnedRedisDirective(free)) << free;
  }
}

}  // namespace
}  // namespace nxt::resources
