// The desired state: the last valid object per key, its status and its events.
#ifndef NXT_RECONCILER_STORE_H_
#define NXT_RECONCILER_STORE_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "resources/field_error.h"
#include "resources/object.h"

namespace nxt::reconciler {

enum class ApplyOutcome { kCreated, kConfigured, kUnchanged };
const char* ApplyOutcomeName(ApplyOutcome outcome);  // "created", "configured", "unchanged"

struct Event {
  std::string type;    // "Normal" or "Warning"
  std::string reason;  // CamelCase, e.g. "Created", "InvalidManifest", "ReconcileError"
  std::string message;
  int count = 1;
  absl::Time first_seen = absl::InfinitePast();
  absl::Time last_seen = absl::InfinitePast();
};

// Thread-safe. Objects handed out are immutable snapshots. Implementations persist
// status, events and identity (uid, generation, creationTimestamp, a hash of the last
// spec) so they survive an nxtd restart; specs themselves come from the manifests.
class Store {
 public:
  using Listener = std::function<void(const resources::ObjectKey&)>;

  virtual ~Store() = default;

  // nullptr if absent. A deleted object still being torn down is returned with its
  // deletion_timestamp set, until Finalize.
  virtual resources::ObjectPtr Get(const resources::ObjectKey& key) const = 0;
  // Every object of `kind` ("" for all kinds), sorted by key.
  virtual std::vector<resources::ObjectPtr> List(const std::string& kind) const = 0;

  // Stores a validated object. generation: 1 on create, +1 when spec, labels or
  // annotations change, unchanged otherwise. Clears the key's manifest errors. A
  // re-applied object that was being deleted is resurrected (deletion cancelled).
  virtual ApplyOutcome Apply(resources::Object object) = 0;
  // Marks the object deleted (deletion_timestamp = now); the controller tears down and
  // calls Finalize. NotFound if absent.
  virtual absl::Status Delete(const resources::ObjectKey& key) = 0;
  // Drops a deleted object, its status, events and persisted identity.
  virtual void Finalize(const resources::ObjectKey& key) = 0;

  // The manifest of `key` is currently invalid (empty `errors`: valid again). The stored
  // object is left exactly as it was; status reports Stalled/InvalidManifest with the
  // errors until they are cleared, whatever the controller writes meanwhile.
  virtual void SetManifestErrors(const resources::ObjectKey& key,
                                 std::vector<resources::FieldError> errors) = 0;
  virtual std::vector<resources::FieldError> ManifestErrors(
      const resources::ObjectKey& key) const = 0;

  // Status as written by the controller, with the manifest-error condition merged in.
  virtual std::optional<resources::ObjectStatus> GetStatus(
      const resources::ObjectKey& key) const = 0;
  // Replaces the controller-written status. OK and ignored if the object is absent, and
  // when it equals the stored one (so controllers can write every round; nothing is
  // persisted). An error (Internal: the state directory refused the write) means the
  // status is not durable: the caller returns it so the key is retried, and the retry
  // writes the status again even when it is unchanged.
  [[nodiscard]] virtual absl::Status UpdateStatus(const resources::ObjectKey& key,
                                                  resources::ObjectStatus status) = 0;

  // Records an event; an identical (type, reason, message) as the last one for the key
  // increments its count and last_seen. Keeps the newest 50 per key. OK and ignored if the
  // object is absent; an error as for UpdateStatus (the event is kept in memory).
  [[nodiscard]] virtual absl::Status RecordEvent(const resources::ObjectKey& key,
                                                 const std::string& type, const std::string& reason,
                                                 const std::string& message) = 0;
  virtual std::vector<Event> Events(const resources::ObjectKey& key) const = 0;

  // Called (outside the store's lock) after every change of an object's spec, labels,
  // deletion or manifest errors — not after status or event writes.
  virtual void AddListener(Listener listener) = 0;
};

}  // namespace nxt::reconciler

#endif  // NXT_RECONCILER_STORE_H_
