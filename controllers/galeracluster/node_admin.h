// Galera administration: probing a running node (as the health-check user over MariaDB's
// protocol when a SqlLink is given, else by exec `mariadb` with that user's defaults file;
// as root over the socket by exec before the users exist),
// provisioning the database and users (SQL on exec stdin, never in argv), and working on
// a stopped node's data volume through a throwaway "tool" container of the same image
// (initialise the data directory, read grastate.dat, run `mariadbd --wsrep-recover`,
// set safe_to_bootstrap). Secrets travel only through exec stdin and 0600 files.
//
// Errors: Docker errors as the client returns them, annotated with the node; a probe
// that gets no answer from the server is Unavailable; an unexpected tool result Internal.
// Thread-compatible; the client must outlive this object.
#ifndef NXT_CONTROLLERS_GALERACLUSTER_NODE_ADMIN_H_
#define NXT_CONTROLLERS_GALERACLUSTER_NODE_ADMIN_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controllers/galeracluster/recovery.h"
#include "controllers/galeracluster/render.h"
#include "controllers/galeracluster/sql_link.h"
#include "controllers/galeracluster/wsrep.h"
#include "docker/docker_client.h"
#include "resources/galeracluster.h"
#include "resources/object.h"

namespace nxt::galera {

// The SQL that creates the database, the user, the health-check user and the SST user
// and sets the root password (root keeps unix_socket access for `docker exec ...
// mariadb`). Idempotent: users are created if missing and their passwords set again.
std::string ProvisionSql(const resources::GaleraClusterSpec& spec, const Passwords& passwords);
// A fingerprint of what ProvisionSql does (database, user, the passwords' versions; no
// secret): provisioning runs again whenever it differs from the one last applied, so a
// database or user added to a running cluster is created.
std::string ProvisionHash(const resources::GaleraClusterSpec& spec, const Passwords& passwords);

class NodeAdmin {
 public:
  struct Options {
    absl::Duration probe_timeout = absl::Seconds(10);
    absl::Duration tool_timeout = absl::Minutes(5);  // install-db, --wsrep-recover
    // Probes over MariaDB's protocol (null: by `docker exec`). A native probe bounded by
    // native_timeout; if the node's address never answers while an exec probe of it
    // succeeds, the host does not reach the bridge and every later probe is an exec.
    std::shared_ptr<SqlLink> link;
    absl::Duration native_timeout = absl::Seconds(2);
  };

  NodeAdmin(docker::DockerClient& docker, Options options);

  // Who a probe asks as: root over the socket (unix_socket, by exec), used before the
  // health user exists; or the health user, natively over `network` when a link is set.
  struct ProbeAuth {
    bool as_root = false;
    std::string network;          // the node's network (native probes)
    std::string health_password;  // the health user's (native probes)
  };

  // SHOW GLOBAL STATUS LIKE 'wsrep_%' on a running node.
  absl::StatusOr<WsrepStatus> Probe(const std::string& container, const ProbeAuth& auth);
  // Whether probes go over MariaDB's protocol (a link is set and the host reaches nodes).
  bool Native() const;
  absl::Status Provision(const std::string& container, const std::string& sql);
  // On the running `survivor`, as root: evicts the group member `gcomm_uuid` (a node's
  // run that is dead) from the cluster's view at once, instead of after Galera's
  // inactive timeout (15 s); until then the survivors stall writes for the suspect
  // timeout and the node's restart cannot join. InvalidArgument for a malformed UUID.
  absl::Status Evict(const std::string& survivor, const std::string& gcomm_uuid);
  // The bytes of data and indexes of every table (information_schema.TABLES) on a
  // running node, as root over the socket: what an SST copies, roughly.
  absl::StatusOr<int64_t> DataBytes(const std::string& container);

  // On the stopped node `ordinal` (its volume), through a tool container.
  // Initialises an empty data directory; *initialised says whether it was empty.
  absl::Status InitDataDir(const resources::ObjectKey& key,
                           const resources::GaleraClusterSpec& spec, int ordinal,
                           bool* initialised);
  // Reads grastate.dat and, where its seqno is -1, runs --wsrep-recover.
  absl::StatusOr<NodeRecoveryInfo> Inspect(const resources::ObjectKey& key,
                                           const resources::GaleraClusterSpec& spec, int ordinal);
  absl::Status SetSafeToBootstrap(const resources::ObjectKey& key,
                                  const resources::GaleraClusterSpec& spec, int ordinal,
                                  bool value);

 private:
  // Creates the tool container for `ordinal` (replacing a leftover one), runs `fn` on it,
  // and removes it whatever happened.
  absl::Status WithTool(const resources::ObjectKey& key, const resources::GaleraClusterSpec& spec,
                        int ordinal, const std::function<absl::Status(const std::string&)>& fn);
  // `sql` on exec stdin as root over the socket; `what` names it in the error.
  absl::Status RootSql(const std::string& container, const std::string& sql,
                       const std::string& what);
  absl::StatusOr<WsrepStatus> ExecProbe(const std::string& container, bool as_root);
  absl::StatusOr<docker::ExecResult> Sh(const std::string& container, const std::string& script,
                                        const std::string& stdin_data = "");

  docker::DockerClient& docker_;
  const Options options_;
  mutable absl::Mutex mu_;
  bool exec_only_ ABSL_GUARDED_BY(mu_) = false;  // the native path proved unreachable
};

}  // namespace nxt::galera

#endif  // NXT_CONTROLLERS_GALERACLUSTER_NODE_ADMIN_H_
