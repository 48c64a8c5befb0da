// The script a Galera node container runs instead of `mariadbd` (delivered like my.cnf,
// as a file put into the container before it starts, and run by `/bin/sh`, which the
// upstream mariadb image and nxt/mariadb-galera both have).
//
// What it does, as `mysqld_safe` does for a Galera node:
//   - when grastate.dat says `seqno: -1` (the server did not shut down cleanly) and the
//     data directory holds a database with no unfinished SST, it runs
//     `mariadbd --wsrep-recover` (InnoDB's own record of the last committed write set)
//     and takes the last "WSREP: Recovered position: <uuid>:<seqno>" of its log;
//   - it then replaces itself (`exec`) with `mariadbd --defaults-file=... "$@"`, adding
//     `--wsrep-start-position=<uuid>:<seqno>` when a position was recovered, so the node
//     asks the group for the write sets it missed (IST) instead of a full copy (SST).
// A recovery that finds no valid position (seqno -1, zero UUID, or no line) starts the
// server without one: the node then needs an SST.
//
// It reports on stderr (so in `docker logs`), one line each, prefixed "nxt: ":
//   "nxt: recovered position <uuid>:<seqno>"     (kLogRecovered)
//   "nxt: no position recovered (...)"           (kLogNotRecovered)
// galera_log.h reads them back.
// Pure; thread-safe.
#ifndef NXT_CONTROLLERS_GALERACLUSTER_START_SCRIPT_H_
#define NXT_CONTROLLERS_GALERACLUSTER_START_SCRIPT_H_

#include <string>

namespace nxt::galera {

inline constexpr char kStartScriptPath[] = "/etc/nxt/start.sh";
inline constexpr char kLogRecovered[] = "nxt: recovered position ";
inline constexpr char kLogNotRecovered[] = "nxt: no position recovered";

struct StartScriptPaths {
  std::string data_dir = "/var/lib/mysql";
  std::string config = "/etc/nxt/my.cnf";
  std::string recover_log = "/tmp/nxt-wsrep-recover.log";
  std::string server = "mariadbd";  // looked up in PATH
};

// The script; its arguments go to the server after --defaults-file.
std::string RenderStartScript(const StartScriptPaths& paths = {});

}  // namespace nxt::galera

#endif  // NXT_CONTROLLERS_GALERACLUSTER_START_SCRIPT_H_
