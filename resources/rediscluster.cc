#include "resources/rediscluster.h"

#include <boost/json.hpp>
#include <optional>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "resources/field_path.h"
#include "resources/resource_limits.h"

namespace nxt::resources {
namespace {

using internal::ChildPath;

std::string Quote(const std::string& s) { return boost::json::serialize(boost::json::value(s)); }

// Typed reads that tolerate a spec the schema rejected (semantic checks still run then).
std::optional<std::string> StringAt(const boost::json::object& o, const char* key) {
  const boost::json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string(v->get_string());
}
std::optional<int64_t> IntAt(const boost::json::object& o, const char* key) {
  const boost::json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_int64()) return std::nullopt;
  return v->get_int64();
}
bool BoolAt(const boost::json::object& o, const char* key) {
  const boost::json::value* v = o.if_contains(key);
  return v != nullptr && v->is_bool() && v->get_bool();
}
const boost::json::object* ObjectAt(const boost::json::object& o, const char* key) {
  const boost::json::value* v = o.if_contains(key);
  return v != nullptr && v->is_object() ? &v->get_object() : nullptr;
}

std::string Replicas(int64_t n) { return absl::StrCat(n, n == 1 ? " replica" : " replicas"); }

bool IsDirectiveName(const std::string& name) {
  if (name.empty() || name[0] < 'a' || name[0] > 'z') return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

struct Quantity {
  const char* key;
  const char* path;
  absl::StatusOr<int64_t> (*parse)(const std::string&);
};

// Quantities the decoder and the check read the same way.
absl::Status CheckQuantity(const boost::json::object& o, const Quantity& q, int64_t* out) {
  std::optional<std::string> text = StringAt(o, q.key);
  if (!text) return absl::OkStatus();
  absl::StatusOr<int64_t> value = q.parse(*text);
  if (!value.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(q.path, ": Invalid value: ", Quote(*text), ": ",
                                                   std::string(value.status().message())));
  }
  if (out != nullptr) *out = *value;
  return absl::OkStatus();
}

const Quantity kMaxmemory{"maxmemory", "spec.maxmemory", ParseMemoryQuantity};

// "spec.x: message" (as CheckQuantity produces it) → FieldError.
FieldError FromStatus(const absl::Status& s) {
  std::string text(s.message());
  size_t colon = text.find(": ");
  return {{}, text.substr(0, colon), text.substr(colon + 2)};
}

class Checker {
 public:
  explicit Checker(std::vector<FieldError>& errors) : errors_(errors) {}

  // nodes / replicasPerMaster of the desired spec alone, or against the running one.
  void Size(int64_t nodes, int64_t replicas, const boost::json::object* current) {
    const int64_t shard = 1 + replicas;
    std::optional<int64_t> cur_nodes;
    std::optional<int64_t> cur_replicas;
    if (current != nullptr) {  // stored, so defaulted
      cur_nodes = IntAt(*current, "nodes");
      cur_replicas = IntAt(*current, "replicasPerMaster");
    }
    if (cur_nodes && cur_replicas == replicas && *cur_nodes != nodes &&
        (nodes - *cur_nodes) % shard != 0) {
      Error("spec.nodes",
            absl::StrCat("Invalid value: ", nodes, ": must change by whole shards of ", shard,
                         " nodes (1 master + ", Replicas(replicas), "): the cluster runs ",
                         *cur_nodes, " nodes, so ", NextSizes(*cur_nodes, shard)));
      return;
    }
    if (nodes % shard != 0) {
      Error("spec.nodes",
            absl::StrCat("Invalid value: ", nodes,
                         ": must be a multiple of 1 + spec.replicasPerMaster = ", shard,
                         " (each shard is 1 master + ", Replicas(replicas), ")"));
      return;
    }
    if (nodes / shard < kRedisMinMasters) {
      Error("spec.nodes", absl::StrCat("Invalid value: ", nodes, ": must give at least ",
                                       kRedisMinMasters, " masters, but ", nodes,
                                       " / (1 + spec.replicasPerMaster) = ", nodes / shard,
                                       "; use at least ", kRedisMinMasters * shard, " nodes"));
      return;
    }
    if (cur_nodes && cur_replicas && *cur_replicas != replicas &&
        *cur_nodes % (1 + *cur_replicas) == 0) {
      const int64_t cur_masters = *cur_nodes / (1 + *cur_replicas);
      if (cur_masters != nodes / shard) {
        Error("spec.replicasPerMaster",
              absl::StrCat("Invalid value: ", replicas,
                           ": cannot change in the same edit as the number of masters (",
                           cur_masters, " -> ", nodes / shard,
                           "): change replicasPerMaster first (nodes = ", cur_masters * shard,
                           "), then nodes"));
      }
    }
  }

