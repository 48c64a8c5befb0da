// TalkBackend status: counts, routes, TURN state, summary and conditions, as a table.
#include <boost/json.hpp>
#include <string>

#include "controllers/common/stall.h"
#include "controllers/talkbackend/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nxt::talkbackend {
namespace {

using controllers::MemberAction;
using controllers::SeenMember;
using T = MemberAction::Type;

DesiredBackend Desired(int nats, int signaling, bool coturn) {
  DesiredBackend d;
  for (int i = 0; i < nats; ++i) d.nats.wanted.push_back({NatsName("t", i), i, "h"});
  for (int i = 0; i < signaling; ++i) d.signaling.wanted.push_back({SignalingName("t", i), i, "h"});
  if (coturn) d.coturn.wanted.push_back({CoturnName("t"), 0, "h"});
  return d;
}

SeenMember Seen(const std::string& name, bool ready, const std::string& state = "running",
                const std::string& hash = "h") {
  SeenMember s;
  s.name = name;
  s.config_hash = hash;
  s.state = state;
  s.ready = ready;
  return s;
}

struct Case {
  const char* name;
  ObservedBackend observed;
  BackendPlan plan;
  absl::Status error;
  bool coturn = false;
  // "summary signaling nats natsRoutes turn RRS": the fields, then the Ready,
  // Reconciling and Stalled conditions as T/F.
  const char* want;
};

ObservedBackend Mesh(int routes_each, bool coturn_ready) {
  ObservedBackend o;
  for (int i = 0; i < 3; ++i) {
    o.nats.push_back(Seen(NatsName("t", i), routes_each == 2));
    o.nats_routes[NatsName("t", i)] = routes_each;
  }
  for (int i = 0; i < 2; ++i) o.signaling.push_back(Seen(SignalingName("t", i), true));
  o.coturn.push_back(Seen(CoturnName("t"), coturn_ready));
  return o;
}

BackendPlan Plan(std::vector<MemberAction> signaling, bool held = false) {
  BackendPlan p;
  p.signaling = std::move(signaling);
  p.signaling_held = held;
  return p;
}

class TalkStatusTest : public ::testing::TestWithParam<Case> {};

TEST_P(TalkStatusTest, Table) {
  const Case& c = GetParam();
  resources::TalkBackendSpec spec;
  spec.coturn.enabled = c.coturn;
  spec.coturn.realm = "turn.example.com";
  DesiredBackend d = Desired(3, 2, c.coturn);
  StatusInput in;
  in.generation = 4;
  in.spec = &spec;
  in.desired = &d;
  in.observed = &c.observed;
  in.plan = c.plan;
  in.error = c.error;
  in.now = absl::FromUnixSeconds(1000);
  resources::ObjectStatus st = BuildStatus(in);
  EXPECT_EQ(st.observed_generation, 4);
  std::string got;
  for (const char* field : {"summary", "signaling", "nats", "natsRoutes", "turn"}) {
    got += std::string(st.fields.at(field).as_string()) + " ";
  }
  for (const char* type : {resources::kConditionReady, resources::kConditionReconciling,
                           resources::kConditionStalled}) {
    got += st.FindCondition(type)->status == "True" ? "T" : "F";
  }
  EXPECT_EQ(got, c.want);
  EXPECT_EQ(st.fields.at("members").as_array().size(),
            c.observed.nats.size() + c.observed.signaling.size() + c.observed.coturn.size());
}

ObservedBackend CrashLoop() {
  ObservedBackend o = Mesh(2, true);
  o.signaling[1] = Seen(SignalingName("t", 1), false, "restarting");
  return o;
}

ObservedBackend Outdated() {
  ObservedBackend o = Mesh(2, true);
  o.signaling[0].config_hash = "old";  // running and ready, but not the current config
  return o;
}

const absl::Status kNoError;

INSTANTIATE_TEST_SUITE_P(
    Cases, TalkStatusTest,
    ::testing::Values(
        Case{"ready", Mesh(2, true), {}, kNoError, true, "Ready 2/2 3/3 6/6 Ready TFF"},
        Case{"creating", ObservedBackend{}, Plan({{T::kCreate, "t-signaling-0"}}), kNoError, false,
             "Creating 0/2 0/3 0/6 Disabled FTF"},
        Case{"mesh_incomplete", Mesh(1, true), Plan({}), kNoError, true,
             "WaitingForReady 2/2 0/3 3/6 Ready FTF"},
        Case{"turn_down", Mesh(2, false), Plan({}), kNoError, true,
             "WaitingForReady 2/2 3/3 6/6 NotReady FTF"},
        Case{"rolling", Outdated(), Plan({{T::kReplace, "t-signaling-0"}}), kNoError, true,
             "RollingUpdate 1/2 3/3 6/6 Ready FTF"},
        Case{"held_for_nats", Outdated(), Plan({{T::kWait, "t-nats-1"}}, true), kNoError, true,
             "RollingUpdate 1/2 3/3 6/6 Ready FTF"},
        Case{"crash_loop", CrashLoop(), Plan({{T::kWait, "t-signaling-1"}}), kNoError, true,
             "StartFailed 1/2 3/3 6/6 Ready FTF"},
        Case{"docker_error", ObservedBackend{}, Plan({{T::kCreate, "t-nats-0"}}),
             absl::NotFoundError("create t-nats-0: no such image nats:2.10-alpine"), false,
             "ReconcileError 0/2 0/3 0/6 Disabled FTF"}),
    [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

TEST(TalkStatusTest, RequeueWhileWaitingGrowsWithTheWait) {
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  const absl::Duration min = absl::Milliseconds(500);
  const absl::Duration max = absl::Seconds(15);
  resources::ObjectStatus st;
  EXPECT_EQ(RequeueWhileWaiting(st, t0, min, max), min) << "no condition yet";
  st.SetCondition({resources::kConditionReconciling, "True", "ScalingUp", "", t0});
  EXPECT_EQ(RequeueWhileWaiting(st, t0 + absl::Seconds(1), min, max), min);
  EXPECT_EQ(RequeueWhileWaiting(st, t0 + absl::Seconds(8), min, max), absl::Seconds(2));
  EXPECT_EQ(RequeueWhileWaiting(st, t0 + absl::Minutes(10), min, max), max);
  st.SetCondition({resources::kConditionReconciling, "False", "Available", "", t0});
  EXPECT_EQ(RequeueWhileWaiting(st, t0 + absl::Minutes(10), min, max), min);
}

TEST(TalkStatusTest, InvalidSpecKeepsTheLastStatus) {
  resources::ObjectStatus previous;
  previous.fields["signaling"] = "2/2";
  previous.SetCondition({resources::kConditionReady, "True", "Available", "", absl::Now()});
  resources::ObjectStatus st = controllers::StalledStatus(
      7, "InvalidSpec", "spec.coturn.realm: Required value", absl::Now(), &previous);
  EXPECT_EQ(st.observed_generation, 7);
  EXPECT_EQ(st.fields.at("signaling").as_string(), "2/2");
  EXPECT_EQ(st.FindCondition(resources::kConditionReady)->status, "True");
  EXPECT_EQ(st.FindCondition(resources::kConditionStalled)->status, "True");
  EXPECT_EQ(st.FindCondition(resources::kConditionStalled)->reason, "InvalidSpec");
  EXPECT_EQ(st.fields.at("summary").as_string(), "InvalidSpec");
  EXPECT_THAT(st.FindCondition(resources::kConditionStalled)->message,
              ::testing::HasSubstr("realm"));
}

}  // namespace
}  // namespace nxt::talkbackend
