#include "cmd/nxtd/daemon.h"

#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "cmd/nxtd/docker_metrics.h"
#include "cmd/nxtd/resource_metrics_collector.h"
#include "cmd/nxtd/writer_backend.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "controllers/common/curl_http_client.h"
#include "controllers/common/event_router.h"
#include "controllers/common/host_path.h"
#include "controllers/common/instance_id.h"
#include "controllers/common/network_pool.h"
#include "controllers/common/owner.h"
#include "controllers/common/pooled_docker_client.h"
#include "controllers/common/secret_store.h"
#include "controllers/registered_kinds.h"
#include "docker/container_cache.h"
#include "docker/curl_docker_client.h"
#include "docker/event_watcher.h"
#include "prometheus/registry.h"
#include "reconciler/api/api_handlers.h"
#include "reconciler/api/api_server.h"
#include "reconciler/file_store.h"
#include "reconciler/manager.h"
#include "reconciler/manifest_source.h"
#include "reconciler/manifest_writer.h"
#include "reconciler/metrics.h"
#include "reconciler/metrics_server.h"
#include "reconciler/process_metrics.h"
#include "reconciler/state_lock.h"
#include "resources/kind_registry.h"

namespace nxt::nxtd {
namespace {

constexpr char kComponent[] = "nxtd";
constexpr char kVersion[] = "0.1.0";

absl::Status MakeDir(const std::string& dir, std::filesystem::perms perms) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("create ", dir, ": ", ec.message()));
  std::filesystem::permissions(dir, perms, ec);
  if (ec) return absl::InternalError(absl::StrCat("chmod ", dir, ": ", ec.message()));
  return absl::OkStatus();
}

// The manifest directory must exist; only the default one is created, and only on a
// state directory that holds no object (see kDefaultManifestsDir).
absl::Status PrepareManifestsDir(const DaemonOptions& options, size_t stored_objects) {
  const std::string& dir = options.manifests_dir;
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return absl::OkStatus();
    return absl::FailedPreconditionError(
        absl::StrCat("--manifests ", dir, " is not a directory; refusing to start"));
  }
  if (errno != ENOENT) {
    return absl::FailedPreconditionError(
        absl::StrCat("--manifests ", dir, ": ", std::strerror(errno), "; refusing to start"));
  }
  if (dir != kDefaultManifestsDir) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--manifests ", dir, " does not exist; refusing to start (nxtd creates only the default ",
        kDefaultManifestsDir, "): create it or correct the flag"));
  }
  if (stored_objects > 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the manifest directory ", dir, " does not exist but the state directory ",
        options.state_dir, " holds ", stored_objects,
        " objects; refusing to start: restore the directory (an empty one keeps every object "
        "until `nxtctl source confirm`)"));
  }
  return MakeDir(dir, std::filesystem::perms::owner_all);
}

// `nxtctl diff`'s view of what the next reconcile of `desired` would do.
reconciler::api::Planner PlannerOf(const controllers::KindController& kind) {
  return [describe = kind.describe_plan](const resources::Object& desired) {
    auto plan = describe(desired);
    if (!plan.ok()) {
      return std::vector<std::string>{
          absl::StrCat("error: ", std::string(plan.status().message()))};
    }
    return *plan;
  };
}

// The built-in kinds, plus the checks the kinds' Setup configured with nxtd's options
// (every hostPath is resolved on the host under the allowed roots when a manifest is read
// or applied, so a refused one is reported with file:line:col and never stored). Logs the
// roots that cannot be used.
absl::StatusOr<std::shared_ptr<const resources::KindRegistry>> KindsFor(
    const std::vector<std::string>& roots,
    const std::vector<controllers::KindController>& controllers) {
  NXT_ASSIGN_OR_RETURN(std::shared_ptr<const resources::KindRegistry> builtin,
                       resources::KindRegistry::Builtin());
  auto kinds = std::make_shared<resources::KindRegistry>(*builtin);
  for (size_t i = 0; i < controllers.size(); ++i) {
    if (controllers[i].configured_check) {
      kinds->AddCheck(controllers::RegisteredKinds()[i].kind, controllers[i].configured_check);
    }
  }
  for (const std::string& root : roots) {
    if (absl::Status s = controllers::CheckHostRoot(root); !s.ok()) {
      Log(LogLevel::kWarning, kComponent,
          "allowed host path root unusable; hostPaths under it are refused",
          {{"root", root}, {"error", std::string(s.message())}});
    }
  }
  return kinds;
}

