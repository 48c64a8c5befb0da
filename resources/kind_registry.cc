#include "resources/kind_registry.h"

#include <boost/json.hpp>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "crd-schemas/embedded.h"
#include "resources/yaml_json.h"

namespace nxt::resources {

// The semantic check of every registered kind, Check<Kind> from resources/<folder>.h
// (declared again here so that this file names no kind).
#define NXT_KIND(folder, Kind) \
  std::vector<FieldError> Check##Kind(const Object& desired, const Object* current);
#include "crd-schemas/kinds.def"
#undef NXT_KIND

namespace {

struct RegisteredCheck {
  const char* kind;
  SemanticCheck check;
};

// One entry per line of crd-schemas/kinds.def, in its order.
const std::vector<RegisteredCheck>& RegisteredChecks() {
  static const auto* const kChecks = new std::vector<RegisteredCheck>{
#define NXT_KIND(folder, Kind) {#Kind, Check##Kind},
#include "crd-schemas/kinds.def"
#undef NXT_KIND
  };
  return *kChecks;
}

// ObjectMeta is validated the same way for every kind, as the API server does: a CRD may
// only restrict metadata.name (its restrictions are merged in). generation, uid and the
// timestamps are accepted so `nxtctl get -o yaml` output can be applied again; they are
// ignored on input.
constexpr char kObjectMetaSchema[] = R"({
  "type": "object",
  "required": ["name"],
  "properties": {
    "name": {"type": "string", "maxLength": 63, "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"},
    "namespace": {"type": "string", "maxLength": 63,
                  "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", "default": "default"},
    "labels": {"type": "object", "additionalProperties": {"type": "string"}},
    "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
    "generation": {"type": "integer"},
    "uid": {"type": "string"},
    "creationTimestamp": {"type": "string"},
    "deletionTimestamp": {"type": "string"}
  }
})";

absl::Status Bad(const std::string& message) { return absl::InvalidArgumentError(message); }

const boost::json::value* At(const boost::json::value& v, std::initializer_list<const char*> path) {
  const boost::json::value* cur = &v;
  for (const char* key : path) {
    if (!cur->is_object()) {
      return nullptr;
    }
    cur = cur->get_object().if_contains(key);
    if (cur == nullptr) {
      return nullptr;
    }
  }
  return cur;
}

std::string StringAt(const boost::json::value& v, std::initializer_list<const char*> path) {
  const boost::json::value* s = At(v, path);
  return s != nullptr && s->is_string() ? std::string(s->get_string()) : "";
}

// The CRD's schema with apiVersion, kind and metadata pinned to what nxt enforces.
absl::StatusOr<boost::json::value> ObjectSchema(const boost::json::value& version,
                                                const std::string& kind) {
  const boost::json::value* schema = At(version, {"schema", "openAPIV3Schema"});
  if (schema == nullptr || !schema->is_object()) {
    return Bad("versions[0].schema.openAPIV3Schema is missing");
  }
  boost::json::value out = *schema;
  boost::json::object& root = out.get_object();
  if (!root.contains("properties")) {
    return Bad("openAPIV3Schema has no properties");
  }
  boost::json::value* properties = root.if_contains("properties");
  if (!properties->is_object()) {
    return Bad("openAPIV3Schema.properties must be an object");
  }
  boost::json::object& props = properties->get_object();
  props["apiVersion"] = {{"type", "string"}, {"enum", boost::json::array{kApiVersion}}};
  props["kind"] = {{"type", "string"}, {"enum", boost::json::array{kind}}};
  boost::json::value meta = boost::json::parse(kObjectMetaSchema);
  if (const boost::json::value* name =
          At(*schema, {"properties", "metadata", "properties", "name"});
      name != nullptr && name->is_object()) {
    for (const auto& [key, value] : name->get_object()) {
      meta.at("properties").at("name").as_object()[key] = value;
    }
  }
  props["metadata"] = std::move(meta);
  return out;
}

std::vector<PrinterColumn> Columns(const boost::json::value& version) {
  std::vector<PrinterColumn> columns;
  const boost::json::value* list = At(version, {"additionalPrinterColumns"});
  if (list == nullptr || !list->is_array()) {
    return columns;
  }
  for (const auto& c : list->get_array()) {
    const boost::json::value* priority = At(c, {"priority"});
    columns.push_back({StringAt(c, {"name"}), StringAt(c, {"type"}), StringAt(c, {"jsonPath"}),
                       priority != nullptr && priority->is_int64()
                           ? static_cast<int>(priority->get_int64())
                           : 0});
  }
  return columns;
}

