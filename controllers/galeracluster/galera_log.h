// What a Galera node's own log says about its (re)join, read from `docker logs` since the
// container last started (no exec): the server's state machine ("WSREP: Shifting A -> B"),
// which state transfer it gets (IST or SST, from the SST script's "... IST|SST completed
// on joiner", "Running IST", "Proceeding with SST" and from the positions Galera prints),
// why IST could not serve, the position the start script recovered, and the last line
// that marks progress.
// Pure; thread-safe.
#ifndef NXT_CONTROLLERS_GALERACLUSTER_GALERA_LOG_H_
#define NXT_CONTROLLERS_GALERACLUSTER_GALERA_LOG_H_

#include <string>

namespace nxt::galera {

struct NodeLog {
  // The target state of the last "WSREP: Shifting A -> B": "OPEN", "PRIMARY", "JOINER",
  // "JOINED", "SYNCED", "DONOR/DESYNCED"; "" before the first one.
  std::string state;
  // "IST" or "SST" as soon as the log tells (local position unknown or of another
  // history, the SST script's words); "" while it does not.
  std::string transfer;
  bool transfer_done = false;    // the joiner side of the transfer completed
  std::string recovered;         // the start script's recovered "<uuid>:<seqno>", or ""
  bool recovery_failed = false;  // the start script found no position
  // Why this node gets an SST rather than an IST (set only when transfer == "SST").
  std::string sst_reason;
  // The joiner had no state at all (a new node: zero local UUID, nothing recovered): an
  // SST is its only way in, not a failed IST.
  bool fresh = false;
  // The last line that marks progress: a state change, a transfer step, the start
  // script, InnoDB start-up or recovery. Periodic chatter (reconnect attempts, views
  // of others) is not progress. "" when there is none.
  std::string progress;

  // The server is joining the group: connected, and not yet Synced or a donor.
  bool Joining() const;
};

NodeLog ParseNodeLog(const std::string& log);

}  // namespace nxt::galera

#endif  // NXT_CONTROLLERS_GALERACLUSTER_GALERA_LOG_H_
