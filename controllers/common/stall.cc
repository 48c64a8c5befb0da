#include "controllers/common/stall.h"

#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "controllers/common/conditions.h"
#include "reconciler/reconciler.h"

namespace nxt::controllers {
resources::ObjectStatus StalledStatus(int64_t generation, const std::string& reason,
                                      const std::string& message, absl::Time now,
                                      const resources::ObjectStatus* previous) {
  resources::ObjectStatus st = previous != nullptr ? *previous : resources::ObjectStatus{};
  st.observed_generation = generation;
  SetConditions({.outcome = Outcome::kStalled, .reason = reason, .message = message}, now, st);
  st.fields["summary"] = reason;
  return st;
}

std::string LocatedMessage(const resources::Object& object, const std::string& message) {
  const size_t colon = message.find(": ");
  if (object.source.file.empty() || colon == std::string::npos ||
      !absl::StartsWith(message, "spec.")) {
    return message;
  }
  return absl::StrCat(object.PositionOf(message.substr(0, colon)).ToString(), ": ", message);
}

absl::Status Stall(reconciler::Store& store, absl::Time now, const resources::Object& object,
                   const std::string& reason, const absl::Status& error,
                   const std::string& component) {
  const resources::ObjectKey key = object.Key();
  const std::string message = LocatedMessage(object, std::string(error.message()));
  std::optional<resources::ObjectStatus> previous = store.GetStatus(key);
  const absl::Status written =
      store.UpdateStatus(key, StalledStatus(object.metadata.generation, reason, message, now,
                                            previous.has_value() ? &*previous : nullptr));
  (void)store.RecordEvent(key, "Warning", reason, message);  // the store logs a failure
  Log(LogLevel::kWarning, component, "stalled",
      {{"object", key.NamespacedName()}, {"reason", reason}, {"error", message}});
  if (!written.ok()) {
    // Not terminal: the retry stalls again and writes the status this time.
    return Annotate(written, absl::StrCat(component, " ", key.NamespacedName(), ": write status"));
  }
  // The error's code and payloads (a refusal's reason) stay; the message gets the prefix
  // and the manifest position.
  absl::Status stalled(error.code(),
                       absl::StrCat(component, " ", key.NamespacedName(), ": ", message));
  error.ForEachPayload([&stalled](absl::string_view url, const absl::Cord& payload) {
    stalled.SetPayload(url, payload);
  });
  return reconciler::TerminalError(std::move(stalled));
}

}  // namespace nxt::controllers
