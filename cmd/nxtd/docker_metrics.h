// Prometheus metrics of Docker Engine API requests, fed by the libcurl client's
// RequestObserver hook: nxt_docker_requests_total{method,endpoint,code} and
// nxt_docker_request_duration_seconds{method,endpoint}. Thread-safe.
#ifndef NXT_CMD_NXTD_DOCKER_METRICS_H_
#define NXT_CMD_NXTD_DOCKER_METRICS_H_

#include <string>

#include "docker/docker_client.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace nxt::nxtd {

class DockerRequestMetrics : public docker::RequestObserver {
 public:
  explicit DockerRequestMetrics(prometheus::Registry& registry);
  void OnRequest(const std::string& method, const std::string& endpoint, int code,
                 absl::Duration latency) override;

 private:
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& latency_;
};

}  // namespace nxt::nxtd

#endif  // NXT_CMD_NXTD_DOCKER_METRICS_H_
