#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include "controllers/containerset/plan.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nxt::containerset {

void PrintTo(const Action& a, std::ostream* os) {
  *os << "{" << ActionTypeName(a.type) << " " << a.name << " #" << a.ordinal << "}";
}

namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using T = Action::Type;

constexpr char kNew[] = "hash-new";
constexpr char kOld[] = "hash-old";

DesiredState Desired(int replicas, std::vector<std::string> volumes = {}) {
  DesiredState d;
  d.namespace_ = "default";
  d.name = "web";
  d.replicas = replicas;
  d.config_hash = kNew;
  d.volume_purposes = std::move(volumes);
  return d;
}

ObservedMember Member(int ordinal, const std::string& hash = kNew,
                      const std::string& state = "running", const std::string& health = "") {
  return {"web-" + std::to_string(ordinal), ordinal, hash, state, health};
}

ObservedState Observed(std::vector<ObservedMember> members) {
  ObservedState o;
  o.members = std::move(members);
  return o;
}

Action A(T type, const std::string& name, int ordinal = -1) { return {type, name, ordinal}; }

// What Docker looks like after the actions ran and every new container became ready.
ObservedState Apply(const DesiredState& d, ObservedState o, const std::vector<Action>& actions) {
  auto erase = [&](const std::string& name) {
    std::erase_if(o.members, [&](const ObservedMember& m) { return m.name == name; });
  };
  for (const Action& a : actions) {
    switch (a.type) {
      case T::kRemove:
        erase(a.name);
        break;
      case T::kReplace:
        erase(a.name);
        [[fallthrough]];
      case T::kCreate:
        o.members.push_back({a.name, a.ordinal, d.config_hash, "running", "healthy"});
        break;
      case T::kStart:
        for (ObservedMember& m : o.members) {
          if (m.name == a.name) m.state = "running";
        }
        break;
      case T::kRemoveNetwork:
        o.network_present = false;
        break;
      case T::kRemoveVolume:
        std::erase(o.volumes, a.name);
        break;
      case T::kEnsureNetwork:
      case T::kEnsureVolume:
      case T::kWaitFor:
        break;
    }
  }
  return o;
}

int Count(const std::vector<Action>& actions, T type) {
  return static_cast<int>(std::count_if(actions.begin(), actions.end(),
                                        [&](const Action& a) { return a.type == type; }));
}

// Runs plan → apply until nothing is planned; returns the number of rounds.
int Converge(const DesiredState& d, ObservedState& o) {
  for (int round = 1; round <= 50; ++round) {
    std::vector<Action> actions = Plan(d, o);
    if (actions.empty()) return round;
    EXPECT_LE(Count(actions, T::kReplace), 1) << "round " << round;
    o = Apply(d, o, actions);
  }
  ADD_FAILURE() << "did not converge in 50 rounds";
  return -1;
}

TEST(ContainerSetPlanTest, EmptyCreatesEveryReplicaAfterTheNetwork) {
  EXPECT_THAT(Plan(Desired(3), {}),
              ElementsAre(A(T::kEnsureNetwork, "nxt-default-web"), A(T::kCreate, "web-0", 0),
                          A(T::kCreate, "web-1", 1), A(T::kCreate, "web-2", 2)));
}

TEST(ContainerSetPlanTest, NamedVolumesAreEnsuredPerOrdinalBeforeCreate) {
  EXPECT_THAT(
      Plan(Desired(2, {"data"}), Observed({Member(0)})),
      ElementsAre(A(T::kEnsureNetwork, "nxt-default-web"),
                  A(T::kEnsureVolume, "nxt-default-web-1-data", 1), A(T::kCreate, "web-1", 1)));
}

TEST(ContainerSetPlanTest, ConvergedSetPlansNothing) {
  EXPECT_THAT(Plan(Desired(3), Observed({Member(0), Member(1), Member(2)})), IsEmpty());
  EXPECT_THAT(Plan(Desired(2), Observed({Member(0, kNew, "running", "healthy"),
                                         Member(1, kNew, "running", "healthy")})),
              IsEmpty());
}

TEST(ContainerSetPlanTest, MissingMiddleOrdinalIsRecreated) {
  EXPECT_THAT(Plan(Desired(3), Observed({Member(0), Member(2)})),
              ElementsAre(A(T::kEnsureNetwork, "nxt-default-web"), A(T::kCreate, "web-1", 1)));
}

TEST(ContainerSetPlanTest, StoppedCurrentMembersAreStarted) {
  EXPECT_THAT(Plan(Desired(3),
                   Observed({Member(0, kNew, "exited"), Member(1), Member(2, kNew, "created")})),
              ElementsAre(A(T::kStart, "web-0", 0), A(T::kStart, "web-2", 2)));
}

