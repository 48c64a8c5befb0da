// The built-in kinds (crd-schemas/ and their semantic checks), for tests.
#ifndef NXT_TESTS_TESTING_BUILTIN_KINDS_H_
#define NXT_TESTS_TESTING_BUILTIN_KINDS_H_

#include <boost/json/object.hpp>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>

#include "resources/kind_registry.h"
#include "resources/object.h"

namespace nxt::testing {

// Header-only, so that every test including fake_store.h links it with nxt::resources alone.

// Built once (KindRegistry::Builtin); aborts the test binary if the CRDs do not compile.
inline const resources::KindRegistry& BuiltinKinds() {
  static const std::shared_ptr<const resources::KindRegistry> kKinds =
      *resources::KindRegistry::Builtin();
  return *kKinds;
}

// `object` with its CRD's defaults filled in (KindRegistry::ApplyDefaults), as every
// object nxtd stores has them: tests that build a spec by hand get what a manifest gives.
inline resources::Object Defaulted(resources::Object object) {
  BuiltinKinds().ApplyDefaults(object);
  return object;
}

// The spec of a `kind` object made of `fields` plus the CRD's defaults: the input of the
// kind's Decode<Kind>Spec in tests that build a typed spec (`nodes` set, every other field
// as the CRD defaults it).
inline boost::json::object DefaultedSpec(const std::string& kind, boost::json::object fields = {}) {
  resources::Object object;
  object.kind = kind;
  object.spec = std::move(fields);
  return Defaulted(std::move(object)).spec;
}

// The typed spec `decode` makes of DefaultedSpec(kind, fields), e.g.
//   DecodedDefaults(resources::DecodeRedisClusterSpec, "RedisCluster", {{"nodes", 6}}).
// Aborts when it does not decode (a broken test, not a finding).
template <typename Decode>
auto DecodedDefaults(Decode decode, const std::string& kind, boost::json::object fields = {}) {
  auto spec = decode(DefaultedSpec(kind, std::move(fields)));
  if (!spec.ok()) std::abort();
  return *std::move(spec);
}

}  // namespace nxt::testing

#endif  // NXT_TESTS_TESTING_BUILTIN_KINDS_H_
