#include "controllers/galeracluster/galera_metrics.h"

#include <boost/json.hpp>

#include "absl/strings/match.h"
#include "resources/galeracluster.h"

namespace nxt::galera {
namespace {

const std::vector<std::string>& States() {
  static const std::vector<std::string>* states = new std::vector<std::string>{
      "Synced", "Donor/Desynced", "Joining", "Joined", "NonPrimary", "Starting", "Stopped"};
  return *states;
}

int64_t IntField(const boost::json::object& o, const char* name) {
  const boost::json::value* v = o.if_contains(name);
  return v != nullptr && v->is_int64() ? v->get_int64() : 0;
}

prometheus::ClientMetric Metric(std::vector<prometheus::ClientMetric::Label> labels, double value,
                                bool counter = false) {
  prometheus::ClientMetric m;
  m.label = std::move(labels);
  if (counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  return m;
}

}  // namespace

std::string MetricState(const std::string& s) {
  if (absl::StartsWith(s, "Primary/")) return s.substr(8);
  if (s == "Starting") return "Starting";
  if (absl::StrContains(s, "/")) return "NonPrimary";  // non-Primary/..., Disconnected/...
  return "Stopped";                                    // created, exited, dead, ...
}

std::vector<prometheus::MetricFamily> GaleraMetricsCollector::Collect() const {
  prometheus::MetricFamily size{"nxt_galera_cluster_size",
                                "wsrep_cluster_size of the Primary component (0: none).",
                                prometheus::MetricType::Gauge,
                                {}};
  prometheus::MetricFamily ready{"nxt_galera_node_ready",
                                 "1 when the node is Primary and Synced.",
                                 prometheus::MetricType::Gauge,
                                 {}};
  prometheus::MetricFamily state{
      "nxt_galera_node_state", "1 on the node's current state.", prometheus::MetricType::Gauge, {}};
  prometheus::MetricFamily recoveries{"nxt_galera_recoveries_total",
                                      "Total-outage recoveries carried out.",
                                      prometheus::MetricType::Counter,
                                      {}};
  for (const resources::ObjectPtr& object : store_.List(resources::kGaleraClusterKind)) {
    const std::string ns = object->metadata.namespace_;
    const std::string name = object->metadata.name;
    std::optional<resources::ObjectStatus> status = store_.GetStatus(object->Key());
    boost::json::object fields = status.has_value() ? status->fields : boost::json::object{};
    size.metric.push_back(
        Metric({{"namespace", ns}, {"name", name}}, IntField(fields, "clusterSize")));
    recoveries.metric.push_back(
        Metric({{"namespace", ns}, {"name", name}}, IntField(fields, "recoveries"), true));
    const boost::json::value* nodes = fields.if_contains("nodes");
    if (nodes == nullptr || !nodes->is_array()) continue;
    for (const boost::json::value& n : nodes->get_array()) {
      if (!n.is_object() || !n.as_object().contains("name")) continue;
      const boost::json::object& node = n.get_object();
      const std::string node_name(node.at("name").as_string());
      const bool is_ready =
          node.contains("ready") && node.at("ready").is_bool() && node.at("ready").get_bool();
      ready.metric.push_back(
          Metric({{"namespace", ns}, {"name", name}, {"node", node_name}}, is_ready ? 1 : 0));
      const std::string current = node.contains("state") && node.at("state").is_string()
                                      ? MetricState(std::string(node.at("state").get_string()))
                                      : "Stopped";
      for (const std::string& s : States()) {
        state.metric.push_back(
            Metric({{"namespace", ns}, {"name", name}, {"node", node_name}, {"state", s}},
                   s == current ? 1 : 0));
      }
    }
  }
  return {std::move(size), std::move(ready), std::move(state), std::move(recoveries)};
}

}  // namespace nxt::galera
