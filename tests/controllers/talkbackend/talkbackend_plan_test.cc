// TalkBackend's pure parts: the probe parsers (real /routez answers from
// tests/testdata/talk/) and the plan across groups (NATS rolls before signaling).
//   routez_2.9.json        nats-server 2.9.10 (the local image); captured with one route,
//                          a second route added for a 3-node mesh
//   routez_2.10_pooled.json NATS 2.10's shape with route pooling (3 routes per peer)
//   routez_alone.json      a node without routes ("routes": null)
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "controllers/talkbackend/plan.h"
#include "controllers/talkbackend/probe.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace nxt::talkbackend {
namespace {

using controllers::MemberAction;
using controllers::SeenMember;
using controllers::WantedMember;
using ::nxt::testing::IsOk;
using ::nxt::testing::StatusIs;
using ::testing::ElementsAre;
using T = MemberAction::Type;

std::string TestData(const std::string& name) {
  std::ifstream in(std::string(NXT_SOURCE_DIR_DEFAULT) + "/tests/testdata/talk/" + name);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(TalkProbeParseTest, RouteAddressesFromRealAnswers) {
  absl::StatusOr<std::set<std::string>> mesh = RouteAddresses(TestData("routez_2.9.json"));
  ASSERT_THAT(mesh, IsOk());
  EXPECT_THAT(*mesh, ElementsAre("192.168.192.3", "192.168.192.4"));
  absl::StatusOr<std::set<std::string>> pooled =
      RouteAddresses(TestData("routez_2.10_pooled.json"));
  ASSERT_THAT(pooled, IsOk());
  EXPECT_THAT(*pooled, ElementsAre("172.20.0.3", "172.20.0.4")) << "pooled routes count once";
  absl::StatusOr<std::set<std::string>> alone = RouteAddresses(TestData("routez_alone.json"));
  ASSERT_THAT(alone, IsOk());
  EXPECT_TRUE(alone->empty());
  EXPECT_THAT(RouteAddresses("<html>502</html>"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(RouteAddresses("{\"routes\": 3}"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(TalkProbeParseTest, WelcomeAndStunAnswers) {
  EXPECT_TRUE(IsWelcome({200, R"({"nextcloud-spreed-signaling":"Welcome","version":"2.1.1"})"}));
  EXPECT_FALSE(IsWelcome({503, R"({"nextcloud-spreed-signaling":"Welcome"})"}));
  EXPECT_FALSE(IsWelcome({200, "<html>Welcome to nginx</html>"}));
  EXPECT_FALSE(IsWelcome({200, R"({"status":"ok"})"}));
  docker::ExecResult ok;
  ok.exit_code = 0;
  ok.stdout_text = "RFC 5780 response 1\n0: : IPv4. UDP reflexive addr: 127.0.0.1:33687\n";
  EXPECT_TRUE(StunAnswered(ok));
  docker::ExecResult timed_out;
  timed_out.exit_code = 124;  // `timeout` killed it: no answer
  EXPECT_FALSE(StunAnswered(timed_out));
  docker::ExecResult silent;
  silent.exit_code = 0;
  EXPECT_FALSE(StunAnswered(silent));
}

// A backend of `nats` NATS and `signaling` signaling nodes, hashes "h<generation>".
DesiredBackend Desired(int nats, int signaling, const std::string& hash = "h1") {
  DesiredBackend d;
  for (int i = 0; i < nats; ++i) d.nats.wanted.push_back({NatsName("t", i), i, hash});
  for (int i = 0; i < signaling; ++i) {
    d.signaling.wanted.push_back({SignalingName("t", i), i, hash});
  }
  return d;
}

SeenMember Seen(const std::string& name, int ordinal, const std::string& hash, bool ready = true,
                const std::string& state = "running") {
  SeenMember s;
  s.name = name;
  s.ordinal = ordinal;
  s.config_hash = hash;
  s.state = state;
  s.ready = ready;
  return s;
}

ObservedBackend Observed(int nats, int signaling, const std::string& hash = "h1") {
  ObservedBackend o;
  for (int i = 0; i < nats; ++i) o.nats.push_back(Seen(NatsName("t", i), i, hash));
  for (int i = 0; i < signaling; ++i) o.signaling.push_back(Seen(SignalingName("t", i), i, hash));
  return o;
}

TEST(TalkPlanTest, EmptyBackendCreatesEverything) {
  BackendPlan plan = PlanBackend(Desired(3, 2), ObservedBackend{});
  EXPECT_THAT(
      plan.All(),
      ElementsAre(MemberAction{T::kCreate, "t-nats-0"}, MemberAction{T::kCreate, "t-nats-1"},
                  MemberAction{T::kCreate, "t-nats-2"}, MemberAction{T::kCreate, "t-signaling-0"},
                  MemberAction{T::kCreate, "t-signaling-1"}));
  EXPECT_FALSE(plan.signaling_held);
}

TEST(TalkPlanTest, ConvergedPlansNothing) {
  EXPECT_TRUE(PlanBackend(Desired(3, 2), Observed(3, 2)).All().empty());
  EXPECT_TRUE(BackendConverged(Desired(3, 2), Observed(3, 2)));
}

TEST(TalkPlanTest, SignalingScaleUpCreatesThenRollsTheOthersOneAtATime) {
  // 2 → 3: every signaling node's targets change (new hash h2); NATS unchanged.
  DesiredBackend d = Desired(3, 3, "h2");
  for (WantedMember& w : d.nats.wanted) w.config_hash = "h1";
  ObservedBackend o = Observed(3, 2);
  EXPECT_THAT(PlanBackend(d, o).signaling, ElementsAre(MemberAction{T::kCreate, "t-signaling-2"},
                                                       MemberAction{T::kWait, "t-signaling-2"}));
  o.signaling.push_back(Seen("t-signaling-2", 2, "h2"));
  EXPECT_THAT(PlanBackend(d, o).signaling, ElementsAre(MemberAction{T::kReplace, "t-signaling-1"}));
  o.signaling[1] = Seen("t-signaling-1", 1, "h2", /*ready=*/false);
  EXPECT_THAT(PlanBackend(d, o).signaling, ElementsAre(MemberAction{T::kWait, "t-signaling-1"}));
  o.signaling[1].ready = true;
  EXPECT_THAT(PlanBackend(d, o).signaling, ElementsAre(MemberAction{T::kReplace, "t-signaling-0"}));
}

TEST(TalkPlanTest, SignalingRolloutWaitsForNats) {
  // NATS 3 → 4: every node changes; the signaling rollout is held until NATS converged.
  DesiredBackend d = Desired(4, 2, "h2");
  ObservedBackend o = Observed(3, 2);
  BackendPlan plan = PlanBackend(d, o);
  EXPECT_THAT(plan.nats, ElementsAre(MemberAction{T::kCreate, "t-nats-3"},
                                     MemberAction{T::kWait, "t-nats-3"}));
  EXPECT_TRUE(plan.signaling_held);
  EXPECT_THAT(plan.signaling,
              ElementsAre(MemberAction{T::kWait, "t-nats-0"}, MemberAction{T::kWait, "t-nats-1"},
                          MemberAction{T::kWait, "t-nats-2"}, MemberAction{T::kWait, "t-nats-3"}));
  for (SeenMember& s : o.nats) s.config_hash = "h2";
  o.nats.push_back(Seen("t-nats-3", 3, "h2"));
  plan = PlanBackend(d, o);
  EXPECT_TRUE(plan.nats.empty());
  EXPECT_FALSE(plan.signaling_held);
  EXPECT_THAT(plan.signaling, ElementsAre(MemberAction{T::kReplace, "t-signaling-1"}));
}

TEST(TalkPlanTest, HeldRolloutStillRepairsSignaling) {
  DesiredBackend d = Desired(3, 2, "h2");
  ObservedBackend o = Observed(3, 0);
  o.signaling.push_back(Seen("t-signaling-0", 0, "h2", false, "exited"));
  o.signaling.push_back(Seen("t-signaling-1", 1, "h2", false, "dead"));
  BackendPlan plan = PlanBackend(d, o);  // NATS is outdated (h1): not converged
  EXPECT_THAT(plan.signaling, ElementsAre(MemberAction{T::kStart, "t-signaling-0"},
                                          MemberAction{T::kReplace, "t-signaling-1"}));
  EXPECT_FALSE(plan.signaling_held) << "replacing a dead node is a repair";
}

TEST(TalkPlanTest, ScaleDownRemovesHighestFirstAndStraysGo) {
  DesiredBackend d = Desired(3, 1);
  ObservedBackend o = Observed(3, 3);
  o.strays.push_back(Seen("t-janus-0", 0, "x"));
  BackendPlan plan = PlanBackend(d, o);
  EXPECT_THAT(plan.signaling, ElementsAre(MemberAction{T::kRemove, "t-signaling-2"},
                                          MemberAction{T::kRemove, "t-signaling-1"}));
  EXPECT_THAT(plan.strays, ElementsAre(MemberAction{T::kRemove, "t-janus-0"}));
  EXPECT_FALSE(BackendConverged(d, o));
}

TEST(TalkPlanTest, DisablingCoturnRemovesIt) {
  DesiredBackend d = Desired(1, 1);
  ObservedBackend o = Observed(1, 1);
  o.coturn.push_back(Seen("t-coturn", 0, "h1"));
  EXPECT_THAT(PlanBackend(d, o).coturn, ElementsAre(MemberAction{T::kRemove, "t-coturn"}));
}

}  // namespace
}  // namespace nxt::talkbackend
