// bench_redis: a RedisCluster under the real nxtd against the same work done by hand
// (the engine and redis-cli alone, same rendered containers and redis.conf), in the same
// run. Three figures, each observed the same way on both sides (redis_bench_support.h):
//   create:  apply 3 + 3 → every node says cluster_state:ok, 16384 slots, 3 masters with a
//            replica each. By hand: network, volumes, 6 × create + config + start (4 at a
//            time, as the controller), wait until each answers, redis-cli --cluster create.
//   grow:    100,000 keys loaded, then 6 → 8 → healthy with 4 even masters. By hand:
//            2 × create + start, --cluster add-node (master), wait until every node knows
//            it, add-node --cluster-slave, wait, rebalance --cluster-use-empty-masters.
//   kill:    `docker kill` of a master → a write to one of its keys succeeds again (and,
//            under nxtd, the cluster is healthy with every node back). By hand nobody
//            restarts the node: the figure is Redis's own failover (cluster-node-timeout
//            5 s + election), the floor without an operator.
//
//   bench_redis [--keys N]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/bench_util.h"
#include "bench/redis_bench_support.h"
#include "common/status_macros.h"
#include "controllers/common/owner.h"
#include "controllers/common/secret_store.h"
#include "controllers/rediscluster/admin.h"
#include "controllers/rediscluster/render.h"
#include "docker/curl_docker_client.h"
#include "resources/rediscluster.h"
#include "tests/e2e/e2e_support.h"
#include "tests/e2e/nxtd_process.h"
#include "tests/testing/builtin_kinds.h"
#include "tests/testing/docker_env.h"

namespace nxt::bench {
namespace {

using rediscluster::RedisAdmin;

constexpr absl::Duration kLimit = absl::Minutes(5);

std::string RedisImage() {
  const char* s = std::getenv("NXT_REDIS_IMAGE");
  return s != nullptr ? s : "nxt/redis:7";
}

struct Figures {
  double create = 0;
  double load = 0;
  double grow = 0;
  double kill_write = 0;      // kill → a write to the killed master's slots succeeds
  double kill_healthy = 0;    // kill → healthy with every node back (nxtd only)
  std::string killed_became;  // "master" (restarted in time) or "replica" (failed over)
};

std::vector<std::string> Names(const std::string& name, int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(controllers::ContainerName(name, i));
  return out;
}

// A master other than containers[0] whose replica is in sync, and a key it serves.
absl::Status PickVictim(RedisAdmin& admin, const std::vector<std::string>& containers,
                        std::string* victim, std::string* key) {
  NXT_ASSIGN_OR_RETURN(rediscluster::NodeView table, admin.Query(containers[0]));
  for (const rediscluster::ClusterNode& n : table.nodes) {
    if (!n.IsMaster() || n.IsMyself() || n.SlotCount() == 0) continue;
    *victim = ContainerOf(admin, containers, n.id);
    for (int i = 0; i < 100000 && key->empty(); ++i) {
      const int slot = KeySlot(BenchKey(i));
      for (const auto& [from, to] : n.slot_ranges) {
        if (slot >= from && slot <= to) *key = BenchKey(i);
      }
    }
    for (const rediscluster::ClusterNode& r : table.nodes) {
      if (!r.IsReplica() || r.master_id != n.id) continue;
      const std::string replica = ContainerOf(admin, containers, r.id);
      if (!e2e::WaitFor(
              [&] {
                auto info = admin.Command(replica, {"INFO", "replication"});
                return info.ok() && absl::StrContains(*info, "master_link_status:up");
              },
              absl::Seconds(60))) {
        return absl::DeadlineExceededError(absl::StrCat(replica, " never synced"));
      }
    }
    return absl::OkStatus();
  }
  return absl::NotFoundError("no master to kill");
}

// docker kill of a master; seconds until a write to one of its keys succeeds through
// containers[0].
absl::StatusOr<double> KillAndProbe(docker::DockerClient& docker, RedisAdmin& admin,
                                    const std::vector<std::string>& containers,
                                    const std::string& password, std::string* victim,
                                    absl::Time* killed_at) {
  std::string key;
  NXT_RETURN_IF_ERROR(PickVictim(admin, containers, victim, &key));
  *killed_at = absl::Now();
  NXT_RETURN_IF_ERROR(docker.KillContainer(*victim, "KILL"));
  absl::SleepFor(absl::Milliseconds(50));  // let the kill land before the first probe
  if (!e2e::WaitFor([&] { return WriteSucceeds(docker, containers[0], password, key); }, kLimit,
                    absl::Milliseconds(50))) {
    return absl::DeadlineExceededError("writes to the killed master's slots never came back");
  }
  return absl::ToDoubleSeconds(absl::Now() - *killed_at);
}

// ---- By hand: the engine and redis-cli, no nxtd.

class ByHand {
 public:
  ByHand(docker::DockerClient& docker, const std::string& ns, const std::string& name)
      : docker_(docker), key_{resources::kRedisClusterKind, ns, name} {
    // The defaults are the CRD's, as nxtd decodes them.
    spec_ = nxt::testing::DecodedDefaults(resources::DecodeRedisClusterSpec,
                                          resources::kRedisClusterKind);
    spec_.image = RedisImage();
    absl::BitGen gen;
    password_ =
        absl::StrFormat("%016x%016x", absl::Uniform<uint64_t>(gen), absl::Uniform<uint64_t>(gen));
    admin_ = std::make_unique<RedisAdmin>(docker_, password_, RedisAdmin::Timeouts{});
  }

