// End to end: nxtd's metrics endpoint checked by promtool and scraped by a real
// Prometheus server on loopback, queried through its HTTP API.
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/testing/temp_dir.h"

namespace nxt::e2e {
namespace {

using ::testing::AllOf;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;

constexpr absl::Duration kConverge = absl::Seconds(60);

class MetricsE2eTest : public E2eTest {};

// The `data.result` array of a Prometheus /api/v1/query answer (empty on any error).
boost::json::array QueryResult(const std::string& body) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return {};
  const boost::json::value* data = v.as_object().if_contains("data");
  if (data == nullptr || !data->is_object()) return {};
  const boost::json::value* result = data->as_object().if_contains("result");
  return result != nullptr && result->is_array() ? result->as_array() : boost::json::array{};
}

TEST_F(MetricsE2eTest, MetricsPassPromtoolAndARealPrometheusScrapesThem) {
  const std::string web = SetName("web");
  StartNxtd();
  nxtd_->WriteManifest("web.yaml", SetManifest(ns_, web, 1).Yaml());
  WaitRunningMembers(web, 1, kConverge);
  ASSERT_TRUE(WaitFor([&] { return IsReady(web); }, absl::Seconds(30)));

  absl::StatusOr<HttpResponse> healthz = HttpGet(nxtd_->metrics_url("/healthz"));
  ASSERT_TRUE(healthz.ok()) << healthz.status();
  EXPECT_EQ(healthz->status, 200);
  EXPECT_TRUE(WaitFor(
      [&] {
        absl::StatusOr<HttpResponse> r = HttpGet(nxtd_->metrics_url("/readyz"));
        return r.ok() && r->status == 200;
      },
      absl::Seconds(20)));

  std::string metrics;
  ASSERT_TRUE(WaitFor(
      [&] {
        absl::StatusOr<HttpResponse> r = HttpGet(nxtd_->metrics_url("/metrics"));
        if (!r.ok() || r->status != 200) return false;
        metrics = r->body;
        return HasMetricSample(metrics, "nxt_resource_condition",
                               {"kind=\"ContainerSet\"", "namespace=\"" + ns_ + "\"",
                                "name=\"" + web + "\"", "type=\"Ready\"", "status=\"True\""},
                               "1");
      },
      absl::Seconds(20)))
      << "no Ready=True nxt_resource_condition sample for the set in:\n"
      << metrics;
  EXPECT_THAT(
      metrics,
      AllOf(ContainsRegex("controller_runtime_reconcile_total\\{controller=\"containerset\",result="
                          "\"success\"\\} [1-9]"),
            HasSubstr("workqueue_depth"), HasSubstr("process_resident_memory_bytes"),
            HasSubstr("nxt_resource_replicas")));
  absl::StatusOr<CommandResult> promtool =
      RunCommand({"promtool", "check", "metrics"}, StdinOptions(metrics));
  ASSERT_TRUE(promtool.ok()) << promtool.status();
  EXPECT_EQ(promtool->exit_code, 0) << promtool->stdout_text << promtool->stderr_text;

  // A real Prometheus scraping nxtd every second.
  nxt::testing::TempDir prom_dir;
  absl::StatusOr<int> port = FreeLoopbackPort();
  ASSERT_TRUE(port.ok());
  prom_dir.Write("prometheus.yml",
                 absl::StrCat("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                              "scrape_configs:\n  - job_name: nxtd\n    static_configs:\n"
                              "      - targets: ['127.0.0.1:",
                              nxtd_->metrics_port(), "']\n"));
  ChildProcess prometheus;
  ASSERT_TRUE(prometheus
                  .Start({"prometheus", "--config.file=" + prom_dir.Join("prometheus.yml"),
                          "--storage.tsdb.path=" + prom_dir.Join("data"),
                          absl::StrCat("--web.listen-address=127.0.0.1:", *port)},
                         prom_dir.Join("prometheus.log"))
                  .ok());
  const std::string query =
      absl::StrCat("http://127.0.0.1:", *port, "/api/v1/query?query=",
                   UrlEncode(absl::StrCat("nxt_resource_condition{type=\"Ready\",namespace=\"", ns_,
                                          "\",status=\"True\"}")));
  boost::json::array result;
  bool scraped = WaitFor(
      [&] {
        absl::StatusOr<HttpResponse> r = HttpGet(query);
        if (r.ok() && r->status == 200) result = QueryResult(r->body);
        return !result.empty();
      },
      absl::Seconds(60), absl::Milliseconds(250));
  std::string prom_log;
  if (!scraped) {
    std::ifstream in(prom_dir.Join("prometheus.log"));
    prom_log.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  prometheus.Signal(SIGTERM);
  if (!prometheus.Wait(absl::Seconds(20)).ok()) prometheus.Kill();
  ASSERT_TRUE(scraped) << "Prometheus never returned the series; its log:\n" << prom_log;
  ASSERT_EQ(result.size(), 1u);
  const boost::json::object& series = result[0].as_object().at("metric").as_object();
  EXPECT_EQ(series.at("job").as_string(), "nxtd");
  EXPECT_EQ(series.at("name").as_string(), web);
  EXPECT_EQ(series.at("status").as_string(), "True");
  EXPECT_EQ(result[0].as_object().at("value").as_array().at(1).as_string(), "1");
}

}  // namespace
}  // namespace nxt::e2e
