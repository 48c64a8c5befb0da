// ContainerSet against the real engine: CurlDockerClient + ContainerCache + the
// reconciler, with an in-memory store. Every object carries io.nxt.name=<unique name>
// and is removed by that label in TearDown, even when a test failed.
#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/clock.h"
#include "common/logging.h"
#include "controllers/common/kind_deps.h"
#include "controllers/common/secret_store.h"
#include "controllers/containerset/containerset_reconciler.h"
#include "docker/container_cache.h"
#include "docker/curl_docker_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/docker_env.h"
#include "tests/testing/fake_store.h"
#include "tests/testing/no_http_client.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace nxt::containerset {
namespace {

using ::nxt::testing::IsOk;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

class ContainerSetDockerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    NXT_REQUIRE_DOCKER_OR_OPT_OUT();
    SetLogLevel(LogLevel::kWarning);
    absl::BitGen gen;
    name_ = absl::StrCat("nxt-t-", absl::Uniform<uint32_t>(gen, 0, 1u << 30));
    key_ = {resources::kContainerSetKind, "default", name_};
    docker_ = std::make_unique<docker::CurlDockerClient>(
        docker::CurlDockerClient::Options{.socket_path = nxt::testing::DockerSocketPath()});
    ASSERT_THAT(docker_->Ping(), IsOk())
        << "no Docker engine at " << nxt::testing::DockerSocketPath();
    cache_ = std::make_unique<docker::ContainerCache>(*docker_);
    store_ = std::make_unique<nxt::testing::FakeStore>(RealClock::Get());
    ContainerSetReconciler::Options options;
    options.stop_timeout = absl::Seconds(1);  // sleep as PID 1 ignores SIGTERM
    reconciler_ =
        std::make_unique<ContainerSetReconciler>(controllers::KindDeps{.store = *store_,
                                                                       .docker = *docker_,
                                                                       .cache = *cache_,
                                                                       .secrets = secrets_,
                                                                       .http = http_,
                                                                       .clock = RealClock::Get()},
                                                 options);
  }

  void TearDown() override {
    if (docker_ == nullptr) return;
    const docker::LabelSelector mine = {{docker::kLabelName, name_}};
    if (auto rows = docker_->ListContainers(mine); rows.ok()) {
      for (const auto& c : *rows) docker_->RemoveContainer(c.id, true).IgnoreError();
    }
    if (auto rows = docker_->ListNetworks(mine); rows.ok()) {
      for (const auto& n : *rows) docker_->RemoveNetwork(n.name).IgnoreError();
    }
    if (auto rows = docker_->ListVolumes(mine); rows.ok()) {
      for (const auto& v : *rows) docker_->RemoveVolume(v.name).IgnoreError();
    }
  }

  boost::json::object Spec(int replicas, const std::string& env_value = "1") const {
    return {{"image", nxt::testing::TestImage()},
            {"replicas", replicas},
            {"command", boost::json::array{"sleep", "3600"}},
            {"env", boost::json::object{{"VERSION", env_value}}},
            {"volumes",
             boost::json::array{boost::json::object{{"name", "data"}, {"mountPath", "/data"}}}}};
  }

  void ApplySpec(boost::json::object spec) {
    resources::Object o;
    o.kind = resources::kContainerSetKind;
    o.metadata.name = name_;
    o.spec = std::move(spec);
    store_->Apply(std::move(o));
  }

  // One reconcile as the daemon runs it: the cache refreshed (the event stream's job),
  // then Reconcile.
  absl::StatusOr<reconciler::Result> ReconcileOnce() {
    EXPECT_THAT(cache_->Resync(), IsOk());
    return reconciler_->Reconcile({key_});
  }

  // Reconciles until converged; `after_each` sees Docker after every round.
  void Converge(const std::function<void()>& after_each = nullptr) {
    absl::Time deadline = absl::Now() + absl::Seconds(90);
    while (absl::Now() < deadline) {
      absl::StatusOr<reconciler::Result> r = ReconcileOnce();
      if (after_each) after_each();
      if (r.ok() && r->requeue_after == absl::ZeroDuration() && !r->requeue) return;
      absl::SleepFor(r.ok() ? std::min(r->requeue_after, absl::Milliseconds(500))
                            : absl::Milliseconds(300));
    }
    FAIL() << "not converged within 90 s";
  }

  std::map<std::string, docker::ContainerSummary> Containers() {
    std::map<std::string, docker::ContainerSummary> out;
    auto rows = docker_->ListContainers({{docker::kLabelName, name_}});
    EXPECT_THAT(rows, IsOk());
    if (rows.ok()) {
      for (auto& c : *rows) out[c.name] = c;
    }
    return out;
  }
  std::vector<std::string> Names() {
    std::vector<std::string> out;
    for (const auto& [n, c] : Containers()) out.push_back(n);
    return out;
  }
  std::string Member(int ordinal) const { return absl::StrCat(name_, "-", ordinal); }

  std::string name_;
  resources::ObjectKey key_;
  std::unique_ptr<docker::CurlDockerClient> docker_;
  std::unique_ptr<docker::ContainerCache> cache_;
  std::unique_ptr<nxt::testing::FakeStore> store_;
  nxt::testing::TempDir state_;
  controllers::SecretStore secrets_{state_.path()};  // ContainerSet keeps none
  nxt::testing::NoHttpClient http_;
  std::unique_ptr<ContainerSetReconciler> reconciler_;
};

