// Decoders of json_codec.h.
#include <boost/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "common/status_macros.h"
#include "docker/json_codec.h"

namespace nxt::docker {
namespace {

namespace json = boost::json;

absl::StatusOr<json::value> Parse(const std::string& body, const char* what) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat("docker ", what, ": bad JSON from engine: ", ec.message()));
  }
  return v;
}

const json::value* Find(const json::value& v, const char* key) {
  const json::object* obj = v.if_object();
  if (obj == nullptr) return nullptr;
  auto it = obj->find(key);
  return it == obj->end() ? nullptr : &it->value();
}

std::string Str(const json::value& v, const char* key) {
  const json::value* f = Find(v, key);
  if (f == nullptr || !f->is_string()) return "";
  return std::string(f->get_string().c_str(), f->get_string().size());
}

int64_t Int(const json::value& v, const char* key, int64_t fallback = 0) {
  const json::value* f = Find(v, key);
  if (f == nullptr) return fallback;
  if (f->is_int64()) return f->get_int64();
  if (f->is_uint64()) return static_cast<int64_t>(f->get_uint64());
  if (f->is_double()) return static_cast<int64_t>(f->get_double());
  return fallback;
}

bool Bool(const json::value& v, const char* key) {
  const json::value* f = Find(v, key);
  return f != nullptr && f->is_bool() && f->get_bool();
}

std::map<std::string, std::string> StrMap(const json::value& v, const char* key) {
  std::map<std::string, std::string> out;
  const json::value* f = Find(v, key);
  if (f == nullptr || !f->is_object()) return out;
  for (const auto& kv : f->get_object()) {
    if (kv.value().is_string()) {
      out.emplace(std::string(kv.key()), std::string(kv.value().get_string().c_str()));
    }
  }
  return out;
}

const json::value& Obj(const json::value& v, const char* key) {
  static const json::value kNull;
  const json::value* f = Find(v, key);
  return f == nullptr ? kNull : *f;
}

absl::Time ParseRfc3339(const std::string& text) {
  absl::Time t;
  std::string err;
  if (text.empty() || text.rfind("0001-", 0) == 0 ||
      !absl::ParseTime(absl::RFC3339_full, text, &t, &err)) {
    return absl::InfinitePast();
  }
  return t;
}

std::string StripSlash(std::string name) {
  if (!name.empty() && name.front() == '/') name.erase(0, 1);
  return name;
}

absl::Status NotA(const char* what, const char* shape) {
  return absl::InternalError(absl::StrCat("docker ", what, ": engine answer is not ", shape));
}

}  // namespace

absl::StatusOr<VersionInfo> DecodeVersion(const std::string& body) {
  NXT_ASSIGN_OR_RETURN(json::value v, Parse(body, "version"));
  VersionInfo info{Str(v, "Version"), Str(v, "ApiVersion"), Str(v, "MinAPIVersion")};
  if (info.api_version.empty()) return NotA("version", "a version object");
  return info;
}

absl::StatusOr<std::vector<ContainerSummary>> DecodeContainerList(const std::string& body) {
  NXT_ASSIGN_OR_RETURN(json::value v, Parse(body, "list containers"));
  if (!v.is_array()) return NotA("list containers", "an array");
  std::vector<ContainerSummary> out;
  for (const json::value& c : v.get_array()) {
    ContainerSummary s;
    s.id = Str(c, "Id");
    const json::value* names = Find(c, "Names");
    if (names != nullptr && names->is_array() && !names->get_array().empty() &&
        names->get_array()[0].is_string()) {
      s.name = StripSlash(std::string(names->get_array()[0].get_string().c_str()));
    }
    s.image = Str(c, "Image");
    s.labels = StrMap(c, "Labels");
    s.state = Str(c, "State");
    s.status = Str(c, "Status");
    s.created = absl::FromUnixSeconds(Int(c, "Created"));
    out.push_back(std::move(s));
  }
  return out;
}

