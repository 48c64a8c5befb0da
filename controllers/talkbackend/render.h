// Renders a TalkBackend: the config files and container specs of its NATS nodes,
// signaling nodes and coturn, each with its own config hash (member_plan.h): a NATS
// node's routes list every OTHER node, a signaling node's gRPC targets every OTHER
// signaling node, so adding or removing a node changes every node's hash and the group
// rolls one at a time.
//
// Containers (all on the image's own binary, never its entrypoint script):
//   <name>-nats-<i>       nats-server --config /etc/nxt/nats.conf
//                         (client 4222, routes 6222, monitoring 8222)
//   <name>-signaling-<i>  /usr/bin/nextcloud-spreed-signaling -config /config/server.conf
//                         (HTTP 8080, gRPC 9090)
//   <name>-coturn         turnserver -c /etc/nxt/turnserver.conf, host network
// NATS and signaling nodes join the network nxt-<ns>-<name> under their own names.
// Every container runs as uid 0, which owns the 0600 config files, without capabilities
// (cap_drop ALL, no-new-privileges); coturn keeps NET_BIND_SERVICE only, which the
// upstream image's turnserver carries as a file capability.
//
// Secrets reach the containers only inside server.conf and turnserver.conf (0600,
// written before start). Hashes cover the files rendered with each secret's
// SecretStore::Version in its place, never the secret. Pure; thread-safe.
#ifndef NXT_CONTROLLERS_TALKBACKEND_RENDER_H_
#define NXT_CONTROLLERS_TALKBACKEND_RENDER_H_

#include <map>
#include <string>
#include <vector>

#include "controllers/common/member_actuator.h"
#include "controllers/common/member_plan.h"
#include "resources/object.h"
#include "resources/talkbackend.h"

namespace nxt::talkbackend {

inline constexpr char kNatsRole[] = "nats";
inline constexpr char kSignalingRole[] = "signaling";
inline constexpr char kCoturnRole[] = "coturn";
inline constexpr char kNatsConfPath[] = "/etc/nxt/nats.conf";
inline constexpr char kServerConfPath[] = "/config/server.conf";
inline constexpr char kTurnConfPath[] = "/etc/nxt/turnserver.conf";
inline constexpr char kSignalingBinary[] = "/usr/bin/nextcloud-spreed-signaling";
inline constexpr int kNatsClientPort = 4222;
inline constexpr int kNatsRoutePort = 6222;
inline constexpr int kNatsMonitorPort = 8222;
inline constexpr int kSignalingHttpPort = 8080;
inline constexpr int kSignalingGrpcPort = 9090;
// The backend id of the one Nextcloud in server.conf ([backend] backends = nc, [nc]).
inline constexpr char kBackendId[] = "nc";

// The secrets of one backend (generated once by the reconciler, see secret names in
// talkbackend_reconciler.h). Lengths: hash key 64 and block key 32 bytes (the server
// accepts 32/64 and 16/24/32), the others 32.
struct TalkSecrets {
  std::string hash_key;
  std::string block_key;
  std::string internal_secret;
  std::string backend_secret;
  std::string turn_secret;
  std::string turn_api_key;

  // The same with every value replaced by SecretStore::Version (for hashes).
  TalkSecrets Versions() const;
};

std::string NatsName(const std::string& name, int ordinal);       // <name>-nats-<i>
std::string SignalingName(const std::string& name, int ordinal);  // <name>-signaling-<i>
std::string CoturnName(const std::string& name);                  // <name>-coturn

// "nats://<name>-nats-0:4222,nats://<name>-nats-1:4222,..." (every NATS node).
std::string NatsUrls(const std::string& name, int nats_replicas);
// "<name>-signaling-<j>:9090,..." for every j != ordinal.
std::string GrpcTargets(const std::string& name, int signaling_replicas, int ordinal);
// "turn:<host>:<port>?transport=udp,turn:<host>:<port>?transport=tcp" where host is
// spec.coturn.externalIP when set, else the realm.
std::string TurnServers(const resources::TalkBackendSpec::Coturn& coturn);

std::string NatsConf(const resources::ObjectKey& key, const resources::TalkBackendSpec& spec,
                     int ordinal);
std::string ServerConf(const resources::ObjectKey& key, const resources::TalkBackendSpec& spec,
                       int ordinal, const TalkSecrets& secrets);
std::string TurnserverConf(const resources::ObjectKey& key, const resources::TalkBackendSpec& spec,
                           const TalkSecrets& secrets);

// One group of members: what PlanMembers wants, and what the actuator creates.
struct Group {
  std::string role;
  std::vector<controllers::WantedMember> wanted;
};

// Everything a backend should run. `rendered` holds every wanted member by name.
struct DesiredBackend {
  Group nats{kNatsRole, {}};
  Group signaling{kSignalingRole, {}};
  Group coturn{kCoturnRole, {}};  // empty when coturn is disabled
  std::map<std::string, controllers::RenderedMember> rendered;
};

DesiredBackend RenderBackend(const resources::ObjectKey& key,
                             const resources::TalkBackendSpec& spec, const TalkSecrets& secrets);

}  // namespace nxt::talkbackend

#endif  // NXT_CONTROLLERS_TALKBACKEND_RENDER_H_
