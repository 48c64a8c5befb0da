// Every input the fuzzer ever crashed or hung on (tests/fuzz/regressions/), and every
// manifest in tests/testdata/ and tests/controllers/<folder>/, goes through ParseManifest
// without crashing, in bounded time.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "resources/kind_registry.h"
#include "resources/manifest_reader.h"

namespace nxt::resources {
namespace {

std::string SourceDir() {
  const char* env = std::getenv("NXT_SOURCE_DIR");
  return env != nullptr && *env != '\0' ? env : NXT_SOURCE_DIR_DEFAULT;
}

std::vector<std::string> Inputs() {
  std::vector<std::string> files;
  for (const char* dir : {"/tests/fuzz/regressions", "/tests/testdata/manifests"}) {
    std::error_code ec;
    for (const auto& e : std::filesystem::recursive_directory_iterator(SourceDir() + dir, ec)) {
      if (e.is_regular_file() && e.path().filename() != "README.md") {
        files.push_back(e.path().string());
      }
    }
  }
  // The kinds' own manifests (fixtures and invalid cases, tests/controllers/<folder>/).
  std::error_code ec;
  for (const auto& e :
       std::filesystem::recursive_directory_iterator(SourceDir() + "/tests/controllers", ec)) {
    if (e.is_regular_file() && e.path().extension() == ".yaml") files.push_back(e.path().string());
  }
  return files;
}

TEST(FuzzRegressionsTest, EveryInputParsesWithoutCrashing) {
  auto kinds = KindRegistry::Builtin();
  ASSERT_TRUE(kinds.ok());
  std::vector<std::string> files = Inputs();
  EXPECT_GE(files.size(), 30u);
  for (const std::string& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    auto start = std::chrono::steady_clock::now();
    ParseResult result = ParseManifest(**kinds, "input.yaml", content.str());
    for (const Object& object : result.objects) {
      // Aliases spelled out may pass the 1 MiB file limit (apply refuses to write that),
      // never the expansion limit.
      ParseResult again = ParseManifest(**kinds, "again.yaml", ToManifestYaml(object), 64 << 20);
      EXPECT_TRUE(again.ok()) << file << ": " << JoinErrors(again.AllErrors());
    }
    // A bound against blow-ups (an alias bomb takes minutes), not a speed target: the
    // suite's parallel groups load the machine (6.1 s seen at load 20 for a 1 s input).
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30)) << file;
  }
}

// Alias bombs (tests/fuzz/regressions/alias-byte-bomb.yaml: 7 KB that expands to 4 MB;
// tests/testdata/manifests/invalid/alias-bomb.yaml: nested "billion laughs") are refused
// as too large, not merely survived.
TEST(FuzzRegressionsTest, AliasBombsAreRefusedAsTooLarge) {
  auto kinds = KindRegistry::Builtin();
  ASSERT_TRUE(kinds.ok());
  int bombs = 0;
  for (const std::string& file : Inputs()) {
    if (std::filesystem::path(file).filename().string().find("bomb") == std::string::npos ||
        std::filesystem::path(file).extension() != ".yaml") {
      continue;
    }
    ++bombs;
    std::ifstream in(file, std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    ParseResult result = ParseManifest(**kinds, "bomb.yaml", content.str());
    EXPECT_THAT(result.objects, ::testing::IsEmpty()) << file;
    EXPECT_THAT(JoinErrors(result.AllErrors()), ::testing::HasSubstr("document too large: "))
        << file;
  }
  EXPECT_GE(bombs, 2);
}

}  // namespace
}  // namespace nxt::resources
