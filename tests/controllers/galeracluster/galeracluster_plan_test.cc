// Table tests for the GaleraCluster plan (controllers/galeracluster/plan.h).
#include <ostream>
#include <string>
#include <vector>

#include "controllers/galeracluster/plan.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nxt::galera {

void PrintTo(const Action& a, std::ostream* os) { *os << a.Describe() << " #" << a.ordinal; }

namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::IsEmpty;
using T = Action::Type;

constexpr char kHash[] = "hash-new";
const absl::Time kNow = absl::FromUnixSeconds(1'000'000);

WsrepStatus Synced(int size, const std::string& uuid = "u1") {
  return {"Primary", "Synced", kStateSynced, uuid, size, true, ""};
}
WsrepStatus Wsrep(const std::string& cluster, const std::string& comment, int state, int size) {
  return {cluster, comment, state, "u1", size, true, ""};
}

ObservedNode Node(int ordinal, std::optional<WsrepStatus> wsrep,
                  const std::string& state = "running", bool bootstrap = false,
                  const std::string& hash = kHash) {
  ObservedNode n;
  n.name = "db-" + std::to_string(ordinal);
  n.ordinal = ordinal;
  n.state = state;
  n.config_hash = hash;
  n.bootstrap_mode = bootstrap;
  n.wsrep = wsrep;
  if (n.Running() && !n.Ready()) n.not_ready_since = kNow - absl::Seconds(5);
  return n;
}

PlanInput Input(int replicas, std::vector<ObservedNode> nodes, bool provisioned = true) {
  PlanInput in;
  in.desired.replicas = replicas;
  in.desired.config_hash = kHash;
  in.nodes = std::move(nodes);
  in.bootstrapped = !in.nodes.empty();
  in.provisioned = provisioned;
  in.now = kNow;
  in.grace = absl::Seconds(60);
  return in;
}

auto Is(T type, int ordinal) {
  return ::testing::AllOf(Field(&Action::type, type), Field(&Action::ordinal, ordinal));
}

TEST(GaleraPlanTest, NewClusterBootstrapsNodeZeroOnce) {
  PlanInput in = Input(3, {});
  EXPECT_THAT(Plan(in), ElementsAre(Is(T::kBootstrap, 0)));
  // Recorded as bootstrapped but every container gone: never a second bootstrap.
  in.bootstrapped = true;
  EXPECT_THAT(Plan(in), ElementsAre(Is(T::kRecover, -1)));
}

TEST(GaleraPlanTest, ProvisionsUsersOnceNodeZeroIsSynced) {
  PlanInput in = Input(3, {Node(0, Synced(1), "running", true)}, /*provisioned=*/false);
  EXPECT_THAT(Plan(in), ElementsAre(Is(T::kProvision, 0)));
  in.nodes[0].wsrep.reset();  // bootstrap node still starting: wait
  in.nodes[0].not_ready_since = kNow;
  EXPECT_THAT(Plan(in), ElementsAre(Is(T::kWait, 0)));
}

TEST(GaleraPlanTest, JoinsOneAtATimeEachAfterThePreviousIsSynced) {
  PlanInput in = Input(3, {Node(0, Synced(1), "running", true)});
  EXPECT_THAT(Plan(in), ElementsAre(Is(T::kJoin, 1)));
  in.nodes.push_back(Node(1, Wsrep("Primary", "Joining", kStateJoining, 2)));
  EXPECT_THAT(Plan(in), ElementsAre(Is(T::kWait, 1)));
  // Still joining long after the grace period: an SST is never interrupted.
  in.nodes[1].not_ready_since = kNow - absl::Hours(1);
  EXPECT_THAT(Plan(in), ElementsAre(Is(T::kWait, 1)));
  in.nodes[0].wsrep = Wsrep("Primary", "Donor/Desynced", kStateDonor, 2);
  in.nodes[0].not_ready_since = kNow - absl::Hours(1);
  EXPECT_THAT(Plan(in), ElementsAre(Is(T::kWait, 0)));
  in.nodes[0] = Node(0, Synced(2), "running", true);
  in.nodes[1] = Node(1, Synced(2));
  EXPECT_THAT(Plan(in), ElementsAre(Is(T::kJoin, 2)));
}

TEST(GaleraPlanTest, BootstrapNodeLeavesBootstrapModeOnceAllJoined) {
  PlanInput in =
      Input(3, {Node(0, Synced(3), "running", true), Node(1, Synced(3)), Node(2, Synced(3))});
  EXPECT_THAT(Plan(in), ElementsAre(Is(T::kReplace, 0)));
  in.nodes[0].bootstrap_mode = false;
  EXPECT_THAT(Plan(in), IsEmpty());
}

