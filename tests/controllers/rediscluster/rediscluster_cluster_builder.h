// Test helper: RedisCluster observed states as Redis prints them (a healthy cluster,
// fresh nodes, ghosts), for the plan and status tests.
#ifndef NXT_TESTS_CONTROLLERS_REDISCLUSTER_REDISCLUSTER_CLUSTER_BUILDER_H_
#define NXT_TESTS_CONTROLLERS_REDISCLUSTER_REDISCLUSTER_CLUSTER_BUILDER_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "controllers/rediscluster/plan.h"

namespace nxt::rediscluster::testing {

inline constexpr char kHash[] = "hash-1";

inline std::string Id(int ordinal) { return absl::StrFormat("%040x", ordinal + 0xa0); }

// A member as the anchor's table lists it.
struct Member {
  Member(int ordinal, int master = -1, int from = -1, int to = -1, std::string flags = "")
      : ordinal(ordinal), master(master), from(from), to(to), flags(std::move(flags)) {}
  int ordinal;
  int master;  // ordinal of its master; -1: a master
  int from;    // slot range of a master
  int to;
  std::string flags;  // an extra flag: "fail", "handshake"; "ghost": failing, no container
};

// `cluster`: the object's name; the member announces "<cluster>-<ordinal>" (its
// container's name) as its hostname.
inline ClusterNode Node(const Member& m, bool myself, const std::string& cluster = "cache") {
  ClusterNode n;
  n.id = Id(m.ordinal);
  n.hostname = absl::StrCat(cluster, "-", m.ordinal);
  n.ip = absl::StrCat("10.0.0.", m.ordinal + 2);
  n.port = 6379;
  n.bus_port = 16379;
  if (myself) n.flags.push_back("myself");
  n.flags.push_back(m.master < 0 ? "master" : "slave");
  if (!m.flags.empty()) n.flags.push_back(m.flags);
  n.master_id = m.master < 0 ? "" : Id(m.master);
  n.connected = m.flags.empty();
  if (m.from >= 0) n.slot_ranges.push_back({m.from, m.to});
  return n;
}

class Cluster {
 public:
  Cluster(std::string name, int nodes) {
    desired_.namespace_ = "default";
    desired_.name = std::move(name);
    desired_.nodes = nodes;
    desired_.config_hash = kHash;
  }

  // The canonical healthy cluster: masters 0..m-1 with even slots, replica m+i of i.
  static std::vector<Member> Healthy(int masters) {
    std::vector<Member> out;
    for (int i = 0; i < masters; ++i) {
      out.push_back({i, -1, i * kClusterSlots / masters, (i + 1) * kClusterSlots / masters - 1});
    }
    for (int i = 0; i < masters; ++i) out.push_back({masters + i, i});
    return out;
  }

  // Every listed member answers with the same table (its own line marked myself).
  Cluster& Members(std::vector<Member> members, const std::string& state = "ok") {
    for (const Member& m : members) {
      if (m.flags == "ghost") continue;  // no container
      NodeView v;
      v.info.state = state;
      v.info.slots_assigned = v.info.slots_ok = 0;
      for (const Member& other : members) {
        if (other.from >= 0) v.info.slots_assigned += other.to - other.from + 1;
        Member shown = other;
        if (shown.flags == "ghost") shown.flags = "fail";
        v.nodes.push_back(Node(shown, other.ordinal == m.ordinal, desired_.name));
      }
      v.info.slots_ok = state == "ok" ? v.info.slots_assigned : 0;
      v.info.known_nodes = static_cast<int>(members.size());
      // A replica has finished its initial sync, its link up; a master holds keys.
      v.replication = m.master < 0 ? Master() : SyncedReplica();
      v.keys = m.master < 0 && m.from >= 0 ? 100 : 0;
      Container(m.ordinal).view = v;
    }
    return *this;
  }
  // A node alone: no slot, knows nobody.
  Cluster& Fresh(int ordinal) {
    NodeView v;
    v.info.state = "fail";
    v.info.known_nodes = 1;
    v.nodes.push_back(Node(Member(ordinal), true, desired_.name));
    v.replication = Master();
    v.keys = 0;
    Container(ordinal).view = v;
    return *this;
  }
  // INFO replication of node `ordinal` (which answers).
  ReplicationInfo& Replication(int ordinal) { return Container(ordinal).view->replication; }

  static ReplicationInfo Master() {
    ReplicationInfo r;
    r.known = true;
    r.role = "master";
    r.offset = 1000;
    return r;
  }
  static ReplicationInfo SyncedReplica() {
    ReplicationInfo r;
    r.known = true;
    r.role = "slave";
    r.link_up = true;
    r.offset = 1000;
    return r;
  }
  // A replica that has not finished its initial sync: link never up, nothing copied.
  static ReplicationInfo NeverSynced() {
    ReplicationInfo r;
    r.known = true;
    r.role = "slave";
    r.offset = 0;
    return r;
  }
  ObservedNode& Container(int ordinal, const std::string& state = "running") {
    for (ObservedNode& n : observed_.nodes) {
      if (n.ordinal == ordinal) return n;
    }
    ObservedNode n;
    n.name = absl::StrCat(desired_.name, "-", ordinal);
    n.ordinal = ordinal;
    n.config_hash = kHash;
    n.state = state;
    observed_.nodes.push_back(std::move(n));
    return observed_.nodes.back();
  }
  Cluster& Nodes(int nodes) {
    desired_.nodes = nodes;
    return *this;
  }
  std::vector<Action> Plan() const { return rediscluster::Plan(desired_, observed_); }

  DesiredState desired_;
  ObservedState observed_;
};

}  // namespace nxt::rediscluster::testing

#endif  // NXT_TESTS_CONTROLLERS_REDISCLUSTER_REDISCLUSTER_CLUSTER_BUILDER_H_
