#include "controllers/rustfspool/s3_client.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace nxt::rustfspool {
namespace {

constexpr char kXmlns[] = "http://s3.amazonaws.com/doc/2006-03-01/";

absl::Status ErrorOf(const std::string& what, const controllers::HttpReply& reply) {
  std::string code = XmlValue(reply.body, "Code");
  const std::string message =
      absl::StrCat(what, ": HTTP ", reply.code, code.empty() ? "" : " ", code);
  if (reply.code >= 500 || reply.code == 429) return absl::UnavailableError(message);
  if (reply.code == 401 || reply.code == 403) return absl::PermissionDeniedError(message);
  return absl::FailedPreconditionError(message);
}

bool Ok(const controllers::HttpReply& reply) { return reply.code >= 200 && reply.code < 300; }

}  // namespace

std::vector<std::string> XmlValues(const std::string& xml, const std::string& tag) {
  std::vector<std::string> out;
  const std::string open = absl::StrCat("<", tag, ">");
  const std::string close = absl::StrCat("</", tag, ">");
  size_t at = 0;
  while ((at = xml.find(open, at)) != std::string::npos) {
    const size_t start = at + open.size();
    const size_t end = xml.find(close, start);
    if (end == std::string::npos) break;
    out.push_back(xml.substr(start, end - start));
    at = end + close.size();
  }
  return out;
}

std::string XmlValue(const std::string& xml, const std::string& tag) {
  std::vector<std::string> all = XmlValues(xml, tag);
  return all.empty() ? "" : all.front();
}

S3Client::S3Client(controllers::HttpClient& http, std::string endpoint,
                   controllers::SigV4Credentials credentials, absl::Duration timeout)
    : http_(http),
      endpoint_(std::move(endpoint)),
      credentials_(std::move(credentials)),
      timeout_(timeout) {}

absl::StatusOr<controllers::HttpReply> S3Client::Call(const std::string& method,
                                                      const std::string& path,
                                                      const std::string& body, bool sign) {
  controllers::HttpCall call;
  call.method = method;
  call.url = endpoint_ + path;
  call.body = body;
  call.timeout = timeout_;
  if (!body.empty()) call.headers.push_back({"Content-Type", "application/xml"});
  if (sign) call.sigv4 = credentials_;
  return http_.Do(call);
}

absl::StatusOr<std::vector<std::string>> S3Client::ListBuckets() {
  absl::StatusOr<controllers::HttpReply> reply = Call("GET", "/", "", true);
  if (!reply.ok()) return reply.status();
  if (!Ok(*reply)) return ErrorOf("list buckets: GET /", *reply);
  return XmlValues(XmlValue(reply->body, "Buckets"), "Name");
}

absl::Status S3Client::CreateBucket(const std::string& bucket) {
  absl::StatusOr<controllers::HttpReply> reply = Call("PUT", "/" + bucket, "", true);
  if (!reply.ok()) return reply.status();
  if (Ok(*reply) || XmlValue(reply->body, "Code") == "BucketAlreadyOwnedByYou") {
    return absl::OkStatus();
  }
  return ErrorOf(absl::StrCat("create bucket: PUT /", bucket), *reply);
}

absl::StatusOr<std::string> S3Client::GetVersioning(const std::string& bucket) {
  absl::StatusOr<controllers::HttpReply> reply =
      Call("GET", absl::StrCat("/", bucket, "?versioning"), "", true);
  if (!reply.ok()) return reply.status();
  if (!Ok(*reply)) return ErrorOf(absl::StrCat("get versioning: GET /", bucket), *reply);
  return XmlValue(reply->body, "Status");
}

absl::Status S3Client::PutVersioning(const std::string& bucket, bool enabled) {
  const std::string body = absl::StrCat("<VersioningConfiguration xmlns=\"", kXmlns, "\"><Status>",
                                        enabled ? kVersioningEnabled : kVersioningSuspended,
                                        "</Status></VersioningConfiguration>");
  absl::StatusOr<controllers::HttpReply> reply =
      Call("PUT", absl::StrCat("/", bucket, "?versioning"), body, true);
  if (!reply.ok()) return reply.status();
  if (!Ok(*reply)) return ErrorOf(absl::StrCat("set versioning: PUT /", bucket), *reply);
  return absl::OkStatus();
}

absl::Status S3Client::Health() {
  absl::StatusOr<controllers::HttpReply> reply = Call("GET", "/health", "", false);
  if (!reply.ok()) return reply.status();
  if (!Ok(*reply)) return ErrorOf("health: GET /health", *reply);
  return absl::OkStatus();
}

}  // namespace nxt::rustfspool
