// ManifestWriterBackend over the real ManifestWriter and ManifestSource (a temp directory).
#include "reconciler/api/manifest_writer_backend.h"

#include <filesystem>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reconciler/manifest_source.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/fake_store.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace nxt::reconciler::api {
namespace {

using ::nxt::testing::IsOk;
using ::testing::HasSubstr;

constexpr char kWeb[] = R"(apiVersion: nxt.io/v1alpha1
kind: ContainerSet
metadata:
  name: web
spec:
  image: nginx:1.27
)";

class ManifestWriterBackendTest : public ::testing::Test {
 protected:
  ManifestWriterBackendTest()
      : kinds_(*resources::KindRegistry::Builtin()),
        store_(clock_),
        source_(*kinds_, store_, clock_, {.dir = dir_.path()}),
        writer_(*kinds_, store_, source_),
        backend_(writer_) {}

  void SetUp() override { ASSERT_THAT(source_.Open(), IsOk()); }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::shared_ptr<const resources::KindRegistry> kinds_;
  testing::FakeStore store_;
  ManifestSource source_;
  ManifestWriter writer_;
  ManifestWriterBackend backend_;
};

TEST_F(ManifestWriterBackendTest, AppliesIntoTheDirectoryAndDeletes) {
  absl::StatusOr<ApplyReply> dry = backend_.Apply({{"web.yaml", kWeb}}, /*dry_run=*/true);
  ASSERT_THAT(dry, IsOk());
  ASSERT_EQ(dry->results.size(), 1u);
  EXPECT_EQ(dry->results[0].outcome, ApplyOutcome::kCreated);
  EXPECT_EQ(store_.List("").size(), 0u);

  absl::StatusOr<ApplyReply> applied = backend_.Apply({{"web.yaml", kWeb}}, false);
  ASSERT_THAT(applied, IsOk());
  EXPECT_EQ(applied->results[0].key, (resources::ObjectKey{"ContainerSet", "default", "web"}));
  EXPECT_NE(store_.Get({"ContainerSet", "default", "web"}), nullptr);

  absl::StatusOr<std::vector<DeleteResult>> deleted =
      backend_.Delete({{"ContainerSet", "default", "web"}, {"ContainerSet", "default", "ghost"}});
  ASSERT_THAT(deleted, IsOk());
  ASSERT_EQ(deleted->size(), 2u);
  EXPECT_TRUE((*deleted)[0].deleted);
  EXPECT_FALSE((*deleted)[1].deleted);
}

TEST_F(ManifestWriterBackendTest, InvalidManifestComesBackAsFieldErrors) {
  std::string bad = std::string(kWeb) + "  replicas: -1\n";
  absl::StatusOr<ApplyReply> reply = backend_.Apply({{"bad.yaml", bad}}, false);
  ASSERT_THAT(reply, IsOk());
  EXPECT_TRUE(reply->results.empty());
  ASSERT_FALSE(reply->errors.empty());
  EXPECT_THAT(reply->errors[0].ToString(), HasSubstr("bad.yaml:7:"));
  EXPECT_TRUE(std::filesystem::is_empty(dir_.path()));
}

}  // namespace
}  // namespace nxt::reconciler::api