absl::StatusOr<KindInfo> CompileCrd(const boost::json::value& crd) {
  if (StringAt(crd, {"apiVersion"}) != "apiextensions.k8s.io/v1" ||
      StringAt(crd, {"kind"}) != "CustomResourceDefinition") {
    return Bad("not an apiextensions.k8s.io/v1 CustomResourceDefinition");
  }
  KindInfo info;
  info.kind = StringAt(crd, {"spec", "names", "kind"});
  info.plural = StringAt(crd, {"spec", "names", "plural"});
  info.singular = StringAt(crd, {"spec", "names", "singular"});
  if (info.kind.empty() || info.plural.empty()) {
    return Bad("spec.names.kind and spec.names.plural are required");
  }
  if (info.singular.empty()) {
    info.singular = absl::AsciiStrToLower(info.kind);
  }
  if (const boost::json::value* s = At(crd, {"spec", "names", "shortNames"}); s && s->is_array()) {
    for (const auto& name : s->get_array()) {
      if (name.is_string()) {
        info.short_names.emplace_back(name.get_string());
      }
    }
  }
  const boost::json::value* versions = At(crd, {"spec", "versions"});
  if (versions == nullptr || !versions->is_array() || versions->get_array().empty()) {
    return Bad("spec.versions must list at least one version");
  }
  const boost::json::value& version = versions->get_array()[0];
  std::string api_version =
      absl::StrCat(StringAt(crd, {"spec", "group"}), "/", StringAt(version, {"name"}));
  if (api_version != kApiVersion) {
    return Bad(absl::StrCat("group/version is ", api_version, ", nxt serves ", kApiVersion));
  }
  NXT_ASSIGN_OR_RETURN(boost::json::value schema, ObjectSchema(version, info.kind));
  NXT_ASSIGN_OR_RETURN(info.schema, Schema::Compile(schema));
  info.columns = Columns(version);
  return info;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const KindRegistry>> KindRegistry::FromCrds(
    const std::vector<std::string>& crd_yaml) {
  auto registry = std::make_shared<KindRegistry>();
  for (size_t i = 0; i < crd_yaml.size(); ++i) {
    internal::YamlDocument doc = internal::LoadYamlDocument(crd_yaml[i], "crd", 1);
    const std::string context = absl::StrCat("CRD #", i + 1);
    if (doc.syntax_error || !doc.errors.empty()) {
      const FieldError& e = doc.syntax_error ? *doc.syntax_error : doc.errors[0];
      return Bad(absl::StrCat(context, ": ", e.ToString()));
    }
    absl::StatusOr<KindInfo> info = CompileCrd(doc.value);
    if (!info.ok()) {
      return Annotate(info.status(),
                      absl::StrCat(context, " (", StringAt(doc.value, {"metadata", "name"}), ")"));
    }
    for (const std::string& name : [&] {
           std::vector<std::string> names = {info->kind, info->plural, info->singular};
           names.insert(names.end(), info->short_names.begin(), info->short_names.end());
           return names;
         }()) {
      if (const KindInfo* other = registry->Find(name); other != nullptr) {
        return Bad(absl::StrCat(context, ": name \"", name, "\" already used by ", other->kind));
      }
    }
    registry->kinds_.push_back(std::move(*info));
  }
  return std::shared_ptr<const KindRegistry>(std::move(registry));
}

absl::StatusOr<std::shared_ptr<const KindRegistry>> KindRegistry::Builtin() {
  std::vector<std::string> yaml;
  for (const crd_schemas::EmbeddedCrd& crd : crd_schemas::EmbeddedCrds()) {
    yaml.push_back(crd.yaml);
  }
  NXT_ASSIGN_OR_RETURN(std::shared_ptr<const KindRegistry> registry, FromCrds(yaml));
  // FromCrds created the registry non-const and nobody else holds it yet.
  auto mutable_registry = std::const_pointer_cast<KindRegistry>(registry);
  for (const RegisteredCheck& registered : RegisteredChecks()) {
    const KindInfo* info = registry->Find(registered.kind);
    if (info == nullptr || info->kind != registered.kind) {
      return absl::InternalError(absl::StrCat("kind ", registered.kind,
                                              " is registered in crd-schemas/kinds.def but "
                                              "no embedded CRD defines it"));
    }
    mutable_registry->SetCheck(registered.kind, registered.check);
  }
  if (registry->kinds().size() != RegisteredChecks().size()) {
    return absl::InternalError(absl::StrCat(registry->kinds().size(), " CRDs are embedded but ",
                                            RegisteredChecks().size(),
                                            " kinds are registered in crd-schemas/kinds.def"));
  }
  return registry;
}

const KindInfo* KindRegistry::Find(const std::string& name) const {
  for (const KindInfo& info : kinds_) {
    if (absl::EqualsIgnoreCase(name, info.kind) || absl::EqualsIgnoreCase(name, info.plural) ||
        absl::EqualsIgnoreCase(name, info.singular)) {
      return &info;
    }
    for (const std::string& short_name : info.short_names) {
      if (absl::EqualsIgnoreCase(name, short_name)) {
        return &info;
      }
    }
  }
  return nullptr;
}

void KindRegistry::ApplyDefaults(Object& object) const {
  const KindInfo* info = Find(object.kind);
  if (info == nullptr || info->kind != object.kind) {
    return;
  }
  boost::json::value root = boost::json::object{{"spec", std::move(object.spec)}};
  info->schema->ApplyDefaults(root);
  object.spec = std::move(root.get_object()["spec"].get_object());
}

void KindRegistry::SetCheck(const std::string& kind, SemanticCheck check) {
  for (KindInfo& info : kinds_) {
    if (info.kind == kind) {
      info.check = std::move(check);
    }
  }
}

void KindRegistry::AddCheck(const std::string& kind, SemanticCheck check) {
  for (KindInfo& info : kinds_) {
    if (info.kind != kind) continue;
    SemanticCheck first = std::move(info.check);
    info.check = [first = std::move(first), check](const Object& desired, const Object* current) {
      std::vector<FieldError> errors;
      if (first) errors = first(desired, current);
      std::vector<FieldError> more = check(desired, current);
      errors.insert(errors.end(), more.begin(), more.end());
      return errors;
    };
  }
}

}  // namespace nxt::resources
