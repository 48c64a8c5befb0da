// Small tools the end-to-end tests and benchmarks share: unique names, deadline-bound
// polling, HTTP GET on loopback, Docker clean-up by the io.nxt.namespace label, and a
// ContainerSet manifest builder. Thread-compatible free functions.
#ifndef NXT_TESTS_E2E_E2E_SUPPORT_H_
#define NXT_TESTS_E2E_E2E_SUPPORT_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "docker/curl_docker_client.h"
#include "docker/docker_client.h"

namespace nxt::e2e {

// "<prefix>-<8 random lowercase hex>", a valid DNS label for namespaces and names.
std::string UniqueName(const std::string& prefix);

// Calls `done` every `interval` until it returns true (→ true) or `timeout` passes
// (→ false, after one last try). The only way e2e code waits.
bool WaitFor(const std::function<bool()>& done, absl::Duration timeout,
             absl::Duration interval = absl::Milliseconds(100));

struct HttpResponse {
  int status = 0;
  std::string body;
};
// GET `url` (http://127.0.0.1:PORT/...), 10 s timeout. Unavailable when no answer.
// `unix_socket`: connect there instead of the URL's host (nxtd's API socket).
absl::StatusOr<HttpResponse> HttpGet(const std::string& url, const std::string& unix_socket = "");
// Percent-encodes a query parameter value.
std::string UrlEncode(const std::string& text);

// A TCP port on 127.0.0.1 that was free a moment ago.
absl::StatusOr<int> FreeLoopbackPort();

// Everything labelled io.nxt.namespace=<ns>, by kind.
struct NamespaceObjects {
  std::vector<docker::ContainerSummary> containers;
  std::vector<std::string> networks;
  std::vector<std::string> volumes;
};
absl::StatusOr<NamespaceObjects> ListNamespace(docker::DockerClient& docker, const std::string& ns);
// Removes (force) every container, then network, then volume labelled
// io.nxt.namespace=<ns>. Returns the first error but tries everything.
absl::Status CleanupNamespace(docker::DockerClient& docker, const std::string& ns);

// True when a sample of `metric` in the Prometheus text `text` carries every label in
// `labels` (`name="value"` strings) and has the value `value` (as printed).
bool HasMetricSample(const std::string& text, const std::string& metric,
                     const std::vector<std::string>& labels, const std::string& value);

// A CurlDockerClient on `socket_path`.
std::unique_ptr<docker::CurlDockerClient> NewDockerClient(const std::string& socket_path);

// Member containers of set `name` in `ns`, keyed by container name.
absl::StatusOr<std::map<std::string, docker::ContainerSummary>> SetMembers(
    docker::DockerClient& docker, const std::string& ns, const std::string& name);

// A ContainerSet manifest. `command` is a shell line run by `sh -c` that exits at once
// on SIGTERM (plain `sleep` as PID 1 ignores it and every stop would take the grace).
struct SetManifest {
  SetManifest() = default;
  SetManifest(std::string ns_arg, std::string name_arg, int replicas_arg)
      : ns(std::move(ns_arg)), name(std::move(name_arg)), replicas(replicas_arg) {}

  std::string ns;
  std::string name;
  int replicas = 1;
  std::string image = "nxt/testapp:latest";
  std::string command = "trap 'exit 0' TERM; sleep 3600 & wait";
  std::map<std::string, std::string> env;
  std::vector<std::string> volumes;  // named volumes, mounted at /<name>
  std::string deletion_policy;       // "" → schema default (Retain)
  std::string extra_spec;            // raw YAML lines appended under spec (indented 2)

  std::string Yaml() const;
};

}  // namespace nxt::e2e

#endif  // NXT_TESTS_E2E_E2E_SUPPORT_H_
