// Rejoin by IST: the node start script (run by the real /bin/sh against a stand-in
// `mariadbd`), the provider options merge and what a node's log says about its join
// (controllers/galeracluster/start_script.h, render.h, galera_log.h).
#include <array>
#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "controllers/galeracluster/galera_log.h"
#include "controllers/galeracluster/render.h"
#include "controllers/galeracluster/start_script.h"
#include "controllers/galeracluster/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/builtin_kinds.h"
#include "tests/testing/temp_dir.h"

namespace nxt::galera {
namespace {

// The spec of a manifest that sets nothing: every field as the CRD defaults it.
resources::GaleraClusterSpec DefaultSpec() {
  return nxt::testing::DecodedDefaults(resources::DecodeGaleraClusterSpec, "GaleraCluster");
}

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kUuid[] = "8ac7e998-ef0d-11f1-a4ab-4a2c9e4c5ddd";
const resources::ObjectKey kKey{"GaleraCluster", "default", "db"};

// A stand-in server: with --wsrep-recover it writes $RECOVER_LOG's text to the
// --log-error file (as mariadbd does); otherwise it prints the arguments it got.
constexpr char kFakeServer[] = R"sh(#!/bin/sh
for a in "$@"; do
  case "$a" in
    --wsrep-recover) recover=1 ;;
    --log-error=*) log=${a#--log-error=} ;;
  esac
done
if [ -n "${recover:-}" ]; then printf '%b' "$RECOVER_LOG" > "$log"; exit 0; fi
echo "server: $*"
)sh";

class StartScriptTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("bin/mariadbd", kFakeServer);
    std::filesystem::permissions(dir_.Join("bin/mariadbd"), std::filesystem::perms::owner_all);
    std::filesystem::create_directories(dir_.Join("data/mysql"));
    StartScriptPaths paths;
    paths.data_dir = dir_.Join("data");
    paths.config = "/etc/nxt/my.cnf";
    paths.recover_log = dir_.Join("recover.log");
    paths.server = dir_.Join("bin/mariadbd");
    dir_.Write("start.sh", RenderStartScript(paths));
  }

  void Grastate(const std::string& seqno) {
    dir_.Write("data/grastate.dat",
               absl::StrCat("# GALERA saved state\nversion: 2.1\nuuid:    ", kUuid,
                            "\nseqno:   ", seqno, "\nsafe_to_bootstrap: 0\n"));
  }

  // Runs the script with `args` (stderr folded into the output); what it printed.
  std::string Run(const std::string& recover_log, const std::string& args = "") {
    const std::string cmd = absl::StrCat("RECOVER_LOG='", recover_log, "' /bin/sh ",
                                         dir_.Join("start.sh"), " ", args, " 2>&1");
    std::string out;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (p == nullptr) return "popen failed";
    std::array<char, 512> buf;
    while (fgets(buf.data(), buf.size(), p) != nullptr) out += buf.data();
    EXPECT_EQ(::pclose(p), 0) << out;
    return out;
  }

  nxt::testing::TempDir dir_;
};

TEST_F(StartScriptTest, AfterACrashStartsAtThePositionWsrepRecoverFound) {
  Grastate("-1");
  const std::string log =
      absl::StrCat("2026-12-03 11:36:15 0 [Note] WSREP: Recovered position: ", kUuid,
                   ":3\\n2026-12-03 11:36:15 0 [Note] InnoDB: ok\\n"
                   "2026-12-03 11:36:16 0 [Note] WSREP: Recovered position: ",
                   kUuid, ":9\\n");
  const std::string out = Run(log, "--wsrep-new-cluster");
  EXPECT_THAT(out, HasSubstr(absl::StrCat("nxt: recovered position ", kUuid, ":9\n")));
  EXPECT_THAT(out, HasSubstr(absl::StrCat("server: --defaults-file=/etc/nxt/my.cnf "
                                          "--wsrep-new-cluster --wsrep-start-position=",
                                          kUuid, ":9\n")));
}

TEST_F(StartScriptTest, WithoutAValidPositionStartsPlainAndSaysWhy) {
  Grastate("-1");
  for (const std::string& log :
       {absl::StrCat("WSREP: Recovered position: ", kUuid, ":-1\\n"),
        std::string("WSREP: Recovered position: 00000000-0000-0000-0000-000000000000:5\\n"),
        std::string("InnoDB: corruption\\n"), std::string("")}) {
    SCOPED_TRACE(log);
    const std::string out = Run(log);
    EXPECT_THAT(out, HasSubstr("nxt: no position recovered"));
    EXPECT_THAT(out, HasSubstr("server: --defaults-file=/etc/nxt/my.cnf\n"));
    EXPECT_THAT(out, Not(HasSubstr("--wsrep-start-position")));
  }
}

