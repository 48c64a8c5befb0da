// Every manifest users start from (examples/) parses and validates; the quick start holds
// a GaleraCluster of 3 and a RedisCluster of 3 + 3 on local images; the profiles size
// Galera and Redis as STACK.md's table says.
#include <boost/json.hpp>
#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "resources/kind_registry.h"
#include "resources/manifest_reader.h"
#include "tests/resources/testdata.h"

namespace nxt::resources {
namespace {

// The manifest files under examples/: *.yaml/*.yml whose documents are nxt objects
// (Prometheus configs and alert rules live beside them and are not manifests).
std::vector<std::string> ExampleManifests() {
  std::vector<std::string> files;
  const std::string root = testing::SourceDir() + "/examples";
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    const std::string path = entry.path().string();
    if (!IsManifestFileName(entry.path().filename().string())) continue;
    if (path.find("/examples/prometheus/") != std::string::npos) continue;
    files.push_back(path);
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(ExamplesTest, EveryExampleManifestValidates) {
  auto kinds = KindRegistry::Builtin();
  ASSERT_TRUE(kinds.ok()) << kinds.status();
  std::vector<std::string> files = ExampleManifests();
  ASSERT_FALSE(files.empty());
  std::set<std::string> kinds_seen;
  for (const std::string& file : files) {
    ParseResult result = ReadManifestFile(**kinds, file);
    std::vector<std::string> errors;
    for (const FieldError& e : result.AllErrors()) errors.push_back(e.ToString());
    EXPECT_TRUE(result.ok()) << file << ":\n" << absl::StrJoin(errors, "\n");
    EXPECT_FALSE(result.objects.empty()) << file << " holds no object";
    for (const Object& object : result.objects) kinds_seen.insert(object.kind);
  }
  // Every registered kind has an example users can start from.
  for (const KindInfo& info : (*kinds)->kinds()) {
    EXPECT_TRUE(kinds_seen.contains(info.kind)) << info.kind;
  }
}

// Objects of the example files under examples/<dir>/ (validated defaults applied),
// keyed by "<kind>/<name>".
std::map<std::string, Object> ObjectsUnder(const std::string& dir) {
  std::map<std::string, Object> out;
  auto kinds = KindRegistry::Builtin();
  if (!kinds.ok()) return out;
  for (const std::string& file : ExampleManifests()) {
    if (file.find("/examples/" + dir + "/") == std::string::npos) continue;
    for (Object& o : ReadManifestFile(**kinds, file).objects) {
      out[o.kind + "/" + o.metadata.name] = std::move(o);
    }
  }
  return out;
}

int64_t SpecInt(const Object& o, const char* field) {
  const boost::json::value* v = o.spec.if_contains(field);
  return v != nullptr && v->is_int64() ? v->get_int64() : -1;
}

std::string SpecString(const Object& o, const char* field) {
  const boost::json::value* v = o.spec.if_contains(field);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : "";
}

TEST(ExamplesTest, QuickStartRunsTheWebSetsAGaleraClusterOfThreeAndARedisClusterOfThreePlusThree) {
  std::map<std::string, Object> objects = ObjectsUnder("quickstart");
  EXPECT_EQ(objects.count("ContainerSet/web"), 1u);
  EXPECT_EQ(objects.count("ContainerSet/worker"), 1u);
  ASSERT_EQ(objects.count("GaleraCluster/db"), 1u);
  EXPECT_EQ(SpecInt(objects["GaleraCluster/db"], "replicas"), 3);
  // No registry is reachable: the quick start uses the images images/build.sh makes.
  EXPECT_EQ(SpecString(objects["GaleraCluster/db"], "image"), "nxt/mariadb-galera:10.11");
  ASSERT_EQ(objects.count("RedisCluster/cache"), 1u);
  EXPECT_EQ(SpecInt(objects["RedisCluster/cache"], "nodes"), 6);
  EXPECT_EQ(SpecInt(objects["RedisCluster/cache"], "replicasPerMaster"), 1);
  EXPECT_EQ(SpecString(objects["RedisCluster/cache"], "image"), "nxt/redis:7");
}

// STACK.md's profile table: Galera nodes and Redis nodes per profile (0: no Redis).
struct ProfileRow {
  const char* file;
  int galera_min, galera_max;
  int redis_min, redis_max;
};

TEST(ExamplesTest, EveryProfileSizesGaleraAndRedisAsTheStackTableSays) {
  const ProfileRow kRows[] = {
      {"dev.yaml", 1, 1, 0, 0},        {"small.yaml", 3, 3, 6, 6}, {"sme.yaml", 5, 5, 6, 6},
      {"enterprise.yaml", 5, 7, 6, 8}, {"large.yaml", 7, 7, 8, 8},
  };
  auto kinds = KindRegistry::Builtin();
  ASSERT_TRUE(kinds.ok()) << kinds.status();
  for (const ProfileRow& row : kRows) {
    const std::string file = testing::SourceDir() + "/examples/profiles/" + row.file;
    ParseResult result = ReadManifestFile(**kinds, file);
    ASSERT_TRUE(result.ok()) << file;
    int galeras = 0, redises = 0;
    for (const Object& o : result.objects) {
      if (o.kind == "GaleraCluster") {
        ++galeras;
        EXPECT_GE(SpecInt(o, "replicas"), row.galera_min) << row.file;
        EXPECT_LE(SpecInt(o, "replicas"), row.galera_max) << row.file;
      } else if (o.kind == "RedisCluster") {
        ++redises;
        EXPECT_GE(SpecInt(o, "nodes"), row.redis_min) << row.file;
        EXPECT_LE(SpecInt(o, "nodes"), row.redis_max) << row.file;
      }
    }
    EXPECT_EQ(galeras, 1) << row.file;
    EXPECT_EQ(redises, row.redis_max > 0 ? 1 : 0) << row.file;
  }
}

}  // namespace
}  // namespace nxt::resources
