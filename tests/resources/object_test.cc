#include "resources/object.h"

#include <boost/json.hpp>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "resources/field_error.h"

namespace nxt::resources {
namespace {

using ::testing::ElementsAre;

TEST(ObjectKeyTest, StringFormRoundTrips) {
  ObjectKey key{"ContainerSet", "default", "web"};
  EXPECT_EQ(key.ToString(), "ContainerSet/default/web");
  EXPECT_EQ(key.NamespacedName(), "default/web");
  EXPECT_EQ(ParseObjectKey(key.ToString()), key);
  for (const char* bad : {"", "ContainerSet/web", "a/b/c/d", "ContainerSet//web", "/a/b"}) {
    EXPECT_FALSE(ParseObjectKey(bad).has_value()) << bad;
  }
}

TEST(SourcePositionTest, Formats) {
  EXPECT_EQ((SourcePosition{"a.yaml", 12, 3}).ToString(), "a.yaml:12:3");
  EXPECT_EQ((SourcePosition{"a.yaml", 0, 0}).ToString(), "a.yaml");
  EXPECT_EQ((SourcePosition{"", 4, 1}).ToString(), "4:1");
}

TEST(FieldErrorTest, LeavesEmptyPartsOut) {
  EXPECT_EQ((FieldError{{"s.yaml", 12, 3}, "spec.replicas", "must be >= 0"}).ToString(),
            "s.yaml:12:3: spec.replicas: must be >= 0");
  EXPECT_EQ((FieldError{{"s.yaml", 0, 0}, "", "too large"}).ToString(), "s.yaml: too large");
  EXPECT_EQ((FieldError{{}, "spec", "bad"}).ToString(), "spec: bad");
  std::vector<FieldError> errors = {{{"a", 1, 1}, "x", "one"}, {{"a", 2, 1}, "y", "two"}};
  EXPECT_EQ(JoinErrors(errors), "a:1:1: x: one\na:2:1: y: two");
  EXPECT_EQ(ToStatus(errors).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(ToStatus({}).ok());
}

TEST(ObjectTest, PositionOfFallsBackToClosestParent) {
  Object o;
  o.source = {"f.yaml", 1, 1};
  o.field_positions["spec"] = {"f.yaml", 5, 1};
  o.field_positions["spec.ports[0]"] = {"f.yaml", 7, 7};
  o.field_positions["metadata.labels[app.kubernetes.io/name]"] = {"f.yaml", 3, 5};
  EXPECT_EQ(o.PositionOf("spec.ports[0].hostPort").line, 7);
  EXPECT_EQ(o.PositionOf("spec.image").line, 5);
  EXPECT_EQ(o.PositionOf("metadata.labels[app.kubernetes.io/name]").line, 3);
  EXPECT_EQ(o.PositionOf("metadata.name").line, 1);
  EXPECT_EQ(o.PositionOf("").line, 1);
}

TEST(ObjectTest, ToJsonHasKubernetesShape) {
  Object o;
  o.kind = "ContainerSet";
  o.metadata.name = "web";
  o.metadata.labels["app"] = "web";
  o.metadata.generation = 2;
  o.metadata.uid = "abc";
  o.metadata.creation_timestamp = absl::FromUnixSeconds(1795313635);
  o.spec["image"] = "busybox";
  EXPECT_EQ(boost::json::serialize(ToJson(o)),
            R"({"apiVersion":"nxt.io/v1alpha1","kind":"ContainerSet","metadata":{"name":"web",)"
            R"("namespace":"default","labels":{"app":"web"},"generation":2,"uid":"abc",)"
            R"("creationTimestamp":"2026-11-22T02:13:55Z"},"spec":{"image":"busybox"}})");
}

TEST(ObjectStatusTest, JsonRoundTrip) {
  ObjectStatus status;
  status.observed_generation = 3;
  status.conditions.push_back(
      {"Ready", "True", "AllReplicasReady", "3/3 ready", absl::FromUnixSeconds(1795313635)});
  status.conditions.push_back({"Stalled", "False", "", "", absl::InfinitePast()});
  status.fields["readyReplicas"] = 3;
  status.fields["ready"] = "3/3";
  boost::json::object json = ToJson(status);
  EXPECT_EQ(json.at("conditions").at(0).at("lastTransitionTime"), "2026-11-22T02:13:55Z");
  ObjectStatus back = StatusFromJson(json);
  EXPECT_EQ(back.observed_generation, 3);
  EXPECT_EQ(back.conditions, status.conditions);
  EXPECT_EQ(back.fields, status.fields);
}

TEST(ObjectStatusTest, SetConditionKeepsTransitionTimeWhileStatusUnchanged) {
  ObjectStatus status;
  absl::Time t1 = absl::FromUnixSeconds(1000);
  absl::Time t2 = absl::FromUnixSeconds(2000);
  status.SetCondition({"Ready", "False", "Creating", "0/1", t1});
  status.SetCondition({"Ready", "False", "Creating", "0/1 still", t2});
  ASSERT_NE(status.FindCondition("Ready"), nullptr);
  EXPECT_EQ(status.FindCondition("Ready")->last_transition_time, t1);
  EXPECT_EQ(status.FindCondition("Ready")->message, "0/1 still");
  status.SetCondition({"Ready", "True", "Ready", "1/1", t2});
  EXPECT_EQ(status.FindCondition("Ready")->last_transition_time, t2);
  status.SetCondition({"Stalled", "False", "", "", t2});
  EXPECT_EQ(status.conditions.size(), 2u);
  EXPECT_EQ(status.FindCondition("Reconciling"), nullptr);
}

TEST(TimestampTest, FormatsAndParsesRfc3339) {
  absl::Time t = absl::FromUnixSeconds(1795313635);
  EXPECT_EQ(FormatTimestamp(t), "2026-11-22T02:13:55Z");
  EXPECT_EQ(ParseTimestamp("2026-11-22T02:13:55Z"), t);
  EXPECT_EQ(ParseTimestamp("2026-11-22T03:13:55+01:00"), t);
  EXPECT_EQ(FormatTimestamp(absl::InfinitePast()), "");
  EXPECT_EQ(ParseTimestamp(""), absl::InfinitePast());
  EXPECT_EQ(ParseTimestamp("yesterday"), absl::InfinitePast());
}

}  // namespace
}  // namespace nxt::resources
