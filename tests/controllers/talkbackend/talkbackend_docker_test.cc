// TalkBackend against the real engine and real services: NATS (nxt/nats, Debian's
// nats-server), coturn (nxt/coturn, Debian's coturn) and the signaling stand-in
// (nxt/signaling-standin, which reports the config it was given on /nxt/config).
// CurlDockerClient + ContainerCache + CurlHttpClient + the reconciler with an in-memory
// store. Every object carries io.nxt.name=<unique name> and is removed by that label in
// TearDown, even when a test failed. coturn binds host ports: the test picks free ones.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/clock.h"
#include "common/logging.h"
#include "controllers/common/curl_http_client.h"
#include "controllers/common/owner.h"
#include "controllers/talkbackend/probe.h"
#include "controllers/talkbackend/talkbackend_reconciler.h"
#include "docker/container_cache.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/controller_docker_test.h"
#include "tests/testing/status_matchers.h"

namespace nxt::talkbackend {
namespace {

using ::nxt::testing::IsOk;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr absl::Duration kResync = absl::Seconds(77);  // marks "converged" in results

// True when nothing on this host holds `port` (TCP and UDP).
bool PortFree(int port) {
  for (int type : {SOCK_STREAM, SOCK_DGRAM}) {
    int fd = socket(AF_INET, type, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    close(fd);
    if (!ok) return false;
  }
  return true;
}

class TalkBackendDockerTest : public nxt::testing::ControllerDockerTest {
 protected:
  void SetUp() override {
    SetUpEngine(resources::kTalkBackendKind, "default",
                {"nxt/nats:2.9", "nxt/signaling-standin:1", "nxt/coturn:4.6"},
                "nats signaling-standin coturn");
    if (IsSkipped() || HasFatalFailure()) return;
    TalkBackendReconciler::Options options;
    options.stop_timeout = absl::Seconds(2);
    options.resync = kResync;
    reconciler_ = std::make_unique<TalkBackendReconciler>(Deps(&http_), options);
  }

  void Apply(int signaling, int nats, boost::json::object coturn = {}) {
    resources::Object o;
    o.kind = resources::kTalkBackendKind;
    o.metadata.name = name_;
    o.spec = {{"nextcloudURL", "https://cloud.example.com"},
              {"signaling", {{"replicas", signaling}, {"image", "nxt/signaling-standin:1"}}},
              {"nats", {{"replicas", nats}, {"image", "nxt/nats:2.9"}}},
              {"coturn", std::move(coturn)}};
    store_->Apply(std::move(o));
  }

  // Reconciles as the daemon does (cache refreshed first, then `each_round`) until converged.
  void Converge(const std::function<void()>& each_round = nullptr,
                absl::Duration limit = absl::Seconds(60)) {
    const double seconds =
        ReconcileUntilConverged(*reconciler_, kResync, limit, absl::Milliseconds(300), each_round);
    if (seconds >= 0) {
      std::fprintf(stderr, "[ converged ] signaling %s, NATS %s (routes %s), TURN %s in %.1f s\n",
                   StatusField("signaling").c_str(), StatusField("nats").c_str(),
                   StatusField("natsRoutes").c_str(), StatusField("turn").c_str(), seconds);
    }
  }

  std::string Address(const std::string& container) {
    absl::StatusOr<docker::ContainerInfo> info = docker_->InspectContainer(container);
    EXPECT_THAT(info, IsOk());
    return info.ok() ? info->network_ips[controllers::NetworkName("default", name_)] : "";
  }

  // GET http://<container>:<port><path> as JSON.
  boost::json::value GetJson(const std::string& container, int port, const std::string& path) {
    controllers::HttpCall call;
    call.url = absl::StrCat("http://", Address(container), ":", port, path);
    absl::StatusOr<controllers::HttpReply> reply = http_.Do(call);
    EXPECT_THAT(reply, IsOk()) << call.url;
    if (!reply.ok()) return nullptr;
    EXPECT_EQ(reply->code, 200) << call.url << ": " << reply->body;
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(reply->body, ec);
    EXPECT_FALSE(ec) << reply->body;
    return v;
  }

  // The addresses node `i` has routes to, as NATS reports them.
  std::set<std::string> RoutesOf(int i) {
    boost::json::value v = GetJson(NatsName(name_, i), kNatsMonitorPort, "/routez");
    absl::StatusOr<std::set<std::string>> ips = RouteAddresses(boost::json::serialize(v));
    EXPECT_THAT(ips, IsOk());
    return ips.ok() ? *ips : std::set<std::string>{};
  }

  std::string ContainerId(const std::string& name) {
    absl::StatusOr<docker::ContainerInfo> info = docker_->InspectContainer(name);
    return info.ok() ? info->id : "";
  }

  controllers::CurlHttpClient http_;
  std::unique_ptr<TalkBackendReconciler> reconciler_;
};

TEST_F(TalkBackendDockerTest, NatsMeshFormsAndHealsAfterANodeIsRemoved) {
  Apply(/*signaling=*/1, /*nats=*/3);
  Converge();
  EXPECT_EQ(StatusField("natsRoutes"), "6/6");
  std::map<int, std::string> ip;
  for (int i = 0; i < 3; ++i) ip[i] = Address(NatsName(name_, i));
  for (int i = 0; i < 3; ++i) {
    std::set<std::string> want;
    for (int j = 0; j < 3; ++j) {
      if (j != i) want.insert(ip[j]);
    }
    EXPECT_EQ(RoutesOf(i), want) << "node " << i << " sees every other node";
  }

  const std::string old_id = ContainerId(NatsName(name_, 1));
  ASSERT_THAT(docker_->RemoveContainer(NatsName(name_, 1), /*force=*/true), IsOk());
  Converge();
  EXPECT_NE(ContainerId(NatsName(name_, 1)), old_id) << "recreated";
  ip[1] = Address(NatsName(name_, 1));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(RoutesOf(i).size(), 2u) << "node " << i << " after the heal";
    EXPECT_FALSE(RoutesOf(i).contains(ip[i]));
  }
  EXPECT_TRUE(RoutesOf(0).contains(ip[1])) << "the new node joined the mesh";
  EXPECT_EQ(StatusField("natsRoutes"), "6/6");
}

TEST_F(TalkBackendDockerTest, SignalingTwoToThreeUpdatesEveryNodesTargetsOneAtATime) {
  Apply(/*signaling=*/2, /*nats=*/2);
  Converge();
  boost::json::value before = GetJson(SignalingName(name_, 0), kSignalingHttpPort, "/nxt/config");
  EXPECT_EQ(before.at("grpc").at("targets"),
            boost::json::array{absl::StrCat(SignalingName(name_, 1), ":9090")});

  Apply(/*signaling=*/3, /*nats=*/2);
  std::map<std::string, std::string> ids;
  for (int i = 0; i < 2; ++i) ids[SignalingName(name_, i)] = ContainerId(SignalingName(name_, i));
  int max_down = 0;
  Converge([&] {
    int down = 0;  // signaling nodes of the old set not running right now
    for (const auto& [name, id] : ids) {
      absl::StatusOr<docker::ContainerInfo> info = docker_->InspectContainer(name);
      down += !info.ok() || !info->running;
    }
    max_down = std::max(max_down, down);
  });
  EXPECT_LE(max_down, 1) << "one node at a time";
  for (const auto& [name, id] : ids) EXPECT_NE(ContainerId(name), id) << name << " was rolled";

  const std::vector<std::string> nats = {absl::StrCat("nats://", NatsName(name_, 0), ":4222"),
                                         absl::StrCat("nats://", NatsName(name_, 1), ":4222")};
  for (int i = 0; i < 3; ++i) {
    boost::json::value got = GetJson(SignalingName(name_, i), kSignalingHttpPort, "/nxt/config");
    boost::json::array want;
    for (int j = 0; j < 3; ++j) {
      if (j != i)
        want.push_back(boost::json::string(absl::StrCat(SignalingName(name_, j), ":9090")));
    }
    EXPECT_EQ(got.at("grpc").at("targets"), want) << "node " << i;
    for (int j = 0; j < 3; ++j) {
      if (j == i) continue;
      EXPECT_EQ(got.at("grpc").at("reachable").at(absl::StrCat(SignalingName(name_, j), ":9090")),
                true)
          << "node " << i << " reaches node " << j;
    }
    EXPECT_EQ(got.at("nats").at("urls"), (boost::json::array{nats[0].c_str(), nats[1].c_str()}));
    for (const std::string& url : nats) EXPECT_EQ(got.at("nats").at("reachable").at(url), true);
    EXPECT_EQ(got.at("mode"), "0600");
    EXPECT_EQ(got.at("config").at("sessions").at("hashkey"), "(redacted, 64 bytes)");
    EXPECT_EQ(got.at("config").at("sessions").at("blockkey"), "(redacted, 32 bytes)");
  }
}

TEST_F(TalkBackendDockerTest, CoturnAnswersStunOnTheHostNetwork) {
  absl::BitGen gen;
  int port = 0;
  for (int attempt = 0; attempt < 50 && port == 0; ++attempt) {
    const int p = absl::Uniform<int>(gen, 21000, 29000);
    if (PortFree(p) && PortFree(p + 1)) port = p;
  }
  ASSERT_NE(port, 0) << "no free port pair for coturn";
  Apply(/*signaling=*/1, /*nats=*/1,
        {{"enabled", true},
         {"realm", "turn.example.com"},
         {"port", port},
         {"relayPorts", {{"min", port + 10}, {"max", port + 40}}},
         {"image", "nxt/coturn:4.6"}});
  Converge();
  EXPECT_EQ(StatusField("turn"), "Ready");

  const std::string coturn = CoturnName(name_);
  absl::StatusOr<docker::ExecResult> stun = docker_->Exec(
      coturn, {"timeout", "3", "turnutils_stunclient", "-p", absl::StrCat(port), "127.0.0.1"},
      absl::Seconds(5));
  ASSERT_THAT(stun, IsOk());
  EXPECT_EQ(stun->exit_code, 0) << stun->stderr_text;
  EXPECT_THAT(stun->stdout_text, HasSubstr("UDP reflexive addr: 127.0.0.1:"));

  // The TURN secret is only in the 0600 config file, never in the container's args or env.
  absl::StatusOr<std::string> secret = secrets_->Get(key_, kTurnSecret);
  ASSERT_THAT(secret, IsOk());
  absl::StatusOr<docker::ExecResult> conf =
      docker_->Exec(coturn, {"stat", "-c", "%a", kTurnConfPath}, absl::Seconds(5));
  ASSERT_THAT(conf, IsOk());
  EXPECT_EQ(conf->stdout_text, "600\n");
  absl::StatusOr<docker::ExecResult> cmdline =
      docker_->Exec(coturn, {"cat", "/proc/1/cmdline", "/proc/1/environ"}, absl::Seconds(5));
  ASSERT_THAT(cmdline, IsOk());
  EXPECT_THAT(cmdline->stdout_text, HasSubstr("turnserver"));
  EXPECT_THAT(cmdline->stdout_text, Not(HasSubstr(*secret)));
  boost::json::value sig = GetJson(SignalingName(name_, 0), kSignalingHttpPort, "/nxt/config");
  EXPECT_EQ(sig.at("config").at("turn").at("servers"),
            boost::json::value(absl::StrCat("turn:turn.example.com:", port,
                                            "?transport=udp,turn:turn.example.com:", port,
                                            "?transport=tcp")));
  EXPECT_EQ(sig.at("config").at("turn").at("secret"), "(redacted, 32 bytes)");
}

// The stand-in refuses, as spreed-signaling does, what would not run: it exits 1 at once.
TEST_F(TalkBackendDockerTest, StandinRefusesConfigsTheRealServerRefuses) {
  TalkSecrets secrets;
  secrets.hash_key = std::string(64, 'h');
  secrets.block_key = std::string(32, 'b');
  secrets.internal_secret = std::string(32, 'i');
  secrets.backend_secret = std::string(32, 's');
  secrets.turn_secret = std::string(32, 't');
  secrets.turn_api_key = std::string(32, 'a');
  resources::TalkBackendSpec spec;
  spec.nextcloud_url = "https://cloud.example.com";
  spec.signaling.replicas = 2;
  spec.nats.replicas = 1;
  const std::string good = ServerConf(key_, spec, 0, secrets);
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string out = good;
    out.replace(out.find(from), from.size(), to);
    return out;
  };
  // {what, config, refused}: the rendered config itself runs (waiting for NATS).
  const std::vector<std::tuple<std::string, std::string, bool>> cases = {
      {"the rendered config", good, false},
      {"hashkey of 20 bytes", replace(secrets.hash_key, std::string(20, 'h')), true},
      {"blockkey of 20 bytes", replace(secrets.block_key, std::string(20, 'b')), true},
      {"no [sessions]", replace("[sessions]\nhashkey", "[other]\nhashkey"), true},
      {"backend without its section", replace("[nc]", "[other-nc]"), true},
      {"a target that is not host:port", replace(":9090\n", "\n"), true},
      {"TURN servers without a secret", good + "\n[turn]\nservers = turn:t.example:3478\n", true},
  };
  for (const auto& [what, conf, refused] : cases) {
    docker::ContainerSpec c;
    c.name = absl::StrCat(name_, "-bad");
    c.image = "nxt/signaling-standin:1";
    c.labels = controllers::OwnerLabels(key_, "test");
    c.entrypoint = {kSignalingBinary};
    c.cmd = {"-config", kServerConfPath};
    c.restart_policy = "no";
    absl::StatusOr<std::string> id = docker_->CreateContainer(c);
    ASSERT_THAT(id, IsOk());
    ASSERT_THAT(docker_->PutFile(*id, kServerConfPath, conf, 0600), IsOk());
    ASSERT_THAT(docker_->StartContainer(*id), IsOk());
    absl::StatusOr<docker::ContainerInfo> info = docker_->InspectContainer(*id);
    // A refusal comes within a second (python's start-up); a good config is still up then.
    for (int i = 0; i < (refused ? 100 : 30) && info.ok() && info->running; ++i) {
      absl::SleepFor(absl::Milliseconds(50));
      info = docker_->InspectContainer(*id);
    }
    ASSERT_THAT(info, IsOk());
    EXPECT_EQ(info->running, !refused) << what;
    if (refused) {
      EXPECT_EQ(info->exit_code, 1) << what;
    }
    ASSERT_THAT(docker_->RemoveContainer(*id, /*force=*/true), IsOk());
  }
}

}  // namespace
}  // namespace nxt::talkbackend
