// TalkBackend: the Nextcloud Talk high-performance backend (spreed-signaling nodes, the
// NATS cluster they share, optional coturn). The typed view of a validated, defaulted
// spec; see crd-schemas/talkbackend.yaml.
#ifndef NXT_RESOURCES_TALKBACKEND_H_
#define NXT_RESOURCES_TALKBACKEND_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "resources/containerset.h"
#include "resources/field_error.h"
#include "resources/object.h"

namespace nxt::resources {

inline constexpr char kTalkBackendKind[] = "TalkBackend";
// Zero values only: the defaults are the CRD's, filled in before decoding.
struct TalkBackendSpec {
  struct Signaling {
    int replicas = 0;
    std::string image;
  };
  struct Nats {
    int replicas = 0;
    std::string image;
  };
  struct Coturn {
    bool enabled = false;
    std::string realm;
    int port = 0;
    int min_port = 0;  // relay range, inclusive
    int max_port = 0;
    std::string external_ip;  // "" when not set
    std::string image;
  };

  std::string nextcloud_url;
  Signaling signaling;
  Nats nats;
  Coturn coturn;
  int64_t memory_bytes = 0;  // per container; 0: none
  int64_t nano_cpus = 0;     // 0: none
  DeletionPolicy deletion_policy = DeletionPolicy::kRetain;
  bool suspend = false;
};

// Decodes a spec that passed the schema, with its defaults applied, and CheckTalkBackend:
// it checks no rule again (the coturn rules are the check's alone) and fills no default.
// InvalidArgument with the field path only for a quantity that does not parse (the check
// refuses it first, with its position).
absl::StatusOr<TalkBackendSpec> DecodeTalkBackendSpec(const boost::json::object& spec);

// Semantic rules, each with the field path:
//   spec.coturn.relayPorts: min < max, and the range holds neither spec.coturn.port nor
//     port + 1 (coturn's RFC 5780 alternative port) — relays would collide with the
//     listener on the same host network;
//   spec.coturn.realm is required when spec.coturn.enabled;
//   spec.coturn.externalIP is an IPv4 or IPv6 address;
//   spec.resources.memory / spec.resources.cpus are quantities.
// spec.nats.replicas may be any size the schema allows (1 … 9), 2 included: the
// controller runs core NATS without JetStream (spreed-signaling only publishes and
// subscribes), so no Raft quorum is involved and every node that stays up keeps serving.
// The check does not depend on the running object (`current` is unused): every field
// may change, and a change rolls the nodes.
std::vector<FieldError> CheckTalkBackend(const Object& desired, const Object* current);

}  // namespace nxt::resources

#endif  // NXT_RESOURCES_TALKBACKEND_H_
