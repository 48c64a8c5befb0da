// SqlLink over libmariadb (Debian's MariaDB Connector/C): one TCP connection per query,
// to the node's address on its network (controllers::NodeAddresses: `docker inspect`,
// kept). A kept address that no longer reaches the node (refused, no route, or another
// node answers) is looked up again once in the same query. See sql_link.h for the
// contract.
#ifndef NXT_CONTROLLERS_GALERACLUSTER_MARIADB_SQL_LINK_H_
#define NXT_CONTROLLERS_GALERACLUSTER_MARIADB_SQL_LINK_H_

#include <string>

#include "controllers/common/node_addresses.h"
#include "controllers/galeracluster/sql_link.h"
#include "docker/docker_client.h"

namespace nxt::galera {

class MariadbSqlLink : public SqlLink {
 public:
  // `docker` resolves addresses and must outlive this object.
  explicit MariadbSqlLink(docker::DockerClient& docker);

  absl::StatusOr<std::string> Query(const std::string& container, const std::string& network,
                                    const std::string& user, const std::string& password,
                                    const std::string& sql, absl::Duration timeout) override;

 private:
  // How one connection to an address ended.
  struct Attempt {
    bool reached = false;  // the right node answered at that address
    absl::StatusOr<std::string> result;
  };
  Attempt QueryAt(const std::string& ip, const std::string& container, const std::string& user,
                  const std::string& password, const std::string& sql, absl::Duration timeout);

  controllers::NodeAddresses addresses_;
};

}  // namespace nxt::galera

#endif  // NXT_CONTROLLERS_GALERACLUSTER_MARIADB_SQL_LINK_H_
