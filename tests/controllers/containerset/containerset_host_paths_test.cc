// ContainerSet host paths on a real temp tree: the validation check (HostPathErrors) and
// the check right before each create or replace (the reconciler with a fake Docker).
#include <boost/json.hpp>
#include <filesystem>
#include <string>

#include "common/logging.h"
#include "controllers/common/secret_store.h"
#include "controllers/containerset/containerset_reconciler.h"
#include "controllers/containerset/host_paths.h"
#include "docker/container_cache.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reconciler/reconciler.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/fake_docker_client.h"
#include "tests/testing/fake_store.h"
#include "tests/testing/no_http_client.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace nxt::containerset {
namespace {

using ::nxt::testing::FakeDockerClient;
using ::nxt::testing::IsOk;
using ::nxt::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using M = FakeDockerClient::Method;
namespace fs = std::filesystem;

const resources::ObjectKey kKey{"ContainerSet", "default", "web"};

class ContainerSetHostPathsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(Path("data"));
    docker_.AddEventListener([this](const docker::Event& e) { cache_.Apply(e); });
    ASSERT_THAT(cache_.Resync(), IsOk());
    SetLogLevel(LogLevel::kError);
  }

  std::string Path(const std::string& rel) const { return tmp_.Join("root/" + rel); }

  // `replicas` members mounting the host path `rel` (under the root) at /data.
  boost::json::object Spec(int replicas, const std::string& rel, const std::string& env = "") {
    boost::json::object spec{{"image", "nxt/testapp:latest"}, {"replicas", replicas}};
    spec["volumes"] = boost::json::array{
        boost::json::object{{"name", "data"}, {"mountPath", "/data"}, {"hostPath", Path(rel)}}};
    if (!env.empty()) spec["env"] = boost::json::object{{"V", env}};
    return spec;
  }
  resources::Object Object(boost::json::object spec) const {
    resources::Object o;
    o.kind = resources::kContainerSetKind;
    o.metadata.name = kKey.name;
    o.metadata.namespace_ = kKey.namespace_;
    o.spec = std::move(spec);
    return o;
  }
  void Converge() {
    for (int i = 0; i < 10; ++i) {
      absl::StatusOr<reconciler::Result> r = reconciler_.Reconcile({kKey});
      ASSERT_THAT(r, IsOk());
      if (r->requeue_after == absl::ZeroDuration()) return;
    }
    FAIL() << "not converged";
  }
  std::string Stalled() {
    std::optional<resources::ObjectStatus> s = store_.GetStatus(kKey);
    const resources::Condition* c = s.has_value() ? s->FindCondition("Stalled") : nullptr;
    return c == nullptr ? "" : c->status + "/" + c->reason + ": " + c->message;
  }
  // What a container with a writable mount under the root could do.
  void SwapForSymlinkToHostRoot(const std::string& rel) {
    fs::rename(Path(rel), Path(rel + "-old"));
    fs::create_directory_symlink("/", Path(rel));
  }

  nxt::testing::TempDir tmp_;
  nxt::testing::FakeClock clock_;
  FakeDockerClient docker_{&clock_};
  docker::ContainerCache cache_{docker_};
  nxt::testing::FakeStore store_{clock_};
  controllers::SecretStore secrets_{tmp_.Join("state")};  // ContainerSet keeps none
  nxt::testing::NoHttpClient http_;
  ContainerSetReconciler reconciler_{{.store = store_,
                                      .docker = docker_,
                                      .cache = cache_,
                                      .secrets = secrets_,
                                      .http = http_,
                                      .clock = clock_,
                                      .allowed_host_path_roots = {tmp_.Join("root")}},
                                     {.stop_timeout = absl::Seconds(1)}};
};

