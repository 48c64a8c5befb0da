// HTTP/1.1 over the engine's Unix socket with libcurl: plain request/response calls and
// long-lived streams. Internal to docker/ (CurlDockerClient is the public face).
//
// Thread-safe: each calling thread uses its own CURL easy handle (thread_local), reset
// before every request, so connections are reused per thread. Streams get a handle of
// their own. Transport failures map through StatusFromTransport (Unavailable, or
// DeadlineExceeded on timeout); HTTP statuses are returned to the caller to map.
#ifndef NXT_DOCKER_CURL_TRANSPORT_H_
#define NXT_DOCKER_CURL_TRANSPORT_H_

#include <atomic>
#include <cstddef>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace nxt::docker {

struct HttpRequest {
  std::string method = "GET";
  std::string target;  // path and query, "/v1.41/containers/json?all=1"
  std::string body;    // sent as application/json when not empty (or for POST/PUT)
  std::string content_type = "application/json";
  absl::Duration timeout = absl::Seconds(30);
};

struct HttpResponse {
  int code = 0;
  std::string body;
};

class CurlTransport {
 public:
  explicit CurlTransport(std::string socket_path);

  const std::string& socket_path() const { return socket_path_; }

  // One request, whole body in memory. `call` names the request in error messages.
  absl::StatusOr<HttpResponse> Do(const HttpRequest& request, const std::string& call) const;

  // A streaming GET with no overall timeout: a 200 answer's body goes to `on_data` as it
  // arrives; another answer's body is collected into the returned response. Returns when
  // the server ends the body, or when `stop` is seen (checked every ~200 ms; the response
  // then has code 200 and the result `stopped` is true). Transport failure: Unavailable.
  struct StreamResult {
    HttpResponse response;
    bool stopped = false;
    bool ended_by_error = false;  // the connection broke (as opposed to a clean end)
  };
  absl::StatusOr<StreamResult> Stream(const HttpRequest& request,
                                      const std::function<void(const char*, size_t)>& on_data,
                                      const std::atomic<bool>& stop, const std::string& call) const;

 private:
  const std::string socket_path_;
};

// "a/b c" → "a%2Fb%20c" (RFC 3986 unreserved characters kept).
std::string UrlEscape(const std::string& text);

}  // namespace nxt::docker

#endif  // NXT_DOCKER_CURL_TRANSPORT_H_
