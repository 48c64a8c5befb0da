// bench_galera: a GaleraCluster under the real nxtd, apply → Ready for 3 nodes and then
// 3 → 5 → Ready, against two references measured in the same run by the engine alone
// with the same image, rendered containers and my.cnf:
//   by hand: node 0 bootstrapped (mariadb-install-db, mariadbd --wsrep-new-cluster),
//     then each joiner started on an empty volume (state transfer by SST) once the
//     previous is Synced; Galera joins one node at a time, so this is what a careful
//     human pays. nxtd also creates the database and users, and on 3 → 5 restarts the
//     first 3 nodes one at a time so every my.cnf lists all 5 members.
//   floor: single nodes without any state transfer (network, volume, create, my.cnf,
//     start; install-db, mariadbd; until `SELECT 1` answers), one after another.
//
//   bench_galera [--nodes 3] [--grow-to 5]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "bench/bench_util.h"
#include "common/status_macros.h"
#include "controllers/common/owner.h"
#include "controllers/galeracluster/render.h"
#include "docker/curl_docker_client.h"
#include "resources/galeracluster.h"
#include "tests/e2e/e2e_support.h"
#include "tests/e2e/nxtd_process.h"
#include "tests/testing/builtin_kinds.h"
#include "tests/testing/docker_env.h"

