// How the controller reads a Galera node's status without `docker exec`: one query over
// MariaDB's protocol to the node's address on its network (nxtd runs on the Docker host,
// which reaches its bridges). The implementation is MariadbSqlLink (libmariadb); tests use
// a fake. Provisioning, the data size and the tool container stay `docker exec` (rare, and
// root reaches the server over its socket only).
//
// Implementations are thread-safe.
#ifndef NXT_CONTROLLERS_GALERACLUSTER_SQL_LINK_H_
#define NXT_CONTROLLERS_GALERACLUSTER_SQL_LINK_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace nxt::galera {

class SqlLink {
 public:
  virtual ~SqlLink() = default;

  // Runs `sql` on the MariaDB server of `container` (its address on `network`) as `user`
  // with `password`, after checking that the server is that node (its wsrep_node_name is
  // `container`), so a stale address never reads another node. Each step (connect, query)
  // is bounded by `timeout`. Returns the rows as `mariadb -N -B` prints them: one line
  // per row, columns separated by a tab, NULL as "NULL".
  //
  // Errors: DeadlineExceeded when the address does not answer at all (no route, connect
  // timeout: the host may not reach the bridge); Unavailable when the server refuses or
  // drops the connection, or is another node; PermissionDenied when it rejects the user;
  // Internal for a failed query. The password appears in no error and no log.
  virtual absl::StatusOr<std::string> Query(const std::string& container,
                                            const std::string& network, const std::string& user,
                                            const std::string& password, const std::string& sql,
                                            absl::Duration timeout) = 0;
};

}  // namespace nxt::galera

#endif  // NXT_CONTROLLERS_GALERACLUSTER_SQL_LINK_H_