absl::StatusOr<ContainerInfo> DecodeContainerInfo(const std::string& body) {
  NXT_ASSIGN_OR_RETURN(json::value v, Parse(body, "inspect container"));
  if (!v.is_object()) return NotA("inspect container", "an object");
  ContainerInfo info;
  info.id = Str(v, "Id");
  info.name = StripSlash(Str(v, "Name"));
  info.image = Str(Obj(v, "Config"), "Image");
  info.labels = StrMap(Obj(v, "Config"), "Labels");
  const json::value& state = Obj(v, "State");
  info.state = Str(state, "Status");
  info.running = Bool(state, "Running");
  info.exit_code = static_cast<int>(Int(state, "ExitCode"));
  info.health = Str(Obj(state, "Health"), "Status");
  info.pid = static_cast<int>(Int(state, "Pid"));
  info.restart_count = static_cast<int>(Int(v, "RestartCount"));
  info.started_at = ParseRfc3339(Str(state, "StartedAt"));
  info.finished_at = ParseRfc3339(Str(state, "FinishedAt"));
  const json::value& networks = Obj(Obj(v, "NetworkSettings"), "Networks");
  if (networks.is_object()) {
    for (const auto& kv : networks.get_object()) {
      info.network_ips.emplace(std::string(kv.key()), Str(kv.value(), "IPAddress"));
    }
  }
  return info;
}

// One network object of GET /networks or /networks/{id}.
NetworkInfo DecodeNetwork(const json::value& n) {
  NetworkInfo info{Str(n, "Id"), Str(n, "Name"), StrMap(n, "Labels"), {}};
  const json::value* ipam = Find(n, "IPAM");
  const json::value* config = ipam == nullptr ? nullptr : Find(*ipam, "Config");
  if (config != nullptr && config->is_array()) {
    for (const json::value& c : config->get_array()) {
      if (std::string subnet = Str(c, "Subnet"); !subnet.empty()) {
        info.subnets.push_back(std::move(subnet));
      }
    }
  }
  return info;
}

absl::StatusOr<std::vector<NetworkInfo>> DecodeNetworkList(const std::string& body) {
  NXT_ASSIGN_OR_RETURN(json::value v, Parse(body, "list networks"));
  if (!v.is_array()) return NotA("list networks", "an array");
  std::vector<NetworkInfo> out;
  for (const json::value& n : v.get_array()) {
    out.push_back(DecodeNetwork(n));
  }
  return out;
}

absl::StatusOr<std::vector<VolumeInfo>> DecodeVolumeList(const std::string& body) {
  NXT_ASSIGN_OR_RETURN(json::value v, Parse(body, "list volumes"));
  const json::value* volumes = Find(v, "Volumes");
  if (volumes == nullptr) return NotA("list volumes", "a volume list");
  std::vector<VolumeInfo> out;
  if (!volumes->is_array()) return out;  // "Volumes": null when there are none
  for (const json::value& vol : volumes->get_array()) {
    out.push_back(VolumeInfo{Str(vol, "Name"), StrMap(vol, "Labels"), Str(vol, "Mountpoint")});
  }
  return out;
}

absl::StatusOr<NetworkInfo> DecodeNetworkInfo(const std::string& body) {
  NXT_ASSIGN_OR_RETURN(json::value v, Parse(body, "inspect network"));
  if (!v.is_object()) return NotA("inspect network", "an object");
  return DecodeNetwork(v);
}

absl::StatusOr<VolumeInfo> DecodeVolumeInfo(const std::string& body) {
  NXT_ASSIGN_OR_RETURN(json::value v, Parse(body, "inspect volume"));
  if (!v.is_object()) return NotA("inspect volume", "an object");
  return VolumeInfo{Str(v, "Name"), StrMap(v, "Labels"), Str(v, "Mountpoint")};
}

absl::StatusOr<ImageInfo> DecodeImageInfo(const std::string& body) {
  NXT_ASSIGN_OR_RETURN(json::value v, Parse(body, "inspect image"));
  if (!v.is_object()) return NotA("inspect image", "an object");
  ImageInfo info;
  info.id = Str(v, "Id");
  info.labels = StrMap(Obj(v, "Config"), "Labels");
  const json::value* tags = Find(v, "RepoTags");
  if (tags != nullptr && tags->is_array()) {
    for (const json::value& t : tags->get_array()) {
      if (t.is_string()) info.repo_tags.emplace_back(t.get_string().c_str());
    }
  }
  return info;
}

