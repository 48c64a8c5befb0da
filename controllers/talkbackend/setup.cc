// SetupTalkBackend: the TalkBackend kind's entry point for nxtd (see kind_setup.h).
#include <memory>
#include <utility>

#include "controllers/common/kind_setup.h"
#include "controllers/talkbackend/talk_metrics.h"
#include "controllers/talkbackend/talkbackend_reconciler.h"

namespace nxt::controllers {

absl::StatusOr<KindController> SetupTalkBackend(const KindDeps& deps) {
  talkbackend::TalkBackendReconciler::Options options;
  KindController kind =
      ControllerOf(std::make_unique<talkbackend::TalkBackendReconciler>(deps, options));
  kind.metrics = std::make_unique<talkbackend::TalkMetricsCollector>(deps.store);
  return kind;
}

}  // namespace nxt::controllers
