// TalkBackend rendering: nats.conf routes, server.conf (gRPC targets without self, every
// NATS URL, sections and key lengths of the documented format), turnserver.conf, the
// containers for the upstream images, per-member hashes, and where secrets go.
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "controllers/talkbackend/render.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/builtin_kinds.h"

namespace nxt::talkbackend {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

const resources::ObjectKey kKey{resources::kTalkBackendKind, "prod", "talk"};

TalkSecrets Secrets() {
  TalkSecrets s;
  s.hash_key = std::string(64, 'h');
  s.block_key = std::string(32, 'b');
  s.internal_secret = "internalSECRETinternalSECRET0001";
  s.backend_secret = "backendSECRETbackendSECRETbac001";
  s.turn_secret = "turnSECRETturnSECRETturnSECRET01";
  s.turn_api_key = "turnAPIKEYturnAPIKEYturnAPIKEY01";
  return s;
}

resources::TalkBackendSpec Spec(int signaling, int nats, bool coturn = false) {
  resources::TalkBackendSpec spec =
      nxt::testing::DecodedDefaults(resources::DecodeTalkBackendSpec, "TalkBackend",
                                    {{"nextcloudURL", "https://cloud.example.com"}});
  spec.signaling.replicas = signaling;
  spec.nats.replicas = nats;
  spec.coturn.enabled = coturn;
  spec.coturn.realm = "turn.example.com";
  spec.coturn.min_port = 49160;
  spec.coturn.max_port = 49200;
  return spec;
}

// server.conf as the signaling server reads it: section → key → value.
using Ini = std::map<std::string, std::map<std::string, std::string>>;
Ini ParseIni(const std::string& text) {
  Ini out;
  std::string section;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      section = std::string(line.substr(1, line.size() - 2));
      EXPECT_FALSE(out.contains(section)) << "duplicate section " << section;
      out[section];
      continue;
    }
    std::pair<std::string, std::string> kv = absl::StrSplit(line, absl::MaxSplits(" = ", 1));
    EXPECT_FALSE(section.empty()) << "key outside a section: " << line;
    EXPECT_FALSE(out[section].contains(kv.first)) << "duplicate key " << kv.first;
    out[section][kv.first] = kv.second;
  }
  return out;
}

TEST(TalkRenderTest, NamesAndPeerLists) {
  EXPECT_EQ(NatsName("talk", 2), "talk-nats-2");
  EXPECT_EQ(SignalingName("talk", 0), "talk-signaling-0");
  EXPECT_EQ(CoturnName("talk"), "talk-coturn");
  EXPECT_EQ(NatsUrls("talk", 3),
            "nats://talk-nats-0:4222,nats://talk-nats-1:4222,nats://talk-nats-2:4222");
  EXPECT_EQ(GrpcTargets("talk", 3, 1), "talk-signaling-0:9090,talk-signaling-2:9090");
  EXPECT_EQ(GrpcTargets("talk", 1, 0), "") << "a single node has no peers";
}

TEST(TalkRenderTest, TurnServersUseTheExternalAddressOrTheRealm) {
  resources::TalkBackendSpec::Coturn c;
  c.realm = "turn.example.com";
  c.port = 3478;
  EXPECT_EQ(TurnServers(c),
            "turn:turn.example.com:3478?transport=udp,turn:turn.example.com:3478?transport=tcp");
  c.external_ip = "203.0.113.7";
  EXPECT_EQ(TurnServers(c),
            "turn:203.0.113.7:3478?transport=udp,turn:203.0.113.7:3478?transport=tcp");
  c.external_ip = "2001:db8::7";
  EXPECT_THAT(TurnServers(c), HasSubstr("turn:[2001:db8::7]:3478?transport=udp"));
}

TEST(TalkRenderTest, NatsConfListsEveryOtherNodeAsARoute) {
  const std::string conf = NatsConf(kKey, Spec(2, 3), 1);
  EXPECT_THAT(conf, HasSubstr("server_name: \"talk-nats-1\"\n"));
  EXPECT_THAT(conf, HasSubstr("listen: \"0.0.0.0:4222\"\n"));
  EXPECT_THAT(conf, HasSubstr("http: \"0.0.0.0:8222\"\n"));
  EXPECT_THAT(conf, HasSubstr("  name: \"nxt-prod-talk\"\n  listen: \"0.0.0.0:6222\"\n"));
  EXPECT_THAT(conf, HasSubstr("routes: [\n    \"nats-route://talk-nats-0:6222\"\n"
                              "    \"nats-route://talk-nats-2:6222\"\n  ]\n"));
  EXPECT_THAT(conf, Not(HasSubstr("talk-nats-1:6222"))) << "no route to itself";
  EXPECT_THAT(NatsConf(kKey, Spec(2, 1), 0), HasSubstr("routes: [\n  ]\n"));
}

