#include "cmd/nxtd/resource_metrics_collector.h"

#include <boost/json.hpp>

namespace nxt::nxtd {
namespace {

int64_t IntField(const boost::json::object& object, const char* name) {
  const boost::json::value* v = object.if_contains(name);
  if (v == nullptr) return 0;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->as_uint64());
  return 0;
}

}  // namespace

std::vector<prometheus::MetricFamily> ResourceMetricsCollector::Collect() const {
  absl::MutexLock lock(&mu_);
  std::set<resources::ObjectKey> seen;
  int64_t invalid = 0;
  for (const resources::ObjectPtr& object : store_.List("")) {
    const resources::ObjectKey key = object->Key();
    seen.insert(key);
    std::optional<resources::ObjectStatus> status = store_.GetStatus(key);
    if (!store_.ManifestErrors(key).empty()) ++invalid;
    for (const char* type : {resources::kConditionReady, resources::kConditionReconciling,
                             resources::kConditionStalled}) {
      const resources::Condition* c = status ? status->FindCondition(type) : nullptr;
      metrics_.SetCondition(key, type, c != nullptr ? c->status : "Unknown");
    }
    // Every kind's status reports desiredReplicas and readyReplicas (controllers/common/
    // conditions.h); before the first status, spec.replicas where the kind has one.
    const bool reported = status && status->fields.contains("desiredReplicas");
    if (reported || object->spec.contains("replicas")) {
      metrics_.SetReplicas(key,
                           reported ? IntField(status->fields, "desiredReplicas")
                                    : IntField(object->spec, "replicas"),
                           status ? IntField(status->fields, "readyReplicas") : 0);
    }
  }
  for (const resources::ObjectKey& key : known_) {
    if (!seen.contains(key)) metrics_.Remove(key);
  }
  known_ = std::move(seen);
  metrics_.SetInvalidObjects(invalid);
  return {};
}

}  // namespace nxt::nxtd
