#include "reconciler/manifest_writer.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reconciler/file_store.h"
#include "reconciler/manifest_source.h"
#include "tests/reconciler/state_test_util.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace nxt::reconciler {
namespace {

using ::nxt::testing::FakeClock;
using ::nxt::testing::IsOk;
using ::nxt::testing::StatusIs;
using ::nxt::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::WidgetKey;
using testing::WidgetYaml;

namespace fs = std::filesystem;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> Tree(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    out.push_back(fs::relative(e.path(), dir).string() + "=" +
                  (e.is_regular_file() ? ReadAll(e.path().string()) : "<dir>"));
  }
  std::sort(out.begin(), out.end());
  return out;
}

class ManifestWriterTest : public ::testing::Test {
 protected:
  ManifestWriterTest() : kinds_(testing::WidgetRegistry()), store_(clock_, dir_.Join("state")) {
    fs::create_directories(Manifests());
  }

  void Open() {
    ASSERT_THAT(store_.Load(), IsOk());
    ManifestSourceOptions options;
    options.dir = Manifests();
    source_ = std::make_unique<ManifestSource>(*kinds_, store_, clock_, options);
    ASSERT_THAT(source_->Open(), IsOk());
    writer_ = std::make_unique<ManifestWriter>(*kinds_, store_, *source_);
  }

  std::string Manifests() const { return dir_.Join("manifests"); }
  std::string M(const std::string& rel) const { return Manifests() + "/" + rel; }

  ApplyReport MustApply(const std::vector<ManifestFile>& files, bool dry_run = false) {
    absl::StatusOr<ApplyReport> report = writer_->Apply(files, dry_run);
    EXPECT_THAT(report, IsOk());
    return report.ok() ? *report : ApplyReport{};
  }

  std::string Image(const std::string& name) {
    resources::ObjectPtr o = store_.Get(WidgetKey(name));
    return o == nullptr ? "" : std::string(o->spec.at("image").as_string());
  }

  // What the writer puts for `yaml` (one valid Widget document).
  std::string Rendered(const std::string& yaml) {
    resources::ParseResult parsed = resources::ParseManifest(*kinds_, "x.yaml", yaml);
    EXPECT_TRUE(parsed.ok());
    return resources::ToManifestYaml(parsed.objects.at(0));
  }

  TempDir dir_;
  FakeClock clock_;
  std::shared_ptr<const resources::KindRegistry> kinds_;
  FileStore store_;
  std::unique_ptr<ManifestSource> source_;
  std::unique_ptr<ManifestWriter> writer_;
};

TEST_F(ManifestWriterTest, CreatedThenUnchangedThenConfigured) {
  Open();
  ApplyReport report = MustApply({{"stack.yaml", WidgetYaml("web", "v1")}});
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report.objects.size(), 1u);
  EXPECT_EQ(report.objects[0].key, WidgetKey("web"));
  EXPECT_EQ(report.objects[0].outcome, ApplyOutcome::kCreated);
  const std::string file = M("default/widget-web.yaml");
  EXPECT_EQ(report.objects[0].file, file);
  EXPECT_EQ(ReadAll(file), Rendered(WidgetYaml("web", "v1")));
  // The store was updated before Apply returned.
  EXPECT_EQ(Image("web"), "v1");
  EXPECT_EQ(source_->FileOf(WidgetKey("web")), file);

  struct stat before;
  ASSERT_EQ(::stat(file.c_str(), &before), 0);
  report = MustApply({{"stack.yaml", WidgetYaml("web", "v1")}});
  EXPECT_EQ(report.objects.at(0).outcome, ApplyOutcome::kUnchanged);
  struct stat after;
  ASSERT_EQ(::stat(file.c_str(), &after), 0);
  EXPECT_EQ(after.st_ino, before.st_ino);  // not rewritten

  report = MustApply({{"stack.yaml", WidgetYaml("web", "v2")}});
  EXPECT_EQ(report.objects.at(0).outcome, ApplyOutcome::kConfigured);
  EXPECT_EQ(Image("web"), "v2");
  EXPECT_EQ(store_.Get(WidgetKey("web"))->metadata.generation, 2);
  // New files are 0600 in 0700 directories (nobody else may write what nxtd applies).
  EXPECT_EQ((after.st_mode & 0777), 0600u);
  struct stat dir;
  ASSERT_EQ(::stat(M("default").c_str(), &dir), 0);
  EXPECT_EQ((dir.st_mode & 0777), 0700u);
}

TEST_F(ManifestWriterTest, RewriteKeepsTheModeButNeverGroupOrWorldWrite) {
  Open();
  ASSERT_TRUE(MustApply({{"stack.yaml", WidgetYaml("web", "v1")}}).ok());
  const std::string file = M("default/widget-web.yaml");
  ASSERT_EQ(::chmod(file.c_str(), 0644), 0);
  ASSERT_TRUE(MustApply({{"stack.yaml", WidgetYaml("web", "v2")}}).ok());
  struct stat st;
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ((st.st_mode & 0777), 0644u);
}

