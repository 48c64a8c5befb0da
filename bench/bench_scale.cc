// bench_scale: nxtd's controller machinery at 2,000 objects and 10,000 containers, on the
// in-process fake engine (tests/testing/fake_docker_client.h), so the figures are nxt's
// own cost and not the engine's.
//
// What runs is what nxtd composes for ContainerSets: the FileStore (objects on disk in a
// temporary state directory), the ContainerCache fed by the engine's events, the
// EventRouter with the default predicate, the Manager with nxtd's default 2 workers and
// the real ContainerSetReconciler. The sets converge first (every member created and
// started, every set Ready); then a full resync is timed: one list call to refresh the
// cache and every object enqueued, until every object has been reconciled once. A
// converged set makes no Docker call, so the only call a resync may make is the list.
//
// Reference, same run: the same store, keys, manager and workers with a reconciler that
// only reads the object from the store (the floor of a resync: queue, workers, store).
// Targets: a resync ≤ 1 s, peak RSS ≤ 150 MB. The RSS figure is of this whole process,
// so it includes the fake engine's 10,000 container records (measured separately and
// printed, so nxt's share can be read off).
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/bench_util.h"
#include "common/clock.h"
#include "common/logging.h"
#include "controllers/common/event_router.h"
#include "controllers/common/owner.h"
#include "controllers/common/secret_store.h"
#include "controllers/containerset/containerset_reconciler.h"
#include "docker/container_cache.h"
#include "prometheus/registry.h"
#include "reconciler/file_store.h"
#include "reconciler/manager.h"
#include "reconciler/metrics.h"
#include "resources/containerset.h"
#include "tests/testing/fake_docker_client.h"
#include "tests/testing/no_http_client.h"

namespace nxt::bench {
namespace {

constexpr char kNamespace[] = "bench-scale";

struct Flags {
  int objects = 2000;  // ContainerSets
  int replicas = 5;    // members per set
  int rounds = 3;      // timed resyncs per side (median printed)
  int workers = 2;     // the controller's workers (nxtd's default)
};

// Counts finished reconciles of whatever it wraps.
class Counting : public reconciler::Reconciler {
 public:
  explicit Counting(reconciler::Reconciler* inner) : inner_(inner) {}
  absl::StatusOr<reconciler::Result> Reconcile(const reconciler::Request& request) override {
    absl::StatusOr<reconciler::Result> r = inner_->Reconcile(request);
    done_.fetch_add(1);
    return r;
  }
  int64_t done() const { return done_.load(); }

 private:
  reconciler::Reconciler* inner_;
  std::atomic<int64_t> done_{0};
};

// The floor: reads the object, does nothing else.
class ReadOnly : public reconciler::Reconciler {
 public:
  explicit ReadOnly(reconciler::Store& store) : store_(store) {}
  absl::StatusOr<reconciler::Result> Reconcile(const reconciler::Request& request) override {
    resources::ObjectPtr o = store_.Get(request.key);
    if (o == nullptr) return absl::NotFoundError(request.key.name);
    return reconciler::Result{};
  }

 private:
  reconciler::Store& store_;
};

int64_t StatusBytes(const char* field) {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return 0;
  char line[256];
  int64_t kb = 0;
  const size_t n = std::strlen(field);
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::strncmp(line, field, n) == 0) kb = std::strtoll(line + n + 1, nullptr, 10);
  }
  std::fclose(f);
  return kb * 1024;
}