// The subnets of the networks nxt creates (--network-pool, --network-prefix), recorded in
// <state-dir>/network-subnets. Logs the host routes the pool overlaps (their blocks are
// skipped); a bad record file stops the start.
absl::StatusOr<std::unique_ptr<controllers::NetworkPool>> OpenNetworkPool(
    const DaemonOptions& options) {
  controllers::NetworkPoolOptions pool_options;
  NXT_ASSIGN_OR_RETURN(
      pool_options.ranges,
      Annotate(controllers::ParseNetworkPool(options.network_pool, options.network_prefix),
               "--network-pool"));
  pool_options.prefix_length = options.network_prefix;
  pool_options.state_file = absl::StrCat(options.state_dir, "/", controllers::kNetworkPoolFile);
  NXT_ASSIGN_OR_RETURN(std::unique_ptr<controllers::NetworkPool> pool,
                       controllers::NetworkPool::Open(pool_options));
  Log(LogLevel::kInfo, kComponent, "network pool",
      {{"pool", pool->Describe()}, {"recorded", absl::StrCat(pool->Records().size())}});
  return pool;
}

}  // namespace

// Everything the daemon runs, in construction order (destroyed in reverse).
class Daemon::Parts {
 public:
  std::unique_ptr<reconciler::StateLock> lock;
  std::shared_ptr<const resources::KindRegistry> kinds;
  std::unique_ptr<reconciler::FileStore> store;

  prometheus::Registry registry;
  std::unique_ptr<reconciler::ControllerMetrics> controller_metrics;
  std::unique_ptr<reconciler::ResourceMetrics> resource_metrics;
  std::unique_ptr<ResourceMetricsCollector> resource_collector;
  reconciler::ProcessMetrics process_metrics;

  std::unique_ptr<docker::ContainerCache> cache;
  // The controllers' Docker client: networks get their subnets from network_pool.
  std::unique_ptr<controllers::NetworkPool> network_pool;
  std::unique_ptr<controllers::PooledDockerClient> pooled_docker;
  std::unique_ptr<reconciler::Manager> manager;
  std::unique_ptr<controllers::EventRouter> router;   // container events → manager
  std::unique_ptr<controllers::SecretStore> secrets;  // shared by every kind
  // One per registered kind, in the order of controllers::RegisteredKinds().
  std::vector<controllers::KindController> controllers;
  std::unique_ptr<docker::EventWatcher> watcher;

  std::unique_ptr<reconciler::ManifestSource> source;
  std::unique_ptr<reconciler::ManifestWriter> writer;
  std::unique_ptr<WriterBackend> backend;
  std::unique_ptr<SourceBackend> source_backend;
  std::unique_ptr<reconciler::api::ApiHandlers> handlers;
  std::unique_ptr<reconciler::api::ApiServer> api;
  std::unique_ptr<reconciler::MetricsServer> metrics_server;
};

namespace {

// Runs the Setup of every registered kind and adds its controller to the manager and the
// event router. The first controller refreshes the container cache before each resync
// round: one refresh serves them all (the events keep it live in between).
absl::Status AddControllers(Daemon::Parts& parts, const DaemonOptions& options, Clock& clock,
                            controllers::HttpClient& http) {
  const controllers::KindDeps deps{.store = *parts.store,
                                   .docker = *parts.pooled_docker,
                                   .cache = *parts.cache,
                                   .secrets = *parts.secrets,
                                   .http = http,
                                   .clock = clock,
                                   .state_dir = options.state_dir,
                                   .allowed_host_path_roots = options.allowed_host_path_roots};
  for (const controllers::RegisteredKind& registered : controllers::RegisteredKinds()) {
    NXT_ASSIGN_OR_RETURN(controllers::KindController kind,
                         Annotate(registered.setup(deps), registered.name));
    reconciler::ControllerOptions controller;
    controller.name = registered.name;
    controller.kind = registered.kind;
    controller.workers = options.workers;
    controller.resync_period = options.resync_period;
    if (parts.controllers.empty()) {
      docker::ContainerCache* cache = parts.cache.get();
      controller.before_resync = [cache] { (void)cache->Resync(); };
    }
    parts.manager->AddController(controller, *kind.reconciler);
    parts.router->Register(controller.kind, kind.predicate);
    parts.controllers.push_back(std::move(kind));
  }
  return absl::OkStatus();
}

}  // namespace

