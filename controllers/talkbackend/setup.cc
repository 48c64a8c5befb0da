#include "controllers/talkbackend/setup.h"

#include <memory>
#include <utility>

#include "controllers/talkbackend/talk_metrics.h"
#include "controllers/talkbackend/talkbackend_reconciler.h"

namespace nxt::controllers {

absl::StatusOr<KindController> SetupTalkBackend(const KindDeps& deps) {
  talkbackend::TalkBackendReconciler::Options options;
  auto reconciler = std::make_unique<talkbackend::TalkBackendReconciler>(
      deps.store, deps.docker, deps.cache, deps.http, deps.secrets, deps.clock, options);
  KindController kind;
  talkbackend::TalkBackendReconciler* planner = reconciler.get();
  kind.describe_plan = [planner](const resources::Object& object) {
    return planner->DescribePlan(object);
  };
  kind.reconciler = std::move(reconciler);
  kind.metrics = std::make_unique<talkbackend::TalkMetricsCollector>(deps.store);
  return kind;
}

}  // namespace nxt::controllers
