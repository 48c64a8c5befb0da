// bench_redis_failover: `docker kill` of a Redis master under the real nxtd, N times in a
// row, with a client writing through every kill (keys acknowledged with WAIT 1 1000,
// tests/e2e/redis_client.h, straight to the nodes' addresses). Per kill: seconds until
// the client's writes succeed again after the first one that failed (the killed master's
// slots served by its promoted replica), and until the cluster is healthy again (every
// node back, 3 masters each with an in-sync replica). At the end every acknowledged key
// is read back. Prints each kill, then median and worst; exits 1 when a key was lost.
//
//   bench_redis_failover [--kills N]      (default 5)
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/bench_util.h"
#include "bench/redis_bench_support.h"
#include "common/status_macros.h"
#include "controllers/common/owner.h"
#include "controllers/common/secret_store.h"
#include "controllers/rediscluster/admin.h"
#include "docker/curl_docker_client.h"
#include "resources/rediscluster.h"
#include "tests/e2e/e2e_support.h"
#include "tests/e2e/nxtd_process.h"
#include "tests/e2e/redis_client.h"
#include "tests/testing/docker_env.h"

namespace nxt::bench {
namespace {

using rediscluster::RedisAdmin;

constexpr absl::Duration kLimit = absl::Minutes(3);

struct Kill {
  std::string victim;
  double writable = 0;
  double healthy = 0;
};

std::vector<std::string> Names(const std::string& name) {
  std::vector<std::string> out;
  for (int i = 0; i < 6; ++i) out.push_back(controllers::ContainerName(name, i));
  return out;
}

// The `k`-th master (round robin) other than node 0 (the client's and the health check's
// first seed), once its replica's link is up.
absl::StatusOr<std::string> Victim(RedisAdmin& admin, const std::vector<std::string>& nodes,
                                   int k) {
  NXT_ASSIGN_OR_RETURN(rediscluster::NodeView table, admin.Query(nodes[0]));
  std::vector<const rediscluster::ClusterNode*> masters;
  for (const rediscluster::ClusterNode& n : table.nodes) {
    if (n.IsMaster() && n.SlotCount() > 0 && !n.IsMyself()) masters.push_back(&n);
  }
  if (masters.empty()) return absl::NotFoundError("no master other than node 0");
  const rediscluster::ClusterNode& m = *masters[static_cast<size_t>(k) % masters.size()];
  for (const rediscluster::ClusterNode& r : table.nodes) {
    if (!r.IsReplica() || r.master_id != m.id) continue;
    if (!e2e::WaitFor(
            [&] {
              auto info = admin.Command(r.hostname, {"INFO", "replication"});
              return info.ok() && absl::StrContains(*info, "master_link_status:up");
            },
            kLimit)) {
      return absl::DeadlineExceededError(absl::StrCat(r.hostname, " never synced"));
    }
  }
  return m.hostname;
}

std::string Manifest(const std::string& ns, const std::string& name) {
  return absl::StrCat("apiVersion: nxt.io/v1alpha1\nkind: RedisCluster\nmetadata:\n  name: ", name,
                      "\n  namespace: ", ns,
                      "\nspec:\n  nodes: 6\n  replicasPerMaster: 1\n  image: nxt/redis:7\n");
}

absl::StatusOr<std::vector<std::string>> Addresses(docker::DockerClient& docker,
                                                   const std::string& ns, const std::string& name) {
  std::vector<std::string> ips;
  for (const std::string& node : Names(name)) {
    NXT_ASSIGN_OR_RETURN(docker::ContainerInfo info, docker.InspectContainer(node));
    ips.push_back(info.network_ips[controllers::NetworkName(ns, name)]);
  }
  return ips;
}

absl::Status Run(docker::DockerClient& docker, const std::string& ns, const std::string& name,
                 int kills, std::vector<Kill>* out, int* lost, size_t* acknowledged) {
  e2e::NxtdProcess nxtd;
  NXT_RETURN_IF_ERROR(nxtd.Start());
  nxtd.WriteManifest("cache.yaml", Manifest(ns, name));
  const resources::ObjectKey key{resources::kRedisClusterKind, ns, name};
  NXT_ASSIGN_OR_RETURN(std::string password, WaitForPassword(nxtd.state_dir(), key, kLimit));
  RedisAdmin admin(docker, password, RedisAdmin::Timeouts{});
  const std::vector<std::string> nodes = Names(name);
  NXT_RETURN_IF_ERROR(WaitHealthy(admin, nodes, 3, absl::Now(), kLimit).status());
  NXT_ASSIGN_OR_RETURN(std::vector<std::string> ips, Addresses(docker, ns, name));
  e2e::BackgroundWriter writer(ips, password);
  if (!e2e::WaitFor([&] { return writer.Acknowledged().size() >= 50; }, kLimit)) {
    return absl::DeadlineExceededError("the client never wrote");
  }
  for (int k = 0; k < kills; ++k) {
    Kill kill;
    NXT_ASSIGN_OR_RETURN(kill.victim, Victim(admin, nodes, k));
    const absl::Time at = absl::Now();
    writer.Mark(at);
    NXT_RETURN_IF_ERROR(docker.KillContainer(kill.victim, "KILL"));
    if (!e2e::WaitFor([&] { return writer.WritableAgain() > 0; }, kLimit, absl::Milliseconds(20))) {
      return absl::DeadlineExceededError(
          absl::StrCat("writes never came back after killing ", kill.victim, "\n", nxtd.ReadLog()));
    }
    kill.writable = writer.WritableAgain();
    NXT_ASSIGN_OR_RETURN(kill.healthy, WaitHealthy(admin, nodes, 3, at, kLimit));
    std::printf("  kill %d: %s -> writable again %s, healthy %s\n", k + 1, kill.victim.c_str(),
                Seconds(kill.writable).c_str(), Seconds(kill.healthy).c_str());
    std::fflush(stdout);
    out->push_back(kill);
  }
  writer.Stop();
  const std::map<std::string, std::string> acked = writer.Acknowledged();
  *acknowledged = acked.size();
  e2e::ClusterWriter reader(ips, password);
  for (const auto& [k, v] : acked) {
    absl::StatusOr<std::optional<std::string>> got = reader.Read(k);
    for (int retry = 0; retry < 20 && !got.ok(); ++retry) got = reader.Read(k);
    if (!got.ok()) return got.status();
    *lost += !got->has_value() || **got != v;
  }
  nxtd.Kill();
  return absl::OkStatus();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

int Main(int argc, char** argv) {
  int kills = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--kills") == 0) kills = std::atoi(argv[i + 1]);
  }
  std::unique_ptr<docker::CurlDockerClient> client =
      e2e::NewDockerClient(nxt::testing::DockerSocketPath());
  std::printf("bench_redis_failover: nxt/redis:7, 3 + 3 nodes under nxtd, %d master kills\n",
              kills);
  std::fflush(stdout);
  std::vector<Kill> done;
  int lost = 0;
  size_t acknowledged = 0;
  absl::Status s;
  {
    NamespaceGuard guard(*client, e2e::UniqueName("bench-redis-fo"));
    s = Run(*client, guard.ns(), e2e::UniqueName("fo"), kills, &done, &lost, &acknowledged);
  }
  if (!s.ok()) {
    std::fprintf(stderr, "bench_redis_failover: %s\n", s.ToString().c_str());
    return 1;
  }
  std::vector<double> writable;
  std::vector<double> healthy;
  for (const Kill& k : done) {
    writable.push_back(k.writable);
    healthy.push_back(k.healthy);
  }
  std::printf(
      "redis master kill -> writable again over %zu kills: median %s, worst %s (target median "
      "<= 5 s, worst <= 7 s); -> healthy median %s, worst %s; acknowledged keys %zu, lost %d\n",
      done.size(), Seconds(Median(writable)).c_str(),
      Seconds(*std::max_element(writable.begin(), writable.end())).c_str(),
      Seconds(Median(healthy)).c_str(),
      Seconds(*std::max_element(healthy.begin(), healthy.end())).c_str(), acknowledged, lost);
  return lost == 0 ? 0 : 1;
}

}  // namespace
}  // namespace nxt::bench

int main(int argc, char** argv) { return nxt::bench::Main(argc, argv); }
