#include "resources/talkbackend.h"

#include <arpa/inet.h>

#include <boost/json.hpp>
#include <optional>
#include <type_traits>
#include <utility>

#include "absl/strings/str_cat.h"

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

struct Quantity {
  const char* key;
  const char* path;
  absl::StatusOr<int64_t> (*parse)(const std::string&);
};
const Quantity kMemory{"memory", "spec.resources.memory", ParseMemoryQuantity};
const Quantity kCpus{"cpus", "spec.resources.cpus", ParseCpuQuantity};

void CheckCoturn(const boost::json::object* coturn, std::vector<FieldError>& errors) {
  auto error = [&errors](const std::string& path, const std::string& message) {
    errors.push_back({{}, path, message});
  };
  if (ValueAt<bool>(coturn, "enabled").value_or(false) &&
      ValueAt<std::string>(coturn, "realm").value_or("").empty()) {
    error("spec.coturn.realm",
          "Required value: coturn needs a realm when spec.coturn.enabled is true");
  }
  const int port = ValueAt<int>(coturn, "port").value_or(3478);
  const boost::json::object* relay = ObjectAt(coturn, "relayPorts");
  const int min = ValueAt<int>(relay, "min").value_or(49152);
  const int max = ValueAt<int>(relay, "max").value_or(65535);
  const std::string range = absl::StrCat("Invalid value: ", min, "-", max, ": ");
  if (min >= max) {
    error("spec.coturn.relayPorts", range + "min must be below max");
  } else if (port >= min && port <= max) {
    error("spec.coturn.relayPorts",
          absl::StrCat(range, "holds the listening port ", port,
                       " (spec.coturn.port); relays would collide with the listener"));
  } else if (port + 1 >= min && port + 1 <= max) {
    error("spec.coturn.relayPorts",
          absl::StrCat(range, "holds ", port + 1,
                       ", coturn's alternative listening port (spec.coturn.port + 1)"));
  }
  if (std::optional<std::string> ip = ValueAt<std::string>(coturn, "externalIP");
      ip.has_value() && !IsIpAddress(*ip)) {
    error("spec.coturn.externalIP",
          absl::StrCat("Invalid value: ", Quote(*ip), ": must be an IPv4 or IPv6 address"));
  }
}

// Every rule, collected into `errors`; the decoder and the check share it. The
// quantities are stored through `memory_bytes` / `nano_cpus` when not null.
void CheckSpec(const boost::json::object& spec, std::vector<FieldError>& errors,
               int64_t* memory_bytes, int64_t* nano_cpus) {
  CheckCoturn(ObjectAt(&spec, "coturn"), errors);
  const boost::json::object* resources = ObjectAt(&spec, "resources");
  for (const auto& [q, out] : {std::pair{&kMemory, memory_bytes}, std::pair{&kCpus, nano_cpus}}) {
    std::optional<std::string> text = ValueAt<std::string>(resources, q->key);
    if (!text.has_value()) continue;
    absl::StatusOr<int64_t> value = q->parse(*text);
    if (!value.ok()) {
      errors.push_back({{},
                        q->path,
                        absl::StrCat("Invalid value: ", Quote(*text), ": ",
                                     std::string(value.status().message()))});
    } else if (out != nullptr) {
      *out = *value;
    }
  }
}

}  // namespace

absl::StatusOr<TalkBackendSpec> DecodeTalkBackendSpec(const boost::json::object& o) {
  TalkBackendSpec spec;
  std::vector<FieldError> errors;
  CheckSpec(o, errors, &spec.memory_bytes, &spec.nano_cpus);
  if (!errors.empty()) return ToStatus(errors);
  spec.nextcloud_url = ValueAt<std::string>(&o, "nextcloudURL").value_or("");
  if (spec.nextcloud_url.empty()) {
    return absl::InvalidArgumentError("spec.nextcloudURL: Required value");
  }
  const boost::json::object* signaling = ObjectAt(&o, "signaling");
  spec.signaling.replicas = ValueAt<int>(signaling, "replicas").value_or(spec.signaling.replicas);
  spec.signaling.image = ValueAt<std::string>(signaling, "image").value_or(spec.signaling.image);
  const boost::json::object* nats = ObjectAt(&o, "nats");
  spec.nats.replicas = ValueAt<int>(nats, "replicas").value_or(spec.nats.replicas);
  spec.nats.image = ValueAt<std::string>(nats, "image").value_or(spec.nats.image);
  if (spec.signaling.replicas < 1 || spec.nats.replicas < 1) {
    return absl::InvalidArgumentError(absl::StrCat("spec: ", spec.signaling.replicas,
                                                   " signaling and ", spec.nats.replicas,
                                                   " NATS nodes: each needs at least 1"));
  }
  const boost::json::object* coturn = ObjectAt(&o, "coturn");
  TalkBackendSpec::Coturn& c = spec.coturn;
  c.enabled = ValueAt<bool>(coturn, "enabled").value_or(false);
  c.realm = ValueAt<std::string>(coturn, "realm").value_or("");
  c.port = ValueAt<int>(coturn, "port").value_or(c.port);
  const boost::json::object* relay = ObjectAt(coturn, "relayPorts");
  c.min_port = ValueAt<int>(relay, "min").value_or(c.min_port);
  c.max_port = ValueAt<int>(relay, "max").value_or(c.max_port);
  c.external_ip = ValueAt<std::string>(coturn, "externalIP").value_or("");
  c.image = ValueAt<std::string>(coturn, "image").value_or(c.image);
  spec.deletion_policy = ValueAt<std::string>(&o, "deletionPolicy").value_or("Retain") == "Delete"
                             ? DeletionPolicy::kDelete
                             : DeletionPolicy::kRetain;
  spec.suspend = ValueAt<bool>(&o, "suspend").value_or(false);
  return spec;
}

std::vector<FieldError> CheckTalkBackend(const Object& desired, const Object* /*current*/) {
  std::vector<FieldError> errors;
  CheckSpec(desired.spec, errors, nullptr, nullptr);
  return errors;
}

}  // namespace nxt::resources
