// KindDeps: the one bundle of dependencies every kind's Setup and reconciler take
// (controllers/common/kind_setup.h, kind_reconciler.h), as controller-runtime hands a
// Manager to SetupWithManager.
#ifndef NXT_CONTROLLERS_COMMON_KIND_DEPS_H_
#define NXT_CONTROLLERS_COMMON_KIND_DEPS_H_

#include <string>
#include <vector>

#include "common/clock.h"
#include "controllers/common/http_client.h"
#include "controllers/common/secret_store.h"
#include "docker/container_cache.h"
#include "docker/docker_client.h"
#include "reconciler/store.h"

namespace nxt::controllers {

// What every kind may use. The references must outlive everything built from them (the
// daemon owns both and destroys the controllers first). Copyable: a reconciler may keep
// its own copy.
struct KindDeps {
  reconciler::Store& store;
  docker::DockerClient& docker;  // the controllers' client (networks from the pool)
  docker::ContainerCache& cache;
  SecretStore& secrets;  // shared by every kind
  HttpClient& http;      // to the services the kinds run (probes, S3)
  Clock& clock;
  std::string state_dir = "";  // the kind's records live in a subfolder of its own
  // Roots under which a spec may name host paths (empty: none allowed).
  std::vector<std::string> allowed_host_path_roots = {};
};

}  // namespace nxt::controllers

#endif  // NXT_CONTROLLERS_COMMON_KIND_DEPS_H_