TEST(ContainerSetPlanTest, ScaleDownRemovesExtrasHighestOrdinalFirst) {
  EXPECT_THAT(
      Plan(Desired(2), Observed({Member(0), Member(3), Member(1), Member(4), Member(2)})),
      ElementsAre(A(T::kRemove, "web-4", 4), A(T::kRemove, "web-3", 3), A(T::kRemove, "web-2", 2)));
}

TEST(ContainerSetPlanTest, ScaleToZeroRemovesEverythingButCreatesNothing) {
  EXPECT_THAT(Plan(Desired(0), Observed({Member(0), Member(1)})),
              ElementsAre(A(T::kRemove, "web-1", 1), A(T::kRemove, "web-0", 0)));
}

TEST(ContainerSetPlanTest, OutdatedMembersAreReplacedOneAtATimeHighestFirst) {
  EXPECT_THAT(Plan(Desired(3), Observed({Member(0, kOld), Member(1, kOld), Member(2, kOld)})),
              ElementsAre(A(T::kEnsureNetwork, "nxt-default-web"), A(T::kReplace, "web-2", 2)));
}

TEST(ContainerSetPlanTest, RolloutWaitsWhileReplacedMemberIsStarting) {
  EXPECT_THAT(Plan(Desired(3), Observed({Member(0, kOld), Member(1, kOld),
                                         Member(2, kNew, "running", "starting")})),
              ElementsAre(A(T::kWaitFor, "web-2")));
}

TEST(ContainerSetPlanTest, RolloutWaitsWhileAnyCurrentMemberIsUnhealthy) {
  EXPECT_THAT(Plan(Desired(3), Observed({Member(0, kOld), Member(1, kNew, "running", "unhealthy"),
                                         Member(2, kNew, "running", "healthy")})),
              ElementsAre(A(T::kWaitFor, "web-1")));
}

TEST(ContainerSetPlanTest, RolloutContinuesOnceReplacedMemberIsHealthy) {
  EXPECT_THAT(Plan(Desired(3), Observed({Member(0, kOld), Member(1, kOld),
                                         Member(2, kNew, "running", "healthy")})),
              ElementsAre(A(T::kEnsureNetwork, "nxt-default-web"), A(T::kReplace, "web-1", 1)));
}

TEST(ContainerSetPlanTest, RolloutWaitsForMissingAndStoppedMembers) {
  EXPECT_THAT(
      Plan(Desired(3), Observed({Member(0, kOld), Member(1, kNew, "exited")})),
      ElementsAre(A(T::kEnsureNetwork, "nxt-default-web"), A(T::kCreate, "web-2", 2),
                  A(T::kStart, "web-1", 1), A(T::kWaitFor, "web-1"), A(T::kWaitFor, "web-2")));
}

TEST(ContainerSetPlanTest, BrokenOutdatedMemberIsReplacedFirst) {
  EXPECT_THAT(
      Plan(Desired(3), Observed({Member(0, kOld), Member(1, kOld, "exited"), Member(2, kOld)})),
      ElementsAre(A(T::kEnsureNetwork, "nxt-default-web"), A(T::kReplace, "web-1", 1)));
}

TEST(ContainerSetPlanTest, RestartingCurrentMemberGetsNoActionButBlocksRollout) {
  EXPECT_THAT(Plan(Desired(2), Observed({Member(0, kNew, "restarting"), Member(1)})), IsEmpty());
  EXPECT_THAT(Plan(Desired(2), Observed({Member(0, kNew, "restarting"), Member(1, kOld)})),
              ElementsAre(A(T::kWaitFor, "web-0")));
}

TEST(ContainerSetPlanTest, DeadCurrentMemberIsReplaced) {
  EXPECT_THAT(Plan(Desired(2), Observed({Member(0, kNew, "dead"), Member(1)})),
              ElementsAre(A(T::kEnsureNetwork, "nxt-default-web"), A(T::kReplace, "web-0", 0)));
}

TEST(ContainerSetPlanTest, OrphansAndMisnamedContainersAreRemoved) {
  ObservedState o = Observed({Member(0), Member(1)});
  o.members.push_back({"web-1-old", 1, kNew, "running", ""});  // second container for ordinal 1
  o.members.push_back({"stray", -1, kNew, "exited", ""});      // no ordinal label
  o.members.push_back({"web-7", 7, kOld, "running", ""});      // ordinal >= replicas
  o.members.push_back({"api-0", 0, kNew, "running", ""});      // name of another set
  EXPECT_THAT(Plan(Desired(2), o),
              ElementsAre(A(T::kRemove, "web-7", 7), A(T::kRemove, "web-1-old", 1),
                          A(T::kRemove, "api-0", 0), A(T::kRemove, "stray", -1)));
}

TEST(ContainerSetPlanTest, SuspendPlansNothing) {
  DesiredState d = Desired(3);
  d.suspend = true;
  EXPECT_THAT(Plan(d, Observed({Member(0, kOld), Member(5)})), IsEmpty());
}

