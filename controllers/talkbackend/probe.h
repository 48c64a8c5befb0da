// Readiness of a TalkBackend's members, asked of the services themselves:
//   NATS node:      GET http://<ip>:8222/routez on the backend's network; ready when it has
//                   a route to every other wanted NATS node (matched by their addresses, so
//                   NATS 2.10's route pooling and stale peers do not fool the count);
//   signaling node: GET http://<ip>:8080/api/v1/welcome answers 200 with the welcome;
//   coturn:         `timeout 2 turnutils_stunclient -p <port> 127.0.0.1` by exec (it shares
//                   the host network): a STUN binding answer.
// Only running containers are probed; addresses come from InspectContainer. The parsers
// are pure and table-tested; Prober is thread-compatible (one per reconcile), and its
// client references must outlive it.
#ifndef NXT_CONTROLLERS_TALKBACKEND_PROBE_H_
#define NXT_CONTROLLERS_TALKBACKEND_PROBE_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "controllers/common/http_client.h"
#include "controllers/common/member_plan.h"
#include "docker/docker_client.h"
#include "resources/object.h"

namespace nxt::talkbackend {

// The remote addresses ("ip") of every route in a /routez answer. InvalidArgument when
// the body is not the JSON object NATS serves.
absl::StatusOr<std::set<std::string>> RouteAddresses(const std::string& routez_json);
// A 200 whose JSON names "nextcloud-spreed-signaling".
bool IsWelcome(const controllers::HttpReply& reply);
// turnutils_stunclient exited 0 and printed a reflexive address.
bool StunAnswered(const docker::ExecResult& result);

// What was seen of one role's members (SeenMember.ready filled by the probes), plus
// NATS routes per node (to the other wanted nodes).
struct ObservedBackend {
  std::vector<controllers::SeenMember> nats;
  std::vector<controllers::SeenMember> signaling;
  std::vector<controllers::SeenMember> coturn;
  std::vector<controllers::SeenMember> strays;  // ours, with a role we do not run
  std::map<std::string, int> nats_routes;       // node name → routes to other wanted nodes
};

class Prober {
 public:
  struct Options {
    absl::Duration http_timeout = absl::Seconds(2);
    absl::Duration exec_timeout = absl::Seconds(4);
  };

  Prober(docker::DockerClient& docker, controllers::HttpClient& http, Options options);

  // Fills `ready` of every running member and `nats_routes`. `nats_wanted` names the
  // NATS nodes that should exist (routes count only towards them).
  void Probe(const resources::ObjectKey& key, const std::vector<std::string>& nats_wanted,
             int coturn_port, ObservedBackend& observed);

 private:
  // The member's address on the backend's network, or "" when it has none.
  std::string AddressOf(const std::string& container, const std::string& network);
  int RoutesTo(const std::string& ip, const std::set<std::string>& peers);
  bool Welcomes(const std::string& ip);
  bool StunAnswers(const std::string& container, int port);

  docker::DockerClient& docker_;
  controllers::HttpClient& http_;
  const Options options_;
};

}  // namespace nxt::talkbackend

#endif  // NXT_CONTROLLERS_TALKBACKEND_PROBE_H_
