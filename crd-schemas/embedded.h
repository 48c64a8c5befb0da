// The CRDs of crd-schemas/*.yaml, embedded at build time (one entry per file, sorted by
// file name). resources::KindRegistry::Builtin() compiles them.
#ifndef NXT_CRD_SCHEMAS_EMBEDDED_H_
#define NXT_CRD_SCHEMAS_EMBEDDED_H_

#include <string>
#include <vector>

namespace nxt::crd_schemas {

struct EmbeddedCrd {
  std::string file_name;  // "containerset.yaml"
  std::string yaml;       // the file's bytes, unchanged
};

// Immutable; safe to call from any thread.
const std::vector<EmbeddedCrd>& EmbeddedCrds();

}  // namespace nxt::crd_schemas

#endif  // NXT_CRD_SCHEMAS_EMBEDDED_H_
