#include "resources/manifest_reader.h"

#include <boost/json.hpp>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "resources/containerset.h"
#include "tests/resources/testdata.h"
#include "tests/testing/temp_dir.h"

namespace nxt::resources {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

const KindRegistry& Kinds() {
  static const std::shared_ptr<const KindRegistry> kKinds = *KindRegistry::Builtin();
  return *kKinds;
}

constexpr char kTwoDocs[] = R"(# leading comment
apiVersion: nxt.io/v1alpha1
kind: ContainerSet
metadata:
  name: web
spec:
  image: busybox
  ports:
    - containerPort: 80
---
apiVersion: nxt.io/v1alpha1
kind: ContainerSet
metadata:
  name: db
  namespace: data
spec:
  image: busybox
  replicas: -1
)";

TEST(ParseManifestTest, ValidObjectIsDefaultedAndPositioned) {
  ParseResult r = ParseManifest(Kinds(), "s.yaml", kTwoDocs);
  ASSERT_THAT(r.objects, SizeIs(1));
  const Object& web = r.objects[0];
  EXPECT_EQ(web.Key(), (ObjectKey{"ContainerSet", "default", "web"}));
  EXPECT_EQ(web.source.ToString(), "s.yaml:2:1");
  EXPECT_EQ(web.PositionOf("spec.ports[0].containerPort").ToString(), "s.yaml:9:7");
  EXPECT_EQ(web.PositionOf("spec.replicas").ToString(), "s.yaml:6:1") << "defaulted: parent";
  EXPECT_EQ(web.spec.at("replicas"), 1);
  EXPECT_EQ(web.spec.at("ports").at(0).at("hostIP"), "127.0.0.1");
  EXPECT_EQ(web.spec.at("deletionPolicy"), "Retain");
}

TEST(ParseManifestTest, InvalidDocumentKeepsItsKeyAndAbsolutePositions) {
  ParseResult r = ParseManifest(Kinds(), "s.yaml", kTwoDocs);
  ASSERT_THAT(r.invalid, SizeIs(1));
  EXPECT_EQ(r.invalid[0].key, (ObjectKey{"ContainerSet", "data", "db"}));
  EXPECT_THAT(r.invalid[0].errors,
              ElementsAre(FieldError{{"s.yaml", 18, 3},
                                     "spec.replicas",
                                     "Invalid value: -1: must be greater than or equal to 0"}));
  EXPECT_FALSE(r.ok());
}

TEST(ParseManifestTest, KeepsEveryDocumentsRawText) {
  ParseResult r = ParseManifest(Kinds(), "s.yaml", kTwoDocs);
  ASSERT_THAT(r.documents, SizeIs(2));
  EXPECT_EQ(r.documents[0].key, (ObjectKey{"ContainerSet", "default", "web"}));
  EXPECT_EQ(r.documents[1].key, (ObjectKey{"ContainerSet", "data", "db"}));
  EXPECT_EQ(r.documents[0].text + "---\n" + r.documents[1].text, kTwoDocs);
}

TEST(ParseManifestTest, EmptyFileHasNothing) {
  ParseResult r = ParseManifest(Kinds(), "e.yaml", "# nothing here\n---\n");
  EXPECT_TRUE(r.ok());
  EXPECT_THAT(r.objects, IsEmpty());
}

TEST(ParseManifestTest, ManyDocumentsAllReported) {
  std::string content;
  for (int i = 0; i < 50; ++i) {
    content += "apiVersion: nxt.io/v1alpha1\nkind: ContainerSet\nmetadata:\n  name: w" +
               std::to_string(i) +
               "\nspec:\n  image: busybox\n  replicas: " + (i % 2 == 0 ? "1" : "x") + "\n---\n";
  }
  ParseResult r = ParseManifest(Kinds(), "m.yaml", content);
  EXPECT_THAT(r.objects, SizeIs(25));
  EXPECT_THAT(r.invalid, SizeIs(25));
  EXPECT_EQ(r.invalid[0].errors[0].position.line, 15);
}

Object SampleObject() {
  Object o;
  o.kind = "ContainerSet";
  o.metadata.name = "web";
  o.metadata.namespace_ = "prod";
  o.metadata.labels = {{"app", "web"}, {"app.kubernetes.io/part-of", "shop"}};
  o.metadata.annotations = {{"note", "true"}};
  o.spec = boost::json::parse(R"({"image": "busybox", "replicas": 1,
      "command": ["sh", "-c", "echo 'hi' \"there\": #1"], "args": ["123", "true", "null", ""],
      "env": {"NUM": "8080", "EMPTY": "", "MULTI": "line1\nline2", "YES": "yes"},
      "ports": [{"containerPort": 80, "hostIP": "::1", "hostPort": 8080}],
      "volumes": [{"name": "data", "mountPath": "/data", "readOnly": true}],
      "networks": [], "healthcheck": {"command": ["true"], "interval": "1m30s"},
      "resources": {"memory": "1.5Gi", "cpus": "0.5"}, "suspend": false})")
               .as_object();
  return o;
}