TEST(TalkRenderTest, ServerConfHasTheDocumentedSectionsKeysAndLengths) {
  const TalkSecrets s = Secrets();
  Ini ini = ParseIni(ServerConf(kKey, Spec(3, 3, true), 0, s));
  EXPECT_EQ(ini["http"]["listen"], "0.0.0.0:8080");
  EXPECT_EQ(ini["app"]["debug"], "false");
  EXPECT_EQ(ini["sessions"]["hashkey"].size(), 64u) << "32 or 64 bytes";
  EXPECT_EQ(ini["sessions"]["blockkey"].size(), 32u) << "16, 24 or 32 bytes";
  EXPECT_EQ(ini["clients"]["internalsecret"], s.internal_secret);
  EXPECT_EQ(ini["backend"]["backends"], "nc");
  EXPECT_EQ(ini["backend"]["allowall"], "false");
  EXPECT_EQ(ini["nc"]["url"], "https://cloud.example.com");
  EXPECT_EQ(ini["nc"]["secret"], s.backend_secret);
  EXPECT_EQ(ini["nats"]["url"],
            "nats://talk-nats-0:4222,nats://talk-nats-1:4222,nats://talk-nats-2:4222");
  EXPECT_EQ(ini["grpc"]["listen"], "0.0.0.0:9090");
  EXPECT_EQ(ini["grpc"]["targettype"], "static");
  EXPECT_EQ(ini["grpc"]["targets"], "talk-signaling-1:9090,talk-signaling-2:9090");
  EXPECT_EQ(ini["turn"]["apikey"], s.turn_api_key);
  EXPECT_EQ(ini["turn"]["secret"], s.turn_secret);
  EXPECT_EQ(ini["turn"]["servers"],
            "turn:turn.example.com:3478?transport=udp,turn:turn.example.com:3478?transport=tcp");
}

TEST(TalkRenderTest, EveryNodesTargetsAreTheOthers) {
  for (int i = 0; i < 3; ++i) {
    Ini ini = ParseIni(ServerConf(kKey, Spec(3, 2), i, Secrets()));
    std::set<std::string> targets;
    for (absl::string_view t : absl::StrSplit(ini["grpc"]["targets"], ',')) {
      targets.insert(std::string(t));
    }
    EXPECT_EQ(targets.size(), 2u);
    EXPECT_FALSE(targets.contains(SignalingName("talk", i) + ":9090")) << "node " << i;
    EXPECT_EQ(ini["nats"]["url"], "nats://talk-nats-0:4222,nats://talk-nats-1:4222");
    EXPECT_FALSE(ini.contains("turn")) << "no [turn] without coturn";
  }
}

TEST(TalkRenderTest, TurnserverConfLocksTheRelayDown) {
  resources::TalkBackendSpec spec = Spec(2, 3, true);
  spec.coturn.external_ip = "203.0.113.7";
  const std::string conf = TurnserverConf(kKey, spec, Secrets());
  for (const char* line :
       {"listening-port=3478\n", "min-port=49160\n", "max-port=49200\n",
        "external-ip=203.0.113.7\n", "realm=turn.example.com\n", "fingerprint\n",
        "use-auth-secret\n", "static-auth-secret=turnSECRETturnSECRETturnSECRET01\n",
        "no-multicast-peers\n", "denied-peer-ip=10.0.0.0-10.255.255.255\n",
        "denied-peer-ip=172.16.0.0-172.31.255.255\n",
        "denied-peer-ip=192.168.0.0-192.168.255.255\n",
        "denied-peer-ip=127.0.0.0-127.255.255.255\n", "denied-peer-ip=::1\n", "no-cli\n"}) {
    EXPECT_THAT(conf, HasSubstr(line));
  }
  spec.coturn.external_ip.clear();
  EXPECT_THAT(TurnserverConf(kKey, spec, Secrets()), Not(HasSubstr("external-ip")));
}

