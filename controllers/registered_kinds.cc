#include "controllers/registered_kinds.h"

namespace nxt::controllers {

// Setup<Kind> of every registered kind, defined in controllers/<folder>/setup.cc (declared
// again here so that this file names no kind).
#define NXT_KIND(folder, Kind) absl::StatusOr<KindController> Setup##Kind(const KindDeps& deps);
#include "crd-schemas/kinds.def"
#undef NXT_KIND

const std::vector<RegisteredKind>& RegisteredKinds() {
  static const auto* const kKinds = new std::vector<RegisteredKind>{
#define NXT_KIND(folder, Kind) {#folder, #Kind, Setup##Kind},
#include "crd-schemas/kinds.def"
#undef NXT_KIND
  };
  return *kKinds;
}

}  // namespace nxt::controllers
