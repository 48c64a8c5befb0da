// bench_rustfs: a RustFSPool of 4 nodes × 2 drives with one versioned bucket, from
// `nxtctl apply` to Ready (nxtd's Ready condition, read from its metrics every 20 ms),
// against the engine alone doing the same work in the same run: network, 8 volumes, the
// same 4 rendered containers (rustfspool::RenderPool) created, their files written,
// started at the controller's parallelism, until every node answers GET /health (polled
// every 20 ms), then the bucket created and its versioning enabled. 3 rounds, alternating
// which side goes first.
//
//   bench_rustfs [--rounds R] [--image IMAGE]     (default nxt/rustfs-standin:1)
#include <atomic>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/bench_util.h"
#include "common/parallel.h"
#include "controllers/common/curl_http_client.h"
#include "controllers/common/owner.h"
#include "controllers/rustfspool/render.h"
#include "controllers/rustfspool/rustfs_reconciler.h"
#include "controllers/rustfspool/s3_client.h"
#include "docker/curl_docker_client.h"
#include "resources/rustfspool.h"
#include "tests/e2e/e2e_support.h"
#include "tests/e2e/nxtd_process.h"
#include "tests/testing/docker_env.h"
#include "tests/testing/temp_dir.h"

namespace nxt::bench {
namespace {

constexpr int kNodes = 4;
constexpr int kDrives = 2;

resources::RustFSPoolSpec Spec(const std::string& image) {
  resources::RustFSPoolSpec spec;
  spec.nodes = kNodes;
  spec.drives_per_node = kDrives;
  spec.drive_host_paths.assign(kDrives, "");
  spec.image = image;
  spec.buckets = {{"nextcloud", true}};
  return spec;
}

// Creates, fills and starts one node as the engine's plain calls.
absl::Status StartNode(docker::DockerClient& docker, const resources::ObjectKey& key,
                       const controllers::RenderedMember& node) {
  for (const docker::Mount& m : node.spec.mounts) {
    absl::Status s = docker.CreateVolume(
        m.source,
        controllers::OwnerLabels(key, "volume", controllers::OrdinalOf(node.spec.labels)));
    if (!s.ok()) return s;
  }
  absl::StatusOr<std::string> id = docker.CreateContainer(node.spec);
  if (!id.ok()) return id.status();
  for (const controllers::MemberFile& f : node.files) {
    if (absl::Status s = docker.PutFile(*id, f.path, f.content, f.mode); !s.ok()) return s;
  }
  return docker.StartContainer(*id);
}

// The engine alone: the same pool by hand, until /health answers everywhere and the
// bucket is versioned.
absl::StatusOr<double> ReferenceRound(docker::DockerClient& docker, controllers::HttpClient& http,
                                      const std::string& image, int parallelism) {
  const std::string ns = e2e::UniqueName("bench-ref");
  const std::string name = e2e::UniqueName("rfs");  // container names are global
  NamespaceGuard guard(docker, ns);
  const resources::ObjectKey key{resources::kRustFSPoolKind, ns, name};
  const resources::RustFSPoolSpec spec = Spec(image);
  const rustfspool::PoolLayout layout = rustfspool::LayoutFor(key, spec);
  controllers::SigV4Credentials creds;
  creds.access_key = "BENCHACCESSKEY000001";
  creds.secret_key = "bench-secret-key-bench-secret-key-000001";
  const std::map<std::string, controllers::RenderedMember> rendered =
      rustfspool::RenderPool(key, layout, spec, {creds.access_key, creds.secret_key});
  std::vector<const controllers::RenderedMember*> nodes;
  for (const auto& [n, member] : rendered) nodes.push_back(&member);

  const absl::Time start = absl::Now();
  const std::string network = controllers::NetworkName(ns, name);
  if (absl::Status s = docker.CreateNetwork(network, controllers::OwnerLabels(key, "network"));
      !s.ok()) {
    return s;
  }
  std::atomic<int> failures{0};
  ParallelFor(nodes.size(), parallelism, [&](size_t i) {
    if (!StartNode(docker, key, *nodes[i]).ok()) ++failures;
  });
  if (failures > 0) return absl::InternalError(absl::StrCat(failures.load(), " nodes failed"));
  std::vector<std::string> endpoints;
  for (const controllers::RenderedMember* node : nodes) {
    absl::StatusOr<docker::ContainerInfo> info = docker.InspectContainer(node->spec.name);
    if (!info.ok()) return info.status();
    endpoints.push_back(absl::StrCat("http://", info->network_ips[network], ":9000"));
  }
  const bool healthy = e2e::WaitFor(
      [&] {
        for (const std::string& e : endpoints) {
          if (!rustfspool::S3Client(http, e, creds, absl::Seconds(2)).Health().ok()) return false;
        }
        return true;
      },
      absl::Minutes(2), absl::Milliseconds(20));
  if (!healthy) return absl::DeadlineExceededError("the nodes never answered /health");
  rustfspool::S3Client s3(http, endpoints.front(), creds, absl::Seconds(5));
  if (absl::Status s = s3.CreateBucket("nextcloud"); !s.ok()) return s;
  if (absl::Status s = s3.PutVersioning("nextcloud", true); !s.ok()) return s;
  return absl::ToDoubleSeconds(absl::Now() - start);
}

std::string PoolYaml(const std::string& ns, const std::string& name, const std::string& image) {
  return absl::StrCat("apiVersion: nxt.io/v1alpha1\nkind: RustFSPool\nmetadata:\n  name: ", name,
                      "\n  namespace: ", ns, "\nspec:\n  nodes: ", kNodes,
                      "\n  drivesPerNode: ", kDrives, "\n  image: ", image,
                      "\n  buckets:\n    - name: nextcloud\n      versioning: true\n");
}

// nxtd: `nxtctl apply -f` → the pool's Ready condition True in nxtd's metrics.
absl::StatusOr<double> NxtdRound(docker::DockerClient& docker, const std::string& image) {
  const std::string ns = e2e::UniqueName("bench-nxtd");
  const std::string name = e2e::UniqueName("rfs");
  NamespaceGuard guard(docker, ns);
  e2e::NxtdProcess nxtd;  // destroyed (killed) before the guard cleans up
  if (absl::Status s = nxtd.Start(); !s.ok()) return s;
  nxt::testing::TempDir input;
  input.Write("pool.yaml", PoolYaml(ns, name, image));
  const std::vector<std::string> ready = {"kind=\"RustFSPool\"", "name=\"" + name + "\"",
                                          "type=\"Ready\"", "status=\"True\""};
  const absl::Time start = absl::Now();
  e2e::CommandResult applied = nxtd.Nxtctl({"apply", "-f", input.Join("pool.yaml")});
  if (applied.exit_code != 0) return absl::InternalError("apply: " + applied.stderr_text);
  const bool done = e2e::WaitFor(
      [&] {
        absl::StatusOr<e2e::HttpResponse> m = e2e::HttpGet(nxtd.metrics_url("/metrics"));
        return m.ok() && SumSamples(m->body, "nxt_resource_condition", ready) == 1;
      },
      absl::Minutes(2), absl::Milliseconds(20));
  if (!done)
    return absl::DeadlineExceededError("nxtd: not Ready in 2 minutes; log:\n" + nxtd.ReadLog());
  const double took = absl::ToDoubleSeconds(absl::Now() - start);
  nxtd.Kill();
  return took;
}

int Main(int argc, char** argv) {
  int rounds = 3;
  std::string image = "nxt/rustfs-standin:1";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--image") == 0) image = argv[i + 1];
  }
  const int parallelism = rustfspool::RustFSPoolReconciler::Options{}.create_parallelism;
  std::unique_ptr<docker::CurlDockerClient> client =
      e2e::NewDockerClient(nxt::testing::DockerSocketPath());
  controllers::CurlHttpClient http;
  std::printf(
      "bench_rustfs: a %d x %d RustFSPool of %s with 1 versioned bucket, apply -> "
      "Ready, parallelism %d, %d rounds\n",
      kNodes, kDrives, image.c_str(), parallelism, rounds);
  std::vector<double> engine_times, nxtd_times;
  for (int r = 1; r <= rounds; ++r) {
    absl::StatusOr<double> engine = absl::UnknownError("not run");
    absl::StatusOr<double> nxtd = absl::UnknownError("not run");
    if (r % 2 == 1) {
      engine = ReferenceRound(*client, http, image, parallelism);
      if (engine.ok()) nxtd = NxtdRound(*client, image);
    } else {
      nxtd = NxtdRound(*client, image);
      if (nxtd.ok()) engine = ReferenceRound(*client, http, image, parallelism);
    }
    if (!engine.ok() || !nxtd.ok()) {
      std::fprintf(stderr, "round %d failed: %s\n", r,
                   (!engine.ok() ? engine.status() : nxtd.status()).ToString().c_str());
      return 1;
    }
    engine_times.push_back(*engine);
    nxtd_times.push_back(*nxtd);
    std::printf("  round %d: engine %s, nxtd %s, ratio %.3f\n", r, Seconds(*engine).c_str(),
                Seconds(*nxtd).c_str(), *nxtd / *engine);
    std::fflush(stdout);
  }
  const double engine_median = Median(engine_times);
  const double nxtd_median = Median(nxtd_times);
  std::printf(
      "rustfs %dx%d apply -> Ready: engine median %s, nxtd median %s, ratio nxtd/engine %.3f\n",
      kNodes, kDrives, Seconds(engine_median).c_str(), Seconds(nxtd_median).c_str(),
      nxtd_median / engine_median);
  return 0;
}

}  // namespace
}  // namespace nxt::bench

int main(int argc, char** argv) { return nxt::bench::Main(argc, argv); }