  absl::StatusOr<Figures> Run(int keys) {
    Figures f;
    absl::Time start = absl::Now();
    NXT_RETURN_IF_ERROR(
        docker_.CreateNetwork(controllers::NetworkName(key_.namespace_, key_.name),
                              controllers::OwnerLabels(key_, rediscluster::kNetworkRole)));
    NXT_RETURN_IF_ERROR(CreateNodes(0, 6));
    std::vector<std::string> addresses;
    for (int i = 0; i < 6; ++i) {
      NXT_ASSIGN_OR_RETURN(std::string a, Address(i));
      addresses.push_back(a);
    }
    std::vector<std::string> args = {"create"};
    args.insert(args.end(), addresses.begin(), addresses.end());
    args.insert(args.end(), {"--cluster-replicas", "1", "--cluster-yes"});
    NXT_RETURN_IF_ERROR(admin_->ClusterTool(Node(0), args).status());
    NXT_ASSIGN_OR_RETURN(f.create, WaitHealthy(*admin_, Names(key_.name, 6), 3, start, kLimit));

    NXT_ASSIGN_OR_RETURN(f.load, Load(keys));

    start = absl::Now();
    NXT_RETURN_IF_ERROR(CreateNodes(6, 8));
    NXT_ASSIGN_OR_RETURN(std::string six, Address(6));
    NXT_ASSIGN_OR_RETURN(std::string seven, Address(7));
    NXT_RETURN_IF_ERROR(admin_->ClusterTool(Node(0), {"add-node", six, addresses[0]}).status());
    NXT_RETURN_IF_ERROR(WaitAgreed(7));
    NXT_ASSIGN_OR_RETURN(rediscluster::NodeView six_view, admin_->Query(Node(6)));
    NXT_RETURN_IF_ERROR(
        admin_
            ->ClusterTool(Node(0), {"add-node", seven, addresses[0], "--cluster-slave",
                                    "--cluster-master-id", six_view.Myself()->id})
            .status());
    NXT_RETURN_IF_ERROR(WaitAgreed(8));
    NXT_RETURN_IF_ERROR(
        admin_->ClusterTool(Node(0), {"rebalance", addresses[0], "--cluster-use-empty-masters"})
            .status());
    NXT_ASSIGN_OR_RETURN(f.grow, WaitHealthy(*admin_, Names(key_.name, 8), 4, start, kLimit));
    NXT_ASSIGN_OR_RETURN(int64_t held, CountKeys(*admin_, Names(key_.name, 8)));
    if (held != keys) return absl::InternalError(absl::StrCat(held, " keys after 6 -> 8"));

    std::string victim;
    absl::Time killed_at;
    NXT_ASSIGN_OR_RETURN(f.kill_write, KillAndProbe(docker_, *admin_, Names(key_.name, 8),
                                                    password_, &victim, &killed_at));
    return f;
  }

  absl::StatusOr<double> Load(int keys) {
    absl::Time start = absl::Now();
    NXT_ASSIGN_OR_RETURN(int64_t held,
                         LoadKeys(docker_, *admin_, Names(key_.name, 6), password_, keys));
    if (held != keys) return absl::InternalError(absl::StrCat(held, " keys loaded"));
    return absl::ToDoubleSeconds(absl::Now() - start);
  }