TEST_F(ContainerSetDockerTest, CreatesScalesAndHealsRealContainers) {
  ApplySpec(Spec(2));
  Converge();
  auto rows = Containers();
  ASSERT_THAT(Names(), ElementsAre(Member(0), Member(1)));
  for (const auto& [n, c] : rows) EXPECT_EQ(c.state, "running") << n;
  EXPECT_EQ(store_->GetStatus(key_)->fields.at("readyReplicas").as_int64(), 2);

  ApplySpec(Spec(3));
  Converge();
  EXPECT_THAT(Names(), ElementsAre(Member(0), Member(1), Member(2)));
  ApplySpec(Spec(1));
  Converge();
  EXPECT_THAT(Names(), ElementsAre(Member(0)));
  auto volumes = docker_->ListVolumes({{docker::kLabelName, name_}});
  ASSERT_THAT(volumes, IsOk());
  EXPECT_THAT(*volumes, SizeIs(3));  // scale-down keeps volumes

  // docker rm -f behind its back → recreated.
  const std::string old_id = rows.at(Member(0)).id;
  ASSERT_THAT(docker_->RemoveContainer(Member(0), true), IsOk());
  Converge();
  rows = Containers();
  ASSERT_EQ(rows.count(Member(0)), 1u);
  EXPECT_NE(rows.at(Member(0)).id, old_id);
  EXPECT_EQ(rows.at(Member(0)).state, "running");

  // docker stop behind its back → started again (same container).
  const std::string id = rows.at(Member(0)).id;
  ASSERT_THAT(docker_->StopContainer(Member(0), absl::Seconds(1)), IsOk());
  Converge();
  rows = Containers();
  EXPECT_EQ(rows.at(Member(0)).id, id);
  EXPECT_EQ(rows.at(Member(0)).state, "running");
}

TEST_F(ContainerSetDockerTest, EnvChangeRollsOneContainerAtATime) {
  boost::json::object spec = Spec(3);
  spec["healthcheck"] =
      boost::json::object{{"command", boost::json::array{"true"}}, {"interval", "1s"}};
  ApplySpec(spec);
  Converge();
  std::map<std::string, std::string> ids;
  for (const auto& [n, c] : Containers()) ids[n] = c.id;
  ASSERT_THAT(ids, SizeIs(3));

  spec["env"] = boost::json::object{{"VERSION", "2"}};
  ApplySpec(spec);
  int max_replaced_per_round = 0;
  int max_new_not_ready = 0;
  Converge([&] {
    int replaced = 0;
    int new_not_ready = 0;
    for (const auto& [n, c] : Containers()) {
      if (ids[n] != c.id) {
        ++replaced;
        ids[n] = c.id;
      }
      bool old = store_->GetStatus(key_).has_value() &&
                 c.labels.at(docker::kLabelConfigHash).substr(0, 12) !=
                     std::string(store_->GetStatus(key_)->fields.at("configHash").as_string());
      if (!old && !(c.state == "running" && c.Health() == "healthy")) ++new_not_ready;
    }
    max_replaced_per_round = std::max(max_replaced_per_round, replaced);
    max_new_not_ready = std::max(max_new_not_ready, new_not_ready);
  });
  EXPECT_EQ(max_replaced_per_round, 1);
  EXPECT_LE(max_new_not_ready, 1);
  auto rows = Containers();
  ASSERT_THAT(rows, SizeIs(3));
  for (const auto& [n, c] : rows) {
    auto info = docker_->InspectContainer(c.id);
    ASSERT_THAT(info, IsOk());
    EXPECT_EQ(info->health, "healthy") << n;
  }
  EXPECT_EQ(store_->GetStatus(key_)->fields.at("updatedReplicas").as_int64(), 3);
}

TEST_F(ContainerSetDockerTest, DeletionRemovesContainersAndNetworkButKeepsVolumes) {
  ApplySpec(Spec(2));
  Converge();
  ASSERT_THAT(store_->Delete(key_), IsOk());
  ASSERT_THAT(ReconcileOnce(), IsOk());
  EXPECT_THAT(Names(), IsEmpty());
  auto networks = docker_->ListNetworks({{docker::kLabelName, name_}});
  ASSERT_THAT(networks, IsOk());
  EXPECT_THAT(*networks, IsEmpty());
  auto volumes = docker_->ListVolumes({{docker::kLabelName, name_}});
  ASSERT_THAT(volumes, IsOk());
  EXPECT_THAT(*volumes, SizeIs(2));
  EXPECT_EQ(store_->Get(key_), nullptr);
}

}  // namespace
}  // namespace nxt::containerset
