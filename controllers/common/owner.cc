#include "controllers/common/owner.h"

#include <cstdint>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/sha256.h"

namespace nxt::controllers {
namespace {

std::string LabelOr(const Labels& labels, const char* key) {
  auto it = labels.find(key);
  return it == labels.end() ? std::string() : it->second;
}

// Appends length-prefixed fields so that no two different specs serialise alike.
class Canonical {
 public:
  void Field(const std::string& tag, const std::string& value) {
    absl::StrAppend(&out_, tag, ":", value.size(), ":", value, ";");
  }
  void Field(const std::string& tag, int64_t value) { Field(tag, absl::StrCat(value)); }
  void Field(const std::string& tag, absl::Duration value) {
    Field(tag, absl::ToInt64Nanoseconds(value));
  }
  void List(const std::string& tag, const std::vector<std::string>& values) {
    Field(tag, static_cast<int64_t>(values.size()));
    for (const std::string& v : values) Field("-", v);
  }
  void Map(const std::string& tag, const Labels& values) {
    Field(tag, static_cast<int64_t>(values.size()));
    for (const auto& [k, v] : values) {
      Field("k", k);
      Field("v", v);
    }
  }
  const std::string& out() const { return out_; }

 private:
  std::string out_;
};

void AddPortsAndMounts(const docker::ContainerSpec& spec, Canonical& c) {
  c.Field("ports", static_cast<int64_t>(spec.ports.size()));
  for (const docker::PortBinding& p : spec.ports) {
    c.Field("cp", p.container_port);
    c.Field("proto", p.protocol);
    c.Field("hip", p.host_ip);
    c.Field("hp", p.host_port);
  }
  c.Field("mounts", static_cast<int64_t>(spec.mounts.size()));
  for (const docker::Mount& m : spec.mounts) {
    c.Field("type", m.type == docker::Mount::Type::kBind ? "bind" : "volume");
    c.Field("src", m.source);
    c.Field("dst", m.target);
    c.Field("ro", m.read_only ? 1 : 0);
  }
}

// Doubles every '-': with fields that never start or end with '-', a single '-' between
// encoded fields is unambiguous.
std::string EncodeField(const std::string& field) {
  std::string out;
  out.reserve(field.size() + 8);
  for (char ch : field) {
    out.push_back(ch);
    if (ch == '-') out.push_back('-');
  }
  return out;
}

// `name`, or when it is longer than Docker and the file system allow, its start (without
// trailing '-') + "---" + a digest of the whole name (see owner.h).
std::string Bounded(std::string name) {
  if (name.size() <= kMaxDockerObjectName) return name;
  const std::string digest = Sha256Hex(name).substr(0, 16);
  std::string head = name.substr(0, kMaxDockerObjectName - digest.size() - 3);
  while (!head.empty() && head.back() == '-') head.pop_back();
  return absl::StrCat(head, "---", digest);
}

std::string VolumePrefix(const std::string& namespace_, const std::string& name,
                         const std::string& ordinal) {
  return absl::StrCat("nxt-", EncodeField(namespace_), "-", EncodeField(name), "-", ordinal, "-");
}

}  // namespace

std::string& MutableInstanceId() {
  static std::string* id = new std::string();
  return *id;
}

void SetInstanceId(const std::string& instance_id) { MutableInstanceId() = instance_id; }
const std::string& InstanceId() { return MutableInstanceId(); }

std::string InstanceIdForStateDir(const std::string& state_dir) {
  std::error_code ec;
  std::filesystem::path path = std::filesystem::absolute(state_dir, ec).lexically_normal();
  std::string text = path.string();
  while (text.size() > 1 && text.back() == '/') text.pop_back();
  return Sha256Hex(text).substr(0, 12);
}

std::optional<resources::ObjectKey> OwnerOf(const Labels& labels) {
  if (LabelOr(labels, docker::kLabelManagedBy) != docker::kManagedByValue) return std::nullopt;
  if (!InstanceId().empty() && LabelOr(labels, docker::kLabelInstance) != InstanceId()) {
    return std::nullopt;
  }
  resources::ObjectKey key{LabelOr(labels, docker::kLabelKind),
                           LabelOr(labels, docker::kLabelNamespace),
                           LabelOr(labels, docker::kLabelName)};
  if (key.kind.empty() || key.namespace_.empty() || key.name.empty()) return std::nullopt;
  return key;
}

std::optional<resources::ObjectKey> OwnerKeyForEvent(const docker::Event& event) {
  return OwnerOf(event.attributes);
}

Labels OwnerLabels(const resources::ObjectKey& key, const std::string& role,
                   std::optional<int> ordinal) {
  Labels labels = OwnerSelector(key);
  labels[docker::kLabelRole] = role;
  if (ordinal.has_value()) labels[docker::kLabelOrdinal] = absl::StrCat(*ordinal);
  return labels;
}

docker::LabelSelector OwnerSelector(const resources::ObjectKey& key) {
  docker::LabelSelector selector = {{docker::kLabelManagedBy, docker::kManagedByValue},
                                    {docker::kLabelKind, key.kind},
                                    {docker::kLabelNamespace, key.namespace_},
                                    {docker::kLabelName, key.name}};
  if (!InstanceId().empty()) selector[docker::kLabelInstance] = InstanceId();
  return selector;
}

docker::LabelSelector ManagedSelector() {
  docker::LabelSelector selector = {{docker::kLabelManagedBy, docker::kManagedByValue}};
  if (!InstanceId().empty()) selector[docker::kLabelInstance] = InstanceId();
  return selector;
}

std::optional<int> OrdinalOf(const Labels& labels) {
  std::string text = LabelOr(labels, docker::kLabelOrdinal);
  if (text.empty() || text.size() > 9 || (text.size() > 1 && text[0] == '0')) {
    return std::nullopt;
  }
  for (char ch : text) {
    if (ch < '0' || ch > '9') return std::nullopt;
  }
  int ordinal = 0;
  if (!absl::SimpleAtoi(text, &ordinal)) return std::nullopt;
  return ordinal;
}

std::string ContainerName(const std::string& name, int ordinal) {
  return absl::StrCat(name, "-", ordinal);
}

std::string NetworkName(const std::string& namespace_, const std::string& name) {
  return Bounded(absl::StrCat("nxt-", EncodeField(namespace_), "-", EncodeField(name)));
}

std::string VolumeName(const std::string& namespace_, const std::string& name, int ordinal,
                       const std::string& purpose) {
  return VolumeName(namespace_, name, absl::StrCat(ordinal), purpose);
}

std::string VolumeName(const std::string& namespace_, const std::string& name,
                       const std::string& ordinal, const std::string& purpose) {
  return Bounded(absl::StrCat(VolumePrefix(namespace_, name, ordinal), EncodeField(purpose)));
}

std::string LegacyVolumeName(const std::string& namespace_, const std::string& name, int ordinal,
                             const std::string& purpose) {
  return absl::StrCat("nxt-", namespace_, "-", name, "-", ordinal, "-", purpose);
}

std::optional<std::string> VolumePurposeOf(const std::string& volume, const std::string& namespace_,
                                           const std::string& name, int ordinal) {
  const std::string prefix = VolumePrefix(namespace_, name, absl::StrCat(ordinal));
  if (!absl::StartsWith(volume, prefix) || volume.size() == prefix.size()) return std::nullopt;
  std::string purpose;
  const std::string encoded = volume.substr(prefix.size());
  for (size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] == '-') {
      // Encoded hyphens come in pairs; anything else is not a name VolumeName made.
      if (i + 1 >= encoded.size() || encoded[i + 1] != '-') return std::nullopt;
      ++i;
    }
    purpose.push_back(encoded[i]);
  }
  return purpose;
}