TEST(TalkRenderTest, ContainersForTheUpstreamImages) {
  DesiredBackend d = RenderBackend(kKey, Spec(2, 3, true), Secrets());
  ASSERT_EQ(d.nats.wanted.size(), 3u);
  ASSERT_EQ(d.signaling.wanted.size(), 2u);
  ASSERT_EQ(d.coturn.wanted.size(), 1u);
  ASSERT_EQ(d.rendered.size(), 6u);

  const controllers::RenderedMember& sig = d.rendered.at("talk-signaling-1");
  EXPECT_EQ(sig.spec.image, "strukturag/nextcloud-spreed-signaling:2.1.1");
  // The upstream image's binary and flag (its entrypoint runs the same with -config).
  EXPECT_THAT(sig.spec.entrypoint, ElementsAre("/usr/bin/nextcloud-spreed-signaling"));
  EXPECT_THAT(sig.spec.cmd, ElementsAre("-config", "/config/server.conf"));
  EXPECT_THAT(sig.spec.networks, ElementsAre("nxt-prod-talk"));
  EXPECT_THAT(sig.spec.network_aliases, ElementsAre("talk-signaling-1"));
  EXPECT_EQ(sig.spec.hostname, "talk-signaling-1");
  EXPECT_THAT(sig.spec.cap_drop, ElementsAre("ALL"));
  ASSERT_EQ(sig.files.size(), 1u);
  EXPECT_EQ(sig.files[0].path, "/config/server.conf");
  EXPECT_EQ(sig.files[0].mode, 0600);
  EXPECT_EQ(sig.spec.labels.at("io.nxt.role"), "signaling");
  EXPECT_EQ(sig.spec.labels.at("io.nxt.ordinal"), "1");

  const controllers::RenderedMember& nats = d.rendered.at("talk-nats-0");
  EXPECT_EQ(nats.spec.image, "nats:2.10-alpine");
  EXPECT_THAT(nats.spec.entrypoint, ElementsAre("nats-server"));
  EXPECT_THAT(nats.spec.cmd, ElementsAre("--config", "/etc/nxt/nats.conf"));
  EXPECT_EQ(nats.files.at(0).path, "/etc/nxt/nats.conf");

  const controllers::RenderedMember& turn = d.rendered.at("talk-coturn");
  EXPECT_EQ(turn.spec.image, "coturn/coturn:4.6");
  EXPECT_EQ(turn.spec.network_mode, "host");
  EXPECT_TRUE(turn.spec.networks.empty());
  EXPECT_TRUE(turn.spec.ports.empty()) << "host network: nothing to publish";
  EXPECT_THAT(turn.spec.entrypoint, ElementsAre("turnserver"));
  EXPECT_THAT(turn.spec.cmd, ElementsAre("-c", "/etc/nxt/turnserver.conf"));
  // coturn/coturn: USER nobody (could not read the 0600 file) and a turnserver with the
  // file capability cap_net_bind_service=+ep (exec needs it in the bounding set).
  EXPECT_EQ(turn.spec.user, "0");
  EXPECT_THAT(turn.spec.cap_drop, ElementsAre("ALL"));
  EXPECT_THAT(turn.spec.cap_add, ElementsAre("NET_BIND_SERVICE"));
  EXPECT_EQ(sig.spec.user, "0");
  EXPECT_TRUE(sig.spec.cap_add.empty());
  EXPECT_EQ(turn.files.at(0).mode, 0600);
}

TEST(TalkRenderTest, SecretsOnlyInFilesNeverInArgsEnvOrLabels) {
  const TalkSecrets s = Secrets();
  DesiredBackend d = RenderBackend(kKey, Spec(2, 3, true), s);
  for (const auto& [name, member] : d.rendered) {
    std::ostringstream visible;
    for (const auto& v : {member.spec.entrypoint, member.spec.cmd, member.spec.env}) {
      for (const std::string& arg : v) visible << arg << "\n";
    }
    for (const auto& [k, v] : member.spec.labels) visible << k << "=" << v << "\n";
    for (const std::string& secret : {s.hash_key, s.block_key, s.internal_secret, s.backend_secret,
                                      s.turn_secret, s.turn_api_key}) {
      EXPECT_THAT(visible.str(), Not(HasSubstr(secret))) << name;
    }
  }
}

TEST(TalkRenderTest, HashesDifferPerMemberAndFollowPeersAndSecrets) {
  DesiredBackend two = RenderBackend(kKey, Spec(2, 3), Secrets());
  DesiredBackend three = RenderBackend(kKey, Spec(3, 3), Secrets());
  EXPECT_NE(two.signaling.wanted[0].config_hash, two.signaling.wanted[1].config_hash);
  // A third signaling node changes every signaling node's targets, not the NATS nodes.
  for (int i = 0; i < 2; ++i) {
    EXPECT_NE(two.signaling.wanted[i].config_hash, three.signaling.wanted[i].config_hash);
    EXPECT_EQ(two.nats.wanted[i].config_hash, three.nats.wanted[i].config_hash);
  }
  // A fourth NATS node changes every NATS node's routes and every signaling node's URLs.
  DesiredBackend more_nats = RenderBackend(kKey, Spec(2, 4), Secrets());
  for (int i = 0; i < 2; ++i) {
    EXPECT_NE(two.nats.wanted[i].config_hash, more_nats.nats.wanted[i].config_hash);
    EXPECT_NE(two.signaling.wanted[i].config_hash, more_nats.signaling.wanted[i].config_hash);
  }
  // Same inputs, same hashes (nxtd restarts plan nothing); another secret, another hash.
  EXPECT_EQ(two.signaling.wanted[0].config_hash,
            RenderBackend(kKey, Spec(2, 3), Secrets()).signaling.wanted[0].config_hash);
  TalkSecrets other = Secrets();
  other.backend_secret[0] = 'X';
  EXPECT_NE(two.signaling.wanted[0].config_hash,
            RenderBackend(kKey, Spec(2, 3), other).signaling.wanted[0].config_hash);
  EXPECT_EQ(two.rendered.at("talk-nats-0").spec.labels.at("io.nxt.config-hash"),
            two.nats.wanted[0].config_hash);
}

}  // namespace
}  // namespace nxt::talkbackend
