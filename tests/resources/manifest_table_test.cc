// Table-driven manifest tests: tests/testdata/manifests/valid/*.yaml parse cleanly;
// invalid/*.yaml produce exactly the lines of their sibling *.errors file.
// A first line "# max_bytes: N" parses the file with that size limit.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "resources/kind_registry.h"
#include "resources/manifest_reader.h"
#include "tests/resources/testdata.h"

namespace nxt::resources {
namespace {

using ::nxt::resources::testing::ListFiles;
using ::nxt::resources::testing::ManifestDir;
using ::nxt::resources::testing::ReadFile;
using ::nxt::resources::testing::TestName;

const KindRegistry& Kinds() {
  static const std::shared_ptr<const KindRegistry> kKinds = *KindRegistry::Builtin();
  return *kKinds;
}

// In an *.errors file: the registered kinds, as an unknown kind's error lists them.
constexpr char kKnownKinds[] = "{KNOWN_KINDS}";

// "\"ContainerSet\", \"GaleraCluster\", ...": every kind of the registry, in its order.
std::string KnownKinds() {
  std::vector<std::string> quoted;
  for (const KindInfo& info : Kinds().kinds())
    quoted.push_back(absl::StrCat("\"", info.kind, "\""));
  return absl::StrJoin(quoted, ", ");
}

ParseResult ParseTestFile(const std::string& path) {
  std::string content = ReadFile(path);
  size_t max_bytes = kDefaultMaxManifestBytes;
  const std::string directive = "# max_bytes: ";
  if (content.compare(0, directive.size(), directive) == 0) {
    size_t end = content.find('\n');
    EXPECT_TRUE(
        absl::SimpleAtoi(content.substr(directive.size(), end - directive.size()), &max_bytes));
  }
  return ParseManifest(Kinds(), std::filesystem::path(path).filename().string(), content,
                       max_bytes);
}

std::vector<std::string> ErrorLines(const ParseResult& result) {
  std::vector<std::string> lines;
  for (const FieldError& e : result.AllErrors()) {
    lines.push_back(e.ToString());
  }
  return lines;
}

class ValidManifestTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ValidManifestTest, ParsesWithoutErrors) {
  ParseResult result = ParseTestFile(GetParam());
  EXPECT_THAT(ErrorLines(result), ::testing::IsEmpty());
  EXPECT_TRUE(result.ok());
  EXPECT_FALSE(result.objects.empty());
  for (const Object& object : result.objects) {
    EXPECT_EQ(object.kind, "ContainerSet");
    EXPECT_FALSE(object.metadata.name.empty());
    EXPECT_TRUE(object.spec.contains("replicas")) << "defaults applied";
  }
}

INSTANTIATE_TEST_SUITE_P(Files, ValidManifestTest,
                         ::testing::ValuesIn(ListFiles(ManifestDir("valid"), ".yaml")),
                         [](const auto& info) { return TestName(info.param); });

class InvalidManifestTest : public ::testing::TestWithParam<std::string> {};

TEST_P(InvalidManifestTest, ReportsExactlyTheExpectedErrors) {
  const std::string& path = GetParam();
  std::string errors_path = path.substr(0, path.size() - 5) + ".errors";
  std::vector<std::string> expected =
      absl::StrSplit(ReadFile(errors_path), '\n', absl::SkipEmpty());
  ParseResult result = ParseTestFile(path);
  EXPECT_FALSE(result.ok());
  ASSERT_TRUE(std::getenv("NXT_UPDATE_GOLDEN") != nullptr || std::filesystem::exists(errors_path))
      << errors_path << " is missing";
  std::vector<std::string> actual = ErrorLines(result);
  // The golden files name no kind: {KNOWN_KINDS} stands for the registered ones.
  const std::string known_kinds = KnownKinds();
  if (std::getenv("NXT_UPDATE_GOLDEN") != nullptr) {  // then review the diff by eye
    std::ofstream(errors_path, std::ios::trunc)
        << absl::StrReplaceAll(absl::StrJoin(actual, "\n"), {{known_kinds, kKnownKinds}}) << "\n";
    return;
  }
  EXPECT_EQ(absl::StrJoin(actual, "\n"),
            absl::StrReplaceAll(absl::StrJoin(expected, "\n"), {{kKnownKinds, known_kinds}}));
}

INSTANTIATE_TEST_SUITE_P(Files, InvalidManifestTest,
                         ::testing::ValuesIn(ListFiles(ManifestDir("invalid"), ".yaml")),
                         [](const auto& info) { return TestName(info.param); });

TEST(ManifestTableTest, HasEnoughCases) {
  EXPECT_GE(ListFiles(ManifestDir("valid"), ".yaml").size(), 5u);
  EXPECT_GE(ListFiles(ManifestDir("invalid"), ".yaml").size(), 25u);
  // Every expectation file belongs to a manifest.
  for (const std::string& errors : ListFiles(ManifestDir("invalid"), ".errors")) {
    EXPECT_TRUE(std::filesystem::exists(errors.substr(0, errors.size() - 7) + ".yaml")) << errors;
  }
}

}  // namespace
}  // namespace nxt::resources
