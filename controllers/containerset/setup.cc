// SetupContainerSet: the ContainerSet kind's entry point for nxtd (see kind_setup.h).
#include <memory>
#include <utility>

#include "controllers/common/kind_setup.h"
#include "controllers/containerset/containerset_reconciler.h"
#include "controllers/containerset/host_paths.h"

namespace nxt::controllers {

absl::StatusOr<KindController> SetupContainerSet(const KindDeps& deps) {
  KindController kind = ControllerOf(std::make_unique<containerset::ContainerSetReconciler>(
      deps, containerset::ContainerSetReconciler::Options{}));
  // Every hostPath is resolved on the host when a manifest is read or applied.
  kind.configured_check = [roots = deps.allowed_host_path_roots](const resources::Object& desired,
                                                                 const resources::Object*) {
    return containerset::HostPathErrors(desired, roots);
  };
  return kind;
}

}  // namespace nxt::controllers
