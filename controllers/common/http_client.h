// HTTP from nxtd to the services it runs (health endpoints, monitoring endpoints, the S3
// API), on the containers' bridge addresses. Pure interface: controllers and their mocks
// link this target, never libcurl (CurlHttpClient is the implementation).
//
// Errors: a transport failure (refused, reset, no route) is Unavailable, a timeout
// DeadlineExceeded; any HTTP answer, 4xx and 5xx included, is a reply for the caller to
// judge. Implementations are thread-safe. Credentials (SigV4 keys) never appear in
// error messages.
#ifndef NXT_CONTROLLERS_COMMON_HTTP_CLIENT_H_
#define NXT_CONTROLLERS_COMMON_HTTP_CLIENT_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace nxt::controllers {

// AWS Signature Version 4 (as S3 and RustFS expect it).
struct SigV4Credentials {
  std::string access_key;
  std::string secret_key;
  std::string region = "us-east-1";
  std::string service = "s3";
};

struct HttpCall {
  std::string method = "GET";
  std::string url;  // "http://172.18.0.3:9000/bucket?versioning"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  absl::Duration timeout = absl::Seconds(5);
  // When set, the request is signed; x-amz-content-sha256 (the body's SHA-256) is added
  // and the query is sent in canonical form (sorted, "versioning" as "versioning=").
  std::optional<SigV4Credentials> sigv4;
};

struct HttpReply {
  int code = 0;
  std::string body;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual absl::StatusOr<HttpReply> Do(const HttpCall& call) = 0;
};

}  // namespace nxt::controllers

#endif  // NXT_CONTROLLERS_COMMON_HTTP_CLIENT_H_
