#include "controllers/rediscluster/redis_metrics.h"

#include <boost/json.hpp>
#include <string>

#include "resources/rediscluster.h"

namespace nxt::rediscluster {
namespace {

int64_t IntField(const boost::json::object& o, const char* name) {
  const boost::json::value* v = o.if_contains(name);
  return v != nullptr && v->is_int64() ? v->get_int64() : 0;
}

std::string StringField(const boost::json::object& o, const char* name) {
  const boost::json::value* v = o.if_contains(name);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : "";
}

prometheus::ClientMetric Gauge(std::vector<prometheus::ClientMetric::Label> labels, double value) {
  prometheus::ClientMetric m;
  m.label = std::move(labels);
  m.gauge.value = value;
  return m;
}

prometheus::MetricFamily Family(const char* name, const char* help) {
  return {name, help, prometheus::MetricType::Gauge, {}};
}

}  // namespace

std::vector<prometheus::MetricFamily> RedisMetricsCollector::Collect() const {
  prometheus::MetricFamily state_ok =
      Family("nxt_redis_cluster_state_ok", "1 when CLUSTER INFO says cluster_state:ok.");
  prometheus::MetricFamily slots =
      Family("nxt_redis_slots", "Hash slots assigned, served ok, and failing (pfail + fail).");
  prometheus::MetricFamily known = Family("nxt_redis_known_nodes", "cluster_known_nodes.");
  prometheus::MetricFamily masters =
      Family("nxt_redis_masters", "Healthy masters serving at least one slot.");
  prometheus::MetricFamily up =
      Family("nxt_redis_node_up", "1 when the node answers CLUSTER INFO / CLUSTER NODES.");
  for (const resources::ObjectPtr& object : store_.List(resources::kRedisClusterKind)) {
    const std::string ns = object->metadata.namespace_;
    const std::string name = object->metadata.name;
    std::optional<resources::ObjectStatus> status = store_.GetStatus(object->Key());
    boost::json::object f = status.has_value() ? status->fields : boost::json::object{};
    state_ok.metric.push_back(
        Gauge({{"namespace", ns}, {"name", name}}, StringField(f, "clusterState") == "ok"));
    slots.metric.push_back(Gauge({{"namespace", ns}, {"name", name}, {"state", "assigned"}},
                                 IntField(f, "slotsAssigned")));
    slots.metric.push_back(
        Gauge({{"namespace", ns}, {"name", name}, {"state", "ok"}}, IntField(f, "slotsOk")));
    slots.metric.push_back(
        Gauge({{"namespace", ns}, {"name", name}, {"state", "fail"}}, IntField(f, "slotsFail")));
    known.metric.push_back(Gauge({{"namespace", ns}, {"name", name}}, IntField(f, "knownNodes")));
    masters.metric.push_back(Gauge({{"namespace", ns}, {"name", name}}, IntField(f, "masters")));
    const boost::json::value* members = f.if_contains("members");
    if (members == nullptr || !members->is_array()) continue;
    for (const boost::json::value& m : members->get_array()) {
      if (!m.is_object()) continue;
      const boost::json::object& node = m.get_object();
      const std::string role = StringField(node, "role");
      const boost::json::value* is_up = node.if_contains("up");
      up.metric.push_back(Gauge({{"namespace", ns},
                                 {"name", name},
                                 {"node", StringField(node, "name")},
                                 {"role", role.empty() ? "unknown" : role}},
                                is_up != nullptr && is_up->is_bool() && is_up->get_bool()));
    }
  }
  return {std::move(state_ok), std::move(slots), std::move(known), std::move(masters),
          std::move(up)};
}

}  // namespace nxt::rediscluster
