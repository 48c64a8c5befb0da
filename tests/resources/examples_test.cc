// Every manifest users start from (examples/) parses and validates, and examples/ holds
// at least the quick start.
#include <filesystem>
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
  EXPECT_TRUE(kinds_seen.contains("ContainerSet"));
  EXPECT_TRUE(kinds_seen.contains("RustFSPool")) << "the SME profile's object store";
}

TEST(ExamplesTest, QuickStartIsThere) {
  bool found = false;
  for (const std::string& file : ExampleManifests()) {
    if (file.find("/examples/quickstart/") != std::string::npos) found = true;
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace nxt::resources
