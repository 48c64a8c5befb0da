// The RustFSPool kind's entry point for nxtd (see controllers/common/kind_setup.h).
#ifndef NXT_CONTROLLERS_RUSTFSPOOL_SETUP_H_
#define NXT_CONTROLLERS_RUSTFSPOOL_SETUP_H_

#include "absl/status/statusor.h"
#include "controllers/common/kind_setup.h"

namespace nxt::controllers {

// The RustFSPool controller and its hooks, built from `deps`.
absl::StatusOr<KindController> SetupRustFSPool(const KindDeps& deps);

}  // namespace nxt::controllers

#endif  // NXT_CONTROLLERS_RUSTFSPOOL_SETUP_H_
