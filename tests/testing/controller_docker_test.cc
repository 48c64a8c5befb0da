#include "tests/testing/controller_docker_test.h"

#include <boost/json.hpp>
#include <optional>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/clock.h"
#include "common/logging.h"
#include "tests/testing/docker_env.h"

namespace nxt::testing {

void RequestCounter::OnRequest(const std::string& method, const std::string& endpoint, int,
                               absl::Duration) {
  absl::MutexLock lock(&mu_);
  ++counts_[{method, endpoint}];
}

int RequestCounter::Count(const std::string& method, const std::string& endpoint) const {
  absl::MutexLock lock(&mu_);
  auto it = counts_.find({method, endpoint});
  return it == counts_.end() ? 0 : it->second;
}

void RequestCounter::Reset() {
  absl::MutexLock lock(&mu_);
  counts_.clear();
}

void ControllerDockerTest::SetUpEngine(const std::string& kind, const std::string& namespace_,
                                       const std::vector<std::string>& images,
                                       const std::string& recipes) {
  NXT_REQUIRE_DOCKER_OR_OPT_OUT();
  SetLogLevel(LogLevel::kWarning);
  absl::BitGen gen;
  name_ = absl::StrCat("nxt-t-", absl::Uniform<uint32_t>(gen, 0, 1u << 30));
  key_ = {kind, namespace_, name_};
  docker::CurlDockerClient::Options options;
  options.socket_path = DockerSocketPath();
  options.observer = &requests_;
  docker_ = std::make_unique<docker::CurlDockerClient>(options);
  absl::Status ping = docker_->Ping();
  ASSERT_TRUE(ping.ok()) << ping;
  for (const std::string& image : images) {
    absl::Status s = docker_->InspectImage(image).status();
    ASSERT_TRUE(s.ok()) << image << " is missing: run images/build.sh " << recipes << " (" << s
                        << ")";
  }
  cache_ = std::make_unique<docker::ContainerCache>(*docker_);
  store_ = std::make_unique<FakeStore>(RealClock::Get());
  secrets_ = std::make_unique<controllers::SecretStore>(state_.path());
}

void ControllerDockerTest::TearDown() {
  if (docker_ == nullptr) return;
  const docker::LabelSelector mine = {{docker::kLabelName, name_}};
  if (auto rows = docker_->ListContainers(mine); rows.ok()) {
    for (const auto& c : *rows) docker_->RemoveContainer(c.id, true).IgnoreError();
  }
  // By id: two networks of one name cannot be removed by that name.
  if (auto rows = docker_->ListNetworks(mine); rows.ok()) {
    for (const auto& n : *rows) docker_->RemoveNetwork(n.id).IgnoreError();
  }
  if (auto rows = docker_->ListVolumes(mine); rows.ok()) {
    for (const auto& v : *rows) docker_->RemoveVolume(v.name).IgnoreError();
  }
}

controllers::KindDeps ControllerDockerTest::Deps(controllers::HttpClient* http,
                                                 std::vector<std::string> allowed_host_path_roots) {
  return {.store = *store_,
          .docker = *docker_,
          .cache = *cache_,
          .secrets = *secrets_,
          .http = http != nullptr ? *http : no_http_,
          .clock = RealClock::Get(),
          .state_dir = state_.path(),
          .allowed_host_path_roots = std::move(allowed_host_path_roots)};
}

double ControllerDockerTest::ReconcileUntilConverged(reconciler::Reconciler& reconciler,
                                                     absl::Duration resync, absl::Duration limit,
                                                     absl::Duration pause,
                                                     const std::function<void()>& each_round) {
  const absl::Time start = absl::Now();
  std::string last;
  while (absl::Now() < start + limit) {
    absl::Status resynced = cache_->Resync();
    EXPECT_TRUE(resynced.ok()) << resynced;
    absl::StatusOr<reconciler::Result> r = reconciler.Reconcile({key_});
    if (each_round) each_round();
    if (r.ok() && r->requeue_after == resync) return absl::ToDoubleSeconds(absl::Now() - start);
    last = r.ok() ? absl::StrCat(StatusField("summary"), ": ", ReconcilingMessage())
                  : r.status().ToString();
    absl::SleepFor(pause);
  }
  ADD_FAILURE() << "not converged within " << limit << "; last: " << last;
  return -1;
}

std::string ControllerDockerTest::StatusField(const std::string& name) const {
  std::optional<resources::ObjectStatus> s = store_->GetStatus(key_);
  if (!s.has_value()) return "";
  const boost::json::value* v = s->fields.if_contains(name);
  if (v == nullptr) return "";
  return v->is_string() ? std::string(v->get_string()) : boost::json::serialize(*v);
}

std::string ControllerDockerTest::ReconcilingMessage() const {
  std::optional<resources::ObjectStatus> s = store_->GetStatus(key_);
  const resources::Condition* c =
      s.has_value() ? s->FindCondition(resources::kConditionReconciling) : nullptr;
  return c != nullptr ? c->message : "(no status)";
}

}  // namespace nxt::testing
