// HttpClient over libcurl: one easy handle per calling thread (connections are reused by
// that thread's next call), no proxy from the environment, SigV4 through libcurl's own
// CURLOPT_AWS_SIGV4. Thread-safe.
#ifndef NXT_CONTROLLERS_COMMON_CURL_HTTP_CLIENT_H_
#define NXT_CONTROLLERS_COMMON_CURL_HTTP_CLIENT_H_

#include "controllers/common/http_client.h"

namespace nxt::controllers {

class CurlHttpClient : public HttpClient {
 public:
  absl::StatusOr<HttpReply> Do(const HttpCall& call) override;
};

}  // namespace nxt::controllers

#endif  // NXT_CONTROLLERS_COMMON_CURL_HTTP_CLIENT_H_