TEST(ToManifestYamlTest, RoundTripsThroughParseManifest) {
  Object original = SampleObject();
  std::string yaml = ToManifestYaml(original);
  EXPECT_EQ(yaml.rfind("apiVersion: nxt.io/v1alpha1\nkind: ContainerSet\nmetadata:\n", 0), 0u)
      << yaml;
  ParseResult r = ParseManifest(Kinds(), "rt.yaml", yaml);
  ASSERT_TRUE(r.ok()) << JoinErrors(r.AllErrors()) << "\n" << yaml;
  ASSERT_THAT(r.objects, SizeIs(1));
  const Object& back = r.objects[0];
  EXPECT_EQ(back.Key(), original.Key());
  EXPECT_EQ(back.metadata.labels, original.metadata.labels);
  EXPECT_EQ(back.metadata.annotations, original.metadata.annotations);
  // Parsing applies the CRD's defaults: decoded, the original with them is the same spec.
  Object defaulted = original;
  Kinds().ApplyDefaults(defaulted);
  EXPECT_EQ(back.spec, defaulted.spec);
  absl::StatusOr<ContainerSetSpec> a = DecodeContainerSetSpec(defaulted.spec);
  absl::StatusOr<ContainerSetSpec> b = DecodeContainerSetSpec(back.spec);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->command, b->command);
  EXPECT_EQ(a->args, b->args);
  EXPECT_EQ(a->env, b->env);
  EXPECT_EQ(a->ports, b->ports);
  EXPECT_EQ(a->volumes, b->volumes);
  EXPECT_EQ(a->healthcheck, b->healthcheck);
  EXPECT_EQ(a->memory_bytes, b->memory_bytes);
  // Once defaulted, rendering and parsing again is a fixed point.
  ParseResult again = ParseManifest(Kinds(), "rt2.yaml", ToManifestYaml(back));
  ASSERT_THAT(again.objects, SizeIs(1));
  EXPECT_EQ(again.objects[0].spec, back.spec);
  for (const auto& [key, value] : original.spec) {
    if (key != "ports" && key != "healthcheck") {  // these two gained defaults
      EXPECT_EQ(back.spec.at(key), value) << key;
    }
  }
}

TEST(ReadManifestFileTest, ReadsRefusesOversizeAndNonFiles) {
  nxt::testing::TempDir dir;
  dir.Write("a.yaml", kTwoDocs);
  ParseResult r = ReadManifestFile(Kinds(), dir.Join("a.yaml"));
  EXPECT_THAT(r.objects, SizeIs(1));
  EXPECT_EQ(r.objects[0].source.file, dir.Join("a.yaml"));
  ParseResult big = ReadManifestFile(Kinds(), dir.Join("a.yaml"), 10);
  EXPECT_THAT(big.file_errors,
              ElementsAre(::testing::Field(&FieldError::message, HasSubstr("file too large"))));
  EXPECT_THAT(big.objects, IsEmpty());
  EXPECT_THAT(ReadManifestFile(Kinds(), dir.path()).file_errors, SizeIs(1));
  EXPECT_THAT(ReadManifestFile(Kinds(), dir.Join("missing.yaml")).file_errors, SizeIs(1));
}

// `nxtctl get -o yaml` shows secrets as the placeholder; applying that output back must
// not store it. Any string of metadata or spec counts (a number under a secret-looking
// name is shown as the placeholder too); status is never read from a manifest.
TEST(ParseManifestTest, RefusesTheRedactionPlaceholderWithItsPath) {
  constexpr char kReadBack[] = R"(apiVersion: nxt.io/v1alpha1
kind: ContainerSet
metadata:
  name: web
  annotations: {example.com/token: <redacted>}
spec:
  image: busybox
  replicas: "<redacted>"
  env:
    MODE: prod
    DB_PASSWORD: <redacted>
status:
  apiKey: <redacted>
)";
  ParseResult r = ParseManifest(Kinds(), "web.yaml", kReadBack);
  EXPECT_THAT(r.objects, IsEmpty());
  ASSERT_THAT(r.invalid, SizeIs(1));
  EXPECT_EQ(r.invalid[0].key, (ObjectKey{"ContainerSet", "default", "web"}));
  std::vector<std::string> lines;
  for (const FieldError& e : r.AllErrors()) {
    lines.push_back(e.ToString());
  }
  const std::string why =
      R"(Invalid value: "<redacted>" is the placeholder get and describe show in place of a )"
      "secret, not a value: write the real value";
  EXPECT_THAT(lines, ElementsAre("web.yaml:5:17: metadata.annotations[example.com/token]: " + why,
                                 "web.yaml:8:3: spec.replicas: " + why,
                                 "web.yaml:11:5: spec.env.DB_PASSWORD: " + why));
}

TEST(ParseManifestTest, AcceptsThePlaceholderTextInsideALongerValue) {
  ParseResult r = ParseManifest(Kinds(), "web.yaml", R"(apiVersion: nxt.io/v1alpha1
kind: ContainerSet
metadata: {name: web}
spec: {image: busybox, env: {NOTE: "shown as <redacted> by get"}}
)");
  EXPECT_TRUE(r.ok()) << JoinErrors(r.AllErrors());
}

TEST(IsManifestFileNameTest, Table) {
  for (const char* yes : {"a.yaml", "stack.yml", "dir/x.yaml", "/etc/nxt/manifests/db.yaml"}) {
    EXPECT_TRUE(IsManifestFileName(yes)) << yes;
  }
  for (const char* no : {".hidden.yaml", "a.yaml~", "a.yaml.swp", ".a.yaml.swp", "#a.yaml#",
                         "a.json", "yaml", ".yaml", "a.yaml.tmp", "dir/.x.yaml", "4913"}) {
    EXPECT_FALSE(IsManifestFileName(no)) << no;
  }
}

}  // namespace
}  // namespace nxt::resources
