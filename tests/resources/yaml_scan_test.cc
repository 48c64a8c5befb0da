#include "resources/yaml_scan.h"

#include <sys/resource.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "resources/kind_registry.h"
#include "resources/manifest_reader.h"

namespace nxt::resources {
namespace {

using internal::kMaxYamlExpandedBytes;
using internal::kMaxYamlNodes;
using internal::ScanYamlDocument;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

const KindRegistry& Kinds() {
  static const std::shared_ptr<const KindRegistry> kKinds = *KindRegistry::Builtin();
  return *kKinds;
}

constexpr char kHeader[] =
    "apiVersion: nxt.io/v1alpha1\nkind: ContainerSet\nmetadata:\n  name: web\n";

// A ContainerSet whose annotation `big` anchors a `scalar_bytes` scalar that spec.args
// uses `aliases` times (block style, one "  - *a" line each, from line 9 on).
std::string AliasBomb(size_t scalar_bytes, size_t aliases) {
  std::string y =
      absl::StrCat(kHeader, "  annotations:\n    big: &a ", std::string(scalar_bytes, 'x'),
                   "\nspec:\n  image: busybox\n", "  args:\n");
  for (size_t i = 0; i < aliases; ++i) {
    y += "  - *a\n";
  }
  return y;
}

long PeakRssKb() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

TEST(YamlScanTest, AliasBombIsRefusedAtTheAliasThatCrossesTheByteLimit) {
  // 64 KiB a use, the anchor's own included: the 63rd alias (spec.args[62], line 72)
  // crosses 4 MiB.
  ParseResult r = ParseManifest(Kinds(), "bomb.yaml", AliasBomb(64 << 10, 1000));
  ASSERT_THAT(r.AllErrors(), SizeIs(1));
  const FieldError e = r.AllErrors()[0];
  EXPECT_EQ(e.position.ToString(), "bomb.yaml:72:5");
  EXPECT_EQ(e.field_path, "spec.args[62]");
  EXPECT_EQ(e.message,
            absl::StrCat("document too large: expands to more than ", kMaxYamlExpandedBytes,
                         " bytes (aliases count each time they are used, counting "
                         "alias *a)"));
  EXPECT_THAT(r.objects, IsEmpty());
}

TEST(YamlScanTest, TheExploitOfIssue12IsRefusedWithoutGrowing) {
  // 500 KB anchored once, used 20,000 times: 10 GB once expanded.
  const std::string bomb = AliasBomb(500000, 20000);
  ASSERT_LT(bomb.size(), kDefaultMaxManifestBytes);
  long before = PeakRssKb();
  ParseResult r = ParseManifest(Kinds(), "bomb.yaml", bomb);
  EXPECT_LT(PeakRssKb() - before, 32 * 1024) << "KB of peak RSS added by the parse";
  ASSERT_THAT(r.AllErrors(), SizeIs(1));
  EXPECT_EQ(r.AllErrors()[0].ToString(),
            "bomb.yaml:17:5: spec.args[7]: document too large: expands to more than 4194304 "
            "bytes (aliases count each time they are used, counting alias *a)");
}

TEST(YamlScanTest, NestedAliasesHitTheNodeLimit) {
  std::string y = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'h'; ++c) {
    absl::StrAppend(&y, std::string(1, c), ": &", std::string(1, c), " [");
    for (int i = 0; i < 10; ++i) {
      absl::StrAppend(&y, i == 0 ? "" : ", ", "*", std::string(1, c - 1));
    }
    y += "]\n";
  }
  internal::YamlScan scan = ScanYamlDocument(y, "laughs.yaml", 1);
  ASSERT_TRUE(scan.too_large.has_value());
  EXPECT_EQ(scan.too_large->message,
            absl::StrCat("document too large: more than ", kMaxYamlNodes,
                         " nodes (aliases count each time they are used, counting alias *d)"));
  EXPECT_EQ(scan.too_large->position.line, 5);
}

TEST(YamlScanTest, ManyPlainNodesAreRefusedBeforeYamlCppBuildsThem) {
  // yaml-cpp takes ~0.5 KB a node: 200,000 of them would be ~100 MB.
  std::string y = "a: [1";
  for (int i = 1; i < 200000; ++i) {
    y += ",1";
  }
  y += "]\n";
  long before = PeakRssKb();
  ParseResult r = ParseManifest(Kinds(), "flat.yaml", y);
  EXPECT_LT(PeakRssKb() - before, 16 * 1024) << "KB of peak RSS added by the parse";
  ASSERT_THAT(r.AllErrors(), SizeIs(1));
  EXPECT_THAT(r.AllErrors()[0].ToString(),
              HasSubstr("flat.yaml:1:40001: a[19998]: document too large: more than 20000 "
                        "nodes"));
}

TEST(YamlScanTest, ALongKeyRepeatedInEveryPathBelowItCounts) {
  // No alias: a 100 KB key over 50 items makes 5 MB of field paths.
  std::string y = absl::StrCat("? ", std::string(100000, 'k'), "\n:\n");
  for (int i = 0; i < 50; ++i) {
    y += "  - 1\n";
  }
  internal::YamlScan scan = ScanYamlDocument(y, "keys.yaml", 1);
  ASSERT_TRUE(scan.too_large.has_value());
  EXPECT_THAT(scan.too_large->message, HasSubstr("expands to more than 4194304 bytes"));
  EXPECT_EQ(scan.too_large->position.line, 3 + 39);  // the 40th item
}

TEST(YamlScanTest, AliasInsideItsOwnAnchorIsRefused) {
  internal::YamlScan scan = ScanYamlDocument("x: 1\na: &loop [1, *loop]\n", "self.yaml", 10);
  ASSERT_TRUE(scan.too_large.has_value());
  EXPECT_EQ(scan.too_large->ToString(),
            "self.yaml:11:14: a[1]: alias *loop is used inside its own anchor (a recursive "
            "alias)");
}

TEST(YamlScanTest, ModerateAnchorsPassAndDocumentsAreCounted) {
  internal::YamlScan one =
      ScanYamlDocument("a: &a {x: [1, 2]}\nb: *a\nc: {*a : 1}\n", "ok.yaml", 1);
  EXPECT_EQ(one.documents, 1);
  EXPECT_FALSE(one.too_large.has_value());
  internal::YamlScan two = ScanYamlDocument("a: 1\n--- \nb: 2\n", "two.yaml", 5);
  EXPECT_EQ(two.documents, 2);
  EXPECT_EQ(two.second_document.line, 6);
}

TEST(YamlScanTest, ADocumentJustUnderTheLimitsIsAccepted) {
  // The anchor and 60 uses of a 64 KiB scalar: 3.8 MiB.
  ParseResult r = ParseManifest(Kinds(), "big.yaml", AliasBomb(64 << 10, 60));
  EXPECT_THAT(r.AllErrors(), IsEmpty());
  ASSERT_THAT(r.objects, SizeIs(1));
  EXPECT_EQ(r.objects[0].spec.at("args").as_array().size(), 60u);
}

}  // namespace
}  // namespace nxt::resources
