#include "controllers/galeracluster/recovery.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace nxt::galera {

std::string NodeRecoveryInfo::Ineligibility() const {
  if (!volume_present) return "no data volume";
  if (!has_data) return "empty data directory";
  if (sst_in_progress) return "its last state transfer (SST) did not finish";
  if (!grastate_present) return "no grastate.dat";
  if (Uuid().empty() || Uuid() == kZeroUuid) return "no cluster state UUID (never synced)";
  if (Seqno() < 0) {
    return recovered ? "seqno -1 and --wsrep-recover found no position" : "seqno -1";
  }
  return "";
}

absl::StatusOr<RecoveryDecision> DecideRecovery(const std::vector<NodeRecoveryInfo>& nodes,
                                                const std::string& name_prefix) {
  std::vector<std::string> summary;
  std::vector<const NodeRecoveryInfo*> candidates;
  for (const NodeRecoveryInfo& n : nodes) {
    const std::string name = absl::StrCat(name_prefix, n.ordinal);
    std::string why = n.Ineligibility();
    if (why.empty()) {
      candidates.push_back(&n);
      summary.push_back(absl::StrCat(name, ": seqno ", n.Seqno(), n.recovered ? " (recovered)" : "",
                                     n.grastate.safe_to_bootstrap ? ", safe_to_bootstrap" : ""));
    } else {
      summary.push_back(absl::StrCat(name, ": not eligible, ", why));
    }
  }
  const std::string all = absl::StrJoin(summary, "; ");
  if (candidates.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("no node can bootstrap the cluster safely (", all, ")"));
  }
  std::sort(
      candidates.begin(), candidates.end(),
      [](const NodeRecoveryInfo* a, const NodeRecoveryInfo* b) { return a->ordinal < b->ordinal; });
  std::set<std::string> uuids;
  for (const NodeRecoveryInfo* n : candidates) uuids.insert(n->Uuid());
  if (uuids.size() > 1) {
    return absl::FailedPreconditionError(absl::StrCat("the volumes hold different clusters (",
                                                      absl::StrJoin(uuids, ", "),
                                                      "); refusing to choose (", all, ")"));
  }
  const NodeRecoveryInfo* best = candidates.front();
  for (const NodeRecoveryInfo* n : candidates) {
    if (n->Seqno() > best->Seqno() ||
        (n->Seqno() == best->Seqno() && n->grastate.safe_to_bootstrap &&
         !best->grastate.safe_to_bootstrap)) {
      best = n;
    }
  }
  int ties = 0;
  for (const NodeRecoveryInfo* n : candidates) ties += n->Seqno() == best->Seqno() ? 1 : 0;
  RecoveryDecision d;
  d.chosen = best->ordinal;
  d.uuid = best->Uuid();
  d.seqno = best->Seqno();
  std::string why = ties == 1 ? "the highest seqno"
                    : best->grastate.safe_to_bootstrap
                        ? "the highest seqno (tie, safe_to_bootstrap: 1)"
                        : "the highest seqno (tie, lowest ordinal)";
  d.reason =
      absl::StrCat(name_prefix, best->ordinal, " has ", why, " ", best->Seqno(), " (", all, ")");
  return d;
}

}  // namespace nxt::galera