 private:
  std::string Node(int i) const { return controllers::ContainerName(key_.name, i); }

  // Nodes from..to-1 at the controller's parallelism: volume, create, redis.conf, start;
  // then until each answers.
  absl::Status CreateNodes(int from, int to) {
    std::vector<std::thread> threads;
    std::vector<absl::Status> results(static_cast<size_t>(to - from));
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = from + t; i < to; i += 4) results[static_cast<size_t>(i - from)] = Create(i);
      });
    }
    for (std::thread& t : threads) t.join();
    for (const absl::Status& s : results) NXT_RETURN_IF_ERROR(s);
    for (int i = from; i < to; ++i) {
      if (!e2e::WaitFor([&] { return admin_->Query(Node(i)).ok(); }, kLimit,
                        absl::Milliseconds(50))) {
        return absl::DeadlineExceededError(absl::StrCat(Node(i), " never answered"));
      }
    }
    return absl::OkStatus();
  }

  absl::Status Create(int i) {
    NXT_RETURN_IF_ERROR(docker_.CreateVolume(
        controllers::VolumeName(key_.namespace_, key_.name, i, rediscluster::kVolumePurpose),
        controllers::OwnerLabels(key_, rediscluster::kVolumeRole, i)));
    NXT_ASSIGN_OR_RETURN(std::string id,
                         docker_.CreateContainer(rediscluster::RenderNode(key_, spec_, i, "ref")));
    NXT_RETURN_IF_ERROR(docker_.PutFile(id, rediscluster::kConfigPath,
                                        rediscluster::RedisConf(spec_, Node(i), password_), 0600));
    return docker_.StartContainer(id);
  }

  absl::StatusOr<std::string> Address(int i) {
    NXT_ASSIGN_OR_RETURN(docker::ContainerInfo info, docker_.InspectContainer(Node(i)));
    auto it = info.network_ips.find(controllers::NetworkName(key_.namespace_, key_.name));
    if (it == info.network_ips.end()) return absl::UnavailableError(Node(i) + " has no address");
    return absl::StrCat(it->second, ":", rediscluster::kRedisPort);
  }

  absl::Status WaitAgreed(int n) {
    if (!e2e::WaitFor([&] { return Agreed(*admin_, Names(key_.name, n)); }, kLimit,
                      absl::Milliseconds(50))) {
      return absl::DeadlineExceededError("the nodes never agreed");
    }
    return absl::OkStatus();
  }

  docker::DockerClient& docker_;
  const resources::ObjectKey key_;
  resources::RedisClusterSpec spec_;
  std::string password_;
  std::unique_ptr<RedisAdmin> admin_;
};

// ---- nxtd.

std::string Manifest(const std::string& ns, const std::string& name, int nodes) {
  return absl::StrCat("apiVersion: nxt.io/v1alpha1\nkind: RedisCluster\nmetadata:\n  name: ", name,
                      "\n  namespace: ", ns, "\nspec:\n  nodes: ", nodes,
                      "\n  replicasPerMaster: 1\n  image: ", RedisImage(), "\n");
}

