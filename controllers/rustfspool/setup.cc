// SetupRustFSPool: the RustFSPool kind's entry point for nxtd (see kind_setup.h).
#include <memory>
#include <utility>

#include "controllers/common/kind_setup.h"
#include "controllers/rustfspool/drive_dirs.h"
#include "controllers/rustfspool/rustfs_metrics.h"
#include "controllers/rustfspool/rustfs_reconciler.h"

namespace nxt::controllers {

absl::StatusOr<KindController> SetupRustFSPool(const KindDeps& deps) {
  KindController kind = ControllerOf(std::make_unique<rustfspool::RustFSPoolReconciler>(
      deps, rustfspool::RustFSPoolReconciler::Options{}));
  kind.metrics = std::make_unique<rustfspool::RustFSMetricsCollector>(deps.store);
  // Every drive's hostPath is resolved on the host when a manifest is read or applied.
  kind.configured_check = [roots = deps.allowed_host_path_roots](const resources::Object& desired,
                                                                 const resources::Object*) {
    return rustfspool::DriveDirErrors(desired, roots);
  };
  return kind;
}

}  // namespace nxt::controllers
