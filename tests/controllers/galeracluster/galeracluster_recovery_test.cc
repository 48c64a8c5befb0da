// The total-outage recovery decision and the wsrep / grastate parsers.
#include <string>
#include <vector>

#include "controllers/galeracluster/recovery.h"
#include "controllers/galeracluster/wsrep.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace nxt::galera {
namespace {

using ::nxt::testing::IsOk;
using ::nxt::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kUuid[] = "895df241-e622-11f1-a54e-ae1bbd32e2b6";

NodeRecoveryInfo Info(int ordinal, int64_t seqno, bool safe = false) {
  NodeRecoveryInfo n;
  n.ordinal = ordinal;
  n.volume_present = true;
  n.has_data = true;
  n.grastate_present = true;
  n.grastate = {kUuid, seqno, safe};
  return n;
}

NodeRecoveryInfo Recovered(int ordinal, int64_t recovered_seqno) {
  NodeRecoveryInfo n = Info(ordinal, -1);
  n.recovered = true;
  n.recovered_seqno = recovered_seqno;
  n.recovered_uuid = recovered_seqno >= 0 ? kUuid : "";
  return n;
}

TEST(RecoveryDecisionTest, Table) {
  struct Case {
    const char* name;
    std::vector<NodeRecoveryInfo> nodes;
    int chosen;  // -1: refused
  };
  NodeRecoveryInfo empty = Info(0, 50);
  empty.has_data = false;
  NodeRecoveryInfo unfinished_sst = Info(2, 99);
  unfinished_sst.sst_in_progress = true;
  NodeRecoveryInfo never_synced = Info(1, 5);
  never_synced.grastate.uuid = kZeroUuid;
  NodeRecoveryInfo other_cluster = Info(2, 10);
  other_cluster.grastate.uuid = "11111111-2222-3333-4444-555555555555";
  const std::vector<Case> cases = {
      {"highest seqno wins", {Info(0, 10), Info(1, 12), Info(2, 11)}, 1},
      {"recovered position counts", {Info(0, 10), Recovered(1, 15), Info(2, 11)}, 1},
      {"tie: safe_to_bootstrap wins", {Info(0, 12), Info(1, 12), Info(2, 12, true)}, 2},
      {"tie: lowest ordinal", {Info(2, 12), Info(1, 12), Info(0, 3)}, 1},
      {"a node that fell behind loses", {Info(0, 7, true), Info(1, 20), Recovered(2, 20)}, 1},
      {"empty data directory never chosen", {empty, Info(1, 40), Info(2, 39)}, 1},
      {"unfinished SST never chosen", {Info(0, 10), Info(1, 11), unfinished_sst}, 1},
      {"never synced never chosen", {Info(0, 3), never_synced}, 0},
      {"recover found nothing", {Recovered(0, -1), Info(1, 2)}, 1},
      {"nobody eligible", {empty, Recovered(1, -1)}, -1},
      {"two clusters: refuse", {Info(0, 10), Info(1, 9), other_cluster}, -1},
  };
  for (const Case& c : cases) {
    absl::StatusOr<RecoveryDecision> d = DecideRecovery(c.nodes, "db-");
    if (c.chosen < 0) {
      EXPECT_THAT(d, StatusIs(absl::StatusCode::kFailedPrecondition)) << c.name;
      continue;
    }
    ASSERT_THAT(d, IsOk()) << c.name;
    EXPECT_EQ(d->chosen, c.chosen) << c.name << ": " << d->reason;
  }
}

TEST(RecoveryDecisionTest, ReasonNamesEveryNode) {
  NodeRecoveryInfo empty = Info(2, 1);
  empty.has_data = false;
  absl::StatusOr<RecoveryDecision> d =
      DecideRecovery({Info(0, 10), Recovered(1, 12), empty}, "db-");
  ASSERT_THAT(d, IsOk());
  EXPECT_EQ(d->seqno, 12);
  EXPECT_THAT(d->reason, HasSubstr("db-1 has the highest seqno 12"));
  EXPECT_THAT(d->reason, HasSubstr("db-0: seqno 10"));
  EXPECT_THAT(d->reason, HasSubstr("db-1: seqno 12 (recovered)"));
  EXPECT_THAT(d->reason, HasSubstr("db-2: not eligible, empty data directory"));
}

TEST(GrastateTest, ParsesRealFile) {
  absl::StatusOr<GraState> g = ParseGrastate(
      "# GALERA saved state\nversion: 2.1\nuuid:    895df241-e622-11f1-a54e-ae1bbd32e2b6\n"
      "seqno:   -1\nsafe_to_bootstrap: 0\n");
  ASSERT_THAT(g, IsOk());
  EXPECT_EQ(*g, (GraState{kUuid, -1, false}));
  g = ParseGrastate(absl::StrCat("has_data=1\ngrastate=1\nuuid: ", kUuid,
                                 "\nseqno: 1042\nsafe_to_bootstrap: 1\n"));
  ASSERT_THAT(g, IsOk());
  EXPECT_EQ(*g, (GraState{kUuid, 1042, true}));
  EXPECT_THAT(ParseGrastate("seqno: 3\n"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseGrastate("uuid: nope\nseqno: 3\n"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseGrastate(absl::StrCat("uuid: ", kUuid, "\nseqno: x\n")),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(GrastateTest, SetsSafeToBootstrapKeepingTheRest) {
  const std::string in = absl::StrCat("# GALERA saved state\nversion: 2.1\nuuid: ", kUuid,
                                      "\nseqno: 7\nsafe_to_bootstrap: 0\n");
  EXPECT_EQ(WithSafeToBootstrap(in, true),
            absl::StrCat("# GALERA saved state\nversion: 2.1\nuuid: ", kUuid,
                         "\nseqno: 7\nsafe_to_bootstrap: 1\n"));
  EXPECT_EQ(WithSafeToBootstrap("uuid: x\n", false), "uuid: x\nsafe_to_bootstrap: 0\n");
}

TEST(RecoveredPositionTest, TakesTheLastLine) {
  std::string log = absl::StrCat(
      "2026-11-22  3:12:52 0 [Note] InnoDB: Starting\n"
      "2026-11-22  3:12:52 0 [Note] WSREP: Recovered position: ",
      kUuid, ":5\n");
  std::optional<GraState> p = ParseRecoveredPosition(log);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->seqno, 5);
  EXPECT_EQ(p->uuid, kUuid);
  EXPECT_FALSE(ParseRecoveredPosition("InnoDB: corrupted\n").has_value());
  EXPECT_FALSE(ParseRecoveredPosition("WSREP: Recovered position: garbage\n").has_value());
}

TEST(WsrepStatusTest, ParsesShowStatus) {
  absl::StatusOr<WsrepStatus> s = ParseWsrepStatus(
      absl::StrCat("wsrep_local_state_uuid\t", kUuid,
                   "\nwsrep_local_state\t4\n"
                   "wsrep_local_state_comment\tSynced\nwsrep_cluster_size\t3\n"
                   "wsrep_cluster_state_uuid\t",
                   kUuid,
                   "\nwsrep_cluster_status\tPrimary\n"
                   "wsrep_connected\tON\nwsrep_incoming_addresses\tdb-0:3306,db-1:3306\n"));
  ASSERT_THAT(s, IsOk());
  EXPECT_TRUE(s->Ready());
  EXPECT_FALSE(s->InTransfer());
  EXPECT_EQ(s->cluster_size, 3);
  EXPECT_EQ(s->cluster_state_uuid, kUuid);
  s = ParseWsrepStatus(
      "wsrep_local_state\t2\nwsrep_local_state_comment\tDonor/Desynced\n"
      "wsrep_cluster_status\tPrimary\nwsrep_cluster_size\t3\n");
  ASSERT_THAT(s, IsOk());
  EXPECT_FALSE(s->Ready());
  EXPECT_TRUE(s->InTransfer());
  s = ParseWsrepStatus(
      "wsrep_local_state\t0\nwsrep_local_state_comment\tInitialized\n"
      "wsrep_cluster_status\tnon-Primary\nwsrep_cluster_size\t1\n");
  ASSERT_THAT(s, IsOk());
  EXPECT_FALSE(s->Ready());
  EXPECT_FALSE(s->InTransfer());
  EXPECT_THAT(ParseWsrepStatus("wsrep_on\tOFF\n"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseWsrepStatus(""), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(SstMethodTest, ReadsTheTransferFromDockerTop) {
  const std::string server =
      "mariadbd --wsrep_sst_method=rsync --wsrep-new-cluster --datadir=/var/lib/mysql";
  EXPECT_EQ(SstMethodFromProcesses({server}), "");
  EXPECT_EQ(SstMethodFromProcesses({}), "");
  // Joiner side of mariabackup: the script under bash, and its helpers.
  EXPECT_EQ(SstMethodFromProcesses({server,
                                    "/bin/bash -ue /usr//bin/wsrep_sst_mariabackup --role joiner "
                                    "--address 172.18.0.3 --datadir /var/lib/mysql/",
                                    "socat -u TCP-LISTEN:4444,reuseaddr stdio", "mbstream -x"}),
            "mariabackup");
  EXPECT_EQ(SstMethodFromProcesses({server, "/bin/sh /usr/bin/wsrep_sst_rsync --role joiner",
                                    "rsync --daemon --no-detach --port 4444"}),
            "rsync");
  // The program alone (the script already gone from the table).
  EXPECT_EQ(
      SstMethodFromProcesses({server, "mariabackup --backup --galera-info --stream=xbstream"}),
      "mariabackup");
  EXPECT_EQ(SstMethodFromProcesses({server, "/usr/bin/rsync --archive /var/lib/mysql/"}), "rsync");
  // Names inside arguments are not programs; wsrep_sst_common is a library.
  EXPECT_EQ(SstMethodFromProcesses({"tail -f /tmp/rsync.log", "cat wsrep_sst_common"}), "");
}

}  // namespace
}  // namespace nxt::galera