TEST(GaleraPlanTest, SingleNodeClusterStaysInBootstrapMode) {
  PlanInput in = Input(1, {Node(0, Synced(1), "running", true)});
  EXPECT_THAT(Plan(in), IsEmpty());
  in.nodes[0].bootstrap_mode = false;
  EXPECT_THAT(Plan(in), ElementsAre(Is(T::kReplace, 0)));
}

TEST(GaleraPlanTest, ScaleDownRemovesHighestFirstThenRollsAddresses) {
  PlanInput in = Input(
      3, {Node(0, Synced(5), "running", false, "old"), Node(1, Synced(5), "running", false, "old"),
          Node(2, Synced(5), "running", false, "old"), Node(3, Synced(5), "running", false, "old"),
          Node(4, Synced(5), "running", false, "old")});
  EXPECT_THAT(Plan(in), ElementsAre(Is(T::kLeave, 4)));
  in.nodes.pop_back();
  for (ObservedNode& n : in.nodes) n.wsrep->cluster_size = 4;
  EXPECT_THAT(Plan(in), ElementsAre(Is(T::kLeave, 3)));
  in.nodes.pop_back();
  for (ObservedNode& n : in.nodes) n.wsrep->cluster_size = 3;
  EXPECT_THAT(Plan(in), ElementsAre(Is(T::kReplace, 2)));
  in.nodes[2].config_hash = kHash;
  EXPECT_THAT(Plan(in), ElementsAre(Is(T::kReplace, 1)));
}

TEST(GaleraPlanTest, RollingUpdateWaitsForEveryMemberAndFullSize) {
  PlanInput in = Input(
      3, {Node(0, Synced(3), "running", false, "old"), Node(1, Synced(3), "running", false, "old"),
          Node(2, Wsrep("Primary", "Joined", kStateJoined, 3))});
  EXPECT_THAT(Plan(in), ElementsAre(Is(T::kWait, 2)));
  in.nodes[2] = Node(2, Synced(2));
  in.nodes[0].wsrep->cluster_size = 2;
  in.nodes[1].wsrep->cluster_size = 2;
  EXPECT_THAT(Plan(in), ElementsAre(Is(T::kWait, -1)));  // size 2 of 3
}

TEST(GaleraPlanTest, HealsAfterGraceButNeverDuringTransfer) {
  PlanInput in = Input(3, {Node(0, Synced(3)), Node(1, Synced(3)),
                           Node(2, Wsrep("non-Primary", "Initialized", 0, 1))});
  EXPECT_THAT(Plan(in), ElementsAre(Is(T::kWait, 2)));
  in.nodes[2].not_ready_since = kNow - absl::Seconds(61);
  EXPECT_THAT(Plan(in), ElementsAre(Is(T::kRestart, 2)));
  in.nodes[2].wsrep = Wsrep("Primary", "Joining", kStateJoining, 3);
  EXPECT_THAT(Plan(in), ElementsAre(Is(T::kWait, 2)));
}

// A joiner that does not answer SQL (mariadbd waits for its SST before it listens):
// whether it is restarted depends on its start time and its processes, not on how long
// the object has seen it unready.
TEST(GaleraPlanTest, JoiningNodeIsRestartedOnlyWhenStuckWithoutTransfer) {
  struct Row {
    const char* what;
    absl::Duration since_start;       // now - StartedAt
    absl::Duration since_first_seen;  // now - not_ready_since
    std::string transfer;             // SST process in the container
    absl::Duration since_transfer;    // now - transfer_seen (InfiniteDuration: never)
    T want;
  };
  const absl::Duration kNever = absl::InfiniteDuration();
  const std::vector<Row> rows = {
      {"started 10 s ago", absl::Seconds(10), absl::Seconds(10), "", kNever, T::kWait},
      {"SST process 10 min after start", absl::Minutes(10), absl::Minutes(10), "mariabackup",
       absl::ZeroDuration(), T::kWait},
      {"rsync SST an hour in", absl::Hours(1), absl::Hours(1), "rsync", absl::ZeroDuration(),
       T::kWait},
      {"no SST, started past the limit", absl::Seconds(61), absl::Seconds(61), "", kNever,
       T::kRestart},
      {"restarted 10 s ago, unready for 10 min: the grace counts from StartedAt", absl::Seconds(10),
       absl::Minutes(10), "", kNever, T::kWait},
      {"restarted past the limit, unready for 10 min", absl::Seconds(61), absl::Minutes(10), "",
       kNever, T::kRestart},
      {"SST ended 10 s ago (server still loading)", absl::Minutes(10), absl::Minutes(10), "",
       absl::Seconds(10), T::kWait},
      {"SST ended past the limit, still not answering", absl::Minutes(10), absl::Minutes(10), "",
       absl::Seconds(61), T::kRestart},
      {"start time unknown, first seen 10 s ago", kNever, absl::Seconds(10), "", kNever, T::kWait},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.what);
    PlanInput in = Input(3, {Node(0, Synced(2)), Node(1, Synced(2)), Node(2, std::nullopt)});
    ObservedNode& n = in.nodes[2];
    n.started_at = row.since_start == kNever ? absl::InfinitePast() : kNow - row.since_start;
    n.not_ready_since = kNow - row.since_first_seen;
    n.transfer = row.transfer;
    n.transfer_seen =
        row.since_transfer == kNever ? absl::InfinitePast() : kNow - row.since_transfer;
    EXPECT_THAT(Plan(in), ElementsAre(Is(row.want, 2)));
  }
}

