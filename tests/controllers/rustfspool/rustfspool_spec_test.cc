// RustFSPool manifests: decode with defaults, the rules alone, and the immutable topology
// against the running object (as nxtd checks an edited manifest: CheckAgainstStored),
// with file:line:col and the field path.
#include <boost/json.hpp>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "resources/kind_registry.h"
#include "resources/manifest_reader.h"
#include "resources/rustfspool.h"
#include "tests/testing/manifest_checks.h"
#include "tests/testing/status_matchers.h"

namespace nxt::resources {
namespace {

using ::nxt::testing::IsOk;
using ::nxt::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// A pool manifest; `extra` is appended under spec (indented by 2).
std::string Manifest(int nodes, int drives, const std::string& extra = "") {
  return "apiVersion: nxt.io/v1alpha1\nkind: RustFSPool\nmetadata:\n  name: s3\nspec:\n"
         "  nodes: " +
         std::to_string(nodes) + "\n  drivesPerNode: " + std::to_string(drives) + "\n" + extra;
}

TEST(RustFSPoolSpecTest, DefaultsAndDecoding) {
  ParseResult r = ParseManifest(nxt::testing::BuiltinKinds(), "s3.yaml",
                                "apiVersion: nxt.io/v1alpha1\nkind: RustFSPool\nmetadata:\n"
                                "  name: s3\nspec:\n  nodes: 4\n");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(nxt::testing::ErrorsOf(r));
  absl::StatusOr<RustFSPoolSpec> spec = DecodeRustFSPoolSpec(r.objects[0].spec);
  ASSERT_THAT(spec, IsOk());
  EXPECT_EQ(spec->nodes, 4);
  EXPECT_EQ(spec->drives_per_node, 1);
  EXPECT_EQ(spec->TotalDrives(), 4);
  EXPECT_EQ(spec->image, "rustfs/rustfs:1.0.0-beta.6");
  EXPECT_EQ(spec->drive_host_paths, std::vector<std::string>{""}) << "named volumes by default";
  EXPECT_FALSE(spec->console_enabled);
  EXPECT_EQ(spec->console_port, 9001);
  EXPECT_THAT(spec->buckets, IsEmpty());
  EXPECT_EQ(spec->deletion_policy, DeletionPolicy::kRetain);
  EXPECT_FALSE(spec->suspend);
  EXPECT_NE(nxt::testing::BuiltinKinds().Find("rustfs"), nullptr) << "short name";
  EXPECT_NE(nxt::testing::BuiltinKinds().Find("rustfspools"), nullptr);
}

TEST(RustFSPoolSpecTest, DecodesEveryField) {
  ParseResult r = ParseManifest(
      nxt::testing::BuiltinKinds(), "s3.yaml",
      Manifest(4, 2,
               "  drives:\n    - hostPath: /srv/nxt/d0\n    - {}\n"
               "  console: {enabled: true, port: 9101}\n"
               "  buckets:\n    - {name: nextcloud, versioning: true}\n    - {name: logs}\n"
               "  resources: {memory: 1Gi, cpus: 500m}\n  deletionPolicy: Delete\n"
               "  suspend: true\n"));
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(nxt::testing::ErrorsOf(r));
  absl::StatusOr<RustFSPoolSpec> spec = DecodeRustFSPoolSpec(r.objects[0].spec);
  ASSERT_THAT(spec, IsOk());
  EXPECT_EQ(spec->drive_host_paths, (std::vector<std::string>{"/srv/nxt/d0", ""}));
  EXPECT_TRUE(spec->console_enabled);
  EXPECT_EQ(spec->console_port, 9101);
  EXPECT_EQ(spec->buckets, (std::vector<RustFSBucketSpec>{{"nextcloud", true}, {"logs", false}}));
  EXPECT_EQ(spec->memory_bytes, int64_t{1} << 30);
  EXPECT_EQ(spec->nano_cpus, 500'000'000);
  EXPECT_EQ(spec->deletion_policy, DeletionPolicy::kDelete);
  EXPECT_TRUE(spec->suspend);
}

TEST(RustFSPoolSpecTest, NodeCountsRustFSAccepts) {
  struct Case {
    int nodes;
    int drives;
    bool valid;
  };
  for (const Case& c : std::vector<Case>{{1, 1, true},
                                         {1, 4, true},
                                         {4, 1, true},
                                         {4, 2, true},
                                         {5, 3, true},
                                         {16, 16, true},
                                         {2, 2, false},
                                         {3, 1, false},
                                         {17, 1, false},
                                         {4, 17, false},
                                         {0, 1, false}}) {
    ParseResult r =
        ParseManifest(nxt::testing::BuiltinKinds(), "s3.yaml", Manifest(c.nodes, c.drives));
    EXPECT_EQ(r.ok(), c.valid) << c.nodes << " x " << c.drives << ": "
                               << ::testing::PrintToString(nxt::testing::ErrorsOf(r));
  }
  EXPECT_THAT(nxt::testing::ErrorsOf(
                  ParseManifest(nxt::testing::BuiltinKinds(), "s3.yaml", Manifest(2, 1))),
              ElementsAre("s3.yaml:6:3: spec.nodes: Invalid value: 2: must be 1 (a single-node "
                          "pool) or at least 4 (RustFS needs at least 4 nodes for a distributed "
                          "pool)"));
}

TEST(RustFSPoolSpecTest, TopologyEditsAreRefusedWithThePathAndTheReason) {
  const std::string pool = Manifest(4, 2);
  EXPECT_THAT(nxt::testing::EditErrors("s3.yaml", pool, Manifest(6, 2)),
              ElementsAre(HasSubstr("s3.yaml:6:3: spec.nodes: Forbidden: cannot change from 4 "
                                    "to 6 while the pool exists: the topology of a RustFS pool "
                                    "(nodes, drivesPerNode, drive storage) is fixed")));
  EXPECT_THAT(nxt::testing::EditErrors("s3.yaml", pool, Manifest(4, 3)),
              ElementsAre(HasSubstr("s3.yaml:7:3: spec.drivesPerNode: Forbidden: cannot change "
                                    "from 2 to 3")));
  EXPECT_THAT(nxt::testing::EditErrors("s3.yaml", pool, Manifest(6, 4)), SizeIs(2))
      << "both fields are named";
  const std::string on_disk =
      Manifest(4, 2, "  drives:\n    - hostPath: /srv/nxt/a\n    - hostPath: /srv/nxt/b\n");
  EXPECT_THAT(
      nxt::testing::EditErrors("s3.yaml", pool, on_disk),
      ElementsAre(HasSubstr("s3.yaml:9:7: spec.drives[0].hostPath: drive 0: Forbidden: cannot "
                            "change from a named volume per node to host path \"/srv/nxt/a\""),
                  HasSubstr("s3.yaml:10:7: spec.drives[1].hostPath: drive 1: Forbidden")));
  EXPECT_THAT(
      nxt::testing::EditErrors("s3.yaml", on_disk,
                               Manifest(4, 2,
                                        "  drives:\n    - hostPath: /srv/nxt/a\n"
                                        "    - hostPath: /srv/nxt/c\n")),
      ElementsAre(HasSubstr("spec.drives[1].hostPath: drive 1: Forbidden: cannot change from "
                            "host path \"/srv/nxt/b\" to host path \"/srv/nxt/c\"")));
  EXPECT_THAT(nxt::testing::EditErrors("s3.yaml", on_disk, pool),
              ElementsAre(HasSubstr("s3.yaml:5:1: spec.drives: drive 0: Forbidden"),
                          HasSubstr("spec.drives: drive 1: Forbidden")))
      << "dropping spec.drives moves the drives to named volumes";
}

TEST(RustFSPoolSpecTest, EverythingButTheTopologyMayChange) {
  const std::string pool = Manifest(4, 2, "  drives:\n    - {}\n    - {}\n");
  EXPECT_THAT(nxt::testing::EditErrors("s3.yaml", pool, Manifest(4, 2)), IsEmpty())
      << "{} is a named volume, as before";
  EXPECT_THAT(
      nxt::testing::EditErrors("s3.yaml", pool,
                               Manifest(4, 2,
                                        "  image: rustfs/rustfs:1.0.0-beta.7\n"
                                        "  console: {enabled: true}\n"
                                        "  buckets: [{name: nextcloud, versioning: true}]\n"
                                        "  resources: {memory: 4Gi}\n  deletionPolicy: Delete\n"
                                        "  suspend: true\n")),
      IsEmpty());
}

TEST(RustFSPoolSpecTest, TheCheckAgainstTheRunningObjectUsesItsDefaults) {
  Object current;
  // Stored objects carry their CRD defaults: drivesPerNode left out is 1.
  current = nxt::testing::Defaulted([] {
    Object o;
    o.kind = kRustFSPoolKind;
    o.spec = {{"nodes", 4}};
    return o;
  }());
  Object desired;
  desired.spec = {{"nodes", 4}, {"drivesPerNode", 1}};
  EXPECT_THAT(CheckRustFSPool(desired, &current), IsEmpty());
  desired.spec["drivesPerNode"] = 2;
  std::vector<FieldError> errors = CheckRustFSPool(desired, &current);
  ASSERT_THAT(errors, SizeIs(1));
  EXPECT_EQ(errors[0].field_path, "spec.drivesPerNode");
  EXPECT_THAT(errors[0].message, HasSubstr("the running pool keeps its topology"));
  EXPECT_THAT(CheckRustFSPool(desired, nullptr), IsEmpty()) << "a new pool may have any topology";
}

TEST(RustFSPoolSpecTest, BucketNames) {
  for (const char* good : {"nextcloud", "abc", "a.b-c", "backups.2026", "x1-y2.z3"}) {
    EXPECT_EQ(BucketNameProblem(good), "") << good;
  }
  for (const char* bad : {"ab", "Nextcloud", "under_score", "-start", "end-", "a..b", "a.-b",
                          "10.0.0.1", "xn--abc", "data-s3alias", "x--ol-s3"}) {
    EXPECT_NE(BucketNameProblem(bad), "") << bad;
  }
  EXPECT_EQ(BucketNameProblem(std::string(64, 'a')), "must be 3 to 63 characters long");
}

TEST(RustFSPoolSpecTest, DecodeRefusesWhatTheSchemaCannotExpress) {
  boost::json::object spec{{"nodes", 4}, {"resources", {{"memory", "lots"}}}};
  EXPECT_THAT(DecodeRustFSPoolSpec(spec),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("spec.resources.memory")));
  // The drives' count is the check's rule alone, reported where the user wrote it.
  EXPECT_THAT(
      nxt::testing::ErrorsOf(ParseManifest(nxt::testing::BuiltinKinds(), "s3.yaml",
                                           Manifest(4, 2, "  drives:\n  - hostPath: /srv/a\n"))),
      ElementsAre(HasSubstr("s3.yaml:8:3: spec.drives: Invalid value: 1 entries")));
}

}  // namespace
}  // namespace nxt::resources