TEST_F(ContainerSetHostPathsTest, ValidationNamesTheFieldOfEachRefusedHostPath) {
  const std::vector<std::string> roots = {tmp_.Join("root")};
  EXPECT_THAT(HostPathErrors(Object(Spec(1, "data")), roots), IsEmpty());
  fs::create_directory_symlink("/", Path("to-root"));
  std::vector<resources::FieldError> errors = HostPathErrors(Object(Spec(1, "to-root")), roots);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field_path, "spec.volumes[0].hostPath");
  EXPECT_EQ(errors[0].message, Path("to-root") + ": component \"to-root\" is a symlink; refused");
  EXPECT_THAT(HostPathErrors(Object(Spec(1, "missing")), roots),
              ElementsAre(::testing::Field(&resources::FieldError::message,
                                           HasSubstr("\"missing\" does not exist"))));
  boost::json::object outside = Spec(1, "data");
  outside["volumes"].as_array()[0].as_object()["hostPath"] = tmp_.Join("elsewhere");
  EXPECT_THAT(HostPathErrors(Object(outside), roots),
              ElementsAre(::testing::Field(&resources::FieldError::message,
                                           HasSubstr("is not under an allowed host path root"))));
  EXPECT_THAT(HostPathErrors(Object({{"replicas", "not a number"}}), roots), IsEmpty())
      << "a spec that does not decode is the schema's to report";
}

TEST_F(ContainerSetHostPathsTest, ASymlinkSwappedInAfterApplyStallsTheCreateAndKeepsRunningOnes) {
  store_.Apply(Object(Spec(2, "data")));
  Converge();
  ASSERT_THAT(docker_.ContainerNames(), ElementsAre("web-0", "web-1"));
  EXPECT_EQ(docker_.GetContainer("web-0")->spec.mounts[0].source, Path("data"))
      << "Docker is given the verified path text";
  const std::string web0 = docker_.GetContainer("web-0")->id;

  SwapForSymlinkToHostRoot("data");
  ASSERT_THAT(docker_.RemoveContainer("web-1", /*force=*/true), IsOk());
  docker_.ResetCalls();
  absl::StatusOr<reconciler::Result> r = reconciler_.Reconcile({kKey});
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument,
                          HasSubstr("spec.volumes[0].hostPath: " + Path("data") +
                                    ": component \"data\" is a symlink; refused")));
  EXPECT_TRUE(reconciler::IsTerminal(r.status()));
  EXPECT_THAT(Stalled(), HasSubstr("True/HostPathRefused: spec.volumes[0].hostPath: "));
  EXPECT_EQ(docker_.calls(M::kCreateContainer), 0);
  EXPECT_THAT(docker_.ContainerNames(), ElementsAre("web-0"));
  EXPECT_EQ(docker_.GetContainer("web-0")->id, web0);
}

TEST_F(ContainerSetHostPathsTest, AReplaceIsRefusedBeforeTheOldMemberIsRemoved) {
  store_.Apply(Object(Spec(1, "data", "1")));
  Converge();
  const std::string web0 = docker_.GetContainer("web-0")->id;
  SwapForSymlinkToHostRoot("data");
  store_.Apply(Object(Spec(1, "data", "2")));  // a config change: web-0 would be replaced
  docker_.ResetCalls();
  EXPECT_THAT(reconciler_.Reconcile({kKey}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Stalled(), HasSubstr("True/HostPathRefused"));
  EXPECT_EQ(docker_.calls(M::kStopContainer), 0);
  EXPECT_EQ(docker_.calls(M::kRemoveContainer), 0);
  EXPECT_EQ(docker_.GetContainer("web-0")->id, web0);

  // Fixed on the host: the next reconcile replaces it.
  fs::remove(Path("data"));
  fs::rename(Path("data-old"), Path("data"));
  Converge();
  EXPECT_NE(docker_.GetContainer("web-0")->id, web0);
  EXPECT_THAT(Stalled(), HasSubstr("False/"));
}

TEST_F(ContainerSetHostPathsTest, AFileMayBeMountedAFileThroughASymlinkMayNot) {
  tmp_.Write("root/app.conf", "x");
  fs::create_symlink("/etc/shadow", Path("shadow"));
  const std::vector<std::string> roots = {tmp_.Join("root")};
  resources::ContainerSetSpec spec;
  spec.volumes.push_back({"conf", "/etc/app.conf", Path("app.conf"), true});
  EXPECT_THAT(VerifyHostPaths(spec, roots), IsOk());
  spec.volumes.push_back({"shadow", "/shadow", Path("shadow"), true});
  EXPECT_THAT(VerifyHostPaths(spec, roots),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "spec.volumes[1].hostPath: " + Path("shadow") +
                           ": component \"shadow\" is a symlink; refused"));
}

}  // namespace
}  // namespace nxt::containerset