Daemon::Daemon(DaemonOptions options, Clock& clock, docker::DockerClient& docker,
               controllers::HttpClient& http)
    : options_(std::move(options)), clock_(clock), docker_(docker), http_(http) {}

Daemon::~Daemon() {
  if (parts_ != nullptr) (void)Stop();
}

void Daemon::AddCollectable(const prometheus::Collectable* collectable) {
  extra_collectables_.push_back(collectable);
}

absl::Status Daemon::Start() {
  auto parts = std::make_unique<Parts>();
  using std::filesystem::perms;
  NXT_RETURN_IF_ERROR(MakeDir(options_.state_dir, perms::owner_all));
  NXT_ASSIGN_OR_RETURN(parts->lock, reconciler::StateLock::Acquire(options_.state_dir));
  parts->store = std::make_unique<reconciler::FileStore>(clock_, options_.state_dir);
  NXT_RETURN_IF_ERROR(Annotate(parts->store->Load(), "load state"));
  NXT_RETURN_IF_ERROR(PrepareManifestsDir(options_, parts->store->List("").size()));

  parts->controller_metrics = std::make_unique<reconciler::ControllerMetrics>(parts->registry);
  parts->resource_metrics = std::make_unique<reconciler::ResourceMetrics>(parts->registry);
  parts->resource_collector =
      std::make_unique<ResourceMetricsCollector>(*parts->store, *parts->resource_metrics);

  // Docker: the cache is filled once before the controllers start, so the first
  // reconciles see what exists instead of creating it again.
  NXT_ASSIGN_OR_RETURN(std::string instance_id,
                       controllers::LoadOrCreateInstanceId(options_.state_dir));
  controllers::SetInstanceId(instance_id);
  const docker::LabelSelector managed = controllers::ManagedSelector();
  parts->cache = std::make_unique<docker::ContainerCache>(docker_, managed);
  NXT_ASSIGN_OR_RETURN(parts->network_pool, OpenNetworkPool(options_));
  parts->pooled_docker =
      std::make_unique<controllers::PooledDockerClient>(docker_, *parts->network_pool);
  if (absl::Status s = parts->cache->Resync(); !s.ok()) {
    Log(LogLevel::kWarning, kComponent, "docker not reachable yet; will retry",
        {{"error", std::string(s.message())}});
  }
  parts->manager = reconciler::NewManager(clock_, *parts->store, parts->controller_metrics.get());
  reconciler::Manager* manager = parts->manager.get();
  parts->router = std::make_unique<controllers::EventRouter>(
      [manager](const resources::ObjectKey& key) { manager->Enqueue(key); });
  parts->secrets = std::make_unique<controllers::SecretStore>(options_.state_dir);
  NXT_RETURN_IF_ERROR(AddControllers(*parts, options_, clock_, http_));
  NXT_ASSIGN_OR_RETURN(parts->kinds,
                       KindsFor(options_.allowed_host_path_roots, parts->controllers));

  docker::EventWatcher::Callbacks callbacks;
  controllers::EventRouter* router = parts->router.get();
  callbacks.on_event = [router](const docker::Event& event, const docker::ContainerChange& change) {
    (void)router->Route(event, change);
  };
  callbacks.on_resync = [manager] { manager->EnqueueAll(); };
  docker::EventWatcher::Options watcher_options;
  watcher_options.selector = managed;
  parts->watcher = std::make_unique<docker::EventWatcher>(docker_, *parts->cache, watcher_options,
                                                          std::move(callbacks));

  // Manifests: a full scan happens in Start, before the controllers run.
  reconciler::ManifestSourceOptions source_options;
  source_options.dir = options_.manifests_dir;
  source_options.debounce = options_.manifest_debounce;
  source_options.source_record = reconciler::SourceRecordPath(options_.state_dir);
  source_options.trusted_uid = ::geteuid();
  reconciler::ResourceMetrics* resource_metrics = parts->resource_metrics.get();
  source_options.on_manifest_errors = [resource_metrics](int n) {
    resource_metrics->IncManifestErrors(n);
  };
  parts->source = std::make_unique<reconciler::ManifestSource>(*parts->kinds, *parts->store, clock_,
                                                               source_options);
  NXT_RETURN_IF_ERROR(Annotate(parts->source->Start(), "watch manifests"));
  parts->writer =
      std::make_unique<reconciler::ManifestWriter>(*parts->kinds, *parts->store, *parts->source);
  parts->backend = std::make_unique<WriterBackend>(*parts->writer, *parts->source);
  parts->source_backend = std::make_unique<SourceBackend>(*parts->source);

  reconciler::api::ApiHandlers::Options api_options;
  api_options.server_version = kVersion;
  parts->handlers = std::make_unique<reconciler::api::ApiHandlers>(*parts->store, *parts->kinds,
                                                                   *parts->backend, api_options);
  parts->handlers->SetSourceControl(parts->source_backend.get());
  for (size_t i = 0; i < parts->controllers.size(); ++i) {
    parts->handlers->SetPlanner(controllers::RegisteredKinds()[i].kind,
                                PlannerOf(parts->controllers[i]));
  }
  reconciler::api::ApiServer::Options server_options;
  server_options.socket_path = options_.api_socket;
  server_options.request_timeout = server_options.response_timeout = options_.client_timeout;
  parts->api = std::make_unique<reconciler::api::ApiServer>(server_options, *parts->handlers);
  NXT_RETURN_IF_ERROR(Annotate(parts->api->Start(), "api socket"));

  if (!options_.metrics_addr.empty()) {
    reconciler::MetricsServerOptions metrics_options;
    metrics_options.address = options_.metrics_addr;
    metrics_options.request_timeout = metrics_options.response_timeout = options_.client_timeout;
    metrics_options.collectables = {parts->resource_collector.get(), &parts->registry,
                                    &parts->process_metrics};
    for (const controllers::KindController& kind : parts->controllers) {
      if (kind.metrics != nullptr) metrics_options.collectables.push_back(kind.metrics.get());
    }
    metrics_options.collectables.insert(metrics_options.collectables.end(),
                                        extra_collectables_.begin(), extra_collectables_.end());
    docker::EventWatcher* watcher = parts->watcher.get();
    metrics_options.ready = [manager, watcher] { return manager->Ready() && watcher->connected(); };
    NXT_ASSIGN_OR_RETURN(parts->metrics_server,
                         Annotate(reconciler::MetricsServer::Start(metrics_options), "metrics"));
  }

  parts->watcher->Start();
  parts->manager->Start();
  parts_ = std::move(parts);
  Log(LogLevel::kInfo, kComponent, "started",
      {{"version", kVersion},
       {"manifests", options_.manifests_dir},
       {"state_dir", options_.state_dir},
       {"api_socket", options_.api_socket},
       {"instance", controllers::InstanceId()},
       {"metrics_port", absl::StrCat(metrics_port())}});
  return absl::OkStatus();
}