TEST_F(StartScriptTest, RecoversOnlyACrashedDatabaseWithNoUnfinishedSst) {
  const std::string log = absl::StrCat("WSREP: Recovered position: ", kUuid, ":9\\n");
  Grastate("42");  // a clean shutdown: Galera knows its position
  EXPECT_EQ(Run(log), "server: --defaults-file=/etc/nxt/my.cnf\n");
  Grastate("-1");
  dir_.Write("data/sst_in_progress", "");
  EXPECT_EQ(Run(log), "server: --defaults-file=/etc/nxt/my.cnf\n");
  std::filesystem::remove(dir_.Join("data/sst_in_progress"));
  std::filesystem::remove_all(dir_.Join("data/mysql"));  // nothing to recover from
  EXPECT_EQ(Run(log), "server: --defaults-file=/etc/nxt/my.cnf\n");
  std::filesystem::remove(dir_.Join("data/grastate.dat"));  // a new node
  EXPECT_EQ(Run(log), "server: --defaults-file=/etc/nxt/my.cnf\n");
}

TEST(ProviderOptionsTest, UserOptionsOverrideDefaultsKeyByKey) {
  EXPECT_EQ(MergeProviderOptions("gcache.size=128M;gcache.recover=yes", ""),
            "gcache.size=128M;gcache.recover=yes");
  EXPECT_EQ(MergeProviderOptions("gcache.size=128M;gcache.recover=yes", "gcache.size=16M"),
            "gcache.size=16M;gcache.recover=yes");
  EXPECT_EQ(MergeProviderOptions("gcache.size=128M;gcache.recover=yes",
                                 " GCache.Recover = no ; evs.suspect_timeout=PT10S;;"),
            "gcache.size=128M;gcache.recover=no;evs.suspect_timeout=PT10S");
}

TEST(ProviderOptionsTest, MyCnfHasOneMergedLine) {
  resources::GaleraClusterSpec spec = DefaultSpec();
  spec.config = {{"wsrep_provider_options", "gcache.size=16M;pc.weight=2"},
                 {"max_connections", "50"}};
  const std::string cnf = RenderMyCnf(kKey, spec, 0);
  EXPECT_THAT(cnf, HasSubstr("\nwsrep_provider_options=gcache.size=16M;gcache.recover=yes;"
                             "pc.weight=2\n"));
  EXPECT_EQ(cnf.find("wsrep_provider_options"), cnf.rfind("wsrep_provider_options"));
  EXPECT_THAT(cnf, HasSubstr("\nmax_connections=50\n"));
  spec.config.clear();
  EXPECT_THAT(RenderMyCnf(kKey, spec, 0),
              HasSubstr(absl::StrCat("\nwsrep_provider_options=", kDefaultProviderOptions, "\n")));
}

TEST(ProviderOptionsTest, NodeRunsTheStartScript) {
  resources::GaleraClusterSpec spec = DefaultSpec();
  docker::ContainerSpec c = RenderNode(kKey, spec, 1, NodeMode::kJoin, "h");
  EXPECT_EQ(c.entrypoint, (std::vector<std::string>{"/bin/sh", kStartScriptPath}));
  EXPECT_TRUE(c.cmd.empty());
  c = RenderNode(kKey, spec, 0, NodeMode::kBootstrap, "h");
  EXPECT_EQ(c.cmd, (std::vector<std::string>{"--wsrep-new-cluster"}));
}

// Excerpts of real joiner logs (nxt/mariadb-galera:10.11, galera 26.4).
constexpr char kIstJoin[] = R"(nxt: recovered position 8ac7e998-ef0d-11f1-a4ab-4a2c9e4c5ddd:9
2026-12-03 11:36:21 0 [Note] WSREP: Recovering GCache ring buffer: found gapless sequence 4-9
2026-12-03 11:36:22 0 [Note] WSREP: Shifting CLOSED -> OPEN (TO: 0)
2026-12-03 11:36:23 0 [Note] WSREP: Shifting OPEN -> PRIMARY (TO: 12)
2026-12-03 11:36:23 2 [Note] WSREP: State transfer required: 
	Group state: 8ac7e998-ef0d-11f1-a4ab-4a2c9e4c5ddd:12
	Local state: 8ac7e998-ef0d-11f1-a4ab-4a2c9e4c5ddd:9
WSREP_SST: [INFO] rsync SST started on joiner (20261203 11:36:23.623)
2026-12-03 11:36:27 0 [Note] WSREP: Shifting PRIMARY -> JOINER (TO: 12)
2026-12-03 11:36:30 0 [Note] WSREP: (a1b2, 'tcp://0.0.0.0:4567') reconnecting to 3c4d
)";

