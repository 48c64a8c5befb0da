// Every kind of the registration list crd-schemas/kinds.def with its Setup, in list order:
// the one place nxtd learns which controllers to run.
#ifndef NXT_CONTROLLERS_REGISTERED_KINDS_H_
#define NXT_CONTROLLERS_REGISTERED_KINDS_H_

#include <string>
#include <vector>

#include "controllers/common/kind_setup.h"

namespace nxt::controllers {

struct RegisteredKind {
  std::string name;  // the kind's folder, "containerset": its controller's name
  std::string kind;  // "ContainerSet", as in manifests
  KindSetup setup;
};

// Immutable; safe to call from any thread.
const std::vector<RegisteredKind>& RegisteredKinds();

}  // namespace nxt::controllers

#endif  // NXT_CONTROLLERS_REGISTERED_KINDS_H_
