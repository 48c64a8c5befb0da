// The few S3 calls the RustFSPool controller makes (path-style, SigV4-signed through
// HttpClient, against one node's bridge address): ListBuckets, CreateBucket,
// GetBucketVersioning, PutBucketVersioning, and the node's GET /health.
//
// Errors: a transport failure is the HttpClient's (Unavailable / DeadlineExceeded); an
// S3 error answer is Unavailable for 5xx and 429, PermissionDenied for 401/403 (keys or
// signature refused), FailedPrecondition for other 4xx, each with the S3 error code:
// "PUT /nextcloud: HTTP 409 BucketAlreadyExists". The keys never appear in messages.
// Thread-compatible; the HttpClient must outlive it.
#ifndef NXT_CONTROLLERS_RUSTFSPOOL_S3_CLIENT_H_
#define NXT_CONTROLLERS_RUSTFSPOOL_S3_CLIENT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "controllers/common/http_client.h"

namespace nxt::rustfspool {

// "Enabled", "Suspended", or "" for a bucket whose versioning was never set.
inline constexpr char kVersioningEnabled[] = "Enabled";
inline constexpr char kVersioningSuspended[] = "Suspended";

class S3Client {
 public:
  // `endpoint`: "http://172.18.0.3:9000".
  S3Client(controllers::HttpClient& http, std::string endpoint,
           controllers::SigV4Credentials credentials, absl::Duration timeout);

  absl::StatusOr<std::vector<std::string>> ListBuckets();
  // OK when the bucket exists already and is ours (BucketAlreadyOwnedByYou).
  absl::Status CreateBucket(const std::string& bucket);
  absl::StatusOr<std::string> GetVersioning(const std::string& bucket);
  absl::Status PutVersioning(const std::string& bucket, bool enabled);

  // GET /health (unsigned): OK on 200.
  absl::Status Health();

 private:
  absl::StatusOr<controllers::HttpReply> Call(const std::string& method, const std::string& path,
                                              const std::string& body, bool sign);

  controllers::HttpClient& http_;
  const std::string endpoint_;
  const controllers::SigV4Credentials credentials_;
  const absl::Duration timeout_;
};

// The text of the first <tag>...</tag> in `xml` ("" when absent); and of every one.
std::string XmlValue(const std::string& xml, const std::string& tag);
std::vector<std::string> XmlValues(const std::string& xml, const std::string& tag);

}  // namespace nxt::rustfspool

#endif  // NXT_CONTROLLERS_RUSTFSPOOL_S3_CLIENT_H_
