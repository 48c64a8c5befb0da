// Renders what a Galera node runs: its my.cnf, the health-check client file, the Docker
// container spec (entrypoint `/bin/sh /etc/nxt/start.sh`, the start script of
// start_script.h, which recovers the position after a crash and execs `mariadbd
// --defaults-file=/etc/nxt/my.cnf`; never the image's entrypoint, so the upstream mariadb
// image and nxt/mariadb-galera behave alike), the throwaway "tool" container used to read
// and prepare a stopped node's volume, and the config hash.
//
// wsrep_provider_options always carries kDefaultProviderOptions (a gcache that survives
// restarts and holds a few minutes of writes, so a node that was away rejoins by IST),
// merged with the spec's own options, which win key by key.
//
// Every node's wsrep_cluster_address lists every member ("gcomm://db-0,db-1,db-2");
// there is never an empty gcomm://. A new cluster is started only by the bootstrap mode
// (`--wsrep-new-cluster` on the command line, restart policy "no" when there are peers,
// so Docker never re-bootstraps a node by itself).
//
// Secrets reach a node only as 0600 files: the health-check user's [client] file and the
// SST file (wsrep_sst_auth of the SST user, !included by my.cnf and read by mariadbd as
// root before it drops to mysql; the server hands it to the SST script itself).
//
// my.cnf also has an [sst] section of the SST script's defaults, spelled out so the
// script (which runs on both sides of every rejoin, IST included) starts fewer processes.
//
// The hash covers the join-mode spec with the ordinal normalised, the my.cnf content
// except the member list, the start script and the versions of the secrets in the node's
// files. wsrep_cluster_address is read only when a server starts, so a change of
// `replicas` alone restarts no running node: the controller writes the current list into
// every member's my.cnf instead (galera_reconciler.h WriteMemberConfigs).
// Pure; thread-safe.
#ifndef NXT_CONTROLLERS_GALERACLUSTER_RENDER_H_
#define NXT_CONTROLLERS_GALERACLUSTER_RENDER_H_

#include <string>

#include "docker/types.h"
#include "resources/galeracluster.h"
#include "resources/object.h"

namespace nxt::galera {

inline constexpr char kNodeRole[] = "node";
inline constexpr char kToolRole[] = "tool";
inline constexpr char kVolumeRole[] = "data";
inline constexpr char kNetworkRole[] = "network";
inline constexpr char kVolumePurpose[] = "data";
// "bootstrap" or "join": how the node's server was started.
inline constexpr char kLabelMode[] = "io.nxt.galera-mode";
inline constexpr char kModeBootstrap[] = "bootstrap";
inline constexpr char kModeJoin[] = "join";

inline constexpr char kConfigPath[] = "/etc/nxt/my.cnf";
inline constexpr char kHealthConfigPath[] = "/etc/nxt/health.cnf";
inline constexpr char kSstConfigPath[] = "/etc/nxt/sst.cnf";
inline constexpr char kDataDir[] = "/var/lib/mysql";
inline constexpr char kSocket[] = "/run/mysqld/mysqld.sock";
inline constexpr char kHealthUser[] = "nxt_health";
// The SST donor's backup user (mariabackup): local only, the backup privileges only.
inline constexpr char kSstUser[] = "nxt_sst";

// The generated passwords of a cluster (SecretStore names "root", "user", "health",
// "sst"); `user` is empty when the spec names no user.
struct Passwords {
  std::string root;
  std::string user;
  std::string health;
  std::string sst;
};

enum class NodeMode { kJoin, kBootstrap };

// "<name>-<ordinal>", also the node's host name, wsrep_node_name and address.
std::string NodeName(const resources::ObjectKey& key, int ordinal);
std::string ToolName(const resources::ObjectKey& key, int ordinal);  // "<name>-<ordinal>-tool"
std::string DataVolume(const resources::ObjectKey& key, int ordinal);
// Galera carries the cluster name in a 32-byte field of its group messages: a longer
// wsrep_cluster_name makes every join fail ("handling gmcast protocol message failed").
inline constexpr size_t kMaxClusterName = 32;
// wsrep_cluster_name: "<namespace>-<name>" when it fits in 32 characters, else its first
// 23 characters, "-" and 8 hex digits of its SHA-256 (stable, and distinct per object).
std::string ClusterName(const resources::ObjectKey& key);
// "gcomm://<name>-0,<name>-1,..." for `replicas` members.
std::string ClusterAddress(const resources::ObjectKey& key, int replicas);

inline constexpr char kProviderOptionsKey[] = "wsrep_provider_options";
// gcache.recover=yes: a restarted node keeps its write-set cache (it can donate by IST
// at once). gcache.size: Galera's ring buffer, preallocated on disk; 128M holds ~10
// minutes of the quick-start client's writes (see README.md).
inline constexpr char kDefaultProviderOptions[] = "gcache.size=128M;gcache.recover=yes";
// "a=1;b=2" merged with "b=3;c=4" → "a=1;b=3;c=4": `user`'s options override `defaults`'
// of the same name (case-insensitive), in the defaults' place; new ones follow in order.
// Blank items are dropped; spaces around names and values trimmed.
std::string MergeProviderOptions(const std::string& defaults, const std::string& user);

// my.cnf of node `ordinal` (-1: the ordinal-independent form hashed for every node).
std::string RenderMyCnf(const resources::ObjectKey& key, const resources::GaleraClusterSpec& spec,
                        int ordinal);
// [client] options of the health-check user (holds its password; written 0600).
std::string RenderHealthCnf(const std::string& password);
// [mysqld] wsrep_sst_auth of the SST user (holds its password; written 0600).
std::string RenderSstCnf(const std::string& password);

// The config hash every current node carries (io.nxt.config-hash); of the passwords only
// the health and SST ones' SecretStore::Version count (they are in the node's files).
std::string NodeConfigHash(const resources::ObjectKey& key,
                           const resources::GaleraClusterSpec& spec, const Passwords& passwords);

docker::ContainerSpec RenderNode(const resources::ObjectKey& key,
                                 const resources::GaleraClusterSpec& spec, int ordinal,
                                 NodeMode mode, const std::string& config_hash);

// A container on the node's volume that only sleeps (exec does the work), with no
// network; removed after use.
docker::ContainerSpec RenderTool(const resources::ObjectKey& key,
                                 const resources::GaleraClusterSpec& spec, int ordinal);

}  // namespace nxt::galera

#endif  // NXT_CONTROLLERS_GALERACLUSTER_RENDER_H_
