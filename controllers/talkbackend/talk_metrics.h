// The TalkBackend domain metrics, computed at scrape time from the statuses the
// controller writes (so they never disagree with `nxtctl get`):
//   nxt_nats_routes{namespace,name,node}       routes of each NATS node to the other
//                                              current nodes (n-1 when the mesh is whole)
//   nxt_talk_signaling_ready{namespace,name}   signaling nodes ready (current config,
//                                              /api/v1/welcome answers)
//   nxt_talk_nats_ready{namespace,name}        NATS nodes that see every other node
//   nxt_talk_turn_ready{namespace,name}        1 when coturn answers STUN (0 when disabled)
// Register it with the metrics server's collectables. Thread-safe; never throws; the
// store must outlive it.
#ifndef NXT_CONTROLLERS_TALKBACKEND_TALK_METRICS_H_
#define NXT_CONTROLLERS_TALKBACKEND_TALK_METRICS_H_

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <vector>

#include "reconciler/store.h"

namespace nxt::talkbackend {

class TalkMetricsCollector : public prometheus::Collectable {
 public:
  explicit TalkMetricsCollector(const reconciler::Store& store) : store_(store) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const reconciler::Store& store_;
};

}  // namespace nxt::talkbackend

#endif  // NXT_CONTROLLERS_TALKBACKEND_TALK_METRICS_H_