std::string ConfigHash(const docker::ContainerSpec& spec, const std::vector<std::string>& extra) {
  Canonical c;
  c.Field("name", spec.name);
  c.Field("image", spec.image);
  c.Field("hostname", spec.hostname);
  c.List("entrypoint", spec.entrypoint);
  c.List("cmd", spec.cmd);
  c.List("env", spec.env);
  Labels labels = spec.labels;
  labels.erase(docker::kLabelConfigHash);
  c.Map("labels", labels);
  c.Field("user", spec.user);
  c.Field("workdir", spec.working_dir);
  AddPortsAndMounts(spec, c);
  c.List("networks", spec.networks);
  c.List("aliases", spec.network_aliases);
  c.Field("health", spec.healthcheck.has_value() ? 1 : 0);
  if (spec.healthcheck.has_value()) {
    c.List("test", spec.healthcheck->test);
    c.Field("interval", spec.healthcheck->interval);
    c.Field("timeout", spec.healthcheck->timeout);
    c.Field("start", spec.healthcheck->start_period);
    c.Field("retries", spec.healthcheck->retries);
  }
  c.Field("memory", spec.memory_bytes);
  c.Field("cpus", spec.nano_cpus);
  c.Field("restart", spec.restart_policy);
  c.Field("init", spec.init ? 1 : 0);
  c.List("secopt", spec.security_opt);
  c.List("capdrop", spec.cap_drop);
  c.List("capadd", spec.cap_add);
  c.Field("netmode", spec.network_mode);
  c.Map("log", spec.log_options);
  c.List("extra", extra);
  return Sha256Hex(c.out());
}

}  // namespace nxt::controllers
