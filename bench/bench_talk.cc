// bench_talk: a TalkBackend of 2 signaling and 3 NATS nodes (local images) from empty:
// `nxtctl apply` → nxtd reports Ready, against the engine alone creating and starting
// the same 5 containers (the same rendered specs and config files, network first, the
// controller's create parallelism) until their health endpoints answer as the
// controller requires (every NATS node routes to the two others, both signaling nodes
// welcome), measured with the controller's own Prober. 3 rounds, sides alternating.
//
//   bench_talk [--rounds R]
#include <atomic>
#include <boost/json.hpp>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/bench_util.h"
#include "controllers/common/curl_http_client.h"
#include "controllers/common/owner.h"
#include "controllers/talkbackend/probe.h"
#include "controllers/talkbackend/render.h"
#include "controllers/talkbackend/talkbackend_reconciler.h"
#include "docker/curl_docker_client.h"
#include "tests/e2e/e2e_support.h"
#include "tests/e2e/nxtd_process.h"
#include "tests/testing/docker_env.h"
#include "tests/testing/temp_dir.h"

namespace nxt::bench {
namespace {

constexpr int kSignaling = 2;
constexpr int kNats = 3;
constexpr char kSignalingImage[] = "nxt/signaling-standin:1";
constexpr char kNatsImage[] = "nxt/nats:2.9";

std::string RandomKey(size_t length) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  absl::BitGen gen;
  std::string out;
  for (size_t i = 0; i < length; ++i) out += kAlphabet[absl::Uniform<size_t>(gen, 0, 62)];
  return out;
}

resources::TalkBackendSpec Spec() {
  resources::TalkBackendSpec spec;
  spec.nextcloud_url = "https://cloud.example.com";
  spec.signaling.replicas = kSignaling;
  spec.signaling.image = kSignalingImage;
  spec.nats.replicas = kNats;
  spec.nats.image = kNatsImage;
  return spec;
}

// True when every member of `key` is ready as the controller judges it.
bool AllReady(docker::DockerClient& docker, controllers::HttpClient& http,
              const resources::ObjectKey& key, const talkbackend::DesiredBackend& desired) {
  talkbackend::ObservedBackend observed;
  auto list = docker.ListContainers(controllers::OwnerSelector(key));
  if (!list.ok()) return false;
  for (const auto& c : *list) {
    controllers::SeenMember m;
    m.name = c.name;
    m.state = c.state;
    (c.labels.at(docker::kLabelRole) == talkbackend::kNatsRole ? observed.nats : observed.signaling)
        .push_back(m);
  }
  std::vector<std::string> nats;
  for (const auto& w : desired.nats.wanted) nats.push_back(w.name);
  talkbackend::Prober prober(docker, http, {});
  prober.Probe(key, nats, 0, observed);
  int ready = 0;
  for (const auto* group : {&observed.nats, &observed.signaling}) {
    for (const auto& m : *group) ready += m.ready;
  }
  return ready == kNats + kSignaling;
}

// The engine alone: network, then 5 × (create + config file + start), then health.
absl::StatusOr<double> ReferenceRound(docker::DockerClient& docker, controllers::HttpClient& http) {
  const std::string ns = e2e::UniqueName("bench-ref");
  const resources::ObjectKey key{resources::kTalkBackendKind, ns, e2e::UniqueName("talk")};
  NamespaceGuard guard(docker, ns);
  talkbackend::TalkSecrets secrets;
  secrets.hash_key = RandomKey(64);
  secrets.block_key = RandomKey(32);
  secrets.internal_secret = RandomKey(32);
  secrets.backend_secret = RandomKey(32);
  const talkbackend::DesiredBackend desired = talkbackend::RenderBackend(key, Spec(), secrets);
  std::vector<const controllers::RenderedMember*> members;
  for (const auto& [name, member] : desired.rendered) members.push_back(&member);
  const int parallelism = talkbackend::TalkBackendReconciler::Options{}.create_parallelism;

  const absl::Time start = absl::Now();
  absl::Status net = docker.CreateNetwork(controllers::NetworkName(ns, key.name),
                                          controllers::OwnerLabels(key, controllers::kNetworkRole));
  if (!net.ok()) return net;
  std::atomic<size_t> next{0};
  std::atomic<int> failures{0};
  auto worker = [&] {
    for (size_t i = next++; i < members.size(); i = next++) {
      absl::StatusOr<std::string> id = docker.CreateContainer(members[i]->spec);
      bool ok = id.ok();
      for (const controllers::MemberFile& f : members[i]->files) {
        ok = ok && docker.PutFile(*id, f.path, f.content, f.mode).ok();
      }
      if (!ok || !docker.StartContainer(*id).ok()) ++failures;
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < parallelism; ++t) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  if (failures > 0) return absl::InternalError(absl::StrCat(failures.load(), " creates failed"));
  if (!e2e::WaitFor([&] { return AllReady(docker, http, key, desired); }, absl::Minutes(2),
                    absl::Milliseconds(50))) {
    return absl::DeadlineExceededError("the engine's backend never answered its health checks");
  }
  return absl::ToDoubleSeconds(absl::Now() - start);
}

std::string Manifest(const std::string& ns, const std::string& name) {
  return absl::StrCat("apiVersion: nxt.io/v1alpha1\nkind: TalkBackend\nmetadata:\n  name: ", name,
                      "\n  namespace: ", ns,
                      "\nspec:\n  nextcloudURL: https://cloud.example.com\n  signaling:\n"
                      "    replicas: ",
                      kSignaling, "\n    image: ", kSignalingImage,
                      "\n  nats:\n    replicas: ", kNats, "\n    image: ", kNatsImage, "\n");
}

// True when the object's JSON says Ready=True.
bool ReadyIn(const std::string& object_json) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(object_json, ec);
  const boost::json::value* conditions = ec || !v.is_object() ? nullptr
                                         : v.as_object().contains("status")
                                             ? v.at("status").as_object().if_contains("conditions")
                                             : nullptr;
  if (conditions == nullptr || !conditions->is_array()) return false;
  for (const boost::json::value& c : conditions->as_array()) {
    if (c.is_object() && c.as_object().contains("type") && c.at("type") == "Ready") {
      return c.as_object().contains("status") && c.at("status") == "True";
    }
  }
  return false;
}

// nxtd: `nxtctl apply` → `nxtctl get` says Ready (polled every 50 ms).
absl::StatusOr<double> NxtdRound(docker::DockerClient& docker) {
  const std::string ns = e2e::UniqueName("bench-nxtd");
  const std::string name = e2e::UniqueName("talk");
  NamespaceGuard guard(docker, ns);
  e2e::NxtdProcess nxtd;  // destroyed (killed) before the guard cleans up
  if (absl::Status s = nxtd.Start(); !s.ok()) return s;
  nxt::testing::TempDir input;
  input.Write("talk.yaml", Manifest(ns, name));
  const absl::Time start = absl::Now();
  e2e::CommandResult applied = nxtd.Nxtctl({"apply", "-f", input.Join("talk.yaml")});
  if (applied.exit_code != 0) return absl::InternalError("apply: " + applied.stderr_text);
  const bool ready = e2e::WaitFor(
      [&] {
        e2e::CommandResult r = nxtd.Nxtctl({"get", "talk", name, "-n", ns, "-o", "json"});
        return r.exit_code == 0 && ReadyIn(r.stdout_text);
      },
      absl::Minutes(2), absl::Milliseconds(50));
  if (!ready)
    return absl::DeadlineExceededError("nxtd never reported Ready; log:\n" + nxtd.ReadLog());
  const double took = absl::ToDoubleSeconds(absl::Now() - start);
  nxtd.Kill();
  return took;
}

int Main(int argc, char** argv) {
  int rounds = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::atoi(argv[i + 1]);
  }
  std::unique_ptr<docker::CurlDockerClient> client =
      e2e::NewDockerClient(nxt::testing::DockerSocketPath());
  docker::DockerClient& docker = *client;
  controllers::CurlHttpClient http;
  std::printf("bench_talk: TalkBackend of %d signaling (%s) + %d NATS (%s) from empty, %d rounds\n",
              kSignaling, kSignalingImage, kNats, kNatsImage, rounds);
  std::vector<double> engine_times, nxtd_times;
  absl::Status run = RunAlternatingRounds(
      rounds, [&] { return ReferenceRound(docker, http); }, [&] { return NxtdRound(docker); },
      engine_times, nxtd_times);
  if (!run.ok()) {
    std::fprintf(stderr, "bench_talk failed: %s\n", run.ToString().c_str());
    return 1;
  }
  const double engine_median = Median(engine_times);
  const double nxtd_median = Median(nxtd_times);
  std::printf(
      "talk apply -> Ready (2 signaling + 3 NATS): engine median %s, nxtd median %s, ratio "
      "nxtd/engine %.3f\n",
      Seconds(engine_median).c_str(), Seconds(nxtd_median).c_str(), nxtd_median / engine_median);
  return 0;
}

}  // namespace
}  // namespace nxt::bench

int main(int argc, char** argv) { return nxt::bench::Main(argc, argv); }
