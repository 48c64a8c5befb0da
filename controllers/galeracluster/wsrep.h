// Parsers for what Galera nodes tell nxt: the `SHOW GLOBAL STATUS LIKE 'wsrep_%'` table,
// grastate.dat, the "Recovered position" line of `mariadbd --wsrep-recover`, and the
// process list (`docker top`) of a node in a state transfer.
// Pure functions; thread-safe.
#ifndef NXT_CONTROLLERS_GALERACLUSTER_WSREP_H_
#define NXT_CONTROLLERS_GALERACLUSTER_WSREP_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace nxt::galera {

// wsrep_local_state values.
inline constexpr int kStateJoining = 1;
inline constexpr int kStateDonor = 2;  // donor or desynced
inline constexpr int kStateJoined = 3;
inline constexpr int kStateSynced = 4;

struct WsrepStatus {
  std::string cluster_status;       // wsrep_cluster_status: Primary, non-Primary, Disconnected
  std::string local_state_comment;  // wsrep_local_state_comment: Synced, Donor/Desynced, ...
  int local_state = 0;              // wsrep_local_state
  std::string cluster_state_uuid;   // wsrep_cluster_state_uuid
  int cluster_size = 0;             // wsrep_cluster_size
  bool connected = false;           // wsrep_connected=ON
  std::string gcomm_uuid;           // wsrep_gcomm_uuid: this run of the node in the group

  // Primary and Synced: the node serves consistent reads and writes.
  bool Ready() const { return cluster_status == "Primary" && local_state_comment == "Synced"; }
  // Giving or receiving a state transfer (SST or IST): never restarted then.
  bool InTransfer() const { return local_state == kStateJoining || local_state == kStateDonor; }
  friend bool operator==(const WsrepStatus&, const WsrepStatus&) = default;
};

// Parses `mariadb -N -B` output: one "name<TAB>value" per line. InvalidArgument when
// wsrep_cluster_status or wsrep_local_state_comment is missing (wsrep is off, or the
// output is not that table).
absl::StatusOr<WsrepStatus> ParseWsrepStatus(const std::string& text);

struct GraState {
  std::string uuid;    // the cluster state UUID; all zeros before the first SST
  int64_t seqno = -1;  // -1: unknown (the node did not shut down cleanly)
  bool safe_to_bootstrap = false;
  friend bool operator==(const GraState&, const GraState&) = default;
};

inline constexpr char kZeroUuid[] = "00000000-0000-0000-0000-000000000000";

// Parses grastate.dat ("uuid:", "seqno:", "safe_to_bootstrap:" lines; comments and
// unknown keys ignored). InvalidArgument when uuid or seqno is missing or malformed.
absl::StatusOr<GraState> ParseGrastate(const std::string& text);

// The last "WSREP: Recovered position: <uuid>:<seqno>" in a --wsrep-recover log, as
// {uuid, seqno}; nullopt when there is none (the recovery failed).
std::optional<GraState> ParseRecoveredPosition(const std::string& log);

// The state snapshot transfer a node's processes show: "mariabackup" for a
// `wsrep_sst_mariabackup` script (joiner or donor side) or a `mariabackup` program,
// likewise "rsync", "mysqldump", ...; "" when no SST process is running. `commands` are
// command lines as `docker top` gives them; options ("--wsrep_sst_method=rsync" in the
// server's own command line) do not count.
std::string SstMethodFromProcesses(const std::vector<std::string>& commands);

// grastate.dat with safe_to_bootstrap set to `value` (every other line kept as is; the
// line is added when missing).
std::string WithSafeToBootstrap(const std::string& grastate, bool value);

}  // namespace nxt::galera

#endif  // NXT_CONTROLLERS_GALERACLUSTER_WSREP_H_