// A joiner whose log moves (an IST step, a state change, InnoDB start-up) is never
// restarted; one whose log stands still past the limit is, and the limit grows with the
// data.
TEST(GaleraPlanTest, JoinerByLogIsRestartedOnlyAfterTheLimitWithoutProgress) {
  PlanInput in = Input(3, {Node(0, Synced(2)), Node(1, Synced(2)), Node(2, std::nullopt)});
  ObservedNode& n = in.nodes[2];
  n.started_at = n.not_ready_since = kNow - absl::Minutes(10);
  n.log.state = "JOINER";
  n.log.transfer = "IST";
  n.log_progress_seen = kNow - absl::Seconds(5);
  EXPECT_THAT(Plan(in), ElementsAre(Is(T::kWait, 2)));
  EXPECT_EQ(Plan(in)[0].reason, "waiting for db-2 (joining (JOINER, IST))");
  n.log_progress_seen = kNow - absl::Seconds(61);
  EXPECT_THAT(Plan(in), ElementsAre(Is(T::kRestart, 2)));
  EXPECT_EQ(Plan(in)[0].reason, "db-2 is joining (JOINER, IST) with no progress for 1m");
  // 4 GiB of data: 60 s + 4 x 30 s.
  in.data_bytes = int64_t{4} << 30;
  EXPECT_EQ(in.StuckLimit(), absl::Seconds(180));
  EXPECT_THAT(Plan(in), ElementsAre(Is(T::kWait, 2)));
  n.log_progress_seen = kNow - absl::Seconds(181);
  EXPECT_THAT(Plan(in), ElementsAre(Is(T::kRestart, 2)));
  // The server itself says Joining (IST applying): never restarted.
  n.wsrep = Wsrep("Primary", "Joining", kStateJoining, 3);
  EXPECT_THAT(Plan(in), ElementsAre(Is(T::kWait, 2)));
}

TEST(GaleraPlanTest, NodeInSstIsNeitherRecoveredNorMadeToLeave) {
  // No Primary anywhere, node 0 receiving an SST long past the grace: wait.
  PlanInput in = Input(3, {Node(0, std::nullopt), Node(1, std::nullopt, "exited")});
  in.nodes[0].not_ready_since = in.nodes[0].started_at = kNow - absl::Minutes(10);
  in.nodes[0].transfer = "mariabackup";
  EXPECT_THAT(Plan(in), ElementsAre(Is(T::kWait, 0)));
  in.nodes[0].transfer.clear();
  EXPECT_THAT(Plan(in), ElementsAre(Is(T::kStopForRecovery, 0)));
  // An extra (scale down) giving or taking an SST is not removed mid-transfer.
  in = Input(1, {Node(0, Synced(2)), Node(1, std::nullopt)});
  in.nodes[1].transfer = "rsync";
  EXPECT_THAT(Plan(in), ElementsAre(Is(T::kWait, 1)));
  in.nodes[1].transfer.clear();
  EXPECT_THAT(Plan(in), ElementsAre(Is(T::kLeave, 1)));
}

TEST(GaleraPlanTest, StoppedMemberIsStartedAndRemovedMemberRecreated) {
  PlanInput in =
      Input(3, {Node(0, Synced(2)), Node(1, std::nullopt, "exited"), Node(2, Synced(2))});
  EXPECT_THAT(Plan(in), ElementsAre(Is(T::kStart, 1)));
  in.nodes.erase(in.nodes.begin() + 1);
  EXPECT_THAT(Plan(in), ElementsAre(Is(T::kJoin, 1)));
}

TEST(GaleraPlanTest, StoppedBootstrapNodeWithPeersIsNeverRestartedAsBootstrap) {
  PlanInput in =
      Input(3, {Node(0, std::nullopt, "exited", true), Node(1, Synced(2)), Node(2, Synced(2))});
  EXPECT_THAT(Plan(in), ElementsAre(Is(T::kReplace, 0)));
}

