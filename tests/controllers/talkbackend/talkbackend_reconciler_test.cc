// TalkBackendReconciler against the fake Docker client, the fake store and a mock HTTP
// client that answers like NATS (/routez: a route to every other running NATS node, by
// address) and the signaling server (/api/v1/welcome). What it creates, how secrets
// travel (0600 files only), readiness, one-at-a-time rollouts, repairs, invalid specs,
// deletion. Real services are covered by talkbackend_docker_test.
#include "controllers/talkbackend/talkbackend_reconciler.h"

#include <boost/json.hpp>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "controllers/talkbackend/talk_metrics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reconciler/reconciler.h"
#include "tests/mocks/controllers/mock_http_client.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/fake_docker_client.h"
#include "tests/testing/fake_store.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace nxt::talkbackend {
namespace {

using ::nxt::testing::IsOk;
using ::nxt::testing::StatusIs;
using ::testing::_;
using ::testing::HasSubstr;
using ::testing::Not;

const resources::ObjectKey kKey{resources::kTalkBackendKind, "default", "talk"};
constexpr char kNetwork[] = "nxt-default-talk";

class TalkBackendReconcilerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    docker_.AddEventListener([this](const docker::Event& e) { cache_.Apply(e); });
    ASSERT_THAT(cache_.Resync(), IsOk());
    ON_CALL(http_, Do(_)).WillByDefault([this](const controllers::HttpCall& call) {
      return Answer(call);
    });
    docker_.SetExecHandler(
        [this](const std::string&, const std::vector<std::string>& cmd, const std::string&) {
          docker::ExecResult r;
          const bool stun = cmd.size() > 2 && cmd[2] == "turnutils_stunclient";
          r.exit_code = stun && stun_answers_ ? 0 : 124;
          if (r.exit_code == 0) r.stdout_text = "0: : IPv4. UDP reflexive addr: 127.0.0.1:40000\n";
          return std::optional<docker::ExecResult>(r);
        });
  }

  // NATS answers with a route to every other running NATS node (unless the mesh is
  // broken); signaling nodes welcome.
  absl::StatusOr<controllers::HttpReply> Answer(const controllers::HttpCall& call) {
    std::map<std::string, std::string> name_of;  // address → container
    for (const std::string& name : docker_.ContainerNames()) {
      absl::StatusOr<docker::ContainerInfo> info = docker_.InspectContainer(name);
      if (info.ok() && info->running) name_of[info->network_ips[kNetwork]] = name;
    }
    const std::string host = std::vector<std::string>(absl::StrSplit(call.url, ':'))[1].substr(2);
    if (!name_of.contains(host)) return absl::UnavailableError("connection refused");
    if (absl::EndsWith(call.url, ":8080/api/v1/welcome")) {
      return controllers::HttpReply{200, R"({"nextcloud-spreed-signaling":"Welcome"})"};
    }
    if (!absl::EndsWith(call.url, ":8222/routez")) return controllers::HttpReply{404, ""};
    boost::json::array routes;
    for (const auto& [ip, name] : name_of) {
      if (ip != host && absl::StrContains(name, "-nats-") && mesh_) {
        routes.push_back(boost::json::object{{"ip", ip}, {"remote_id", name}});
      }
    }
    return controllers::HttpReply{
        200, boost::json::serialize(boost::json::object{{"routes", std::move(routes)}})};
  }

  void Apply(boost::json::object spec) {
    resources::Object o;
    o.kind = resources::kTalkBackendKind;
    o.metadata.name = "talk";
    spec.emplace("nextcloudURL", "https://cloud.example.com");
    o.spec = std::move(spec);
    store_.Apply(std::move(o));
  }

  absl::StatusOr<reconciler::Result> Reconcile() { return reconciler_.Reconcile({kKey}); }

  // Reconciles until converged (requeue == resync) or `rounds` run out.
  int ReconcileUntilReady(int rounds = 30) {
    for (int i = 1; i <= rounds; ++i) {
      absl::StatusOr<reconciler::Result> r = Reconcile();
      EXPECT_THAT(r, IsOk());
      if (!r.ok() || r->requeue_after == absl::Seconds(30)) return i;
    }
    return -1;
  }

  std::string Field(const char* name) {
    std::optional<resources::ObjectStatus> s = store_.GetStatus(kKey);
    if (!s.has_value() || !s->fields.contains(name)) return "";
    const boost::json::value& v = s->fields.at(name);
    return v.is_string() ? std::string(v.as_string()) : boost::json::serialize(v);
  }

  std::string File(const std::string& container, const std::string& path, int* mode = nullptr) {
    auto c = docker_.GetContainer(container);
    if (!c.has_value() || !c->files.contains(path)) return "";
    if (mode != nullptr) *mode = c->files.at(path).second;
    return c->files.at(path).first;
  }

  std::vector<std::string> Secrets() {
    std::vector<std::string> out;
    for (const char* name : {kHashKeySecret, kBlockKeySecret, kInternalSecret, kBackendSecret,
                             kTurnSecret, kTurnApiKeySecret}) {
      out.push_back(*secrets_.Get(kKey, name));
    }
    return out;
  }

  ::nxt::testing::FakeClock clock_;
  ::nxt::testing::FakeDockerClient docker_{&clock_};
  docker::ContainerCache cache_{docker_};
  ::nxt::testing::FakeStore store_{clock_};
  ::nxt::testing::TempDir state_;
  controllers::SecretStore secrets_{state_.path()};
  ::testing::NiceMock<controllers::MockHttpClient> http_;
  bool mesh_ = true;
  bool stun_answers_ = true;
  TalkBackendReconciler reconciler_{{.store = store_,
                                     .docker = docker_,
                                     .cache = cache_,
                                     .secrets = secrets_,
                                     .http = http_,
                                     .clock = clock_},
                                    {}};
};