  void Config(const boost::json::object& config) {
    for (const auto& [key, value] : config) {
      const std::string name(key);
      const std::string path = ChildPath("spec.config", name);
      if (!IsDirectiveName(name)) {
        Error(path, absl::StrCat("Invalid value: ", Quote(name),
                                 ": must be a redis.conf directive name (lower case letters, "
                                 "digits and '-', starting with a letter)"));
      } else if (IsControllerOwnedRedisDirective(name)) {
        Error(path, absl::StrCat("Forbidden: ", name, " is set by the controller",
                                 name == "requirepass" || name == "masterauth"
                                     ? " (the password is generated once and kept by nxt)"
                                     : ""));
      } else if (value.is_string() &&
                 std::string(value.get_string()).find_first_of("\r\n") != std::string::npos) {
        Error(path, absl::StrCat("Invalid value: ", Quote(std::string(value.get_string())),
                                 ": must be a single line"));
      }
    }
  }

  void Add(const absl::Status& s) {
    if (!s.ok()) errors_.push_back(FromStatus(s));
  }

 private:
  static std::string NextSizes(int64_t current, int64_t shard) {
    std::string out = absl::StrCat(current + shard, " to add a shard");
    if (current / shard - 1 >= kRedisMinMasters) {
      absl::StrAppend(&out, " or ", current - shard, " to remove one");
    }
    return out;
  }

  void Error(const std::string& path, const std::string& message) {
    errors_.push_back({{}, path, message});
  }

  std::vector<FieldError>& errors_;
};

}  // namespace

bool IsControllerOwnedRedisDirective(const std::string& name) {
  static const std::set<std::string>* const kOwned =
      new std::set<std::string>{"port",
                                "tls-port",
                                "bind",
                                "unixsocket",
                                "protected-mode",
                                "daemonize",
                                "supervised",
                                "pidfile",
                                "logfile",
                                "dir",
                                "include",
                                "cluster-enabled",
                                "cluster-config-file",
                                "cluster-port",
                                "cluster-announce-hostname",
                                "cluster-announce-ip",
                                "cluster-announce-port",
                                "cluster-announce-bus-port",
                                "cluster-announce-tls-port",
                                "cluster-preferred-endpoint-type",
                                "requirepass",
                                "masterauth",
                                "masteruser",
                                "aclfile",
                                "user",
                                "appendonly",
                                "maxmemory",
                                "maxmemory-policy",
                                "rename-command",
                                "replicaof",
                                "slaveof"};
  return kOwned->count(name) > 0;
}

absl::StatusOr<RedisClusterSpec> DecodeRedisClusterSpec(const boost::json::object& o) {
  RedisClusterSpec spec;
  spec.nodes = static_cast<int>(IntAt(o, "nodes").value_or(0));
  spec.replicas_per_master = static_cast<int>(IntAt(o, "replicasPerMaster").value_or(0));
  spec.image = StringAt(o, "image").value_or("");
  spec.maxmemory_policy = StringAt(o, "maxmemoryPolicy").value_or("");
  spec.appendonly = BoolAt(o, "appendonly");
  if (absl::Status s = CheckQuantity(o, kMaxmemory, &spec.maxmemory_bytes); !s.ok()) return s;
  std::vector<FieldError> errors;
  const ResourceLimits limits = ReadResourceLimits(o, errors);
  if (absl::Status s = ToStatus(errors); !s.ok()) return s;
  spec.memory_bytes = limits.memory_bytes;
  spec.nano_cpus = limits.nano_cpus;
  if (const boost::json::object* config = ObjectAt(o, "config")) {
    for (const auto& [key, value] : *config) {
      if (value.is_string()) spec.config[std::string(key)] = std::string(value.get_string());
    }
  }
  spec.deletion_policy =
      StringAt(o, "deletionPolicy") == "Delete" ? DeletionPolicy::kDelete : DeletionPolicy::kRetain;
  spec.suspend = BoolAt(o, "suspend");
  return spec;
}

std::vector<FieldError> CheckRedisCluster(const Object& desired, const Object* current) {
  std::vector<FieldError> errors;
  Checker check(errors);
  const boost::json::object& spec = desired.spec;
  std::optional<int64_t> nodes = IntAt(spec, "nodes");
  std::optional<int64_t> replicas = IntAt(spec, "replicasPerMaster");
  if (nodes && replicas && *nodes >= 1 && *replicas >= 0) {
    check.Size(*nodes, *replicas, current != nullptr ? &current->spec : nullptr);
  }
  check.Add(CheckQuantity(spec, kMaxmemory, nullptr));
  ReadResourceLimits(spec, errors);
  if (const boost::json::object* config = ObjectAt(spec, "config")) check.Config(*config);
  return errors;
}

}  // namespace nxt::resources