absl::Status Daemon::Stop() {
  if (parts_ == nullptr) return absl::OkStatus();
  Log(LogLevel::kInfo, kComponent, "stopping");
  parts_->api->Stop();
  parts_->source->Stop();
  absl::Status drained = parts_->manager->Stop(options_.shutdown_grace);
  parts_->watcher->Stop();
  if (parts_->metrics_server != nullptr) parts_->metrics_server->Stop();
  parts_.reset();
  Log(LogLevel::kInfo, kComponent, "stopped",
      {{"drained", drained.ok() ? "true" : std::string(drained.message())}});
  return drained;
}

int Daemon::metrics_port() const {
  if (parts_ == nullptr || parts_->metrics_server == nullptr) return 0;
  return parts_->metrics_server->port();
}

int RunDaemonUntilSignal(const DaemonOptions& options) {
  // Block the signals in every thread (threads inherit the mask) and take them here.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  ::umask(077);

  docker::CurlDockerClient::Options docker_options;
  docker_options.socket_path = options.docker_socket;
  prometheus::Registry docker_registry;
  DockerRequestMetrics docker_metrics(docker_registry);
  docker_options.observer = &docker_metrics;
  docker::CurlDockerClient docker(docker_options);
  controllers::CurlHttpClient http;
  Daemon daemon(options, RealClock::Get(), docker, http);
  daemon.AddCollectable(&docker_registry);
  if (absl::Status s = daemon.Start(); !s.ok()) {
    Log(LogLevel::kError, kComponent, "cannot start", {{"error", std::string(s.message())}});
    return 1;
  }
  int signal = 0;
  sigwait(&signals, &signal);
  Log(LogLevel::kInfo, kComponent, "signal received", {{"signal", absl::StrCat(signal)}});
  absl::Status stopped = daemon.Stop();
  if (!stopped.ok()) {
    Log(LogLevel::kWarning, kComponent, "some reconciles did not finish in time",
        {{"error", std::string(stopped.message())}});
  }
  return 0;
}

}  // namespace nxt::nxtd