TEST(GaleraPlanTest, TotalOutageStopsEverythingThenRecovers) {
  PlanInput in = Input(3, {Node(0, Wsrep("non-Primary", "Initialized", 0, 1)),
                           Node(1, std::nullopt, "exited"), Node(2, std::nullopt, "exited")});
  EXPECT_THAT(Plan(in), ElementsAre(Is(T::kWait, 0)));  // maybe still forming
  in.nodes[0].not_ready_since = kNow - absl::Seconds(61);
  EXPECT_THAT(Plan(in), ElementsAre(Is(T::kStopForRecovery, 0)));
  in.nodes[0] = Node(0, std::nullopt, "exited");
  EXPECT_THAT(Plan(in), ElementsAre(Is(T::kRecover, -1)));
}

TEST(GaleraPlanTest, ClusterWithAPrimaryIsNeverRebootstrapped) {
  PlanInput in = Input(
      3, {Node(0, std::nullopt, "exited"), Node(1, std::nullopt, "exited"), Node(2, Synced(1))});
  for (const Action& a : Plan(in)) {
    EXPECT_NE(a.type, T::kRecover);
    EXPECT_NE(a.type, T::kBootstrap);
  }
  EXPECT_THAT(Plan(in), ElementsAre(Is(T::kStart, 0)));
}

TEST(GaleraPlanTest, AfterRecoveryOthersStartOneAtATime) {
  PlanInput in = Input(3, {Node(0, std::nullopt, "exited"), Node(1, Synced(1), "running", true),
                           Node(2, std::nullopt, "exited")});
  EXPECT_THAT(Plan(in), ElementsAre(Is(T::kStart, 0)));
  in.nodes[0] = Node(0, Wsrep("Primary", "Joining", kStateJoining, 2));
  EXPECT_THAT(Plan(in), ElementsAre(Is(T::kWait, 0)));
}

TEST(GaleraPlanTest, InterruptedBootstrapStartsTheCreatedNode) {
  PlanInput in = Input(3, {Node(0, std::nullopt, "created", true)});
  EXPECT_THAT(Plan(in), ElementsAre(Is(T::kStart, 0)));
}

TEST(GaleraPlanTest, DeletionRemovesNodesHighestFirstAndVolumesOnlyWhenAsked) {
  PlanInput in = Input(3, {Node(0, Synced(3)), Node(2, Synced(3)), Node(1, Synced(3))});
  in.desired.deleting = true;
  in.network_present = true;
  in.volumes = {"v0", "v1"};
  EXPECT_THAT(Plan(in), ElementsAre(Is(T::kRemove, 2), Is(T::kRemove, 1), Is(T::kRemove, 0),
                                    Is(T::kRemoveNetwork, -1)));
  in.desired.delete_volumes = true;
  EXPECT_EQ(Plan(in).size(), 6u);
}

TEST(GaleraPlanTest, SuspendDoesNothing) {
  PlanInput in = Input(3, {});
  in.desired.suspend = true;
  EXPECT_THAT(Plan(in), IsEmpty());
}

TEST(GaleraPlanTest, PaceIsShortOnlyOnceAJoinersLogSaysItHasItsState) {
  PlanInput in = Input(3, {Node(0, Synced(3)), Node(1, Synced(3)), Node(2, Synced(3))});
  EXPECT_EQ(PaceOf(in), Pace::kConverging);
  in.nodes[2] = Node(2, std::nullopt, "exited");  // down: nothing runs to wait for
  EXPECT_EQ(PaceOf(in), Pace::kConverging);
  in.nodes[2] = Node(2, std::nullopt);  // started, recovering its position
  EXPECT_EQ(PaceOf(in), Pace::kConverging);
  in.nodes[2].log.state = "JOINER";  // in its state transfer: the SST scripts run
  EXPECT_EQ(PaceOf(in), Pace::kConverging);
  in.nodes[2].log.transfer_done = true;  // "IST completed on joiner": InnoDB starts
  EXPECT_EQ(PaceOf(in), Pace::kFinishing);
  in.nodes[2].log.transfer_done = false;
  in.nodes[2].log.state = "JOINED";  // has its state, catching up
  EXPECT_EQ(PaceOf(in), Pace::kFinishing);
  in.nodes[2].log.state = "SYNCED";  // the probe has not seen it yet
  EXPECT_EQ(PaceOf(in), Pace::kFinishing);
  in.nodes[2].wsrep = Synced(3);  // the probe sees it: ready
  EXPECT_EQ(PaceOf(in), Pace::kConverging);
}

}  // namespace
}  // namespace nxt::galera
