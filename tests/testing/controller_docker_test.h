// The base fixture of the controllers' tests against the real engine (label `docker`):
// a CurlDockerClient on the test socket (pinged), the kind's images checked, a
// ContainerCache, a FakeStore on the real clock, a SecretStore in a temporary state
// directory and a random object name; requests_ counts every engine request the client
// makes (method and endpoint template). TearDown removes every container, network and
// volume labelled io.nxt.name=<name_>, even when the test failed. A missing engine fails
// the test unless NXT_SKIP_DOCKER_TESTS=1 (docker_env.h).
//
//   class RedisClusterDockerTest : public nxt::testing::ControllerDockerTest {
//     void SetUp() override {
//       SetUpEngine(resources::kRedisClusterKind, "default", {"nxt/redis:7"}, "redis");
//       if (IsSkipped() || HasFatalFailure()) return;
//       reconciler_ = std::make_unique<RedisClusterReconciler>(Deps(), options);
//     }
//   };
#ifndef NXT_TESTS_TESTING_CONTROLLER_DOCKER_TEST_H_
#define NXT_TESTS_TESTING_CONTROLLER_DOCKER_TEST_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controllers/common/http_client.h"
#include "controllers/common/kind_deps.h"
#include "controllers/common/secret_store.h"
#include "docker/container_cache.h"
#include "docker/curl_docker_client.h"
#include "gtest/gtest.h"
#include "reconciler/reconciler.h"
#include "resources/object.h"
#include "tests/testing/fake_store.h"
#include "tests/testing/no_http_client.h"
#include "tests/testing/temp_dir.h"

namespace nxt::testing {

// Counts the engine requests of a client, by method and endpoint template
// ("POST /containers/{id}/exec"). Thread-safe.
class RequestCounter : public docker::RequestObserver {
 public:
  void OnRequest(const std::string& method, const std::string& endpoint, int code,
                 absl::Duration latency) override;
  int Count(const std::string& method, const std::string& endpoint) const;
  void Reset();

 private:
  mutable absl::Mutex mu_;
  std::map<std::pair<std::string, std::string>, int> counts_ ABSL_GUARDED_BY(mu_);
};

class ControllerDockerTest : public ::testing::Test {
 protected:
  // The `images` must exist ("build them: images/build.sh <recipes>" otherwise). The
  // object is <kind>/<namespace_>/nxt-t-<random>.
  void SetUpEngine(const std::string& kind, const std::string& namespace_,
                   const std::vector<std::string>& images, const std::string& recipes);
  void TearDown() override;

  // Reconciles as the daemon does (cache refreshed first, then `each_round`) until the
  // result asks for `resync` (what the controller returns once converged), pausing
  // `pause` between rounds. The seconds it took, or -1 with a failure recorded (and the
  // last summary or error) when `limit` passes first.
  double ReconcileUntilConverged(reconciler::Reconciler& reconciler, absl::Duration resync,
                                 absl::Duration limit, absl::Duration pause,
                                 const std::function<void()>& each_round = nullptr);

  // The KindDeps of the kind's reconciler: the engine, cache, store, secrets and state
  // directory below, the real clock, `http` (NoHttpClient when null) and the host path
  // roots. Valid after SetUpEngine.
  controllers::KindDeps Deps(controllers::HttpClient* http = nullptr,
                             std::vector<std::string> allowed_host_path_roots = {});

  // The status field `name` as text: strings as they are, anything else as JSON; "" when
  // there is no status or no such field.
  std::string StatusField(const std::string& name) const;
  // The message of the Reconciling condition ("(no status)" before the first one).
  std::string ReconcilingMessage() const;

  std::string name_;
  resources::ObjectKey key_;
  TempDir state_;
  RequestCounter requests_;  // what docker_ asked the engine
  std::unique_ptr<docker::CurlDockerClient> docker_;
  std::unique_ptr<docker::ContainerCache> cache_;
  std::unique_ptr<FakeStore> store_;
  std::unique_ptr<controllers::SecretStore> secrets_;
  NoHttpClient no_http_;
};

}  // namespace nxt::testing

#endif  // NXT_TESTS_TESTING_CONTROLLER_DOCKER_TEST_H_
