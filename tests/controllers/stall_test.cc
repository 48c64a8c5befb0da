#include "controllers/common/stall.h"

#include <string>

#include "absl/status/status.h"
#include "common/logging.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reconciler/reconciler.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/fake_store.h"
#include "tests/testing/status_matchers.h"

namespace nxt::controllers {
namespace {

using ::nxt::testing::StatusIs;
using ::testing::HasSubstr;

resources::Object Manifested() {
  resources::Object o;
  o.kind = "RedisCluster";
  o.metadata.name = "cache";
  o.metadata.generation = 3;
  o.source = {"cache.yaml", 1, 1};
  o.field_positions["spec.nodes"] = {"cache.yaml", 7, 3};
  return o;
}

TEST(StalledStatusTest, KeepsWhatThePreviousStatusSaidAndSaysWhy) {
  resources::ObjectStatus previous;
  previous.fields["ready"] = "6/6";
  previous.SetCondition({resources::kConditionReady, "True", "Available", "", absl::Now()});
  resources::ObjectStatus st =
      StalledStatus(4, "InvalidSpec", "spec.nodes: Invalid value", absl::Now(), &previous);
  EXPECT_EQ(st.observed_generation, 4);
  EXPECT_EQ(st.fields.at("ready").as_string(), "6/6") << "the members run on as they were";
  EXPECT_EQ(st.fields.at("summary").as_string(), "InvalidSpec") << "one word for STATUS";
  EXPECT_EQ(st.FindCondition(resources::kConditionReady)->status, "True");
  const resources::Condition* stalled = st.FindCondition(resources::kConditionStalled);
  ASSERT_NE(stalled, nullptr);
  EXPECT_EQ(stalled->status, "True");
  EXPECT_EQ(stalled->reason, "InvalidSpec");
  EXPECT_EQ(stalled->message, "spec.nodes: Invalid value");
  EXPECT_EQ(st.FindCondition(resources::kConditionReconciling)->status, "False");
}

TEST(StalledStatusTest, WithoutAPreviousStatusTheObjectIsNotReady) {
  resources::ObjectStatus st = StalledStatus(1, "InvalidSpec", "x", absl::Now(), nullptr);
  EXPECT_EQ(st.FindCondition(resources::kConditionReady)->status, "False");
  EXPECT_EQ(st.FindCondition(resources::kConditionReady)->reason, "InvalidSpec");
}

TEST(LocatedMessageTest, PrefixesTheManifestPositionOfTheField) {
  const resources::Object o = Manifested();
  EXPECT_EQ(LocatedMessage(o, "spec.nodes: Forbidden: fixed"),
            "cache.yaml:7:3: spec.nodes: Forbidden: fixed");
  EXPECT_EQ(LocatedMessage(o, "docker create cache-1: HTTP 500"),
            "docker create cache-1: HTTP 500");
  resources::Object from_api = o;
  from_api.source = {};
  EXPECT_EQ(LocatedMessage(from_api, "spec.nodes: x"), "spec.nodes: x");
}

TEST(StallTest, WritesStatusAndWarningAndReturnsATerminalError) {
  SetLogLevel(LogLevel::kError);
  nxt::testing::FakeClock clock;
  nxt::testing::FakeStore store(clock);
  const resources::Object o = Manifested();
  store.Apply(o);
  absl::Status s = Stall(store, clock.Now(), o, "TopologyImmutable",
                         absl::FailedPreconditionError("spec.nodes: cannot change"), "rustfspool");
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kFailedPrecondition,
                          HasSubstr("rustfspool default/cache: cache.yaml:7:3: spec.nodes")));
  EXPECT_TRUE(reconciler::IsTerminal(s));
  std::optional<resources::ObjectStatus> st = store.GetStatus(o.Key());
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->FindCondition(resources::kConditionStalled)->reason, "TopologyImmutable");
  ASSERT_EQ(store.Events(o.Key()).size(), 1u);
  EXPECT_EQ(store.Events(o.Key())[0].type, "Warning");
  EXPECT_EQ(store.Events(o.Key())[0].message, "cache.yaml:7:3: spec.nodes: cannot change");
}

}  // namespace
}  // namespace nxt::controllers
