#include "resources/galeracluster.h"

#include <boost/json.hpp>
#include <optional>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "resources/field_path.h"
#include "resources/resource_limits.h"

namespace nxt::resources {
namespace {

using internal::ChildPath;

std::string Quote(const std::string& s) { return boost::json::serialize(boost::json::value(s)); }

std::optional<std::string> StringAt(const boost::json::object& o, const char* key) {
  const boost::json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string(v->get_string());
}

// A config value as text: strings as they are, integers in decimal; nullopt otherwise.
std::optional<std::string> ConfigValue(const boost::json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_int64()) return absl::StrCat(v.get_int64());
  if (v.is_uint64()) return absl::StrCat(v.get_uint64());
  return std::nullopt;
}

bool IsOptionName(const std::string& key) {
  if (key.empty() || key.size() > 64) return false;
  for (char c : key) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') {
      return false;
    }
  }
  return absl::ascii_isalpha(static_cast<unsigned char>(key[0]));
}

// The error for config key `key` with value `value`, or "" when both are fine.
std::string ConfigProblem(const std::string& key, const boost::json::value& value) {
  if (!IsOptionName(key)) {
    return absl::StrCat("Invalid value: ", Quote(key),
                        ": must be a MariaDB option name (letters, digits, '_', '-', '.')");
  }
  if (IsManagedGaleraConfigKey(NormaliseGaleraConfigKey(key))) {
    return absl::StrCat("Forbidden: ", Quote(key),
                        " is set by nxt (cluster membership, paths and the Galera settings "
                        "it depends on)");
  }
  std::optional<std::string> text = ConfigValue(value);
  if (!text.has_value()) return "Invalid value: must be a string or an integer";
  if (text->find_first_of("\n\r") != std::string::npos) {
    return absl::StrCat("Invalid value: ", Quote(*text), ": must be a single line");
  }
  return "";
}

}  // namespace

std::string NormaliseGaleraConfigKey(const std::string& key) {
  std::string out = absl::AsciiStrToLower(key);
  for (char& c : out) {
    if (c == '-') c = '_';
  }
  return out;
}

bool IsManagedGaleraConfigKey(const std::string& key) {
  // Written by the controller: paths, networking, the Galera prerequisites and cluster
  // membership. Other wsrep_* keys (wsrep_provider_options, wsrep_slave_threads, ...) are
  // the user's to tune.
  static const std::set<std::string> kManaged = {"user",
                                                 "datadir",
                                                 "socket",
                                                 "port",
                                                 "bind_address",
                                                 "pid_file",
                                                 "log_error",
                                                 "skip_networking",
                                                 "binlog_format",
                                                 "default_storage_engine",
                                                 "innodb_autoinc_lock_mode",
                                                 "wsrep_on",
                                                 "wsrep_provider",
                                                 "wsrep_cluster_address",
                                                 "wsrep_cluster_name",
                                                 "wsrep_node_name",
                                                 "wsrep_node_address",
                                                 "wsrep_sst_method",
                                                 "wsrep_sst_auth",
                                                 "wsrep_sst_receive_address",
                                                 "wsrep_new_cluster",
                                                 "wsrep_recover",
                                                 "wsrep_start_position"};
  return kManaged.count(key) > 0;
}

absl::StatusOr<GaleraClusterSpec> DecodeGaleraClusterSpec(const boost::json::object& o) {
  GaleraClusterSpec spec;
  if (const boost::json::value* v = o.if_contains("replicas"); v && v->is_int64()) {
    spec.replicas = static_cast<int>(v->get_int64());
  }
  spec.image = StringAt(o, "image").value_or("");
  spec.database = StringAt(o, "database").value_or("");
  spec.user = StringAt(o, "user").value_or("");
  spec.sst = StringAt(o, "sst").value_or("");
  if (const boost::json::value* c = o.if_contains("config"); c && c->is_object()) {
    for (const auto& [key, value] : c->get_object()) {
      if (std::optional<std::string> text = ConfigValue(value)) {
        spec.config[NormaliseGaleraConfigKey(std::string(key))] = *text;
      }
    }
  }
  std::vector<FieldError> errors;
  const ResourceLimits limits = ReadResourceLimits(o, errors);
  if (absl::Status s = ToStatus(errors); !s.ok()) return s;
  spec.memory_bytes = limits.memory_bytes;
  spec.nano_cpus = limits.nano_cpus;
  spec.deletion_policy =
      StringAt(o, "deletionPolicy") == "Delete" ? DeletionPolicy::kDelete : DeletionPolicy::kRetain;
  if (const boost::json::value* v = o.if_contains("suspend"); v && v->is_bool()) {
    spec.suspend = v->get_bool();
  }
  return spec;
}

std::vector<FieldError> CheckGaleraCluster(const Object& desired, const Object* /*current*/) {
  std::vector<FieldError> errors;
  const boost::json::object& spec = desired.spec;
  if (const boost::json::value* v = spec.if_contains("replicas"); v && v->is_int64()) {
    int64_t replicas = v->get_int64();
    if (replicas > 0 && replicas % 2 == 0) {
      errors.push_back({{},
                        "spec.replicas",
                        absl::StrCat(replicas,
                                     " is even; a Galera cluster needs an odd number of nodes "
                                     "to keep quorum")});
    }
  }
  if (const boost::json::value* c = spec.if_contains("config"); c && c->is_object()) {
    std::set<std::string> seen;
    for (const auto& [key, value] : c->get_object()) {
      const std::string path = ChildPath("spec.config", std::string(key));
      std::string problem = ConfigProblem(std::string(key), value);
      if (!problem.empty()) {
        errors.push_back({{}, path, problem});
      } else if (!seen.insert(NormaliseGaleraConfigKey(std::string(key))).second) {
        errors.push_back({{},
                          path,
                          absl::StrCat("Duplicate value: ", Quote(std::string(key)),
                                       " names the same option as another key")});
      }
    }
  }
  ReadResourceLimits(spec, errors);
  return errors;
}

}  // namespace nxt::resources