double Mb(int64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

std::string SetName(int i) { return absl::StrFormat("s-%05d", i); }

resources::Object SetObject(int i, int replicas) {
  resources::Object o;
  o.kind = resources::kContainerSetKind;
  o.metadata.name = SetName(i);
  o.metadata.namespace_ = kNamespace;
  o.spec = boost::json::object{{"image", "nxt/testapp:latest"},
                               {"replicas", replicas},
                               {"env", boost::json::object{{"ROLE", "web"}}}};
  return o;
}

bool AllReady(reconciler::Store& store, int objects) {
  int ready = 0;
  for (const resources::ObjectPtr& o : store.List(resources::kContainerSetKind)) {
    std::optional<resources::ObjectStatus> s = store.GetStatus(o->Key());
    const resources::Condition* c = s.has_value() ? s->FindCondition("Ready") : nullptr;
    if (c != nullptr && c->status == "True") ++ready;
  }
  return ready == objects;
}

// Waits (bounded) until `counter` has counted `target` reconciles; seconds taken, or -1.
double WaitCount(const Counting& counter, int64_t target, absl::Time start) {
  const absl::Time deadline = start + absl::Seconds(120);
  while (counter.done() < target) {
    if (absl::Now() > deadline) return -1;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return absl::ToDoubleSeconds(absl::Now() - start);
}

struct Side {
  std::vector<double> seconds;
  int list_calls = 0;
  int other_calls = 0;
};

// Times `rounds` full resyncs of `manager` (whose reconciler is `counter`).
absl::Status TimeResyncs(reconciler::Manager& manager, const Counting& counter,
                         docker::ContainerCache* cache, testing::FakeDockerClient& fake,
                         int objects, int rounds, Side& side) {
  using M = testing::FakeDockerClient::Method;
  for (int r = 0; r < rounds; ++r) {
    fake.ResetCalls();
    const int64_t target = counter.done() + objects;
    const absl::Time start = absl::Now();
    if (cache != nullptr) {
      if (absl::Status s = cache->Resync(); !s.ok()) return s;
    }
    manager.EnqueueAll();
    const double took = WaitCount(counter, target, start);
    if (took < 0) return absl::DeadlineExceededError("resync did not finish in 120 s");
    side.seconds.push_back(took);
    side.list_calls += fake.calls(M::kListContainers);
    side.other_calls += fake.total_mutating_calls() + fake.calls(M::kInspectContainer);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let late requeues pass
  }
  return absl::OkStatus();
}

int Run(const Flags& flags) {
  const int objects = flags.objects;
  const int replicas = flags.replicas;
  const int rounds = flags.rounds;
  SetLogLevel(LogLevel::kError);
  std::printf(
      "bench_scale: %d ContainerSets x %d members on the in-process fake engine, %d "
      "workers, %d rounds\n",
      objects, replicas, flags.workers, rounds);
  const int64_t rss_start = StatusBytes("VmRSS:");
  const std::string state_dir =
      absl::StrCat(std::filesystem::temp_directory_path().string(), "/nxt-bench-scale-", getpid());
  std::filesystem::create_directories(state_dir);
  struct RemoveDir {
    std::string dir;
    ~RemoveDir() { std::filesystem::remove_all(dir); }
  } remove_dir{state_dir};

  Clock& clock = RealClock::Get();
  controllers::SetInstanceId("bench-scale");
  testing::FakeDockerClient fake(&clock);
  reconciler::FileStore store(clock, state_dir);
  if (absl::Status s = store.Load(); !s.ok()) {
    std::fprintf(stderr, "load: %s\n", s.ToString().c_str());
    return 1;
  }
  docker::ContainerCache cache(fake, controllers::ManagedSelector());
  prometheus::Registry registry;
  reconciler::ControllerMetrics metrics(registry);
  std::unique_ptr<reconciler::Manager> manager = reconciler::NewManager(clock, store, &metrics);
  controllers::EventRouter router(
      [&manager](const resources::ObjectKey& key) { manager->Enqueue(key); });
  router.Register(resources::kContainerSetKind);
  fake.AddEventListener([&](const docker::Event& e) { (void)router.Route(e, cache.Apply(e)); });
  (void)cache.Resync();

  controllers::SecretStore secrets(state_dir);  // ContainerSet keeps none
  nxt::testing::NoHttpClient http;              // nor calls any service
  containerset::ContainerSetReconciler sets({.store = store,
                                             .docker = fake,
                                             .cache = cache,
                                             .secrets = secrets,
                                             .http = http,
                                             .clock = clock},
                                            {});
  Counting counted(&sets);
  reconciler::ControllerOptions options;
  options.name = "containerset";
  options.kind = resources::kContainerSetKind;
  options.workers = flags.workers;
  options.resync_period = absl::ZeroDuration();
  manager->AddController(options, counted);

  for (int i = 0; i < objects; ++i) store.Apply(SetObject(i, replicas));
  const absl::Time converge_start = absl::Now();
  manager->Start();
  while (!AllReady(store, objects)) {
    if (absl::Now() - converge_start > absl::Minutes(10)) {
      std::fprintf(stderr, "not every set Ready after 10 min\n");
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  const double converge = absl::ToDoubleSeconds(absl::Now() - converge_start);
  std::this_thread::sleep_for(std::chrono::seconds(3));  // the last requeues run out
  const size_t containers = fake.ContainerNames().size();
  std::printf("  converged: %zu containers, every set Ready, in %.3f s (%lld reconciles)\n",
              containers, converge, static_cast<long long>(counted.done()));

  Side nxt_side;
  if (absl::Status s = TimeResyncs(*manager, counted, &cache, fake, objects, rounds, nxt_side);
      !s.ok()) {
    std::fprintf(stderr, "resync: %s\n", s.ToString().c_str());
    return 1;
  }
  const int64_t rss_nxt = StatusBytes("VmRSS:");
  const int64_t hwm_nxt = StatusBytes("VmHWM:");
  (void)manager->Stop(absl::Seconds(10));

  // The floor: same store and keys, a reconciler that only reads the object.
  ReadOnly read_only(store);
  Counting floor_counted(&read_only);
  std::unique_ptr<reconciler::Manager> floor_manager =
      reconciler::NewManager(clock, store, nullptr);
  floor_manager->AddController(options, floor_counted);
  floor_manager->Start();
  (void)WaitCount(floor_counted, objects, absl::Now());
  Side floor_side;
  if (absl::Status s =
          TimeResyncs(*floor_manager, floor_counted, nullptr, fake, objects, rounds, floor_side);
      !s.ok()) {
    std::fprintf(stderr, "floor: %s\n", s.ToString().c_str());
    return 1;
  }
  (void)floor_manager->Stop(absl::Seconds(10));

  // The fake engine's own share of the RSS: the same containers in a second fake.
  const int64_t before_engine = StatusBytes("VmRSS:");
  {
    testing::FakeDockerClient engine_only(&clock);
    for (const std::string& name : fake.ContainerNames()) {
      std::optional<testing::FakeDockerClient::Container> c = fake.GetContainer(name);
      if (c.has_value()) (void)engine_only.CreateContainer(c->spec);
    }
    const int64_t engine_share = StatusBytes("VmRSS:") - before_engine;
    const double nxt_median = Median(nxt_side.seconds);
    const double floor_median = Median(floor_side.seconds);
    for (size_t i = 0; i < nxt_side.seconds.size(); ++i) {
      std::printf("  round %zu: resync %.3f s, floor %.3f s\n", i + 1, nxt_side.seconds[i],
                  floor_side.seconds[i]);
    }
    std::printf(
        "scale resync, %d objects / %zu containers: nxt median %.3f s (target <= 1 s), floor "
        "(queue + workers + store read) %.3f s, ratio %.2f; %.1f us per object; Docker calls "
        "per resync: %.1f list, %.1f other\n",
        objects, containers, nxt_median, floor_median, nxt_median / floor_median,
        nxt_median * 1e6 / objects, static_cast<double>(nxt_side.list_calls) / rounds,
        static_cast<double>(nxt_side.other_calls) / rounds);
    std::printf(
        "scale memory: RSS %.1f MB (peak %.1f MB, target <= 150 MB) for the whole process; of "
        "it the fake engine's %zu records about %.1f MB, so nxt's share about %.1f MB; RSS at "
        "start %.1f MB\n",
        Mb(rss_nxt), Mb(hwm_nxt), containers, Mb(engine_share), Mb(rss_nxt - engine_share),
        Mb(rss_start));
  }
  return 0;
}

}  // namespace
}  // namespace nxt::bench

int main(int argc, char** argv) {
  nxt::bench::Flags flags;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string name = argv[i];
    const int value = std::atoi(argv[i + 1]);
    if (name == "--objects") flags.objects = value;
    if (name == "--replicas") flags.replicas = value;
    if (name == "--rounds") flags.rounds = value;
    if (name == "--workers") flags.workers = value;
  }
  if (flags.objects < 1 || flags.replicas < 1 || flags.rounds < 1 || flags.workers < 1) {
    std::fprintf(stderr,
                 "usage: bench_scale [--objects N] [--replicas N] [--rounds N] [--workers N]\n");
    return 2;
  }
  return nxt::bench::Run(flags);
}
