#include "tests/testing/builtin_kinds.h"

#include <memory>
#include <utility>

namespace nxt::testing {

const resources::KindRegistry& BuiltinKinds() {
  static const std::shared_ptr<const resources::KindRegistry> kKinds =
      *resources::KindRegistry::Builtin();
  return *kKinds;
}

resources::Object Defaulted(resources::Object object) {
  BuiltinKinds().ApplyDefaults(object);
  return object;
}

boost::json::object DefaultedSpec(const std::string& kind, boost::json::object fields) {
  resources::Object object;
  object.kind = kind;
  object.spec = std::move(fields);
  return Defaulted(std::move(object)).spec;
}

}  // namespace nxt::testing
