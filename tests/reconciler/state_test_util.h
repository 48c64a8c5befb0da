// Test helpers of the state tests: a tiny "Widget" kind and manifests for it.
#ifndef NXT_TESTS_RECONCILER_STATE_TEST_UTIL_H_
#define NXT_TESTS_RECONCILER_STATE_TEST_UTIL_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "resources/kind_registry.h"
#include "resources/object.h"

namespace nxt::reconciler::testing {

inline constexpr char kWidgetCrd[] = R"(apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.nxt.io
spec:
  group: nxt.io
  scope: Namespaced
  names:
    kind: Widget
    plural: widgets
    singular: widget
    shortNames: [wg]
  versions:
    - name: v1alpha1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [image]
              properties:
                image: {type: string, minLength: 1}
                replicas: {type: integer, minimum: 0, default: 1}
                zone: {type: string}
)";

// Widget, with one rule that needs the stored object: spec.zone is immutable.
inline std::shared_ptr<const resources::KindRegistry> WidgetRegistry() {
  auto built = resources::KindRegistry::FromCrds({kWidgetCrd});
  if (!built.ok()) {
    return nullptr;
  }
  auto registry = std::make_shared<resources::KindRegistry>(**built);
  registry->SetCheck("Widget", [](const resources::Object& desired,
                                  const resources::Object* current) {
    std::vector<resources::FieldError> errors;
    if (current != nullptr && current->spec.contains("zone") &&
        (!desired.spec.contains("zone") || desired.spec.at("zone") != current->spec.at("zone"))) {
      errors.push_back({{}, "spec.zone", "field is immutable"});
    }
    return errors;
  });
  return registry;
}

// One Widget document (no leading "---").
inline std::string WidgetYaml(const std::string& name, const std::string& image, int replicas = 1,
                              const std::string& extra_spec = "") {
  return absl::StrCat("apiVersion: nxt.io/v1alpha1\nkind: Widget\nmetadata:\n  name: ", name,
                      "\nspec:\n  image: ", image, "\n  replicas: ", replicas, "\n", extra_spec);
}

inline resources::ObjectKey WidgetKey(const std::string& name) {
  return {"Widget", "default", name};
}

}  // namespace nxt::reconciler::testing

#endif  // NXT_TESTS_RECONCILER_STATE_TEST_UTIL_H_
