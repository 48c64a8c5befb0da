#include "resources/kind_registry.h"

#include <boost/json.hpp>
#include <string>

#include "crd-schemas/embedded.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace nxt::resources {
namespace {

using ::nxt::testing::IsOk;
using ::nxt::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(KindRegistryTest, EmbeddedCrdsCompile) {
  ASSERT_FALSE(crd_schemas::EmbeddedCrds().empty());
  EXPECT_EQ(crd_schemas::EmbeddedCrds()[0].file_name, "containerset.yaml");
  absl::StatusOr<std::shared_ptr<const KindRegistry>> kinds = KindRegistry::Builtin();
  ASSERT_THAT(kinds, IsOk());
  EXPECT_EQ((*kinds)->kinds().size(), crd_schemas::EmbeddedCrds().size());
}

TEST(KindRegistryTest, FindsContainerSetByAnyName) {
  auto kinds = *KindRegistry::Builtin();
  for (const char* name : {"ContainerSet", "containerset", "containersets", "cs", "CS"}) {
    const KindInfo* info = kinds->Find(name);
    ASSERT_NE(info, nullptr) << name;
    EXPECT_EQ(info->kind, "ContainerSet");
  }
  EXPECT_EQ(kinds->Find("deployment"), nullptr);
  const KindInfo* info = kinds->Find("cs");
  EXPECT_TRUE(static_cast<bool>(info->check));
  std::vector<std::string> columns;
  for (const PrinterColumn& c : info->columns) {
    columns.push_back(c.name + " " + c.type + " " + c.json_path);
  }
  EXPECT_THAT(columns,
              ElementsAre("Ready string .status.ready",
                          "Up-To-Date integer .status.updatedReplicas", "Image string .spec.image",
                          "Status string .status.summary", "Age date .metadata.creationTimestamp"));
  EXPECT_EQ(info->columns[2].priority, 1);
}

TEST(KindRegistryTest, AddCheckRunsAfterTheKindsOwnCheck) {
  KindRegistry kinds = **KindRegistry::Builtin();
  Object bad;  // the built-in check refuses a negative replica count
  bad.kind = "ContainerSet";
  bad.metadata.name = "web";
  bad.spec = {{"image", "x"}, {"replicas", -1}, {"env", boost::json::object{{"1X", "y"}}}};
  const size_t own = kinds.Find("cs")->check(bad, nullptr).size();
  ASSERT_GT(own, 0u);
  kinds.AddCheck("ContainerSet", [](const Object& desired, const Object* current) {
    return std::vector<FieldError>{
        {{}, "spec.volumes[0].hostPath", desired.metadata.name + (current ? " again" : " new")}};
  });
  kinds.AddCheck("NoSuchKind", [](const Object&, const Object*) {
    ADD_FAILURE() << "never runs";
    return std::vector<FieldError>{};
  });
  std::vector<FieldError> errors = kinds.Find("cs")->check(bad, nullptr);
  ASSERT_EQ(errors.size(), own + 1);
  EXPECT_EQ(errors.back().field_path, "spec.volumes[0].hostPath");
  EXPECT_EQ(errors.back().message, "web new");
  EXPECT_EQ(kinds.Find("cs")->check(bad, &bad).back().message, "web again");
}

std::string Crd(const std::string& extra_spec_property) {
  return R"(apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.nxt.io
spec:
  group: nxt.io
  names: {kind: Widget, plural: widgets, singular: widget}
  scope: Namespaced
  versions:
    - name: v1alpha1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
)" + extra_spec_property;
}

TEST(KindRegistryTest, FromCrdsRejectsUnsupportedKeyword) {
  EXPECT_THAT(KindRegistry::FromCrds({Crd("                size: {type: integer}\n")}), IsOk());
  EXPECT_THAT(
      KindRegistry::FromCrds({Crd("                size: {anyOf: [{type: integer}]}\n")}),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("openAPIV3Schema.properties.spec.properties.size: unsupported keyword "
                         "\"anyOf\"")));
}

TEST(KindRegistryTest, FromCrdsRejectsOtherGroupsAndDuplicates) {
  std::string other = Crd("                size: {type: integer}\n");
  other.replace(other.find("group: nxt.io"), 13, "group: example.com");
  EXPECT_THAT(KindRegistry::FromCrds({other}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("example.com/v1alpha1")));
  std::string ok = Crd("                size: {type: integer}\n");
  EXPECT_THAT(KindRegistry::FromCrds({ok, ok}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("already used")));
  EXPECT_THAT(KindRegistry::FromCrds({"kind: [unclosed"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace nxt::resources