TEST_F(TalkBackendReconcilerTest, CreatesTheMembersWithTheirConfigFiles) {
  Apply({{"signaling", {{"replicas", 2}}}, {"nats", {{"replicas", 3}}}});
  absl::StatusOr<reconciler::Result> r = Reconcile();
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(docker_.ContainerNames(),
            (std::vector<std::string>{"talk-nats-0", "talk-nats-1", "talk-nats-2",
                                      "talk-signaling-0", "talk-signaling-1"}));
  EXPECT_TRUE(docker_.NetworkNames().contains(kNetwork));
  EXPECT_TRUE(docker_.VolumeNames().empty()) << "the backend keeps no data";
  int mode = 0;
  const std::string conf = File("talk-signaling-0", "/config/server.conf", &mode);
  EXPECT_EQ(mode, 0600);
  EXPECT_THAT(conf, HasSubstr("targets = talk-signaling-1:9090\n"));
  EXPECT_THAT(conf, HasSubstr("url = nats://talk-nats-0:4222,nats://talk-nats-1:4222,"
                              "nats://talk-nats-2:4222\n"));
  EXPECT_THAT(
      File("talk-nats-2", "/etc/nxt/nats.conf"),
      HasSubstr("\"nats-route://talk-nats-0:6222\"\n    \"nats-route://talk-nats-1:6222\""));
  const std::vector<std::string> secrets = Secrets();
  EXPECT_EQ(secrets[0].size(), 64u) << "hash key";
  EXPECT_EQ(secrets[1].size(), 32u) << "block key";
  EXPECT_THAT(conf, HasSubstr("hashkey = " + secrets[0] + "\n"));
  EXPECT_THAT(conf, HasSubstr("[nc]\nurl = https://cloud.example.com\nsecret = " + secrets[3]));
}

