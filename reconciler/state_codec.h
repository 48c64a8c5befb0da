// The JSON form of an object's persisted state (FileStore's files) and the canonical
// form of its desired state.
#ifndef NXT_RECONCILER_STATE_CODEC_H_
#define NXT_RECONCILER_STATE_CODEC_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "reconciler/store.h"
#include "resources/object.h"

namespace nxt::reconciler {

// The part of an object that decides its generation: spec, labels and annotations as
// JSON with every object's members sorted (member order in the YAML is irrelevant).
// Equal strings <=> applying one over the other is kUnchanged.
std::string CanonicalDesiredState(const resources::Object& object);

struct PersistedRecord {
  resources::Object object;  // field_positions are not persisted
  resources::ObjectStatus status;
  std::vector<Event> events;
};

// {apiVersion, kind, metadata{..., deletionTimestamp}, spec, source{file,line,column},
//  status, events[{type, reason, message, count, firstSeen, lastSeen}]}
std::string EncodeRecord(const resources::Object& object, const resources::ObjectStatus& status,
                         const std::vector<Event>& events);
// InvalidArgument when the text is not such a record (bad JSON, missing kind or name).
absl::StatusOr<PersistedRecord> DecodeRecord(const std::string& text);

}  // namespace nxt::reconciler

#endif  // NXT_RECONCILER_STATE_CODEC_H_
