#include "controllers/talkbackend/render.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "controllers/common/owner.h"
#include "controllers/common/secret_store.h"

namespace nxt::talkbackend {
namespace {

using controllers::MemberFile;
using controllers::RenderedMember;
using controllers::WantedMember;

// Private and special-purpose ranges a TURN relay must never reach (RFC 6890 and
// friends): without these, a TURN user could relay into the host's own networks.
constexpr const char* kDeniedPeerRanges[] = {
    "0.0.0.0-0.255.255.255",
    "10.0.0.0-10.255.255.255",
    "100.64.0.0-100.127.255.255",
    "127.0.0.0-127.255.255.255",
    "169.254.0.0-169.254.255.255",
    "172.16.0.0-172.31.255.255",
    "192.0.0.0-192.0.0.255",
    "192.0.2.0-192.0.2.255",
    "192.88.99.0-192.88.99.255",
    "192.168.0.0-192.168.255.255",
    "198.18.0.0-198.19.255.255",
    "198.51.100.0-198.51.100.255",
    "203.0.113.0-203.0.113.255",
    "224.0.0.0-255.255.255.255",
    "::1",
    "::ffff:0.0.0.0-::ffff:255.255.255.255",
    "64:ff9b::-64:ff9b::ffff:ffff",
    "fc00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    "fe80::-febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
};

std::string Header(const resources::ObjectKey& key, const std::string& member) {
  return absl::StrCat("# Written by nxtd (TalkBackend ", key.NamespacedName(), ") for ", member,
                      "; edits are replaced.\n");
}

// What every container of the backend shares.
docker::ContainerSpec Base(const resources::ObjectKey& key, const resources::TalkBackendSpec& spec,
                           const std::string& role, int ordinal, const std::string& name,
                           const std::string& image) {
  docker::ContainerSpec out;
  out.name = name;
  out.image = image;
  out.labels = controllers::OwnerLabels(key, role, ordinal);
  out.memory_bytes = spec.memory_bytes;
  out.nano_cpus = spec.nano_cpus;
  out.cap_drop = {"ALL"};
  // uid 0 owns the 0600 config files; explicit, because coturn/coturn's image says
  // USER nobody (and would not read them).
  out.user = "0";
  return out;
}

void JoinNetwork(const resources::ObjectKey& key, docker::ContainerSpec& spec) {
  spec.hostname = spec.name;
  spec.networks = {controllers::NetworkName(key.namespace_, key.name)};
  spec.network_aliases = {spec.name};
}

// Adds the member: its hash covers the container and its files in hash form.
void Add(Group& group, DesiredBackend& out, docker::ContainerSpec spec, int ordinal,
         std::vector<MemberFile> files, const std::vector<std::string>& hashed_files) {
  WantedMember wanted;
  wanted.name = spec.name;
  wanted.ordinal = ordinal;
  wanted.config_hash = controllers::ConfigHash(spec, hashed_files);
  spec.labels[docker::kLabelConfigHash] = wanted.config_hash;
  group.wanted.push_back(wanted);
  RenderedMember rendered;
  rendered.spec = std::move(spec);
  rendered.files = std::move(files);
  out.rendered[wanted.name] = std::move(rendered);
}

}  // namespace

TalkSecrets TalkSecrets::Versions() const {
  using controllers::SecretStore;
  TalkSecrets v;
  v.hash_key = SecretStore::Version(hash_key);
  v.block_key = SecretStore::Version(block_key);
  v.internal_secret = SecretStore::Version(internal_secret);
  v.backend_secret = SecretStore::Version(backend_secret);
  v.turn_secret = SecretStore::Version(turn_secret);
  v.turn_api_key = SecretStore::Version(turn_api_key);
  return v;
}

std::string NatsName(const std::string& name, int ordinal) {
  return absl::StrCat(name, "-nats-", ordinal);
}
std::string SignalingName(const std::string& name, int ordinal) {
  return absl::StrCat(name, "-signaling-", ordinal);
}
std::string CoturnName(const std::string& name) { return absl::StrCat(name, "-coturn"); }

std::string NatsUrls(const std::string& name, int nats_replicas) {
  std::vector<std::string> urls;
  for (int i = 0; i < nats_replicas; ++i) {
    urls.push_back(absl::StrCat("nats://", NatsName(name, i), ":", kNatsClientPort));
  }
  return absl::StrJoin(urls, ",");
}

std::string GrpcTargets(const std::string& name, int signaling_replicas, int ordinal) {
  std::vector<std::string> targets;
  for (int j = 0; j < signaling_replicas; ++j) {
    if (j != ordinal)
      targets.push_back(absl::StrCat(SignalingName(name, j), ":", kSignalingGrpcPort));
  }
  return absl::StrJoin(targets, ",");
}

std::string TurnServers(const resources::TalkBackendSpec::Coturn& coturn) {
  const std::string host = coturn.external_ip.empty() ? coturn.realm
                           : coturn.external_ip.find(':') != std::string::npos
                               ? absl::StrCat("[", coturn.external_ip, "]")
                               : coturn.external_ip;
  const std::string base = absl::StrCat("turn:", host, ":", coturn.port, "?transport=");
  return absl::StrCat(base, "udp,", base, "tcp");
}

std::string NatsConf(const resources::ObjectKey& key, const resources::TalkBackendSpec& spec,
                     int ordinal) {
  std::string c = Header(key, NatsName(key.name, ordinal));
  absl::StrAppend(&c, "server_name: \"", NatsName(key.name, ordinal), "\"\n");
  absl::StrAppend(&c, "listen: \"0.0.0.0:", kNatsClientPort, "\"\n");
  absl::StrAppend(&c, "http: \"0.0.0.0:", kNatsMonitorPort, "\"\n");
  absl::StrAppend(&c, "cluster {\n  name: \"", controllers::NetworkName(key.namespace_, key.name),
                  "\"\n  listen: \"0.0.0.0:", kNatsRoutePort, "\"\n  routes: [\n");
  for (int j = 0; j < spec.nats.replicas; ++j) {
    if (j == ordinal) continue;
    absl::StrAppend(&c, "    \"nats-route://", NatsName(key.name, j), ":", kNatsRoutePort, "\"\n");
  }
  absl::StrAppend(&c, "  ]\n}\n");
  return c;
}

std::string ServerConf(const resources::ObjectKey& key, const resources::TalkBackendSpec& spec,
                       int ordinal, const TalkSecrets& s) {
  std::string c = Header(key, SignalingName(key.name, ordinal));
  absl::StrAppend(&c, "[http]\nlisten = 0.0.0.0:", kSignalingHttpPort, "\n\n");
  absl::StrAppend(&c, "[app]\ndebug = false\n\n");
  absl::StrAppend(&c, "[sessions]\nhashkey = ", s.hash_key, "\nblockkey = ", s.block_key, "\n\n");
  absl::StrAppend(&c, "[clients]\ninternalsecret = ", s.internal_secret, "\n\n");
  absl::StrAppend(&c, "[backend]\nbackends = ", kBackendId,
                  "\nallowall = false\ntimeout = 10\nconnectionsperhost = 8\n\n");
  // `url` (one Nextcloud): every release reads it; `urls` exists only since 2.x.
  absl::StrAppend(&c, "[", kBackendId, "]\nurl = ", spec.nextcloud_url,
                  "\nsecret = ", s.backend_secret, "\n\n");
  absl::StrAppend(&c, "[nats]\nurl = ", NatsUrls(key.name, spec.nats.replicas), "\n\n");
  absl::StrAppend(&c, "[grpc]\nlisten = 0.0.0.0:", kSignalingGrpcPort,
                  "\ntargettype = static\ntargets = ",
                  GrpcTargets(key.name, spec.signaling.replicas, ordinal), "\n");
  if (spec.coturn.enabled) {
    absl::StrAppend(&c, "\n[turn]\napikey = ", s.turn_api_key, "\nsecret = ", s.turn_secret,
                    "\nservers = ", TurnServers(spec.coturn), "\n");
  }
  return c;
}

std::string TurnserverConf(const resources::ObjectKey& key, const resources::TalkBackendSpec& spec,
                           const TalkSecrets& s) {
  const resources::TalkBackendSpec::Coturn& t = spec.coturn;
  std::string c = Header(key, CoturnName(key.name));
  absl::StrAppend(&c, "listening-port=", t.port, "\n");
  absl::StrAppend(&c, "min-port=", t.min_port, "\nmax-port=", t.max_port, "\n");
  if (!t.external_ip.empty()) absl::StrAppend(&c, "external-ip=", t.external_ip, "\n");
  absl::StrAppend(&c, "realm=", t.realm, "\n");
  absl::StrAppend(&c, "fingerprint\nlt-cred-mech\nuse-auth-secret\n");
  absl::StrAppend(&c, "static-auth-secret=", s.turn_secret, "\n");
  absl::StrAppend(&c, "stale-nonce=600\nno-multicast-peers\n");
  for (const char* range : kDeniedPeerRanges) absl::StrAppend(&c, "denied-peer-ip=", range, "\n");
  // TLS is terminated elsewhere (the ingress); no admin CLI; logs to the container log.
  absl::StrAppend(&c, "no-tls\nno-dtls\nno-cli\nno-software-attribute\n");
  absl::StrAppend(&c, "log-file=stdout\nsimple-log\npidfile=/var/tmp/turnserver.pid\n");
  return c;
}

DesiredBackend RenderBackend(const resources::ObjectKey& key,
                             const resources::TalkBackendSpec& spec, const TalkSecrets& secrets) {
  DesiredBackend out;
  const TalkSecrets versions = secrets.Versions();
  for (int i = 0; i < spec.nats.replicas; ++i) {
    docker::ContainerSpec c = Base(key, spec, kNatsRole, i, NatsName(key.name, i), spec.nats.image);
    JoinNetwork(key, c);
    c.entrypoint = {"nats-server"};
    c.cmd = {"--config", kNatsConfPath};
    c.ports = {{kNatsClientPort, "tcp", "", 0},
               {kNatsRoutePort, "tcp", "", 0},
               {kNatsMonitorPort, "tcp", "", 0}};
    const std::string conf = NatsConf(key, spec, i);
    Add(out.nats, out, std::move(c), i, {{kNatsConfPath, conf, 0644}}, {conf});
  }
  for (int i = 0; i < spec.signaling.replicas; ++i) {
    docker::ContainerSpec c =
        Base(key, spec, kSignalingRole, i, SignalingName(key.name, i), spec.signaling.image);
    JoinNetwork(key, c);
    c.entrypoint = {kSignalingBinary};
    c.cmd = {"-config", kServerConfPath};
    c.ports = {{kSignalingHttpPort, "tcp", "", 0}, {kSignalingGrpcPort, "tcp", "", 0}};
    Add(out.signaling, out, std::move(c), i,
        {{kServerConfPath, ServerConf(key, spec, i, secrets), 0600}},
        {ServerConf(key, spec, i, versions)});
  }
  if (spec.coturn.enabled) {
    docker::ContainerSpec c =
        Base(key, spec, kCoturnRole, 0, CoturnName(key.name), spec.coturn.image);
    c.network_mode = "host";
    // coturn/coturn's turnserver carries the file capability cap_net_bind_service=+ep:
    // exec fails (EPERM) when it is not in the bounding set.
    c.cap_add = {"NET_BIND_SERVICE"};
    c.entrypoint = {"turnserver"};
    c.cmd = {"-c", kTurnConfPath};
    Add(out.coturn, out, std::move(c), 0,
        {{kTurnConfPath, TurnserverConf(key, spec, secrets), 0600}},
        {TurnserverConf(key, spec, versions)});
  }
  return out;
}

}  // namespace nxt::talkbackend
