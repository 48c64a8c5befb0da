#include "controllers/rustfspool/rustfs_metrics.h"

#include <boost/json.hpp>
#include <string>

#include "resources/rustfspool.h"

namespace nxt::rustfspool {
namespace {

double Number(const boost::json::object& o, const char* name) {
  const boost::json::value* v = o.if_contains(name);
  return v != nullptr && v->is_int64() ? static_cast<double>(v->get_int64()) : 0;
}

prometheus::MetricFamily Family(const char* name, const char* help) {
  return {name, help, prometheus::MetricType::Gauge, {}};
}

void Add(prometheus::MetricFamily& family, const std::string& ns, const std::string& name,
         double value) {
  prometheus::ClientMetric m;
  m.label = {{"namespace", ns}, {"name", name}};
  m.gauge.value = value;
  family.metric.push_back(std::move(m));
}

}  // namespace

std::vector<prometheus::MetricFamily> RustFSMetricsCollector::Collect() const {
  prometheus::MetricFamily nodes = Family("nxt_rustfs_nodes", "Nodes of the RustFS pool.");
  prometheus::MetricFamily ready =
      Family("nxt_rustfs_nodes_ready", "RustFS nodes answering GET /health.");
  prometheus::MetricFamily buckets =
      Family("nxt_rustfs_buckets", "Buckets of the spec present with the versioning it asks for.");
  for (const resources::ObjectPtr& object : store_.List(resources::kRustFSPoolKind)) {
    std::optional<resources::ObjectStatus> status = store_.GetStatus(object->Key());
    const boost::json::object f = status.has_value() ? status->fields : boost::json::object{};
    const std::string& ns = object->metadata.namespace_;
    const std::string& name = object->metadata.name;
    Add(nodes, ns, name, Number(f, "nodes"));
    Add(ready, ns, name, Number(f, "readyNodes"));
    Add(buckets, ns, name, Number(f, "bucketsReady"));
  }
  return {std::move(nodes), std::move(ready), std::move(buckets)};
}

}  // namespace nxt::rustfspool
