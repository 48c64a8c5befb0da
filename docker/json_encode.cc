// Encoders of json_codec.h.
#include <boost/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "docker/json_codec.h"

namespace nxt::docker {
namespace {

namespace json = boost::json;

json::array Strings(const std::vector<std::string>& items) {
  json::array out;
  for (const std::string& s : items) out.emplace_back(s);
  return out;
}

json::object StringMap(const std::map<std::string, std::string>& items) {
  json::object out;
  for (const auto& [k, v] : items) out[k] = v;
  return out;
}

std::string PortKey(const PortBinding& p) {
  return absl::StrCat(p.container_port, "/", p.protocol.empty() ? "tcp" : p.protocol);
}

json::object EncodeHealthcheck(const Healthcheck& hc) {
  json::object out;
  out["Test"] = Strings(hc.test);
  out["Interval"] = absl::ToInt64Nanoseconds(hc.interval);
  out["Timeout"] = absl::ToInt64Nanoseconds(hc.timeout);
  out["StartPeriod"] = absl::ToInt64Nanoseconds(hc.start_period);
  out["Retries"] = hc.retries;
  return out;
}

json::array EncodeMounts(const std::vector<Mount>& mounts) {
  json::array out;
  for (const Mount& m : mounts) {
    json::object o;
    o["Type"] = m.type == Mount::Type::kBind ? "bind" : "volume";
    o["Source"] = m.source;
    o["Target"] = m.target;
    o["ReadOnly"] = m.read_only;
    out.push_back(std::move(o));
  }
  return out;
}

json::object EncodeHostConfig(const ContainerSpec& spec) {
  json::object host;
  host["Mounts"] = EncodeMounts(spec.mounts);
  json::object bindings;
  for (const PortBinding& p : spec.ports) {
    if (p.host_port == 0 && p.host_ip.empty()) continue;  // exposed only
    json::object b;
    b["HostIp"] = p.host_ip;
    b["HostPort"] = p.host_port == 0 ? std::string() : std::to_string(p.host_port);
    json::value& slot = bindings[PortKey(p)];
    if (!slot.is_array()) slot = json::array();
    slot.get_array().push_back(std::move(b));
  }
  host["PortBindings"] = std::move(bindings);
  json::object restart;
  restart["Name"] = spec.restart_policy.empty() ? "no" : spec.restart_policy;
  host["RestartPolicy"] = std::move(restart);
  host["SecurityOpt"] = Strings(spec.security_opt);
  if (spec.init) host["Init"] = true;
  host["CapDrop"] = Strings(spec.cap_drop);
  host["CapAdd"] = Strings(spec.cap_add);
  host["Memory"] = spec.memory_bytes;
  host["NanoCpus"] = spec.nano_cpus;
  json::object log;
  log["Type"] = "json-file";
  log["Config"] = StringMap(spec.log_options);
  host["LogConfig"] = std::move(log);
  if (!spec.network_mode.empty()) {
    host["NetworkMode"] = spec.network_mode;
  } else if (!spec.networks.empty()) {
    host["NetworkMode"] = spec.networks.front();
  }
  return host;
}

}  // namespace

std::string EncodeCreateContainer(const ContainerSpec& spec) {
  json::object body;
  if (!spec.hostname.empty()) body["Hostname"] = spec.hostname;
  body["Image"] = spec.image;
  if (!spec.entrypoint.empty()) body["Entrypoint"] = Strings(spec.entrypoint);
  if (!spec.cmd.empty()) body["Cmd"] = Strings(spec.cmd);
  body["Env"] = Strings(spec.env);
  body["Labels"] = StringMap(spec.labels);
  if (!spec.user.empty()) body["User"] = spec.user;
  if (!spec.working_dir.empty()) body["WorkingDir"] = spec.working_dir;
  json::object exposed;
  for (const PortBinding& p : spec.ports) exposed[PortKey(p)] = json::object();
  body["ExposedPorts"] = std::move(exposed);
  if (spec.healthcheck.has_value()) body["Healthcheck"] = EncodeHealthcheck(*spec.healthcheck);
  body["HostConfig"] = EncodeHostConfig(spec);
  if (spec.network_mode.empty() && !spec.networks.empty()) {
    json::object endpoint;
    endpoint["Aliases"] = Strings(spec.network_aliases);
    json::object endpoints;
    endpoints[spec.networks.front()] = std::move(endpoint);
    json::object networking;
    networking["EndpointsConfig"] = std::move(endpoints);
    body["NetworkingConfig"] = std::move(networking);
  }
  return json::serialize(body);
}

std::string EncodeFilters(const LabelSelector& selector, const std::string& type) {
  json::object filters;
  if (!selector.empty()) {
    json::array labels;
    for (const auto& [k, v] : selector)
      labels.emplace_back(v.empty() ? k : absl::StrCat(k, "=", v));
    filters["label"] = std::move(labels);
  }
  if (!type.empty()) filters["type"] = json::array{json::value(type)};
  if (filters.empty()) return "";
  return json::serialize(filters);
}

std::string EncodeRestartPolicyUpdate(const std::string& policy) {
  json::object restart;
  restart["Name"] = policy.empty() ? "no" : policy;
  json::object body;
  body["RestartPolicy"] = std::move(restart);
  return json::serialize(body);
}

std::string EncodeCreateNetwork(const std::string& name,
                                const std::map<std::string, std::string>& labels,
                                const std::string& subnet) {
  json::object body;
  body["Name"] = name;
  body["Driver"] = "bridge";
  body["CheckDuplicate"] = true;
  body["Labels"] = StringMap(labels);
  if (!subnet.empty()) {
    json::object config;
    config["Subnet"] = subnet;
    json::object ipam;
    ipam["Driver"] = "default";
    ipam["Config"] = json::array{json::value(std::move(config))};
    body["IPAM"] = std::move(ipam);
  }
  return json::serialize(body);
}

std::string EncodeCreateVolume(const std::string& name,
                               const std::map<std::string, std::string>& labels) {
  json::object body;
  body["Name"] = name;
  body["Driver"] = "local";
  body["Labels"] = StringMap(labels);
  return json::serialize(body);
}

std::string EncodeExecCreate(const std::vector<std::string>& cmd, bool attach_stdin) {
  json::object body;
  body["AttachStdin"] = attach_stdin;
  body["AttachStdout"] = true;
  body["AttachStderr"] = true;
  body["Tty"] = false;
  body["Cmd"] = Strings(cmd);
  return json::serialize(body);
}

std::string EncodeNetworkConnect(const std::string& container_id,
                                 const std::vector<std::string>& aliases) {
  json::object body;
  body["Container"] = container_id;
  json::object endpoint;
  endpoint["Aliases"] = Strings(aliases);
  body["EndpointConfig"] = std::move(endpoint);
  return json::serialize(body);
}

}  // namespace nxt::docker
