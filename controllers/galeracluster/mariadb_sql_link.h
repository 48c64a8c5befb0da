// SqlLink over libmariadb (Debian's MariaDB Connector/C): one TCP connection per query,
// to the node's address on its network, found by `docker inspect` and kept until the
// node stops answering as itself. See sql_link.h for the contract.
#ifndef NXT_CONTROLLERS_GALERACLUSTER_MARIADB_SQL_LINK_H_
#define NXT_CONTROLLERS_GALERACLUSTER_MARIADB_SQL_LINK_H_

#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
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
  // The address of `container` on `network`: the kept one unless `fresh`.
  absl::StatusOr<std::string> Address(const std::string& container, const std::string& network,
                                      bool fresh);
  void Forget(const std::string& container);

  docker::DockerClient& docker_;
  absl::Mutex mu_;
  std::map<std::string, std::string> addresses_ ABSL_GUARDED_BY(mu_);  // container → IPv4
};

}  // namespace nxt::galera

#endif  // NXT_CONTROLLERS_GALERACLUSTER_MARIADB_SQL_LINK_H_
