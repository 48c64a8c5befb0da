#include "controllers/common/kind_reconciler.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/status_macros.h"
#include "controllers/common/adoption.h"
#include "controllers/common/stall.h"

namespace nxt::controllers {

resources::ObjectPtr KindReconcilerBase::Load(const resources::ObjectKey& key) const {
  return store_.Get(key);
}

bool KindReconcilerBase::Deleting(const resources::Object* object) {
  return object == nullptr || object->metadata.deletion_timestamp != absl::InfinitePast();
}

absl::StatusOr<reconciler::Result> KindReconcilerBase::TornDown(
    const resources::ObjectKey& key, absl::StatusOr<reconciler::Result> result) const {
  return Annotate(std::move(result), absl::StrCat(component_, " ", key.NamespacedName()));
}

absl::Status KindReconcilerBase::Failed(const resources::Object& object, const absl::Status& error,
                                        bool desiring) const {
  std::optional<std::string> reason = ConflictReason(error);
  if (!reason.has_value() && desiring && absl::IsInvalidArgument(error)) {
    reason = kReasonInvalidSpec;
  }
  if (reason.has_value()) {
    return Stall(store_, clock_.Now(), object, *reason, error, component_);
  }
  return Annotate(error, absl::StrCat(component_, " ", object.Key().NamespacedName()));
}

}  // namespace nxt::controllers
