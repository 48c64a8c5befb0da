// The Kubernetes-shaped object model shared by every kind.
//
// An Object is an immutable snapshot once it is in the store: readers hold
// `std::shared_ptr<const Object>` and never modify it. `spec` is the validated,
// defaulted spec as JSON; each controller decodes it into its own typed spec.
#ifndef NXT_RESOURCES_OBJECT_H_
#define NXT_RESOURCES_OBJECT_H_

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace nxt::resources {

inline constexpr char kApiVersion[] = "nxt.io/v1alpha1";
inline constexpr char kDefaultNamespace[] = "default";
// What the local API shows in place of a secret value (reconciler/api/json_redact.h). A
// manifest read back with `nxtctl get -o yaml` carries it; it is never accepted as a value.
inline constexpr char kRedactedPlaceholder[] = "<redacted>";

// Identifies an object: kind (as in the manifest, "ContainerSet"), namespace, name.
struct ObjectKey {
  std::string kind;
  std::string namespace_;
  std::string name;

  // "ContainerSet/default/web"; parsed back by ParseObjectKey.
  std::string ToString() const;
  // "default/web" (what a human reads next to the kind).
  std::string NamespacedName() const;
  friend bool operator==(const ObjectKey&, const ObjectKey&) = default;
  friend auto operator<=>(const ObjectKey&, const ObjectKey&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const ObjectKey& k) {
    return H::combine(std::move(h), k.kind, k.namespace_, k.name);
  }
};

std::optional<ObjectKey> ParseObjectKey(const std::string& text);

// Where an object (or one of its fields) came from: "stack.yaml:12:3". Lines and
// columns are 1-based; 0 means unknown.
struct SourcePosition {
  std::string file;
  int line = 0;
  int column = 0;
  std::string ToString() const;  // "file:line:col", or "file" when the line is unknown
  friend bool operator==(const SourcePosition&, const SourcePosition&) = default;
};

struct ObjectMeta {
  std::string name;
  std::string namespace_ = kDefaultNamespace;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  // Bumped by the store whenever the spec changes; 1 on creation.
  int64_t generation = 0;
  // Stable per object for its lifetime in the store (random hex, set on creation).
  std::string uid;
  absl::Time creation_timestamp = absl::InfinitePast();
  // Set by the store when the object's manifest is removed; the controller tears
  // down and then calls Store::Finalize. InfinitePast while the object lives.
  absl::Time deletion_timestamp = absl::InfinitePast();
};

struct Object {
  std::string api_version = kApiVersion;
  std::string kind;
  ObjectMeta metadata;
  boost::json::object spec;
  // Where the document starts; empty file for objects that came through the API.
  SourcePosition source;
  // Field path ("spec.replicas", "spec.ports[0].hostPort") → where it was written,
  // so checks run after parsing (semantic checks against the stored object) can
  // still report file:line:col. Empty for objects built in code.
  std::map<std::string, SourcePosition> field_positions;

  // The recorded position of `field_path`, or of its closest recorded parent, or
  // `source` when none is recorded.
  SourcePosition PositionOf(const std::string& field_path) const;

  ObjectKey Key() const { return {kind, metadata.namespace_, metadata.name}; }
};

using ObjectPtr = std::shared_ptr<const Object>;

// Condition types and statuses, as in Kubernetes.
inline constexpr char kConditionReady[] = "Ready";
inline constexpr char kConditionReconciling[] = "Reconciling";
inline constexpr char kConditionStalled[] = "Stalled";

struct Condition {
  std::string type;
  std::string status;  // "True", "False", "Unknown"
  std::string reason;  // CamelCase
  std::string message;
  absl::Time last_transition_time = absl::InfinitePast();
  friend bool operator==(const Condition&, const Condition&) = default;
};

// Written only by controllers (and by the store for invalid manifests).
struct ObjectStatus {
  int64_t observed_generation = 0;
  std::vector<Condition> conditions;
  // Kind-specific fields ("replicas", "readyReplicas", ...). Never holds a secret.
  boost::json::object fields;

  const Condition* FindCondition(const std::string& type) const;
  friend bool operator==(const ObjectStatus&, const ObjectStatus&) = default;
  // Sets or replaces the condition of `c.type`; keeps last_transition_time when the
  // status did not change, otherwise uses c.last_transition_time.
  void SetCondition(Condition c);
};

// JSON forms (the API, `-o json|yaml`, the state directory). ToJson(Object) gives
// {apiVersion, kind, metadata{name, namespace, labels, annotations, generation, uid,
// creationTimestamp}, spec}; status is added separately by callers that have one.
boost::json::object ToJson(const Object& object);
boost::json::object ToJson(const ObjectStatus& status);
boost::json::object ToJson(const Condition& condition);
// Inverse of ToJson(ObjectStatus); unknown members are ignored.
ObjectStatus StatusFromJson(const boost::json::object& json);

// RFC 3339 UTC with seconds ("2026-11-22T02:13:55Z"); InfinitePast → "".
std::string FormatTimestamp(absl::Time t);
absl::Time ParseTimestamp(const std::string& text);  // "" or bad → InfinitePast

}  // namespace nxt::resources

#endif  // NXT_RESOURCES_OBJECT_H_
