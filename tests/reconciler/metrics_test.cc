#include "reconciler/metrics.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"
#include "reconciler/process_metrics.h"

namespace nxt::reconciler {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Serialize(const prometheus::Collectable& collectable) {
  return prometheus::TextSerializer().Serialize(collectable.Collect());
}

TEST(ControllerMetricsTest, EverySeriesIsPresetToZeroOnRegistration) {
  prometheus::Registry registry;
  ControllerMetrics metrics(registry);
  metrics.Register("containerset", 4);
  const std::string text = Serialize(registry);
  for (const char* result : {"success", "error", "requeue", "requeue_after"}) {
    EXPECT_THAT(text, HasSubstr(std::string("controller_runtime_reconcile_total{controller="
                                            "\"containerset\",result=\"") +
                                result + "\"} 0"));
  }
  for (const char* line : {
           "controller_runtime_reconcile_errors_total{controller=\"containerset\"} 0",
           "controller_runtime_terminal_reconcile_errors_total{controller=\"containerset\"} 0",
           "controller_runtime_reconcile_panics_total{controller=\"containerset\"} 0",
           "controller_runtime_reconcile_time_seconds_count{controller=\"containerset\"} 0",
           "controller_runtime_reconcile_time_seconds_bucket{controller=\"containerset\","
           "le=\"60\"} 0",
           "controller_runtime_max_concurrent_reconciles{controller=\"containerset\"} 4",
           "controller_runtime_active_workers{controller=\"containerset\"} 0",
           "workqueue_depth{controller=\"containerset\",name=\"containerset\"} 0",
           "workqueue_adds_total{controller=\"containerset\",name=\"containerset\"} 0",
           "workqueue_queue_duration_seconds_count{controller=\"containerset\",name="
           "\"containerset\"} 0",
           "workqueue_work_duration_seconds_count{controller=\"containerset\",name="
           "\"containerset\"} 0",
           "workqueue_retries_total{controller=\"containerset\",name=\"containerset\"} 0",
           "workqueue_unfinished_work_seconds{controller=\"containerset\",name="
           "\"containerset\"} 0",
           "workqueue_longest_running_processor_seconds{controller=\"containerset\",name="
           "\"containerset\"} 0",
       }) {
    EXPECT_THAT(text, HasSubstr(line));
  }
  EXPECT_THAT(text, HasSubstr("# HELP controller_runtime_reconcile_total Total number of "
                              "reconciliations per controller"));
  EXPECT_THAT(text, HasSubstr("# TYPE controller_runtime_reconcile_time_seconds histogram"));
}

TEST(ControllerMetricsTest, HooksUpdateTheSeries) {
  prometheus::Registry registry;
  ControllerMetrics metrics(registry);
  ControllerMetrics::Hooks hooks = metrics.Register("cs", 1);
  EXPECT_EQ(metrics.Register("cs", 2).reconcile, hooks.reconcile) << "same name, same hooks";
  hooks.reconcile->RecordReconcile(ReconcileMetrics::Outcome::kRequeueAfter,
                                   absl::Milliseconds(20));
  hooks.reconcile->IncErrors();
  hooks.reconcile->AddActiveWorkers(1);
  hooks.workqueue->SetDepth(3);
  hooks.workqueue->IncAdds();
  hooks.workqueue->IncRetries();
  const std::string text = Serialize(registry);
  EXPECT_THAT(text, HasSubstr("controller_runtime_reconcile_total{controller=\"cs\",result="
                              "\"requeue_after\"} 1"));
  EXPECT_THAT(text, HasSubstr("controller_runtime_reconcile_time_seconds_bucket{controller="
                              "\"cs\",le=\"0.025\"} 1"));
  EXPECT_THAT(text, HasSubstr("controller_runtime_reconcile_errors_total{controller=\"cs\"} 1"));
  EXPECT_THAT(text, HasSubstr("controller_runtime_active_workers{controller=\"cs\"} 1"));
  EXPECT_THAT(text, HasSubstr("controller_runtime_max_concurrent_reconciles{controller=\"cs\"} 2"));
  EXPECT_THAT(text, HasSubstr("workqueue_depth{controller=\"cs\",name=\"cs\"} 3"));
  EXPECT_THAT(text, HasSubstr("workqueue_adds_total{controller=\"cs\",name=\"cs\"} 1"));
  EXPECT_THAT(text, HasSubstr("workqueue_retries_total{controller=\"cs\",name=\"cs\"} 1"));
}

resources::Condition Cond(const std::string& type, const std::string& status) {
  resources::Condition c;
  c.type = type;
  c.status = status;
  return c;
}

TEST(ResourceMetricsTest, ConditionIsOneOnTheCurrentStatusOnly) {
  prometheus::Registry registry;
  ResourceMetrics metrics(registry);
  const resources::ObjectKey key{"ContainerSet", "default", "web"};
  metrics.SetCondition(key, "Ready", "True");
  std::string text = Serialize(registry);
  const std::string prefix =
      "nxt_resource_condition{kind=\"ContainerSet\",name=\"web\",namespace=\"default\",";
  EXPECT_THAT(text, HasSubstr(prefix + "status=\"True\",type=\"Ready\"} 1"));
  EXPECT_THAT(text, HasSubstr(prefix + "status=\"False\",type=\"Ready\"} 0"));
  EXPECT_THAT(text, HasSubstr(prefix + "status=\"Unknown\",type=\"Ready\"} 0"));

  resources::ObjectStatus status;
  status.conditions.push_back(Cond("Ready", "False"));
  status.conditions.push_back(Cond("Stalled", "Unknown"));
  metrics.SetConditions(key, status);
  text = Serialize(registry);
  EXPECT_THAT(text, HasSubstr(prefix + "status=\"True\",type=\"Ready\"} 0"));
  EXPECT_THAT(text, HasSubstr(prefix + "status=\"False\",type=\"Ready\"} 1"));
  EXPECT_THAT(text, HasSubstr(prefix + "status=\"Unknown\",type=\"Stalled\"} 1"));
}

TEST(ResourceMetricsTest, ReplicasAndRemove) {
  prometheus::Registry registry;
  ResourceMetrics metrics(registry);
  const resources::ObjectKey web{"ContainerSet", "default", "web"};
  const resources::ObjectKey db{"ContainerSet", "prod", "db"};
  metrics.SetReplicas(web, 3, 2);
  metrics.SetReplicas(db, 1, 1);
  metrics.SetCondition(web, "Ready", "False");
  std::string text = Serialize(registry);
  EXPECT_THAT(text, HasSubstr("nxt_resource_replicas{kind=\"ContainerSet\",name=\"web\","
                              "namespace=\"default\",state=\"desired\"} 3"));
  EXPECT_THAT(text, HasSubstr("nxt_resource_replicas{kind=\"ContainerSet\",name=\"web\","
                              "namespace=\"default\",state=\"ready\"} 2"));

  metrics.Remove(web);
  text = Serialize(registry);
  EXPECT_THAT(text, Not(HasSubstr("name=\"web\"")));
  EXPECT_THAT(text, HasSubstr("nxt_resource_replicas{kind=\"ContainerSet\",name=\"db\","
                              "namespace=\"prod\",state=\"ready\"} 1"));
  metrics.Remove(web);  // again: no-op
}

TEST(ResourceMetricsTest, ManifestErrors) {
  prometheus::Registry registry;
  ResourceMetrics metrics(registry);
  std::string text = Serialize(registry);
  EXPECT_THAT(text, HasSubstr("nxt_manifest_errors_total 0"));
  EXPECT_THAT(text, HasSubstr("nxt_manifest_invalid_objects 0"));
  metrics.IncManifestErrors();
  metrics.IncManifestErrors(2);
  metrics.SetInvalidObjects(1);
  text = Serialize(registry);
  EXPECT_THAT(text, HasSubstr("nxt_manifest_errors_total 3"));
  EXPECT_THAT(text, HasSubstr("nxt_manifest_invalid_objects 1"));
}

double Value(const std::vector<prometheus::MetricFamily>& families, const std::string& name) {
  for (const auto& family : families) {
    if (family.name == name) {
      return family.type == prometheus::MetricType::Counter ? family.metric.at(0).counter.value
                                                            : family.metric.at(0).gauge.value;
    }
  }
  ADD_FAILURE() << name << " missing";
  return -1;
}

TEST(ProcessMetricsTest, ReportsThisProcess) {
  const std::vector<prometheus::MetricFamily> families = ProcessMetrics().Collect();
  EXPECT_GT(Value(families, "process_resident_memory_bytes"), 1e5);
  EXPECT_GE(Value(families, "process_virtual_memory_bytes"),
            Value(families, "process_resident_memory_bytes"));
  EXPECT_GE(Value(families, "process_cpu_seconds_total"), 0);
  EXPECT_GE(Value(families, "process_open_fds"), 3);
  EXPECT_GE(Value(families, "process_max_fds"), Value(families, "process_open_fds"));
  const double start = Value(families, "process_start_time_seconds");
  const double now = absl::ToUnixSeconds(absl::Now());
  EXPECT_LE(start, now + 1);
  EXPECT_GT(start, now - 3600) << "this test process started within the hour";
}

}  // namespace
}  // namespace nxt::reconciler