namespace nxt::bench {
namespace {

constexpr absl::Duration kLimit = absl::Minutes(10);

std::string GaleraImage() {
  const char* s = std::getenv("NXT_GALERA_IMAGE");
  return s != nullptr ? s : "nxt/mariadb-galera:10.11";
}

// The same small settings on both sides (the docker tests use them too).
const std::vector<std::pair<std::string, std::string>>& Config() {
  static const auto* kConfig = new std::vector<std::pair<std::string, std::string>>{
      {"innodb_buffer_pool_size", "64M"},
      {"innodb_log_file_size", "16M"},
      {"wsrep_provider_options", "gcache.size=16M"},
      {"performance_schema", "OFF"}};
  return *kConfig;
}

// Runs SQL through the root socket of `container`; its trimmed output.
absl::StatusOr<std::string> Sql(docker::DockerClient& docker, const std::string& container,
                                const std::string& sql) {
  NXT_ASSIGN_OR_RETURN(
      docker::ExecResult r,
      docker.Exec(container, {"mariadb", "--protocol=socket", "-uroot", "-N", "-B"},
                  absl::Seconds(30), sql));
  if (r.exit_code != 0) {
    return absl::UnavailableError(
        absl::StrCat(container, ": exit ", r.exit_code, " ", r.stderr_text));
  }
  return std::string(absl::StripAsciiWhitespace(r.stdout_text));
}

// ---- By hand: the engine alone, the same rendered containers and my.cnf.

resources::GaleraClusterSpec Spec(int replicas) {
  // The defaults are the CRD's, as nxtd decodes them.
  resources::GaleraClusterSpec spec = nxt::testing::DecodedDefaults(
      resources::DecodeGaleraClusterSpec, resources::kGaleraClusterKind);
  spec.image = GaleraImage();
  spec.replicas = replicas;
  for (const auto& [k, v] : Config()) spec.config[k] = v;
  return spec;
}

// Volume, container, my.cnf, start. A bootstrap node initialises its data directory
// first (what the controller does in a tool container), in the same container.
absl::StatusOr<std::string> StartNode(docker::DockerClient& docker, const resources::ObjectKey& key,
                                      const resources::GaleraClusterSpec& spec, int ordinal,
                                      galera::NodeMode mode) {
  docker::ContainerSpec node = galera::RenderNode(key, spec, ordinal, mode, "ref");
  if (mode == galera::NodeMode::kBootstrap) {
    node.entrypoint = {"sh", "-c"};
    node.cmd = {
        absl::StrCat("mariadb-install-db --defaults-file=", galera::kConfigPath,
                     " --skip-test-db >/tmp/install.log 2>&1 && exec mariadbd --defaults-file=",
                     galera::kConfigPath, " --wsrep-new-cluster")};
  }
  NXT_RETURN_IF_ERROR(
      docker.CreateVolume(galera::DataVolume(key, ordinal),
                          controllers::OwnerLabels(key, galera::kVolumeRole, ordinal)));
  NXT_ASSIGN_OR_RETURN(std::string id, docker.CreateContainer(node));
  NXT_RETURN_IF_ERROR(
      docker.PutFile(id, galera::kConfigPath, galera::RenderMyCnf(key, spec, ordinal), 0644));
  NXT_RETURN_IF_ERROR(docker.StartContainer(id));
  return id;
}

// Polls (100 ms) until node `ordinal` is Synced in a cluster of `size` nodes.
absl::Status WaitSynced(docker::DockerClient& docker, const resources::ObjectKey& key, int ordinal,
                        int size) {
  const std::string name = galera::NodeName(key, ordinal);
  std::string last;
  if (!e2e::WaitFor(
          [&] {
            absl::StatusOr<std::string> out =
                Sql(docker, name,
                    "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_cluster_size', "
                    "'wsrep_local_state_comment')");
            last = out.ok() ? *out : std::string(out.status().message());
            return out.ok() && absl::StrContains(*out, "Synced") &&
                   absl::StrContains(*out, absl::StrCat("wsrep_cluster_size\t", size));
          },
          kLimit, absl::Milliseconds(100))) {
    return absl::DeadlineExceededError(absl::StrCat(name, " never Synced: ", last));
  }
  return absl::OkStatus();
}

// The floor without any state transfer: one single node until it answers SELECT 1.
absl::StatusOr<double> SingleNode(docker::DockerClient& docker, const resources::ObjectKey& key,
                                  int ordinal) {
  const std::string name = galera::NodeName(key, ordinal);
  const absl::Time start = absl::Now();
  NXT_ASSIGN_OR_RETURN(std::string id,
                       StartNode(docker, key, Spec(1), ordinal, galera::NodeMode::kBootstrap));
  if (!e2e::WaitFor(
          [&] {
            absl::StatusOr<std::string> one = Sql(docker, name, "SELECT 1");
            return one.ok() && *one == "1";
          },
          kLimit, absl::Milliseconds(100))) {
    return absl::DeadlineExceededError(absl::StrCat(name, " never answered SELECT 1"));
  }
  const double took = absl::ToDoubleSeconds(absl::Now() - start);
  NXT_RETURN_IF_ERROR(docker.RemoveContainer(id, /*force=*/true));
  return took;
}

struct ByHandFigures {
  std::vector<double> single;  // each single node
  double create = 0;           // bootstrap + joiners up to `nodes`, each after the previous
  double grow = 0;             // joiners up to `grow_to`
};

// A key in `ns` whose network exists.
absl::StatusOr<resources::ObjectKey> NewKey(docker::DockerClient& docker, const std::string& ns,
                                            const std::string& prefix) {
  const resources::ObjectKey key{resources::kGaleraClusterKind, ns, e2e::UniqueName(prefix)};
  NXT_RETURN_IF_ERROR(docker.CreateNetwork(controllers::NetworkName(ns, key.name),
                                           controllers::OwnerLabels(key, galera::kNetworkRole)));
  return key;
}

absl::StatusOr<ByHandFigures> ByHand(docker::DockerClient& docker, const std::string& ns, int nodes,
                                     int grow_to) {
  ByHandFigures f;
  NXT_ASSIGN_OR_RETURN(resources::ObjectKey single, NewKey(docker, ns, "one"));
  for (int i = 0; i < grow_to; ++i) {
    NXT_ASSIGN_OR_RETURN(double t, SingleNode(docker, single, i));
    f.single.push_back(t);
    std::printf("  single node %d: %s\n", i + 1, Seconds(t).c_str());
    std::fflush(stdout);
  }
  NXT_ASSIGN_OR_RETURN(resources::ObjectKey key, NewKey(docker, ns, "hand"));
  absl::Time start = absl::Now();
  for (int i = 0; i < nodes; ++i) {
    const galera::NodeMode mode = i == 0 ? galera::NodeMode::kBootstrap : galera::NodeMode::kJoin;
    NXT_RETURN_IF_ERROR(StartNode(docker, key, Spec(nodes), i, mode).status());
    NXT_RETURN_IF_ERROR(WaitSynced(docker, key, i, i + 1));
  }
  f.create = absl::ToDoubleSeconds(absl::Now() - start);
  std::printf("  by hand: %d nodes Synced in %s\n", nodes, Seconds(f.create).c_str());
  std::fflush(stdout);
  start = absl::Now();
  for (int i = nodes; i < grow_to; ++i) {
    NXT_RETURN_IF_ERROR(StartNode(docker, key, Spec(grow_to), i, galera::NodeMode::kJoin).status());
    NXT_RETURN_IF_ERROR(WaitSynced(docker, key, i, i + 1));
  }
  f.grow = absl::ToDoubleSeconds(absl::Now() - start);
  return f;
}

// ---- nxtd.

std::string Manifest(const std::string& ns, const std::string& name, int replicas) {
  std::string out =
      absl::StrCat("apiVersion: nxt.io/v1alpha1\nkind: GaleraCluster\nmetadata:\n  name: ", name,
                   "\n  namespace: ", ns, "\nspec:\n  replicas: ", replicas,
                   "\n  image: ", GaleraImage(), "\n  config:\n");
  for (const auto& [k, v] : Config()) absl::StrAppend(&out, "    ", k, ": \"", v, "\"\n");
  return out;
}

// nxtctl get galera NAME: READY is "<n>/<n>" and STATUS is Ready.
bool NxtdSaysReady(e2e::NxtdProcess& nxtd, const std::string& ns, const std::string& name, int n) {
  e2e::CommandResult r = nxtd.Nxtctl({"get", "galera", name, "-n", ns});
  for (absl::string_view line : absl::StrSplit(r.stdout_text, '\n')) {
    std::vector<absl::string_view> cols = absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (cols.size() >= 5 && cols[0] == name) {
      return cols[1] == absl::StrCat(n, "/", n) && cols[4] == "Ready";
    }
  }
  return false;
}

// Every node reports wsrep_cluster_size `n` and Synced (a cross-check of nxtd's Ready).
absl::Status CheckCluster(docker::DockerClient& docker, const std::string& name, int n) {
  for (int i = 0; i < n; ++i) {
    const std::string node = controllers::ContainerName(name, i);
    NXT_ASSIGN_OR_RETURN(std::string out,
                         Sql(docker, node,
                             "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_cluster_size', "
                             "'wsrep_local_state_comment')"));
    if (!absl::StrContains(out, absl::StrCat("wsrep_cluster_size\t", n)) ||
        !absl::StrContains(out, "Synced")) {
      return absl::InternalError(absl::StrCat(node, ": ", out));
    }
  }
  return absl::OkStatus();
}

// Seconds from writing the manifest with `replicas` until nxtd says Ready.
absl::StatusOr<double> ApplyUntilReady(docker::DockerClient& docker, e2e::NxtdProcess& nxtd,
                                       const std::string& ns, const std::string& name,
                                       int replicas) {
  const absl::Time start = absl::Now();
  nxtd.WriteManifest("db.yaml", Manifest(ns, name, replicas));
  if (!e2e::WaitFor([&] { return NxtdSaysReady(nxtd, ns, name, replicas); }, kLimit,
                    absl::Milliseconds(200))) {
    return absl::DeadlineExceededError(
        absl::StrCat(replicas, " nodes not Ready; nxtd's log:\n", nxtd.ReadLog()));
  }
  const double took = absl::ToDoubleSeconds(absl::Now() - start);
  NXT_RETURN_IF_ERROR(CheckCluster(docker, name, replicas));
  return took;
}

int Main(int argc, char** argv) {
  int nodes = 3;
  int grow_to = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--nodes") == 0) nodes = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--grow-to") == 0) grow_to = std::atoi(argv[i + 1]);
  }
  std::unique_ptr<docker::CurlDockerClient> client =
      e2e::NewDockerClient(nxt::testing::DockerSocketPath());
  docker::DockerClient& docker = *client;
  std::printf("bench_galera: %s, apply -> Ready for %d nodes, then %d -> %d; floor first\n",
              GaleraImage().c_str(), nodes, nodes, grow_to);
  std::fflush(stdout);
  absl::StatusOr<ByHandFigures> hand = absl::UnknownError("not run");
  {
    NamespaceGuard guard(docker, e2e::UniqueName("bench-galera-ref"));
    hand = ByHand(docker, guard.ns(), nodes, grow_to);
  }
  if (!hand.ok()) {
    std::fprintf(stderr, "by hand: %s\n", hand.status().ToString().c_str());
    return 1;
  }
  double first = 0;
  double rest = 0;
  for (int i = 0; i < grow_to; ++i) {
    (i < nodes ? first : rest) += hand->single[static_cast<size_t>(i)];
  }
  absl::StatusOr<double> create = absl::UnknownError("not run");
  absl::StatusOr<double> grow = absl::UnknownError("not run");
  {
    NamespaceGuard guard(docker, e2e::UniqueName("bench-galera"));
    e2e::NxtdProcess nxtd;  // destroyed (killed) before the guard cleans up
    const std::string name = e2e::UniqueName("db");
    if (absl::Status s = nxtd.Start(); !s.ok()) {
      std::fprintf(stderr, "%s\n", s.ToString().c_str());
      return 1;
    }
    create = ApplyUntilReady(docker, nxtd, guard.ns(), name, nodes);
    if (create.ok()) {
      std::printf("  nxtd: %d nodes Ready in %s\n", nodes, Seconds(*create).c_str());
      std::fflush(stdout);
      grow = ApplyUntilReady(docker, nxtd, guard.ns(), name, grow_to);
    }
  }
  if (!create.ok() || !grow.ok()) {
    std::fprintf(stderr, "nxtd: %s\n",
                 (!create.ok() ? create.status() : grow.status()).ToString().c_str());
    return 1;
  }
  std::printf(
      "galera apply -> Ready, %d nodes: nxtd %s (target <= 60 s); by hand (same containers and "
      "my.cnf: bootstrap, then each joiner by SST once the previous is Synced) %s, ratio %.2f; "
      "floor without state transfers (%d single nodes, median %s) %s\n",
      nodes, Seconds(*create).c_str(), Seconds(hand->create).c_str(), *create / hand->create, nodes,
      Seconds(Median(hand->single)).c_str(), Seconds(first).c_str());
  std::printf(
      "galera %d -> %d -> Ready: nxtd %s (the joins; the first %d nodes keep running, their "
      "my.cnf rewritten with every member); by hand (the joins only) %s, ratio %.2f; floor %s\n",
      nodes, grow_to, Seconds(*grow).c_str(), nodes, Seconds(hand->grow).c_str(),
      *grow / hand->grow, Seconds(rest).c_str());
  return 0;
}

}  // namespace
}  // namespace nxt::bench

int main(int argc, char** argv) { return nxt::bench::Main(argc, argv); }
