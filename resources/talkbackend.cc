#include "resources/talkbackend.h"

#include <arpa/inet.h>

#include <boost/json.hpp>
#include <optional>
#include <type_traits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "resources/resource_limits.h"

namespace nxt::resources {
namespace {

// Typed reads that tolerate a spec the schema rejected (semantic checks still run then).
const boost::json::object* ObjectAt(const boost::json::object* o, const char* key) {
  if (o == nullptr) return nullptr;
  const boost::json::value* v = o->if_contains(key);
  return v != nullptr && v->is_object() ? &v->get_object() : nullptr;
}
template <typename T>
std::optional<T> ValueAt(const boost::json::object* o, const char* key) {
  const boost::json::value* v = o != nullptr ? o->if_contains(key) : nullptr;
  if (v == nullptr) return std::nullopt;
  if constexpr (std::is_same_v<T, std::string>) {
    if (v->is_string()) return std::string(v->get_string());
  } else if constexpr (std::is_same_v<T, bool>) {
    if (v->is_bool()) return v->get_bool();
  } else {
    if (v->is_int64()) return static_cast<T>(v->get_int64());
  }
  return std::nullopt;
}

std::string Quote(const std::string& s) { return boost::json::serialize(boost::json::value(s)); }

bool IsIpAddress(const std::string& text) {
  unsigned char buf[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, text.c_str(), buf) == 1 || inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

// The relay range against the listening port. The ports carry the CRD's defaults; one
// the schema refused leaves the range unchecked.
void CheckRelayPorts(const boost::json::object* coturn, std::vector<FieldError>& errors) {
  const std::optional<int> port = ValueAt<int>(coturn, "port");
  const boost::json::object* relay = ObjectAt(coturn, "relayPorts");
  const std::optional<int> min = ValueAt<int>(relay, "min");
  const std::optional<int> max = ValueAt<int>(relay, "max");
  if (!port || !min || !max) return;
  const std::string range = absl::StrCat("Invalid value: ", *min, "-", *max, ": ");
  std::string problem;
  if (*min >= *max) {
    problem = "min must be below max";
  } else if (*port >= *min && *port <= *max) {
    problem = absl::StrCat("holds the listening port ", *port,
                           " (spec.coturn.port); relays would collide with the listener");
  } else if (*port + 1 >= *min && *port + 1 <= *max) {
    problem = absl::StrCat("holds ", *port + 1,
                           ", coturn's alternative listening port (spec.coturn.port + 1)");
  }
  if (!problem.empty()) errors.push_back({{}, "spec.coturn.relayPorts", range + problem});
}

void CheckCoturn(const boost::json::object* coturn, std::vector<FieldError>& errors) {
  if (ValueAt<bool>(coturn, "enabled") == true &&
      ValueAt<std::string>(coturn, "realm").value_or("").empty()) {
    errors.push_back({{},
                      "spec.coturn.realm",
                      "Required value: coturn needs a realm when spec.coturn.enabled is true"});
  }
  CheckRelayPorts(coturn, errors);
  if (std::optional<std::string> ip = ValueAt<std::string>(coturn, "externalIP");
      ip.has_value() && !IsIpAddress(*ip)) {
    errors.push_back(
        {{},
         "spec.coturn.externalIP",
         absl::StrCat("Invalid value: ", Quote(*ip), ": must be an IPv4 or IPv6 address")});
  }
}

}  // namespace

absl::StatusOr<TalkBackendSpec> DecodeTalkBackendSpec(const boost::json::object& o) {
  TalkBackendSpec spec;
  std::vector<FieldError> errors;
  const ResourceLimits limits = ReadResourceLimits(o, errors);
  if (!errors.empty()) return ToStatus(errors);
  spec.memory_bytes = limits.memory_bytes;
  spec.nano_cpus = limits.nano_cpus;
  spec.nextcloud_url = ValueAt<std::string>(&o, "nextcloudURL").value_or("");
  const boost::json::object* signaling = ObjectAt(&o, "signaling");
  spec.signaling.replicas = ValueAt<int>(signaling, "replicas").value_or(0);
  spec.signaling.image = ValueAt<std::string>(signaling, "image").value_or("");
  const boost::json::object* nats = ObjectAt(&o, "nats");
  spec.nats.replicas = ValueAt<int>(nats, "replicas").value_or(0);
  spec.nats.image = ValueAt<std::string>(nats, "image").value_or("");
  const boost::json::object* coturn = ObjectAt(&o, "coturn");
  TalkBackendSpec::Coturn& c = spec.coturn;
  c.enabled = ValueAt<bool>(coturn, "enabled").value_or(false);
  c.realm = ValueAt<std::string>(coturn, "realm").value_or("");
  c.port = ValueAt<int>(coturn, "port").value_or(0);
  const boost::json::object* relay = ObjectAt(coturn, "relayPorts");
  c.min_port = ValueAt<int>(relay, "min").value_or(0);
  c.max_port = ValueAt<int>(relay, "max").value_or(0);
  c.external_ip = ValueAt<std::string>(coturn, "externalIP").value_or("");
  c.image = ValueAt<std::string>(coturn, "image").value_or("");
  spec.deletion_policy = ValueAt<std::string>(&o, "deletionPolicy") == "Delete"
                             ? DeletionPolicy::kDelete
                             : DeletionPolicy::kRetain;
  spec.suspend = ValueAt<bool>(&o, "suspend").value_or(false);
  return spec;
}

std::vector<FieldError> CheckTalkBackend(const Object& desired, const Object* /*current*/) {
  std::vector<FieldError> errors;
  CheckCoturn(ObjectAt(&desired.spec, "coturn"), errors);
  ReadResourceLimits(desired.spec, errors);
  return errors;
}

}  // namespace nxt::resources
