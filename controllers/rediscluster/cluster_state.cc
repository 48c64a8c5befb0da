#include "controllers/rediscluster/cluster_state.h"

#include <algorithm>
#include <map>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace nxt::rediscluster {
namespace {

absl::Status Malformed(const std::string& what, const std::string& line) {
  return absl::InvalidArgumentError(absl::StrCat("malformed ", what, " line: \"", line, "\""));
}

bool IsNodeId(absl::string_view s) {
  if (s.size() != 40) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// "ip:port@cport[,hostname[,aux=value...]]"
bool ParseAddress(const std::string& field, ClusterNode& node) {
  std::vector<std::string> parts = absl::StrSplit(field, ',');
  const std::string& address = parts[0];
  size_t at = address.find('@');
  size_t colon = address.rfind(':', at);
  if (at == std::string::npos || colon == std::string::npos) return false;
  node.ip = address.substr(0, colon);
  if (!absl::SimpleAtoi(address.substr(colon + 1, at - colon - 1), &node.port) ||
      !absl::SimpleAtoi(address.substr(at + 1), &node.bus_port)) {
    return false;
  }
  if (parts.size() > 1 && parts[1].find('=') == std::string::npos) node.hostname = parts[1];
  return true;
}

// "5461", "0-5460", "[93->-<id>]", "[1002-<-<id>]"
bool ParseSlot(const std::string& field, ClusterNode& node) {
  if (!field.empty() && field.front() == '[') {
    if (field.back() != ']' ||
        (field.find("->-") == std::string::npos && field.find("-<-") == std::string::npos)) {
      return false;
    }
    ++node.open_slots;
    return true;
  }
  std::pair<int, int> range;
  size_t dash = field.find('-');
  bool ok = dash == std::string::npos ? absl::SimpleAtoi(field, &range.first)
                                      : absl::SimpleAtoi(field.substr(0, dash), &range.first) &&
                                            absl::SimpleAtoi(field.substr(dash + 1), &range.second);
  if (dash == std::string::npos) range.second = range.first;
  if (!ok || range.first < 0 || range.second < range.first || range.second >= kClusterSlots) {
    return false;
  }
  node.slot_ranges.push_back(range);
  return true;
}

absl::StatusOr<ClusterNode> ParseNodeLine(const std::string& line) {
  std::vector<std::string> f = absl::StrSplit(line, ' ', absl::SkipEmpty());
  ClusterNode node;
  if (f.size() < 8 || !IsNodeId(f[0]) || !ParseAddress(f[1], node) ||
      !absl::SimpleAtoi(f[6], &node.config_epoch) ||
      (f[7] != "connected" && f[7] != "disconnected")) {
    return Malformed("CLUSTER NODES", line);
  }
  node.id = f[0];
  node.flags = absl::StrSplit(f[2], ',', absl::SkipEmpty());
  node.master_id = f[3] == "-" ? "" : f[3];
  node.connected = f[7] == "connected";
  for (size_t i = 8; i < f.size(); ++i) {
    if (!ParseSlot(f[i], node)) return Malformed("CLUSTER NODES", line);
  }
  return node;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  for (absl::string_view raw : absl::StrSplit(text, '\n')) {
    std::string line(absl::StripAsciiWhitespace(raw));
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

// Applies one "key:value" line of CLUSTER INFO; unknown keys are ignored.
bool ApplyInfoLine(const std::string& line, ClusterInfo& info) {
  size_t colon = line.find(':');
  if (colon == std::string::npos) return false;
  const std::string key = line.substr(0, colon);
  const std::string value = line.substr(colon + 1);
  if (key == "cluster_state") {
    info.state = value;
    return true;
  }
  static const std::map<std::string, int ClusterInfo::*> kInts = {
      {"cluster_slots_assigned", &ClusterInfo::slots_assigned},
      {"cluster_slots_ok", &ClusterInfo::slots_ok},
      {"cluster_slots_pfail", &ClusterInfo::slots_pfail},
      {"cluster_slots_fail", &ClusterInfo::slots_fail},
      {"cluster_known_nodes", &ClusterInfo::known_nodes},
      {"cluster_size", &ClusterInfo::size}};
  if (auto it = kInts.find(key); it != kInts.end()) {
    return absl::SimpleAtoi(value, &(info.*(it->second)));
  }
  if (key == "cluster_current_epoch") return absl::SimpleAtoi(value, &info.current_epoch);
  return true;
}

// Applies one line of INFO's "# Replication" section; unknown keys are ignored.
bool ApplyReplicationLine(const std::string& line, ReplicationInfo& r) {
  size_t colon = line.find(':');
  if (colon == std::string::npos) return false;
  const std::string key = line.substr(0, colon);
  const std::string value = line.substr(colon + 1);
  if (key == "role") {
    r.role = value;
  } else if (key == "master_link_status") {
    r.link_up = value == "up";
  } else if (key == "master_sync_in_progress") {
    r.sync_in_progress = value != "0";
  } else if (key == "master_link_down_since_seconds") {
    return absl::SimpleAtoi(value, &r.link_down_seconds);
  } else if (key == "slave_repl_offset" || (key == "master_repl_offset" && r.role == "master")) {
    return absl::SimpleAtoi(value, &r.offset);
  }
  return true;
}

// Adds the keys of one line of INFO's "# Keyspace" section ("db0:keys=3,expires=0,...").
bool ApplyKeyspaceLine(const std::string& line, int64_t& keys) {
  size_t at = line.find(":keys=");
  if (at == std::string::npos) return false;
  int64_t n = 0;
  if (!absl::SimpleAtoi(line.substr(at + 6, line.find(',', at) - at - 6), &n)) return false;
  keys += n;
  return true;
}

// The INFO section a "# Name" line starts ("" for one the parser does not read).
std::string SectionOf(const std::string& line) {
  std::string name = absl::AsciiStrToLower(absl::StripAsciiWhitespace(line.substr(1)));
  return name == "replication" || name == "keyspace" ? name : "";
}

}  // namespace

bool ClusterNode::HasFlag(const std::string& flag) const {
  return std::find(flags.begin(), flags.end(), flag) != flags.end();
}

bool ClusterNode::IsFailing() const {
  return HasFlag("fail") || HasFlag("fail?") || HasFlag("handshake") || HasFlag("noaddr");
}

int ClusterNode::SlotCount() const {
  int n = 0;
  for (const auto& [from, to] : slot_ranges) n += to - from + 1;
  return n;
}

const ClusterNode* NodeView::Myself() const {
  for (const ClusterNode& n : nodes) {
    if (n.IsMyself()) return &n;
  }
  return nullptr;
}

const ClusterNode* NodeView::Find(const std::string& id) const {
  for (const ClusterNode& n : nodes) {
    if (n.id == id) return &n;
  }
  return nullptr;
}

bool NodeView::IsFresh() const {
  const ClusterNode* me = Myself();
  return nodes.size() == 1 && me != nullptr && me->SlotCount() == 0 && me->open_slots == 0;
}

int NodeView::OpenSlots() const {
  int n = 0;
  for (const ClusterNode& node : nodes) n += node.open_slots;
  return n;
}

absl::StatusOr<ClusterInfo> ParseClusterInfo(const std::string& text) {
  ClusterInfo info;
  for (const std::string& line : Lines(text)) {
    if (!ApplyInfoLine(line, info)) return Malformed("CLUSTER INFO", line);
  }
  if (info.state.empty()) return absl::InvalidArgumentError("CLUSTER INFO without cluster_state");
  return info;
}

absl::StatusOr<std::vector<ClusterNode>> ParseClusterNodes(const std::string& text) {
  std::vector<ClusterNode> nodes;
  for (const std::string& line : Lines(text)) {
    absl::StatusOr<ClusterNode> node = ParseNodeLine(line);
    if (!node.ok()) return node.status();
    nodes.push_back(*std::move(node));
  }
  return nodes;
}

absl::StatusOr<NodeView> ParseNodeView(const std::string& text) {
  std::string info_text;
  std::string nodes_text;
  NodeView view;
  std::optional<std::string> section;  // inside INFO's answer: the section being read
  for (const std::string& line : Lines(text)) {
    if (line.front() == '#') {
      section = SectionOf(line);
      view.replication.known |= *section == "replication";
      if (*section == "keyspace") view.keys = 0;
    } else if (section.has_value()) {
      bool ok = *section == "replication" ? ApplyReplicationLine(line, view.replication)
                : *section == "keyspace"  ? ApplyKeyspaceLine(line, view.keys)
                                          : true;
      if (!ok) return Malformed("INFO", line);
    } else if (absl::StartsWith(line, "cluster_") || absl::StartsWith(line, "total_cluster_")) {
      absl::StrAppend(&info_text, line, "\n");
    } else if (line.size() > 40 && IsNodeId(line.substr(0, 40))) {
      absl::StrAppend(&nodes_text, line, "\n");
    } else if (absl::StrContains(line, "NOAUTH") || absl::StrContains(line, "WRONGPASS") ||
               absl::StrContains(line, "LOADING") || absl::StrContains(line, "ERR") ||
               absl::StrContains(line, "Could not connect")) {
      return absl::UnavailableError(absl::StrCat("redis refused: ", line));
    } else {
      return Malformed("redis-cli", line);
    }
  }
  if (info_text.empty() || nodes_text.empty()) {
    return absl::UnavailableError("redis-cli gave no CLUSTER INFO / CLUSTER NODES answer");
  }
  absl::StatusOr<ClusterInfo> info = ParseClusterInfo(info_text);
  if (!info.ok()) return info.status();
  view.info = *info;
  absl::StatusOr<std::vector<ClusterNode>> nodes = ParseClusterNodes(nodes_text);
  if (!nodes.ok()) return nodes.status();
  view.nodes = *std::move(nodes);
  if (view.Myself() == nullptr) return absl::InvalidArgumentError("CLUSTER NODES has no myself");
  return view;
}

}  // namespace nxt::rediscluster