TEST(ContainerSetPlanTest, DeletingRemovesContainersAndNetworkButKeepsVolumes) {
  DesiredState d = Desired(2, {"data"});
  d.deleting = true;
  ObservedState o = Observed({Member(0), Member(1, kOld, "exited")});
  o.network_present = true;
  o.volumes = {"nxt-default-web-0-data", "nxt-default-web-1-data"};
  EXPECT_THAT(Plan(d, o), ElementsAre(A(T::kRemove, "web-1", 1), A(T::kRemove, "web-0", 0),
                                      A(T::kRemoveNetwork, "nxt-default-web")));
}

TEST(ContainerSetPlanTest, DeletingWithDeletePolicyRemovesVolumesToo) {
  DesiredState d = Desired(2, {"data"});
  d.deleting = true;
  d.delete_volumes = true;
  d.suspend = true;  // deletion wins over suspend
  ObservedState o = Observed({Member(0)});
  o.volumes = {"nxt-default-web-1-data", "nxt-default-web-0-data"};
  EXPECT_THAT(Plan(d, o),
              ElementsAre(A(T::kRemove, "web-0", 0), A(T::kRemoveVolume, "nxt-default-web-0-data"),
                          A(T::kRemoveVolume, "nxt-default-web-1-data")));
}

// Idempotence: from each starting point, applying the plan converges, never replaces more
// than one container per round, and the converged state plans nothing.
TEST(ContainerSetPlanTest, PlanOnTheStateItProducesIsEmpty) {
  const std::vector<std::pair<DesiredState, ObservedState>> cases = {
      {Desired(3, {"data"}), {}},
      {Desired(5), Observed({Member(0), Member(1), Member(2)})},
      {Desired(2), Observed({Member(0), Member(1), Member(2), Member(3), Member(4)})},
      {Desired(4), Observed({Member(0, kOld), Member(1, kOld), Member(2, kOld), Member(3, kOld)})},
      {Desired(3), Observed({Member(0, kOld, "exited"),
                             Member(2, kNew, "created"),
                             {"junk", -1, kOld, "running", ""}})},
      {Desired(2), Observed({Member(0, kOld), Member(1, kOld), Member(2, kOld)})},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE("case " + std::to_string(i));
    auto [d, o] = cases[i];
    int rounds = Converge(d, o);
    EXPECT_GT(rounds, 0);
    ASSERT_EQ(static_cast<int>(o.members.size()), d.replicas);
    for (const ObservedMember& m : o.members) {
      EXPECT_EQ(m.config_hash, kNew) << m.name;
      EXPECT_TRUE(IsReady(m)) << m.name;
    }
    EXPECT_THAT(Plan(d, o), IsEmpty());
  }
}

TEST(ContainerSetPlanTest, RollingFourOutdatedMembersTakesOneRoundEach) {
  DesiredState d = Desired(4);
  ObservedState o = Observed({Member(0, kOld), Member(1, kOld), Member(2, kOld), Member(3, kOld)});
  EXPECT_EQ(Converge(d, o), 5);  // 4 replacements, then an empty plan
}

TEST(ContainerSetPlanTest, TeardownIsIdempotent) {
  DesiredState d = Desired(2, {"data"});
  d.deleting = true;
  d.delete_volumes = true;
  ObservedState o = Observed({Member(0), Member(1)});
  o.network_present = true;
  o.volumes = {"nxt-default-web-0-data"};
  o = Apply(d, o, Plan(d, o));
  EXPECT_THAT(o.members, IsEmpty());
  EXPECT_FALSE(o.network_present);
  EXPECT_THAT(o.volumes, IsEmpty());
  EXPECT_THAT(Plan(d, o), IsEmpty());
}

TEST(ContainerSetPlanTest, ReadinessRequiresRunningAndHealthyOrNoHealthcheck) {
  EXPECT_TRUE(IsReady(Member(0, kNew, "running", "")));
  EXPECT_TRUE(IsReady(Member(0, kNew, "running", "healthy")));
  EXPECT_FALSE(IsReady(Member(0, kNew, "running", "starting")));
  EXPECT_FALSE(IsReady(Member(0, kNew, "running", "unhealthy")));
  EXPECT_FALSE(IsReady(Member(0, kNew, "exited", "")));
}

TEST(ContainerSetPlanTest, ActionsDescribeThemselves) {
  EXPECT_EQ(A(T::kCreate, "web-2", 2).Describe(), "create container web-2");
  EXPECT_EQ(A(T::kReplace, "web-0", 0).Describe(), "replace container web-0 (config changed)");
  EXPECT_EQ(A(T::kRemoveVolume, "nxt-default-web-0-data").Describe(),
            "remove volume nxt-default-web-0-data");
}

}  // namespace
}  // namespace nxt::containerset