TEST_F(TalkBackendReconcilerTest, ReadyOnceTheMeshFormsAndTheNodesWelcome) {
  Apply({});
  mesh_ = false;
  ASSERT_THAT(Reconcile(), IsOk());
  absl::StatusOr<reconciler::Result> r = Reconcile();
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->requeue_after, absl::Milliseconds(250)) << "waiting for the mesh, just begun";
  clock_.Advance(absl::Seconds(20));
  r = Reconcile();
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->requeue_after, absl::Seconds(5)) << "waiting for 20 s: look every 5 s";
  EXPECT_EQ(Field("nats"), "0/3");
  EXPECT_EQ(Field("natsRoutes"), "0/6");
  EXPECT_EQ(Field("signaling"), "2/2");
  EXPECT_EQ(Field("summary"), "WaitingForReady");
  mesh_ = true;
  r = Reconcile();
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->requeue_after, absl::Seconds(30));
  EXPECT_EQ(Field("nats"), "3/3");
  EXPECT_EQ(Field("natsRoutes"), "6/6");
  EXPECT_EQ(Field("turn"), "Disabled");
  EXPECT_EQ(Field("summary"), "Ready");
  EXPECT_EQ(store_.GetStatus(kKey)->FindCondition(resources::kConditionReady)->status, "True");
  docker_.ResetCalls();
  ASSERT_THAT(Reconcile(), IsOk());
  EXPECT_EQ(docker_.total_mutating_calls(), 0) << "a converged backend plans nothing";
}

TEST_F(TalkBackendReconcilerTest, SignalingScaleUpRollsEveryNodeOneAtATime) {
  Apply({{"signaling", {{"replicas", 2}}}});
  ASSERT_GT(ReconcileUntilReady(), 0);
  Apply({{"signaling", {{"replicas", 3}}}});
  std::set<std::string> replaced;
  for (int round = 0; round < 20; ++round) {
    const size_t before = docker_.EventLog().size();
    absl::StatusOr<reconciler::Result> r = Reconcile();
    ASSERT_THAT(r, IsOk());
    int destroyed = 0;
    std::vector<docker::Event> log = docker_.EventLog();
    for (size_t i = before; i < log.size(); ++i) {
      if (log[i].action == "destroy") {
        ++destroyed;
        replaced.insert(log[i].attributes["name"]);
      }
    }
    EXPECT_LE(destroyed, 1) << "one node at a time";
    if (r->requeue_after == absl::Seconds(30)) break;
  }
  EXPECT_EQ(Field("summary"), "Ready");
  EXPECT_EQ(Field("signaling"), "3/3");
  EXPECT_EQ(replaced, (std::set<std::string>{"talk-signaling-0", "talk-signaling-1"}));
  for (int i = 0; i < 3; ++i) {
    std::vector<std::string> targets;
    for (int j = 0; j < 3; ++j) {
      if (j != i) targets.push_back(absl::StrCat("talk-signaling-", j, ":9090"));
    }
    EXPECT_THAT(File(SignalingName("talk", i), "/config/server.conf"),
                HasSubstr("targets = " + absl::StrJoin(targets, ",") + "\n"))
        << "node " << i;
  }
}

TEST_F(TalkBackendReconcilerTest, NatsScaleUpRollsEveryNatsNodeThenTheSignalingNodes) {
  Apply({{"signaling", {{"replicas", 2}}}, {"nats", {{"replicas", 3}}}});
  ASSERT_GT(ReconcileUntilReady(), 0);
  Apply({{"signaling", {{"replicas", 2}}}, {"nats", {{"replicas", 4}}}});
  std::vector<std::string> order;  // containers destroyed, in order
  for (int round = 0; round < 30; ++round) {
    const size_t before = docker_.EventLog().size();
    absl::StatusOr<reconciler::Result> r = Reconcile();
    ASSERT_THAT(r, IsOk());
    int destroyed = 0;
    std::vector<docker::Event> log = docker_.EventLog();
    for (size_t i = before; i < log.size(); ++i) {
      if (log[i].action != "destroy") continue;
      ++destroyed;
      order.push_back(log[i].attributes["name"]);
    }
    EXPECT_LE(destroyed, 1) << "one node at a time";
    if (r->requeue_after == absl::Seconds(30)) break;
  }
  EXPECT_EQ(Field("summary"), "Ready");
  EXPECT_EQ(Field("natsRoutes"), "12/12");
  ASSERT_EQ(order.size(), 5u) << ::testing::PrintToString(order);
  EXPECT_EQ(std::set<std::string>(order.begin(), order.begin() + 3),
            (std::set<std::string>{"talk-nats-0", "talk-nats-1", "talk-nats-2"}))
      << "NATS rolls first";
  EXPECT_EQ(std::set<std::string>(order.begin() + 3, order.end()),
            (std::set<std::string>{"talk-signaling-0", "talk-signaling-1"}));
  for (int i = 0; i < 4; ++i) {
    const std::string conf = File(NatsName("talk", i), "/etc/nxt/nats.conf");
    for (int j = 0; j < 4; ++j) {
      EXPECT_EQ(absl::StrContains(conf, absl::StrCat("talk-nats-", j, ":6222")), i != j)
          << "node " << i << " route to " << j;
    }
  }
  EXPECT_THAT(File("talk-signaling-0", "/config/server.conf"),
              HasSubstr("url = nats://talk-nats-0:4222,nats://talk-nats-1:4222,"
                        "nats://talk-nats-2:4222,nats://talk-nats-3:4222\n"));
}

