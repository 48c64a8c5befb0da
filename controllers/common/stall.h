// How every controller refuses to act on an object until its spec changes (an invalid
// spec, a refused topology change): the status keeps what it said (the members run on as
// they were), Stalled=True says why with the manifest position, a Warning event records
// it, and the workqueue gets a terminal error (no retry until the object changes).
#ifndef NXT_CONTROLLERS_COMMON_STALL_H_
#define NXT_CONTROLLERS_COMMON_STALL_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "reconciler/reconciler.h"
#include "reconciler/store.h"
#include "resources/object.h"

namespace nxt::controllers {

// Everything `previous` (optional) said stays; observedGeneration becomes `generation`;
// Stalled=True and Reconciling=False carry `reason` and `message`; Ready keeps its value
// (False with `reason` when there was none); the one-word summary is `reason`. Pure.
resources::ObjectStatus StalledStatus(int64_t generation, const std::string& reason,
                                      const std::string& message, absl::Time now,
                                      const resources::ObjectStatus* previous);

// "file:line:col: " + `message` when the message starts with a spec field path that the
// object's manifest located ("spec.nodes: ..."); `message` unchanged otherwise.
std::string LocatedMessage(const resources::Object& object, const std::string& message);

// Writes StalledStatus for `object` (message: LocatedMessage of `error`), records a
// Warning event `reason`, logs it under `component`, and returns the terminal error for
// the workqueue: "<component> <namespace>/<name>: <message>" with `error`'s code and
// payloads. When the status cannot be written: that error, not terminal (the retry
// stalls again).
absl::Status Stall(reconciler::Store& store, absl::Time now, const resources::Object& object,
                   const std::string& reason, const absl::Status& error,
                   const std::string& component);

}  // namespace nxt::controllers

#endif  // NXT_CONTROLLERS_COMMON_STALL_H_