absl::StatusOr<Figures> UnderNxtd(docker::DockerClient& docker, const std::string& ns,
                                  const std::string& name, int keys) {
  e2e::NxtdProcess nxtd;
  NXT_RETURN_IF_ERROR(nxtd.Start());
  Figures f;
  absl::Time start = absl::Now();
  nxtd.WriteManifest("cache.yaml", Manifest(ns, name, 6));
  const resources::ObjectKey key{resources::kRedisClusterKind, ns, name};
  NXT_ASSIGN_OR_RETURN(std::string password, WaitForPassword(nxtd.state_dir(), key, kLimit));
  RedisAdmin admin(docker, password, RedisAdmin::Timeouts{});
  absl::StatusOr<double> created = WaitHealthy(admin, Names(name, 6), 3, start, kLimit);
  if (!created.ok()) {
    return absl::Status(created.status().code(), absl::StrCat(created.status().message(),
                                                              "\nnxtd's log:\n", nxtd.ReadLog()));
  }
  f.create = *created;

  absl::Time load_start = absl::Now();
  NXT_ASSIGN_OR_RETURN(int64_t held, LoadKeys(docker, admin, Names(name, 6), password, keys));
  if (held != keys) return absl::InternalError(absl::StrCat(held, " keys loaded"));
  f.load = absl::ToDoubleSeconds(absl::Now() - load_start);

  start = absl::Now();
  nxtd.WriteManifest("cache.yaml", Manifest(ns, name, 8));
  NXT_ASSIGN_OR_RETURN(f.grow, WaitHealthy(admin, Names(name, 8), 4, start, kLimit));
  NXT_ASSIGN_OR_RETURN(held, CountKeys(admin, Names(name, 8)));
  if (held != keys) return absl::InternalError(absl::StrCat(held, " keys after 6 -> 8"));

  std::string victim;
  absl::Time killed_at;
  NXT_ASSIGN_OR_RETURN(f.kill_write,
                       KillAndProbe(docker, admin, Names(name, 8), password, &victim, &killed_at));
  NXT_ASSIGN_OR_RETURN(f.kill_healthy, WaitHealthy(admin, Names(name, 8), 4, killed_at, kLimit));
  absl::StatusOr<rediscluster::NodeView> v = admin.Query(victim);
  f.killed_became = v.ok() && v->Myself()->IsReplica() ? "replica" : "master";
  nxtd.Kill();
  return f;
}

int Main(int argc, char** argv) {
  int keys = 100000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--keys") == 0) keys = std::atoi(argv[i + 1]);
  }
  std::unique_ptr<docker::CurlDockerClient> client =
      e2e::NewDockerClient(nxt::testing::DockerSocketPath());
  docker::DockerClient& docker = *client;
  std::printf("bench_redis: %s, 3 + 3 nodes, %d keys, by hand then under nxtd\n",
              RedisImage().c_str(), keys);
  std::fflush(stdout);
  absl::StatusOr<Figures> hand = absl::UnknownError("not run");
  {
    NamespaceGuard guard(docker, e2e::UniqueName("bench-redis-ref"));
    hand = ByHand(docker, guard.ns(), e2e::UniqueName("ref")).Run(keys);
  }
  if (!hand.ok()) {
    std::fprintf(stderr, "by hand: %s\n", hand.status().ToString().c_str());
    return 1;
  }
  absl::StatusOr<Figures> nxtd = absl::UnknownError("not run");
  {
    NamespaceGuard guard(docker, e2e::UniqueName("bench-redis"));
    nxtd = UnderNxtd(docker, guard.ns(), e2e::UniqueName("rc"), keys);
  }
  if (!nxtd.ok()) {
    std::fprintf(stderr, "nxtd: %s\n", nxtd.status().ToString().c_str());
    return 1;
  }
  std::printf("  loading %d keys: by hand %s, nxtd's cluster %s\n", keys,
              Seconds(hand->load).c_str(), Seconds(nxtd->load).c_str());
  std::printf(
      "redis create 3+3 -> cluster_state:ok: nxtd %s (target <= 15 s); by hand (same "
      "containers, redis-cli --cluster create) %s; ratio %.2f\n",
      Seconds(nxtd->create).c_str(), Seconds(hand->create).c_str(), nxtd->create / hand->create);
  std::printf(
      "redis 6 -> 8 with %d keys -> ok, 4 even masters: nxtd %s; by hand (add-node, "
      "add-node --cluster-slave, rebalance) %s; ratio %.2f\n",
      keys, Seconds(nxtd->grow).c_str(), Seconds(hand->grow).c_str(), nxtd->grow / hand->grow);
  std::printf(
      "redis master kill -> its slots writable again: nxtd %s (target <= 7 s; the killed "
      "node came back as a %s); without an operator (Redis failover alone, "
      "cluster-node-timeout %.1f s) %s\n",
      Seconds(nxtd->kill_write).c_str(), nxtd->killed_became.c_str(),
      rediscluster::kClusterNodeTimeoutMs / 1000.0, Seconds(hand->kill_write).c_str());
  std::printf("redis master kill -> healthy again with every node back (nxtd): %s\n",
              Seconds(nxtd->kill_healthy).c_str());
  return 0;
}

}  // namespace
}  // namespace nxt::bench

int main(int argc, char** argv) { return nxt::bench::Main(argc, argv); }
