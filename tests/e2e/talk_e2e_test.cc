// End to end with a TalkBackend on the local images (nxt/nats:2.9,
// nxt/signaling-standin:1, nxt/coturn:4.6): its secrets are generated once and survive
// nxtd restarts and re-applies (the containers are not even replaced), and no secret
// shows in `docker inspect` (env, args), `nxtctl get -o yaml`, `describe`, the metrics
// or nxtd's log.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <string>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "controllers/common/secret_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "resources/talkbackend.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/testing/docker_env.h"
#include "tests/testing/temp_dir.h"

namespace nxt::e2e {
namespace {

using ::testing::HasSubstr;

// The backend's secrets, by their names in the SecretStore.
std::vector<std::string> SecretNames() {
  return {"hash-key",       "block-key",   "internal-secret",
          "backend-secret", "turn-secret", "turn-api-key"};
}

// A port pair (p, p+1) nothing on this host holds, TCP and UDP (coturn's listener and
// its RFC 5780 alternative port, on the host network).
int FreePortPair() {
  absl::BitGen gen;
  for (int attempt = 0; attempt < 50; ++attempt) {
    const int p = absl::Uniform<int>(gen, 30000, 38000);
    bool free = true;
    for (int port : {p, p + 1}) {
      for (int type : {SOCK_STREAM, SOCK_DGRAM}) {
        int fd = socket(AF_INET, type, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<uint16_t>(port));
        free &= bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
        close(fd);
      }
    }
    if (free) return p;
  }
  return 0;
}

std::string TalkYaml(const std::string& ns, const std::string& name, int signaling, int port) {
  return absl::StrCat("apiVersion: nxt.io/v1alpha1\nkind: TalkBackend\nmetadata:\n  name: ", name,
                      "\n  namespace: ", ns,
                      "\nspec:\n  nextcloudURL: https://cloud.example.com\n"
                      "  signaling:\n    replicas: ",
                      signaling,
                      "\n    image: nxt/signaling-standin:1\n"
                      "  nats:\n    replicas: 1\n    image: nxt/nats:2.9\n"
                      "  coturn:\n    enabled: true\n    realm: turn.example.com\n    port: ",
                      port, "\n    relayPorts: {min: ", port + 10, ", max: ", port + 30,
                      "}\n    image: nxt/coturn:4.6\n");
}

class TalkE2eTest : public E2eTest {
 protected:
  void ExpectHidden(const std::string& name) {
    ExpectSecretsHidden(resources::kTalkBackendKind, "talk", name, SecretNames());
  }

  // The domain metrics are served for the backend, and the exposition passes promtool.
  void ExpectMetrics(const std::string& name) {
    absl::StatusOr<HttpResponse> metrics = HttpGet(nxtd_->metrics_url("/metrics"));
    ASSERT_TRUE(metrics.ok()) << metrics.status();
    const std::string labels = absl::StrCat("namespace=\"", ns_, "\",name=\"", name, "\"");
    std::string talk_lines;  // ours only, for a readable failure
    for (absl::string_view line : absl::StrSplit(metrics->body, '\n')) {
      if (absl::StrContains(line, name)) absl::StrAppend(&talk_lines, line, "\n");
    }
    EXPECT_THAT(talk_lines, HasSubstr("nxt_talk_signaling_ready{" + labels + "} 1\n"));
    EXPECT_THAT(talk_lines, HasSubstr("nxt_talk_turn_ready{" + labels + "} 1\n"));
    EXPECT_THAT(talk_lines,
                HasSubstr("nxt_nats_routes{" + labels + ",node=\"" + name + "-nats-0\"} 0\n"));
    absl::StatusOr<CommandResult> promtool =
        RunCommand({"promtool", "check", "metrics"}, StdinOptions(metrics->body));
    ASSERT_TRUE(promtool.ok()) << promtool.status();
    EXPECT_EQ(promtool->exit_code, 0) << promtool->stdout_text << promtool->stderr_text;
  }

  bool Ready(const std::string& name) { return IsReady(name, "talk"); }
};

TEST_F(TalkE2eTest, SecretsKeptAcrossRestartsAndReappliesAndNeverShown) {
  const std::string name = SetName("talk");
  const int port = FreePortPair();
  ASSERT_NE(port, 0);
  StartNxtd();
  nxt::testing::TempDir input;
  input.Write("talk.yaml", TalkYaml(ns_, name, 1, port));
  CommandResult applied = nxtd_->Nxtctl({"apply", "-f", input.Join("talk.yaml")});
  ASSERT_EQ(applied.exit_code, 0) << applied.stderr_text;
  ASSERT_TRUE(WaitFor([&] { return Ready(name); }, absl::Seconds(180)))
      << nxtd_->Nxtctl({"describe", "talk", name, "-n", ns_}).stdout_text;
  const std::vector<std::string> secrets =
      Secrets(resources::kTalkBackendKind, name, SecretNames());
  const std::map<std::string, std::string> ids = ContainerIds(name);
  ASSERT_EQ(ids.size(), 3u) << "NATS, signaling, coturn";
  CommandResult table = nxtd_->Nxtctl({"get", "talk", "-n", ns_});
  EXPECT_THAT(table.stdout_text, HasSubstr("SIGNALING"));
  EXPECT_THAT(table.stdout_text, HasSubstr("1/1"));

  ExpectMetrics(name);
  ExpectHidden(name);

  // nxtd restarts: same secrets, nothing replaced.
  ASSERT_TRUE(nxtd_->Restart().ok());
  ASSERT_TRUE(WaitFor([&] { return Ready(name); }, absl::Seconds(180)));
  EXPECT_EQ(Secrets(resources::kTalkBackendKind, name, SecretNames()), secrets);
  EXPECT_EQ(ContainerIds(name), ids) << "a restarted nxtd adopts the backend as it is";

  // The same manifest again: unchanged. A second signaling node: it gets the same keys.
  applied = nxtd_->Nxtctl({"apply", "-f", input.Join("talk.yaml")});
  EXPECT_THAT(applied.stdout_text, HasSubstr("unchanged"));
  input.Write("talk.yaml", TalkYaml(ns_, name, 2, port));
  applied = nxtd_->Nxtctl({"apply", "-f", input.Join("talk.yaml")});
  ASSERT_EQ(applied.exit_code, 0) << applied.stderr_text;
  ASSERT_TRUE(WaitFor(
      [&] {
        boost::json::object o = GetObject(name, "talk");
        return Ready(name) && o.contains("status") &&
               o.at("status").as_object().at("signaling") == "2/2";
      },
      absl::Seconds(180)))
      << nxtd_->Nxtctl({"describe", "talk", name, "-n", ns_}).stdout_text;
  EXPECT_EQ(Secrets(resources::kTalkBackendKind, name, SecretNames()), secrets);
  absl::StatusOr<docker::ExecResult> conf =
      docker_->Exec(name + "-signaling-1", {"cat", "/config/server.conf"}, absl::Seconds(10));
  ASSERT_TRUE(conf.ok()) << conf.status();
  EXPECT_THAT(conf->stdout_text, HasSubstr("hashkey = " + secrets[0] + "\n"));
  EXPECT_THAT(conf->stdout_text, HasSubstr("targets = " + name + "-signaling-0:9090\n"));
  ExpectHidden(name);
}

}  // namespace
}  // namespace nxt::e2e