TEST_F(ManifestWriterTest, RewriteKeepsTheOtherDocumentsByteForByte) {
  const std::string first =
      "# the database\nkind: Widget\napiVersion: nxt.io/v1alpha1\n"
      "metadata:   {name: db}\nspec:\n    image:   'mariadb'   # pinned\n";
  const std::string last =
      "\n# trailing comment\napiVersion: nxt.io/v1alpha1\nkind: Widget\n"
      "metadata:\n  name: cache\nspec: {image: redis}\n";
  const std::string original = "---\n" + first + "---\n" + WidgetYaml("web", "v1") + "---\n" + last;
  { std::ofstream(M("stack.yaml"), std::ios::binary) << original; }
  ::chmod(M("stack.yaml").c_str(), 0640);
  Open();
  ASSERT_EQ(Image("db"), "mariadb");

  ApplyReport report = MustApply({{"mine.yaml", WidgetYaml("web", "v2")}});
  EXPECT_EQ(report.objects.at(0).outcome, ApplyOutcome::kConfigured);
  EXPECT_EQ(report.objects.at(0).file, M("stack.yaml"));
  EXPECT_EQ(ReadAll(M("stack.yaml")),
            "---\n" + first + "---\n" + Rendered(WidgetYaml("web", "v2")) + "---\n" + last);
  EXPECT_EQ(Image("web"), "v2");
  EXPECT_EQ(store_.Get(WidgetKey("db"))->metadata.generation, 1);
  struct stat st;
  ASSERT_EQ(::stat(M("stack.yaml").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  EXPECT_FALSE(fs::exists(M("default")));
}

TEST_F(ManifestWriterTest, AnyErrorWritesNothingAndReportsUserFilePositions) {
  Open();
  const std::vector<std::string> before = Tree(Manifests());
  absl::StatusOr<ApplyReport> report =
      writer_->Apply({{"good.yaml", WidgetYaml("a", "v1")},
                      {"bad.yaml", "# header\n" + WidgetYaml("b", "v1", -2)}},
                     /*dry_run=*/false);
  ASSERT_THAT(report, IsOk());
  EXPECT_FALSE(report->ok());
  EXPECT_TRUE(report->objects.empty());
  ASSERT_EQ(report->errors.size(), 1u);
  EXPECT_THAT(report->errors[0].ToString(), HasSubstr("bad.yaml:8:3: spec.replicas"));
  EXPECT_EQ(Tree(Manifests()), before);
  EXPECT_EQ(store_.Get(WidgetKey("a")), nullptr);
}

TEST_F(ManifestWriterTest, AnObjectThatWouldRenderPastTheFileLimitIsRefused) {
  Open();
  // 300 KB in the file, 1.5 MB with the aliases spelled out as nxtd would write them.
  const std::string big = std::string(300 * 1024, 'x');
  const std::string yaml = absl::StrCat(
      "apiVersion: nxt.io/v1alpha1\nkind: Widget\nmetadata:\n  name: big\n  annotations:\n",
      "    a: &big ", big, "\n    b: *big\n    c: *big\n    d: *big\n    e: *big\n",
      "spec:\n  image: v1\n  replicas: 1\n");
  const std::vector<std::string> before = Tree(Manifests());
  for (bool dry_run : {true, false}) {
    absl::StatusOr<ApplyReport> report = writer_->Apply({{"big.yaml", yaml}}, dry_run);
    ASSERT_THAT(report, IsOk());
    ASSERT_EQ(report->errors.size(), 1u) << dry_run;
    EXPECT_THAT(report->errors[0].ToString(),
                HasSubstr("big.yaml:1:1: the manifest nxtd would write for default/big is"));
    EXPECT_THAT(report->errors[0].ToString(), HasSubstr("write it without aliases"));
  }
  EXPECT_EQ(Tree(Manifests()), before);
  EXPECT_EQ(store_.Get(WidgetKey("big")), nullptr);
}

TEST_F(ManifestWriterTest, SemanticChecksRunAgainstTheStore) {
  Open();
  MustApply({{"s.yaml", WidgetYaml("a", "v1", 1, "  zone: eu\n")}});
  const std::vector<std::string> before = Tree(Manifests());
  ApplyReport report = MustApply({{"s.yaml", WidgetYaml("a", "v1", 1, "  zone: us\n")}});
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_THAT(report.errors[0].ToString(), HasSubstr("s.yaml:8:"));
  EXPECT_THAT(report.errors[0].ToString(), HasSubstr("spec.zone: field is immutable"));
  EXPECT_EQ(Tree(Manifests()), before);
}

TEST_F(ManifestWriterTest, DuplicatesAcrossInputFilesAreErrors) {
  Open();
  ApplyReport report =
      MustApply({{"one.yaml", WidgetYaml("a", "v1")}, {"two.yaml", WidgetYaml("a", "v2")}});
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_EQ(report.errors[0].ToString(),
            "two.yaml:1:1: duplicate Widget default/a: also defined at one.yaml:1:1");
}

TEST_F(ManifestWriterTest, DryRunReportsOutcomesAndWritesNothing) {
  Open();
  MustApply({{"s.yaml", WidgetYaml("a", "v1")}});
  const std::vector<std::string> before = Tree(Manifests());
  absl::StatusOr<ApplyReport> plan =
      writer_->Plan({{"s.yaml", WidgetYaml("a", "v2") + "---\n" + WidgetYaml("b", "v1")}});
  ASSERT_THAT(plan, IsOk());
  ASSERT_EQ(plan->objects.size(), 2u);
  EXPECT_EQ(plan->objects[0].outcome, ApplyOutcome::kConfigured);
  EXPECT_EQ(plan->objects[1].outcome, ApplyOutcome::kCreated);
  EXPECT_EQ(Tree(Manifests()), before);
  EXPECT_EQ(Image("a"), "v1");
  EXPECT_EQ(store_.Get(WidgetKey("b")), nullptr);
}

TEST_F(ManifestWriterTest, ApplyingOverABrokenDocumentFixesIt) {
  { std::ofstream(M("a.yaml")) << WidgetYaml("a", "v1"); }
  Open();
  { std::ofstream(M("a.yaml")) << WidgetYaml("a", "v1", -1); }
  source_->Rescan({"a.yaml"});
  ASSERT_FALSE(store_.ManifestErrors(WidgetKey("a")).empty());
  ApplyReport report = MustApply({{"fix.yaml", WidgetYaml("a", "v1")}});
  EXPECT_EQ(report.objects.at(0).outcome, ApplyOutcome::kConfigured);
  EXPECT_TRUE(store_.ManifestErrors(WidgetKey("a")).empty());
  EXPECT_EQ(ReadAll(M("a.yaml")), Rendered(WidgetYaml("a", "v1")));
}

TEST_F(ManifestWriterTest, NewObjectsGoToTheirNamespaceDirectory) {
  Open();
  const std::string yaml =
      "apiVersion: nxt.io/v1alpha1\nkind: Widget\nmetadata:\n  name: api\n"
      "  namespace: prod\nspec:\n  image: v1\n";
  ApplyReport report = MustApply({{"-", yaml}});
  ASSERT_EQ(report.objects.size(), 1u);
  EXPECT_EQ(report.objects[0].file, M("prod/widget-api.yaml"));
  EXPECT_TRUE(fs::exists(M("prod/widget-api.yaml")));
  EXPECT_NE(store_.Get({"Widget", "prod", "api"}), nullptr);
}

TEST_F(ManifestWriterTest, AFileThatCannotBeReadIsNeverRewritten) {
  { std::ofstream(M("a.yaml")) << WidgetYaml("a", "v1"); }
  Open();
  { std::ofstream(M("a.yaml")) << WidgetYaml("a", "v1") << "---\nkind: [\n"; }
  source_->Rescan({"a.yaml"});
  const std::vector<std::string> before = Tree(Manifests());
  EXPECT_THAT(writer_->Apply({{"x.yaml", WidgetYaml("a", "v2")}}, false),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("fix it first")));
  EXPECT_THAT(writer_->Delete({WidgetKey("a")}), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(Tree(Manifests()), before);
  EXPECT_EQ(Image("a"), "v1");
}

TEST_F(ManifestWriterTest, DeleteRemovesTheDocumentOrTheWholeFile) {
  const std::string keep = "# keep me\n" + WidgetYaml("a", "v1");
  {
    std::ofstream(M("multi.yaml")) << keep << "---\n" << WidgetYaml("b", "v1");
    std::ofstream(M("single.yaml")) << WidgetYaml("c", "v1");
  }
  Open();
  absl::StatusOr<std::vector<std::string>> changed =
      writer_->Delete({WidgetKey("b"), WidgetKey("c")});
  ASSERT_THAT(changed, IsOk());
  EXPECT_THAT(*changed, ElementsAre(M("multi.yaml"), M("single.yaml")));
  EXPECT_EQ(ReadAll(M("multi.yaml")), keep);
  EXPECT_FALSE(fs::exists(M("single.yaml")));
  EXPECT_NE(store_.Get(WidgetKey("b"))->metadata.deletion_timestamp, absl::InfinitePast());
  EXPECT_NE(store_.Get(WidgetKey("c"))->metadata.deletion_timestamp, absl::InfinitePast());
  EXPECT_EQ(store_.Get(WidgetKey("a"))->metadata.deletion_timestamp, absl::InfinitePast());

  const std::vector<std::string> before = Tree(Manifests());
  EXPECT_THAT(writer_->Delete({WidgetKey("a"), WidgetKey("nope")}),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("Widget/default/nope")));
  EXPECT_EQ(Tree(Manifests()), before);
}

}  // namespace
}  // namespace nxt::reconciler