absl::StatusOr<std::vector<std::string>> DecodeTop(const std::string& body) {
  NXT_ASSIGN_OR_RETURN(json::value v, Parse(body, "top"));
  const json::value* titles = Find(v, "Titles");
  const json::value* rows = Find(v, "Processes");
  if (titles == nullptr || !titles->is_array()) return NotA("top", "an object with Titles");
  size_t cmd = titles->get_array().size();
  for (size_t i = 0; i < titles->get_array().size(); ++i) {
    const json::value& t = titles->get_array()[i];
    if (t.is_string() && (t.get_string() == "CMD" || t.get_string() == "COMMAND")) cmd = i;
  }
  if (cmd == titles->get_array().size()) return NotA("top", "a table with a CMD column");
  std::vector<std::string> out;
  if (rows == nullptr || !rows->is_array()) return out;  // null when there is no process
  for (const json::value& row : rows->get_array()) {
    const json::array* cells = row.if_array();
    if (cells == nullptr || cmd >= cells->size() || !(*cells)[cmd].is_string()) continue;
    const json::string& c = (*cells)[cmd].get_string();
    out.emplace_back(c.c_str(), c.size());
  }
  return out;
}

absl::StatusOr<std::string> DecodeId(const std::string& body) {
  NXT_ASSIGN_OR_RETURN(json::value v, Parse(body, "create"));
  std::string id = Str(v, "Id");
  if (id.empty()) return NotA("create", "an object with an Id");
  return id;
}

absl::StatusOr<ExecState> DecodeExecState(const std::string& body) {
  NXT_ASSIGN_OR_RETURN(json::value v, Parse(body, "exec inspect"));
  if (!v.is_object()) return NotA("exec inspect", "an object");
  ExecState st;
  st.running = Bool(v, "Running");
  const json::value* code = Find(v, "ExitCode");
  if (code != nullptr && !code->is_null()) st.exit_code = static_cast<int>(Int(v, "ExitCode"));
  return st;
}

absl::StatusOr<Event> DecodeEvent(const std::string& line) {
  NXT_ASSIGN_OR_RETURN(json::value v, Parse(line, "events"));
  if (!v.is_object()) return NotA("events", "an object");
  Event e;
  e.type = Str(v, "Type");
  e.action = Str(v, "Action");
  const json::value& actor = Obj(v, "Actor");
  e.actor_id = Str(actor, "ID");
  e.attributes = StrMap(actor, "Attributes");
  e.time_nano = Int(v, "timeNano", Int(v, "time") * 1'000'000'000);
  if (e.actor_id.empty()) e.actor_id = Str(v, "id");  // pre-1.22 shape
  if (e.action.empty()) e.action = Str(v, "status");
  return e;
}

void EventLineSplitter::Feed(const char* data, size_t size) {
  buffer_.append(data, size);
  size_t start = 0;
  for (size_t nl; (nl = buffer_.find('\n', start)) != std::string::npos; start = nl + 1) {
    std::string line = buffer_.substr(start, nl - start);
    if (line.find_first_not_of(" \r\t") == std::string::npos) continue;
    absl::StatusOr<Event> event = DecodeEvent(line);
    if (event.ok()) on_event_(*event);
  }
  buffer_.erase(0, start);
}

std::string EngineMessage(const std::string& body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (!ec) {
    std::string m = Str(v, "message");
    if (!m.empty()) return m;
  }
  std::string trimmed(absl::StripAsciiWhitespace(body.substr(0, 200)));
  return trimmed;
}

int CompareApiVersions(const std::string& a, const std::string& b) {
  std::vector<std::string> pa = absl::StrSplit(a, '.');
  std::vector<std::string> pb = absl::StrSplit(b, '.');
  for (size_t i = 0; i < std::max(pa.size(), pb.size()); ++i) {
    int x = 0, y = 0;
    if (i < pa.size() && !absl::SimpleAtoi(pa[i], &x)) x = 0;
    if (i < pb.size() && !absl::SimpleAtoi(pb[i], &y)) y = 0;
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

}  // namespace nxt::docker
