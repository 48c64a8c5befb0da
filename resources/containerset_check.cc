// CheckContainerSet: the ContainerSet rules the schema cannot express.
#include <arpa/inet.h>

#include <boost/json.hpp>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "resources/containerset.h"
#include "resources/field_path.h"
#include "resources/resource_limits.h"

namespace nxt::resources {
namespace {

using internal::ChildPath;

// Networks nxt manages are named "nxt-<namespace>-<name>" (controllers/common/owner.h).
constexpr char kManagedNetworkPrefix[] = "nxt-";
using internal::IndexPath;

std::string Quote(const std::string& s) { return boost::json::serialize(boost::json::value(s)); }

bool IsEnvName(const std::string& name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) {
    return false;
  }
  for (char c : name) {
    bool ok =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) {
      return false;
    }
  }
  return true;
}

bool IsNormalisedAbsolutePath(const std::string& path) {
  if (path.empty() || path[0] != '/') {
    return false;
  }
  if (path == "/") {
    return true;
  }
  for (const absl::string_view part : absl::StrSplit(path.substr(1), '/')) {
    if (part.empty() || part == "." || part == "..") {
      return false;
    }
  }
  return true;
}

bool IsIpAddress(const std::string& text) {
  unsigned char buffer[16];
  return inet_pton(AF_INET, text.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

const boost::json::value* Member(const boost::json::object& o, const char* key) {
  return o.if_contains(key);
}
std::optional<std::string> StringAt(const boost::json::object& o, const char* key) {
  const boost::json::value* v = Member(o, key);
  if (v == nullptr || !v->is_string()) {
    return std::nullopt;
  }
  return std::string(v->get_string());
}

// A port published on the host. 0.0.0.0 and :: take the port on every address.
struct Published {
  std::string ip;
  int64_t port;
  std::string protocol;
  size_t index;

  bool IsWildcard() const { return ip == "0.0.0.0" || ip == "::"; }
  bool ConflictsWith(const Published& o) const {
    return port == o.port && protocol == o.protocol &&
           (ip == o.ip || IsWildcard() || o.IsWildcard());
  }
  std::string ToString() const {
    bool v6 = ip.find(':') != std::string::npos;
    return absl::StrCat(v6 ? "[" : "", ip, v6 ? "]" : "", ":", port, "/", protocol);
  }
};

class Checker {
 public:
  explicit Checker(std::vector<FieldError>& errors) : errors_(errors) {}

  void Error(const std::string& path, std::string message) {
    errors_.push_back({{}, path, std::move(message)});
  }
  void Invalid(const std::string& path, const std::string& value, const std::string& why) {
    Error(path, absl::StrCat("Invalid value: ", Quote(value), ": ", why));
  }

  void Env(const boost::json::object& env) {
    for (const auto& [key, value] : env) {
      std::string name(key);
      if (!IsEnvName(name)) {
        Invalid(ChildPath("spec.env", name), name,
                "must be a valid environment variable name (letters, digits and '_', not "
                "starting with a digit)");
      }
    }
  }

  void Resources(const boost::json::object& spec) { ReadResourceLimits(spec, errors_); }

  void Healthcheck(const boost::json::object& h) {
    for (const char* key : {"interval", "timeout", "startPeriod"}) {
      std::optional<std::string> text = StringAt(h, key);
      if (!text) {
        continue;
      }
      std::string path = ChildPath("spec.healthcheck", key);
      absl::StatusOr<absl::Duration> d = ParseDurationField(*text);
      if (!d.ok()) {
        Invalid(path, *text, std::string(d.status().message()));
      } else if (*d == absl::ZeroDuration() && std::string(key) != "startPeriod") {
        Invalid(path, *text, "must be greater than 0");
      }
    }
  }

  // Every replica would bind the same host port; only the first could start.
  void SinglePublisher(const boost::json::array& ports, int64_t replicas) {
    for (size_t i = 0; i < ports.size(); ++i) {
      if (!ports[i].is_object()) continue;
      const boost::json::value* hp = Member(ports[i].get_object(), "hostPort");
      if (hp != nullptr && hp->is_int64() && hp->get_int64() != 0) {
        Error(ChildPath(IndexPath("spec.ports", i), "hostPort"),
              absl::StrCat("Invalid value: ", hp->get_int64(), ": a host port can be published by ",
                           "one replica only, and spec.replicas is ", replicas));
      }
    }
  }

  void Ports(const boost::json::array& ports) {
    std::map<std::pair<int64_t, std::string>, size_t> container;
    std::vector<Published> published;
    std::map<std::string, size_t> names;
    for (size_t i = 0; i < ports.size(); ++i) {
      if (!ports[i].is_object()) {
        continue;
      }
      const boost::json::object& p = ports[i].get_object();
      const std::string path = IndexPath("spec.ports", i);
      // protocol and hostIP carry the CRD's defaults; a wrong type is the schema's error.
      const std::string protocol = StringAt(p, "protocol").value_or("");
      const std::optional<std::string> host_ip = StringAt(p, "hostIP");
      const boost::json::value* cp = Member(p, "containerPort");
      const boost::json::value* hp = Member(p, "hostPort");
      if (std::optional<std::string> name = StringAt(p, "name"); name && !name->empty()) {
        Unique(names, *name, i, ChildPath(path, "name"), Quote(*name));
      }
      if (cp != nullptr && cp->is_int64()) {
        Unique(container, {cp->get_int64(), protocol}, i, ChildPath(path, "containerPort"),
               absl::StrCat(cp->get_int64(), "/", protocol));
      }
      if (host_ip && !IsIpAddress(*host_ip)) {
        Invalid(ChildPath(path, "hostIP"), *host_ip, "must be an IPv4 or IPv6 address");
      }
      if (host_ip && hp != nullptr && hp->is_int64() && hp->get_int64() != 0) {
        Published port{*host_ip, hp->get_int64(), protocol, i};
        for (const Published& other : published) {
          if (port.ConflictsWith(other)) {
            Error(ChildPath(path, "hostPort"),
                  absl::StrCat("Duplicate value: ", port.ToString(), " conflicts with ",
                               other.ToString(), " (index ", other.index, ")"));
            break;
          }
        }
        published.push_back(port);
      }
    }
  }

  void Volumes(const boost::json::array& volumes) {
    std::map<std::string, size_t> names;
    std::map<std::string, size_t> mounts;
    for (size_t i = 0; i < volumes.size(); ++i) {
      if (!volumes[i].is_object()) {
        continue;
      }
      const boost::json::object& v = volumes[i].get_object();
      const std::string path = IndexPath("spec.volumes", i);
      if (std::optional<std::string> name = StringAt(v, "name")) {
        Unique(names, *name, i, ChildPath(path, "name"), Quote(*name));
      }
      for (const char* key : {"mountPath", "hostPath"}) {
        std::optional<std::string> p = StringAt(v, key);
        if (p && !IsNormalisedAbsolutePath(*p)) {
          Invalid(ChildPath(path, key), *p,
                  "must be an absolute, normalised path (no \".\", \"..\", \"//\" or trailing "
                  "\"/\")");
        } else if (p && std::string(key) == "mountPath") {
          Unique(mounts, *p, i, ChildPath(path, key), Quote(*p));
        }
      }
    }
  }

  void Networks(const boost::json::array& networks) {
    std::map<std::string, size_t> seen;
    for (size_t i = 0; i < networks.size(); ++i) {
      if (networks[i].is_string()) {
        std::string name(networks[i].get_string());
        Unique(seen, name, i, IndexPath("spec.networks", i), Quote(name));
        if (absl::StartsWith(name, kManagedNetworkPrefix)) {
          Invalid(IndexPath("spec.networks", i), name,
                  "the prefix \"nxt-\" is reserved for the networks nxt manages for its "
                  "objects (nxt-<namespace>-<name>); no object may join another's, and the "
                  "set joins its own already: name a network you created");
        }
      }
    }
  }

 private:
  template <typename Key>
  void Unique(std::map<Key, size_t>& seen, const Key& key, size_t index, const std::string& path,
              const std::string& shown) {
    auto [it, inserted] = seen.emplace(key, index);
    if (!inserted) {
      Error(path, absl::StrCat("Duplicate value: ", shown, " (also at index ", it->second, ")"));
    }
  }

  std::vector<FieldError>& errors_;
};

}  // namespace

std::vector<FieldError> CheckContainerSet(const Object& desired, const Object* /*current*/) {
  std::vector<FieldError> errors;
  Checker check(errors);
  const boost::json::object& spec = desired.spec;
  if (const boost::json::value* env = Member(spec, "env"); env && env->is_object()) {
    check.Env(env->get_object());
  }
  if (const boost::json::value* ports = Member(spec, "ports"); ports && ports->is_array()) {
    check.Ports(ports->get_array());
    const boost::json::value* replicas = Member(spec, "replicas");
    if (replicas != nullptr && replicas->is_int64() && replicas->get_int64() > 1) {
      check.SinglePublisher(ports->get_array(), replicas->get_int64());
    }
  }
  if (const boost::json::value* v = Member(spec, "volumes"); v && v->is_array()) {
    check.Volumes(v->get_array());
  }
  if (const boost::json::value* n = Member(spec, "networks"); n && n->is_array()) {
    check.Networks(n->get_array());
  }
  if (const boost::json::value* h = Member(spec, "healthcheck"); h && h->is_object()) {
    check.Healthcheck(h->get_object());
  }
  check.Resources(spec);
  return errors;
}

}  // namespace nxt::resources