TEST_F(TalkBackendReconcilerTest, ARemovedNatsNodeIsRecreated) {
  Apply({});
  ASSERT_GT(ReconcileUntilReady(), 0);
  ASSERT_THAT(docker_.RemoveBehindBack("talk-nats-1"), IsOk());
  ASSERT_THAT(Reconcile(), IsOk());
  EXPECT_TRUE(docker_.GetContainer("talk-nats-1").has_value());
  EXPECT_GT(ReconcileUntilReady(), 0);
  EXPECT_EQ(Field("natsRoutes"), "6/6");
}

TEST_F(TalkBackendReconcilerTest, SecretsSurviveRestartsAndReapplies) {
  Apply({{"coturn", {{"enabled", true}, {"realm", "turn.example.com"}}}});
  ASSERT_GT(ReconcileUntilReady(), 0);
  const std::vector<std::string> secrets = Secrets();
  // A new nxtd (new reconciler, same state directory) and a re-apply change nothing.
  controllers::SecretStore reopened(state_.path());
  TalkBackendReconciler restarted({.store = store_,
                                   .docker = docker_,
                                   .cache = cache_,
                                   .secrets = reopened,
                                   .http = http_,
                                   .clock = clock_},
                                  {});
  Apply({{"coturn", {{"enabled", true}, {"realm", "turn.example.com"}}}});
  docker_.ResetCalls();
  ASSERT_THAT(restarted.Reconcile({kKey}), IsOk());
  EXPECT_EQ(docker_.total_mutating_calls(), 0);
  EXPECT_EQ(Secrets(), secrets);
  // Nowhere visible: argv, env, labels, status, events.
  std::string visible = boost::json::serialize(store_.GetStatus(kKey)->fields);
  for (const reconciler::Event& e : store_.Events(kKey)) visible += e.message;
  for (const std::string& name : docker_.ContainerNames()) {
    auto c = docker_.GetContainer(name);
    for (const auto& list : {c->spec.entrypoint, c->spec.cmd, c->spec.env}) {
      visible += absl::StrJoin(list, " ");
    }
    for (const auto& [k, v] : c->spec.labels) visible += v;
  }
  for (const std::string& secret : secrets) EXPECT_THAT(visible, Not(HasSubstr(secret)));
  int mode = 0;
  EXPECT_THAT(File("talk-coturn", "/etc/nxt/turnserver.conf", &mode),
              HasSubstr("static-auth-secret=" + secrets[4] + "\n"));
  EXPECT_EQ(mode, 0600);
}

TEST_F(TalkBackendReconcilerTest, CoturnReadyWhenItAnswersStun) {
  Apply({{"coturn", {{"enabled", true}, {"realm", "turn.example.com"}}}});
  stun_answers_ = false;
  ReconcileUntilReady(3);
  EXPECT_EQ(Field("turn"), "NotReady");
  EXPECT_NE(Field("summary"), "Ready");
  stun_answers_ = true;
  ASSERT_GT(ReconcileUntilReady(), 0);
  EXPECT_EQ(Field("turn"), "Ready");
  EXPECT_THAT(Field("turnServers"), HasSubstr("turn:turn.example.com:3478?transport=udp"));
  auto turn = docker_.GetContainer("talk-coturn");
  ASSERT_TRUE(turn.has_value());
  EXPECT_EQ(turn->spec.network_mode, "host");
}

