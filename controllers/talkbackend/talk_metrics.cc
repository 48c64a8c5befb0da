#include "controllers/talkbackend/talk_metrics.h"

#include <boost/json.hpp>
#include <string>

#include "controllers/talkbackend/render.h"
#include "controllers/talkbackend/status.h"
#include "resources/talkbackend.h"

namespace nxt::talkbackend {
namespace {

using Labels = std::vector<prometheus::ClientMetric::Label>;

const boost::json::value* Field(const boost::json::object& o, const char* name) {
  return o.if_contains(name);
}
int64_t IntOf(const boost::json::value* v) {
  return v != nullptr && v->is_int64() ? v->get_int64() : 0;
}
std::string TextOf(const boost::json::value* v) {
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : "";
}

void Set(prometheus::MetricFamily& family, Labels labels, double value) {
  prometheus::ClientMetric m;
  m.label = std::move(labels);
  m.gauge.value = value;
  family.metric.push_back(std::move(m));
}

}  // namespace

std::vector<prometheus::MetricFamily> TalkMetricsCollector::Collect() const {
  using prometheus::MetricType;
  prometheus::MetricFamily routes{"nxt_nats_routes",
                                  "Routes of each NATS node to the other current nodes.",
                                  MetricType::Gauge,
                                  {}};
  prometheus::MetricFamily signaling{
      "nxt_talk_signaling_ready",
      "Signaling nodes running the current config and answering /api/v1/welcome.",
      MetricType::Gauge,
      {}};
  prometheus::MetricFamily nats{"nxt_talk_nats_ready",
                                "NATS nodes with routes to every other current node.",
                                MetricType::Gauge,
                                {}};
  prometheus::MetricFamily turn{"nxt_talk_turn_ready",
                                "1 when coturn answers a STUN binding request.",
                                MetricType::Gauge,
                                {}};
  for (const resources::ObjectPtr& object : store_.List(resources::kTalkBackendKind)) {
    const std::string ns = object->metadata.namespace_;
    const std::string name = object->metadata.name;
    std::optional<resources::ObjectStatus> status = store_.GetStatus(object->Key());
    const boost::json::object f = status.has_value() ? status->fields : boost::json::object{};
    Set(signaling, {{"namespace", ns}, {"name", name}}, IntOf(Field(f, "signalingReady")));
    Set(nats, {{"namespace", ns}, {"name", name}}, IntOf(Field(f, "natsReady")));
    Set(turn, {{"namespace", ns}, {"name", name}}, TextOf(Field(f, "turn")) == kTurnReady);
    const boost::json::value* members = Field(f, "members");
    if (members == nullptr || !members->is_array()) continue;
    for (const boost::json::value& m : members->get_array()) {
      if (!m.is_object() || TextOf(Field(m.get_object(), "role")) != kNatsRole) continue;
      Set(routes,
          {{"namespace", ns}, {"name", name}, {"node", TextOf(Field(m.get_object(), "name"))}},
          IntOf(Field(m.get_object(), "routes")));
    }
  }
  return {std::move(routes), std::move(signaling), std::move(nats), std::move(turn)};
}

}  // namespace nxt::talkbackend
