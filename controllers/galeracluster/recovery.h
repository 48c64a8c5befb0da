// The total-outage recovery decision: which node bootstraps the cluster again. A pure
// function of what was read from each node's data volume; table-tested.
//
// Rules (STACK.md fault 1: never bootstrap without comparing seqno):
//   - a node is a candidate only when its data directory holds a database (not empty),
//     no state transfer was in progress (no sst_in_progress marker), its grastate.dat
//     names a real cluster UUID, and its position is known: grastate's seqno, or, where
//     that is -1, the position `mariadbd --wsrep-recover` found;
//   - candidates must share one cluster UUID; otherwise nothing is chosen (the volumes
//     hold different clusters: a human decides);
//   - the highest seqno wins; on a tie safe_to_bootstrap: 1 wins, then the lowest ordinal.
#ifndef NXT_CONTROLLERS_GALERACLUSTER_RECOVERY_H_
#define NXT_CONTROLLERS_GALERACLUSTER_RECOVERY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "controllers/galeracluster/wsrep.h"

namespace nxt::galera {

// What the recovery read from one node's volume.
struct NodeRecoveryInfo {
  int ordinal = -1;
  bool volume_present = false;
  bool has_data = false;         // the mysql system schema exists
  bool sst_in_progress = false;  // an unfinished SST left its marker
  bool grastate_present = false;
  GraState grastate;             // as read (valid when grastate_present)
  bool recovered = false;        // --wsrep-recover ran (grastate seqno was -1)
  int64_t recovered_seqno = -1;  // its result; -1 when it found nothing
  std::string recovered_uuid;

  // The position used for the decision: grastate's, or the recovered one.
  int64_t Seqno() const { return grastate.seqno >= 0 ? grastate.seqno : recovered_seqno; }
  std::string Uuid() const {
    return recovered && !recovered_uuid.empty() ? recovered_uuid : grastate.uuid;
  }
  // "" when the node may bootstrap, else why not ("empty data directory", ...).
  std::string Ineligibility() const;
};

struct RecoveryDecision {
  int chosen = -1;
  std::string uuid;
  int64_t seqno = -1;
  // One line for humans: "db-2 has the highest seqno 1042 (db-0: 1040, db-1: 1042 ...)".
  std::string reason;
};

// FailedPrecondition (with every node's reason) when no node can safely bootstrap.
absl::StatusOr<RecoveryDecision> DecideRecovery(const std::vector<NodeRecoveryInfo>& nodes,
                                                const std::string& name_prefix);

}  // namespace nxt::galera

#endif  // NXT_CONTROLLERS_GALERACLUSTER_RECOVERY_H_
