#include "controllers/galeracluster/galera_log.h"

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "controllers/galeracluster/start_script.h"
#include "controllers/galeracluster/wsrep.h"

namespace nxt::galera {
namespace {

constexpr char kShifting[] = "WSREP: Shifting ";
constexpr char kIstUnavailable[] = "Failed to prepare for incremental state transfer: ";

// Lines that only a server moving forward writes.
bool IsProgress(absl::string_view line) {
  static constexpr const char* kMarkers[] = {kShifting,
                                             "Receiving IST",
                                             "IST received",
                                             "SST received",
                                             "WSREP_SST: ",
                                             "nxt: ",
                                             "InnoDB: ",
                                             "ready for connections",
                                             "Recovered position",
                                             "Requesting state transfer",
                                             "Prepared IST receiver"};
  for (const char* m : kMarkers) {
    if (absl::StrContains(line, m)) return true;
  }
  return false;
}

// "<uuid>:<seqno>" after `label` ("Group state: ") in `line`, split; false if absent.
bool Position(absl::string_view line, absl::string_view label, std::string* uuid,
              std::string* seqno) {
  size_t at = line.find(label);
  if (at == absl::string_view::npos) return false;
  absl::string_view pos = absl::StripAsciiWhitespace(line.substr(at + label.size()));
  size_t colon = pos.rfind(':');
  if (colon == absl::string_view::npos) return false;
  *uuid = std::string(pos.substr(0, colon));
  *seqno = std::string(pos.substr(colon + 1));
  return true;
}

struct Positions {
  std::string group_uuid, group_seqno, local_uuid, local_seqno;
};

// Why IST cannot serve, as far as the joiner's own positions tell ("" when they allow it).
std::string PositionVerdict(const Positions& p) {
  if (p.local_uuid.empty()) return "";
  if (p.local_uuid == kZeroUuid) return "a new node: it has no state yet";
  if (p.local_seqno == "-1") {
    return "the node's position is unknown (seqno -1): it has no state to continue from";
  }
  if (p.local_uuid != p.group_uuid) {
    return absl::StrCat("the node's state ", p.local_uuid, " is of another history than the ",
                        "group's ", p.group_uuid);
  }
  return "";
}

}  // namespace

bool NodeLog::Joining() const {
  return state == "OPEN" || state == "PRIMARY" || state == "JOINER" || state == "JOINED";
}

NodeLog ParseNodeLog(const std::string& log) {
  NodeLog out;
  Positions p;
  std::string ist_unavailable;
  for (absl::string_view line : absl::StrSplit(log, '\n', absl::SkipEmpty())) {
    if (IsProgress(line)) out.progress = std::string(absl::StripAsciiWhitespace(line));
    if (size_t at = line.find(kShifting); at != absl::string_view::npos) {
      absl::string_view rest = line.substr(at + sizeof(kShifting) - 1);
      size_t arrow = rest.find(" -> ");
      if (arrow != absl::string_view::npos) {
        absl::string_view to = rest.substr(arrow + 4);
        out.state = std::string(to.substr(0, to.find(' ')));
      }
    } else if (absl::StrContains(line, kLogRecovered)) {
      out.recovered = std::string(absl::StripAsciiWhitespace(
          line.substr(line.find(kLogRecovered) + sizeof(kLogRecovered) - 1)));
      out.recovery_failed = false;
    } else if (absl::StrContains(line, kLogNotRecovered)) {
      out.recovery_failed = true;
    } else if (Position(line, "Group state: ", &p.group_uuid, &p.group_seqno)) {
    } else if (Position(line, "Local state: ", &p.local_uuid, &p.local_seqno)) {
      if (!PositionVerdict(p).empty()) out.transfer = "SST";
    } else if (size_t at = line.find(kIstUnavailable); at != absl::string_view::npos) {
      ist_unavailable = std::string(absl::StripSuffix(
          absl::StripAsciiWhitespace(line.substr(at + sizeof(kIstUnavailable) - 1)),
          ". IST will be unavailable."));
    } else if (absl::StrContains(line, "Proceeding with SST")) {
      out.transfer = "SST";
    } else if (absl::StrContains(line, "Running IST")) {
      out.transfer = "IST";
    } else if (absl::StrContains(line, " completed on joiner")) {
      out.transfer = absl::StrContains(line, " IST completed") ? "IST" : "SST";
      out.transfer_done = true;
    }
  }
  if (out.transfer != "SST") return out;
  out.fresh = p.local_uuid == kZeroUuid && !out.recovery_failed;
  if (out.recovery_failed) {
    out.sst_reason = "the crash left no recoverable position (--wsrep-recover found none)";
  } else if (std::string verdict = PositionVerdict(p); !verdict.empty()) {
    out.sst_reason = verdict;
  } else if (!ist_unavailable.empty()) {
    out.sst_reason = absl::StrCat("IST unavailable: ", ist_unavailable);
  } else if (!p.local_seqno.empty()) {
    out.sst_reason = absl::StrCat("the donor's gcache no longer holds the write sets after seqno ",
                                  p.local_seqno, " (the group is at ", p.group_seqno, ")");
  } else {
    out.sst_reason = "the log does not say";
  }
  return out;
}

}  // namespace nxt::galera