TEST_F(TalkBackendReconcilerTest, MetricsFollowTheStatus) {
  Apply({});
  ASSERT_GT(ReconcileUntilReady(), 0);
  TalkMetricsCollector collector(store_);
  std::map<std::string, double> values;
  for (const prometheus::MetricFamily& f : collector.Collect()) {
    for (const prometheus::ClientMetric& m : f.metric) {
      std::string key = f.name;
      for (const auto& l : m.label) {
        if (l.name == "node") key += "/" + l.value;
      }
      values[key] = m.gauge.value;
    }
  }
  EXPECT_EQ(values["nxt_talk_signaling_ready"], 2);
  EXPECT_EQ(values["nxt_talk_nats_ready"], 3);
  EXPECT_EQ(values["nxt_talk_turn_ready"], 0);
  EXPECT_EQ(values["nxt_nats_routes/talk-nats-0"], 2);
  EXPECT_EQ(values["nxt_nats_routes/talk-nats-2"], 2);
}

TEST_F(TalkBackendReconcilerTest, AnInvalidSpecStallsWithoutTouchingDocker) {
  resources::Object o;
  o.kind = resources::kTalkBackendKind;
  o.metadata.name = "talk";
  // (The coturn rules are the manifest check's alone: a spec the reader refuses is never
  // stored; what is left to refuse here is a value that does not convert.)
  o.spec = {{"nextcloudURL", "https://c.example"}, {"resources", {{"memory", "lots"}}}};
  store_.Apply(std::move(o));
  absl::StatusOr<reconciler::Result> r = Reconcile();
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("spec.resources.memory")));
  EXPECT_TRUE(reconciler::IsTerminal(r.status()));
  EXPECT_EQ(docker_.total_mutating_calls(), 0);
  EXPECT_EQ(store_.GetStatus(kKey)->FindCondition(resources::kConditionStalled)->status, "True");
}

TEST_F(TalkBackendReconcilerTest, DeletionRemovesEverythingAndSecretsOnlyWhenAsked) {
  Apply({});
  ASSERT_GT(ReconcileUntilReady(), 0);
  const std::vector<std::string> secrets = Secrets();
  ASSERT_THAT(store_.Delete(kKey), IsOk());
  ASSERT_THAT(Reconcile(), IsOk());
  EXPECT_TRUE(docker_.ContainerNames().empty());
  EXPECT_FALSE(docker_.NetworkNames().contains(kNetwork));
  EXPECT_EQ(Secrets(), secrets) << "Retain keeps them for a re-created backend";

  Apply({{"deletionPolicy", "Delete"}});
  ASSERT_GT(ReconcileUntilReady(), 0);
  EXPECT_EQ(Secrets(), secrets);
  ASSERT_THAT(store_.Delete(kKey), IsOk());
  ASSERT_THAT(Reconcile(), IsOk());
  EXPECT_TRUE(docker_.ContainerNames().empty());
  EXPECT_THAT(secrets_.Get(kKey, kHashKeySecret), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(TalkBackendReconcilerTest, SuspendLeavesTheContainersAlone) {
  Apply({});
  ASSERT_GT(ReconcileUntilReady(), 0);
  Apply({{"suspend", true}, {"signaling", {{"replicas", 3}}}});
  docker_.ResetCalls();
  ASSERT_THAT(Reconcile(), IsOk());
  EXPECT_EQ(docker_.total_mutating_calls(), 0);
  EXPECT_EQ(Field("summary"), "Suspended");
}

TEST_F(TalkBackendReconcilerTest, DescribePlanListsTheNextActions) {
  Apply({{"signaling", {{"replicas", 1}}}, {"nats", {{"replicas", 1}}}});
  absl::StatusOr<std::vector<std::string>> plan = reconciler_.DescribePlan(*store_.Get(kKey));
  ASSERT_THAT(plan, IsOk());
  EXPECT_EQ(*plan, (std::vector<std::string>{"create talk-nats-0", "create talk-signaling-0"}));
  EXPECT_EQ(docker_.total_mutating_calls(), 0);
}

}  // namespace
}  // namespace nxt::talkbackend
