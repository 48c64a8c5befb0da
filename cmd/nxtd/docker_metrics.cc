#include "cmd/nxtd/docker_metrics.h"

#include "absl/strings/str_cat.h"

namespace nxt::nxtd {

DockerRequestMetrics::DockerRequestMetrics(prometheus::Registry& registry)
    : requests_(prometheus::BuildCounter()
                    .Name("nxt_docker_requests_total")
                    .Help("Docker Engine API requests by method, endpoint template and HTTP "
                          "code (0: no answer)")
                    .Register(registry)),
      latency_(prometheus::BuildHistogram()
                   .Name("nxt_docker_request_duration_seconds")
                   .Help("Latency of Docker Engine API requests")
                   .Register(registry)) {}

void DockerRequestMetrics::OnRequest(const std::string& method, const std::string& endpoint,
                                     int code, absl::Duration latency) {
  requests_.Add({{"method", method}, {"endpoint", endpoint}, {"code", absl::StrCat(code)}})
      .Increment();
  // Streaming calls (events) last as long as the stream: keep them out of the latency.
  if (endpoint == "/events") return;
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  latency_.Add({{"method", method}, {"endpoint", endpoint}}, kBuckets)
      .Observe(absl::ToDoubleSeconds(latency));
}

}  // namespace nxt::nxtd
