#include "controllers/galeracluster/wsrep.h"

#include <map>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace nxt::galera {
namespace {

bool IsUuid(const std::string& text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !absl::ascii_isxdigit(static_cast<unsigned char>(text[i]))) {
      return false;
    }
  }
  return true;
}

std::string Trim(absl::string_view text) { return std::string(absl::StripAsciiWhitespace(text)); }

}  // namespace

absl::StatusOr<WsrepStatus> ParseWsrepStatus(const std::string& text) {
  std::map<std::string, std::string> values;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    std::vector<std::string> parts = absl::StrSplit(line, absl::MaxSplits('\t', 1));
    if (parts.size() == 2) values[Trim(parts[0])] = Trim(parts[1]);
  }
  auto get = [&](const char* key) {
    auto it = values.find(key);
    return it == values.end() ? std::string() : it->second;
  };
  WsrepStatus s;
  s.cluster_status = get("wsrep_cluster_status");
  s.local_state_comment = get("wsrep_local_state_comment");
  if (s.cluster_status.empty() || s.local_state_comment.empty()) {
    return absl::InvalidArgumentError(
        "no wsrep_cluster_status / wsrep_local_state_comment in the status output (is wsrep "
        "on?)");
  }
  s.cluster_state_uuid = get("wsrep_cluster_state_uuid");
  s.connected = get("wsrep_connected") == "ON";
  s.gcomm_uuid = get("wsrep_gcomm_uuid");
  if (!absl::SimpleAtoi(get("wsrep_local_state"), &s.local_state)) s.local_state = 0;
  if (!absl::SimpleAtoi(get("wsrep_cluster_size"), &s.cluster_size)) s.cluster_size = 0;
  return s;
}

absl::StatusOr<GraState> ParseGrastate(const std::string& text) {
  GraState g;
  bool have_uuid = false;
  bool have_seqno = false;
  for (absl::string_view raw : absl::StrSplit(text, '\n')) {
    std::string line = Trim(raw);
    if (line.empty() || line[0] == '#') continue;
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = Trim(absl::string_view(line).substr(0, colon));
    std::string value = Trim(absl::string_view(line).substr(colon + 1));
    if (key == "uuid") {
      if (!IsUuid(value)) return absl::InvalidArgumentError(absl::StrCat("bad uuid: ", value));
      g.uuid = absl::AsciiStrToLower(value);
      have_uuid = true;
    } else if (key == "seqno") {
      if (!absl::SimpleAtoi(value, &g.seqno) || g.seqno < -1) {
        return absl::InvalidArgumentError(absl::StrCat("bad seqno: ", value));
      }
      have_seqno = true;
    } else if (key == "safe_to_bootstrap") {
      g.safe_to_bootstrap = value == "1";
    }
  }
  if (!have_uuid || !have_seqno) {
    return absl::InvalidArgumentError("grastate.dat lacks uuid or seqno");
  }
  return g;
}

std::optional<GraState> ParseRecoveredPosition(const std::string& log) {
  static constexpr char kMarker[] = "WSREP: Recovered position: ";
  size_t at = log.rfind(kMarker);
  if (at == std::string::npos) return std::nullopt;
  size_t start = at + sizeof(kMarker) - 1;
  size_t end = log.find_first_of("\r\n", start);
  std::string position =
      Trim(absl::string_view(log).substr(start, end == std::string::npos ? end : end - start));
  size_t colon = position.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  GraState g;
  g.uuid = absl::AsciiStrToLower(position.substr(0, colon));
  if (!IsUuid(g.uuid) || !absl::SimpleAtoi(position.substr(colon + 1), &g.seqno) || g.seqno < -1) {
    return std::nullopt;
  }
  return g;
}

std::string WithSafeToBootstrap(const std::string& grastate, bool value) {
  std::string out;
  bool replaced = false;
  const std::string line_value = absl::StrCat("safe_to_bootstrap: ", value ? 1 : 0);
  std::vector<absl::string_view> lines = absl::StrSplit(grastate, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  for (absl::string_view line : lines) {
    if (absl::StartsWith(absl::StripLeadingAsciiWhitespace(line), "safe_to_bootstrap:")) {
      absl::StrAppend(&out, line_value, "\n");
      replaced = true;
    } else {
      absl::StrAppend(&out, line, "\n");
    }
  }
  if (!replaced) absl::StrAppend(&out, line_value, "\n");
  return out;
}

std::string SstMethodFromProcesses(const std::vector<std::string>& commands) {
  std::string program;  // a transfer program seen without its wsrep_sst_ script
  for (const std::string& line : commands) {
    std::vector<std::string> words = absl::StrSplit(line, ' ', absl::SkipEmpty());
    for (size_t i = 0; i < words.size(); ++i) {
      if (absl::StartsWith(words[i], "-")) continue;
      absl::string_view base = words[i];
      if (size_t slash = base.rfind('/'); slash != absl::string_view::npos) {
        base.remove_prefix(slash + 1);
      }
      if (absl::ConsumePrefix(&base, "wsrep_sst_") && !base.empty() && base != "common") {
        return std::string(base);
      }
      if (i == 0 && (base == "mariabackup" || base == "rsync") && program.empty()) {
        program = std::string(base);
      }
    }
  }
  return program;
}

}  // namespace nxt::galera
