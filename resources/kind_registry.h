// The catalogue of kinds: names, compiled schema, printer columns, semantic checks.
#ifndef NXT_RESOURCES_KIND_REGISTRY_H_
#define NXT_RESOURCES_KIND_REGISTRY_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "resources/field_error.h"
#include "resources/object.h"
#include "resources/schema.h"

namespace nxt::resources {

// A kind's rule that needs more than the schema. `current` is the object as stored
// now (nullptr when it is being created), so rules can depend on the present state
// (odd Galera sizes, whole Redis shards, immutable topology). Errors carry field paths;
// the caller fills positions from desired.field_positions.
using SemanticCheck =
    std::function<std::vector<FieldError>(const Object& desired, const Object* current)>;

// As in a CRD's additionalPrinterColumns: `json_path` like ".status.readyReplicas".
struct PrinterColumn {
  std::string name;
  std::string type;  // string, integer, date, ...
  std::string json_path;
  int priority = 0;  // > 0: shown only with -o wide
};

struct KindInfo {
  std::string kind;                      // "ContainerSet"
  std::string plural;                    // "containersets"
  std::string singular;                  // "containerset"
  std::vector<std::string> short_names;  // {"cs"}
  std::shared_ptr<const Schema> schema;  // of the whole object (apiVersion, kind, metadata, spec)
  std::vector<PrinterColumn> columns;
  SemanticCheck check;  // may be empty
};

// Immutable after construction; safe to share between threads.
class KindRegistry {
 public:
  // Builds the registry from the CRDs embedded at build time (crd-schemas/) plus the
  // semantic check of every kind in the registration list crd-schemas/kinds.def.
  // InvalidArgument if a CRD does not compile; Internal if the list and the CRDs differ.
  static absl::StatusOr<std::shared_ptr<const KindRegistry>> Builtin();
  // From CRD documents (YAML text each), for tests.
  static absl::StatusOr<std::shared_ptr<const KindRegistry>> FromCrds(
      const std::vector<std::string>& crd_yaml);

  // By kind, plural, singular or short name, case-insensitive. nullptr if unknown.
  const KindInfo* Find(const std::string& name) const;
  const std::vector<KindInfo>& kinds() const { return kinds_; }

  // Fills the CRD's defaults into `object.spec` (Schema::ApplyDefaults on the kind's
  // schema; nothing for an unknown kind). ParseManifest defaults every document this way
  // before validating it, so every object that enters nxtd — a manifest file, `nxtctl
  // apply` through the API, `nxtctl validate` — is stored and shown defaulted, and
  // Decode<Kind>Spec reads no fallback of its own. Idempotent.
  void ApplyDefaults(Object& object) const;

  void SetCheck(const std::string& kind, SemanticCheck check);
  // Runs `check` after the kind's own check (if any); the errors of both, in that order.
  // For rules that need the daemon's configuration (nxtd adds its host path checks).
  void AddCheck(const std::string& kind, SemanticCheck check);

 private:
  std::vector<KindInfo> kinds_;
};

}  // namespace nxt::resources

#endif  // NXT_RESOURCES_KIND_REGISTRY_H_