TEST(NodeLogTest, IstJoinIsJoiningAndSaysIstOnceTheScriptKnows) {
  NodeLog log = ParseNodeLog(kIstJoin);
  EXPECT_EQ(log.state, "JOINER");
  EXPECT_TRUE(log.Joining());
  EXPECT_EQ(log.recovered, absl::StrCat(kUuid, ":9"));
  EXPECT_EQ(log.transfer, "");  // "SST started" is said for an IST too
  EXPECT_EQ(log.progress,
            "2026-12-03 11:36:27 0 [Note] WSREP: Shifting PRIMARY -> JOINER (TO: 12)");
  log = ParseNodeLog(absl::StrCat(kIstJoin,
                                  "WSREP_SST: [INFO] rsync IST completed on joiner (2026)\n"
                                  "2026-12-03 11:36:33 0 [Note] WSREP: Shifting JOINER -> "
                                  "JOINED (TO: 12)\n"));
  EXPECT_EQ(log.transfer, "IST");
  EXPECT_TRUE(log.transfer_done);
  EXPECT_EQ(log.sst_reason, "");
  EXPECT_EQ(log.state, "JOINED");
  log = ParseNodeLog(absl::StrCat(kIstJoin,
                                  "WSREP_SST: [INFO] 'ist_complete' received from "
                                  "donor: Running IST (2026)\n"));
  EXPECT_EQ(log.transfer, "IST");
  log = ParseNodeLog(absl::StrCat(log.progress,
                                  "\n2026 [Note] WSREP: Shifting JOINED -> "
                                  "SYNCED (TO: 12)\n"));
  EXPECT_FALSE(log.Joining());
}

TEST(NodeLogTest, SstSaysWhy) {
  NodeLog log = ParseNodeLog(
      "nxt: no position recovered (--wsrep-recover exit 1, found ''); the node needs an SST\n"
      "WSREP: State transfer required: \n\tGroup state: 8ac7e998-ef0d-11f1-a4ab-4a2c9e4c5ddd:12\n"
      "\tLocal state: 00000000-0000-0000-0000-000000000000:-1\n");
  EXPECT_EQ(log.transfer, "SST");
  EXPECT_THAT(log.sst_reason, HasSubstr("no recoverable position"));
  log = ParseNodeLog(
      "WSREP: State transfer required: \n\tGroup state: 8ac7e998-ef0d-11f1-a4ab-4a2c9e4c5ddd:900\n"
      "\tLocal state: 8ac7e998-ef0d-11f1-a4ab-4a2c9e4c5ddd:9\n"
      "WSREP_SST: [INFO] Proceeding with SST (2026)\n");
  EXPECT_EQ(log.transfer, "SST");
  EXPECT_EQ(log.sst_reason,
            "the donor's gcache no longer holds the write sets after seqno 9 (the group is at "
            "900)");
  log = ParseNodeLog(
      "WSREP: Failed to prepare for incremental state transfer: Local state UUID differs. IST "
      "will be unavailable.\nWSREP_SST: [INFO] mariabackup SST completed on joiner (2026)\n");
  EXPECT_EQ(log.sst_reason, "IST unavailable: Local state UUID differs");
  EXPECT_TRUE(log.transfer_done);
}

TEST(NodeLogTest, ANewNodesSstIsNotAFailedIst) {
  NodeLog log = ParseNodeLog(
      "WSREP: State transfer required: \n\tGroup state: 8ac7e998-ef0d-11f1-a4ab-4a2c9e4c5ddd:3\n"
      "\tLocal state: 00000000-0000-0000-0000-000000000000:-1\n");
  EXPECT_EQ(log.transfer, "SST");
  EXPECT_TRUE(log.fresh);
  EXPECT_EQ(log.sst_reason, "a new node: it has no state yet");
}

// A die shows in the stored status before the round probes anything.
TEST(MarkNodesDownTest, ReadyNodesSeenStoppedOrGoneAreDownAtOnce) {
  resources::ObjectStatus previous;
  previous.fields = {
      {"replicas", 3},
      {"readyReplicas", 3},
      {"ready", "3/3"},
      {"summary", "Ready"},
      {"nodes", boost::json::array{{{"name", "db-0"}, {"ready", true}, {"state", "Primary/Synced"}},
                                   {{"name", "db-1"}, {"ready", true}, {"state", "Primary/Synced"}},
                                   {{"name", "db-2"}, {"ready", false}, {"state", "Joining"}}}}};
  const absl::Time now = absl::FromUnixSeconds(1000);
  EXPECT_FALSE(MarkNodesDown(previous, {}, now).has_value());
  EXPECT_FALSE(MarkNodesDown(previous, {{"db-2", "exited"}}, now).has_value());  // not ready
  std::optional<resources::ObjectStatus> s =
      MarkNodesDown(previous, {{"db-0", "exited"}, {"db-1", "missing"}}, now);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->fields.at("readyReplicas"), 1);
  EXPECT_EQ(s->fields.at("ready"), "1/3");
  EXPECT_EQ(s->fields.at("summary"), "Healing");
  const boost::json::array& nodes = s->fields.at("nodes").as_array();
  EXPECT_EQ(nodes[0].at("state"), "exited");
  EXPECT_EQ(nodes[0].at("ready"), false);
  EXPECT_EQ(nodes[1].at("state"), "missing");
  const resources::Condition* ready = nullptr;
  for (const resources::Condition& c : s->conditions) {
    if (c.type == resources::kConditionReady) ready = &c;
  }
  ASSERT_NE(ready, nullptr);
  EXPECT_EQ(ready->status, "False");
  EXPECT_EQ(ready->message, "db-0, db-1 down");
  EXPECT_EQ(ready->last_transition_time, now);
}

}  // namespace
}  // namespace nxt::galera
