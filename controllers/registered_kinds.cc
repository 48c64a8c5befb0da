#include "controllers/registered_kinds.h"

namespace nxt::controllers {

const std::vector<RegisteredKind>& RegisteredKinds() {
  static const auto* const kKinds = new std::vector<RegisteredKind>{
#define NXT_KIND(folder, Kind) {#folder, #Kind, Setup##Kind},
#include "crd-schemas/kinds.def"
#undef NXT_KIND
  };
  return *kKinds;
}

}  // namespace nxt::controllers
