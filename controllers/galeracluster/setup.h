// The GaleraCluster kind's entry point for nxtd (see controllers/common/kind_setup.h).
#ifndef NXT_CONTROLLERS_GALERACLUSTER_SETUP_H_
#define NXT_CONTROLLERS_GALERACLUSTER_SETUP_H_

#include "absl/status/statusor.h"
#include "controllers/common/kind_setup.h"

namespace nxt::controllers {

// The GaleraCluster controller and its hooks, built from `deps`.
absl::StatusOr<KindController> SetupGaleraCluster(const KindDeps& deps);

}  // namespace nxt::controllers

#endif  // NXT_CONTROLLERS_GALERACLUSTER_SETUP_H_
