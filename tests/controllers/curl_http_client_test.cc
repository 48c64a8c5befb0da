// CurlHttpClient against a one-shot HTTP server in the test process: the request as it
// arrives on the wire, and an independent check of its AWS Signature Version 4.
#include "controllers/common/curl_http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/sha256.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace nxt::controllers {
namespace {

using ::nxt::testing::IsOk;
using ::nxt::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

struct Received {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

// Accepts one connection, reads one request, answers `reply` and closes.
class OneShotServer {
 public:
  explicit OneShotServer(std::string reply) : reply_(std::move(reply)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(::listen(fd_, 1), 0);
    socklen_t len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~OneShotServer() {
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  std::string Url(const std::string& target) const {
    return absl::StrCat("http://127.0.0.1:", port_, target);
  }
  // Valid once the call returned (the server answered after reading it all).
  const Received& received() const { return received_; }

 private:
  void Serve() {
    int conn = ::accept(fd_, nullptr, nullptr);
    if (conn < 0) return;
    std::string data;
    char buf[4096];
    size_t header_end = std::string::npos;
    size_t want = 0;
    while (true) {
      ssize_t n = ::read(conn, buf, sizeof(buf));
      if (n <= 0) break;
      data.append(buf, static_cast<size_t>(n));
      if (header_end == std::string::npos && (header_end = data.find("\r\n\r\n")) != data.npos) {
        Parse(data.substr(0, header_end));
        auto it = received_.headers.find("content-length");
        size_t length = 0;
        if (it != received_.headers.end()) (void)absl::SimpleAtoi(it->second, &length);
        want = header_end + 4 + length;
      }
      if (header_end != std::string::npos && data.size() >= want) break;
    }
    if (header_end != std::string::npos) received_.body = data.substr(header_end + 4);
    (void)!::write(conn, reply_.data(), reply_.size());
    ::close(conn);
  }
  void Parse(const std::string& head) {
    std::vector<std::string> lines = absl::StrSplit(head, "\r\n");
    std::vector<std::string> first = absl::StrSplit(lines[0], ' ');
    received_.method = first[0];
    received_.target = first.size() > 1 ? first[1] : "";
    for (size_t i = 1; i < lines.size(); ++i) {
      size_t colon = lines[i].find(':');
      if (colon == std::string::npos) continue;
      received_.headers[absl::AsciiStrToLower(lines[i].substr(0, colon))] =
          std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
    }
  }

  const std::string reply_;
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  Received received_;
};

std::string Bytes(const Sha256::Digest& d) { return std::string(d.begin(), d.end()); }

std::string HmacSha256(const std::string& key, const std::string& message) {
  std::string k = key.size() > 64 ? [&] {
    Sha256 h;
    h.Update(key);
    return Bytes(h.Finish());
  }()
                                   : key;
  k.resize(64, '\0');
  std::string inner_pad(64, '\0'), outer_pad(64, '\0');
  for (int i = 0; i < 64; ++i) {
    inner_pad[i] = static_cast<char>(k[i] ^ 0x36);
    outer_pad[i] = static_cast<char>(k[i] ^ 0x5c);
  }
  Sha256 inner;
  inner.Update(inner_pad);
  inner.Update(message);
  Sha256 outer;
  outer.Update(outer_pad);
  outer.Update(Bytes(inner.Finish()));
  return Bytes(outer.Finish());
}

std::string Hex(const std::string& bytes) {
  std::string out;
  for (unsigned char c : bytes) absl::StrAppend(&out, absl::Hex(c, absl::kZeroPad2));
  return out;
}

// The signature SigV4 gives this request (S3 rules: the path is not encoded again; a
// query of bare keys canonicalises to "key=").
std::string ExpectedSignature(const Received& r, const std::string& secret,
                              const std::string& signed_headers, const std::string& scope) {
  std::vector<std::string> target = absl::StrSplit(r.target, absl::MaxSplits('?', 1));
  std::vector<std::string> params;
  if (target.size() == 2) {
    for (absl::string_view p : absl::StrSplit(target[1], '&', absl::SkipEmpty())) {
      params.push_back(absl::StrContains(p, '=') ? std::string(p) : absl::StrCat(p, "="));
    }
  }
  std::sort(params.begin(), params.end());
  std::string canonical_headers;
  for (absl::string_view h : absl::StrSplit(signed_headers, ';')) {
    absl::StrAppend(&canonical_headers, h, ":", r.headers.at(std::string(h)), "\n");
  }
  const std::string canonical =
      absl::StrCat(r.method, "\n", target[0], "\n", absl::StrJoin(params, "&"), "\n",
                   canonical_headers, "\n", signed_headers, "\n", Sha256Hex(r.body));
  const std::string amz_date = r.headers.at("x-amz-date");
  const std::string to_sign =
      absl::StrCat("AWS4-HMAC-SHA256\n", amz_date, "\n", scope, "\n", Sha256Hex(canonical));
  std::vector<std::string> parts = absl::StrSplit(scope, '/');
  std::string key = HmacSha256(absl::StrCat("AWS4", secret), parts[0]);
  key = HmacSha256(key, parts[1]);
  key = HmacSha256(key, parts[2]);
  key = HmacSha256(key, "aws4_request");
  return Hex(HmacSha256(key, to_sign));
}

// "AWS4-HMAC-SHA256 Credential=A/B, SignedHeaders=x;y, Signature=z" → its fields.
std::map<std::string, std::string> AuthorizationFields(const std::string& header) {
  std::map<std::string, std::string> out;
  absl::string_view rest = header;
  EXPECT_TRUE(absl::ConsumePrefix(&rest, "AWS4-HMAC-SHA256 ")) << header;
  for (absl::string_view part : absl::StrSplit(rest, ',')) {
    std::vector<std::string> kv =
        absl::StrSplit(absl::StripAsciiWhitespace(part), absl::MaxSplits('=', 1));
    if (kv.size() == 2) out[kv[0]] = kv[1];
  }
  return out;
}

HttpCall Get(const std::string& url, absl::Duration timeout = absl::Seconds(5)) {
  HttpCall call;
  call.url = url;
  call.timeout = timeout;
  return call;
}

constexpr char kOk[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";

TEST(CurlHttpClientTest, GetReturnsCodeAndBody) {
  OneShotServer server("HTTP/1.1 503 Unavailable\r\nContent-Length: 4\r\n\r\nbusy");
  CurlHttpClient client;
  absl::StatusOr<HttpReply> reply = client.Do(Get(server.Url("/health")));
  ASSERT_THAT(reply.status(), IsOk());
  EXPECT_EQ(reply->code, 503) << "an HTTP error is a reply, not a transport failure";
  EXPECT_EQ(reply->body, "busy");
  EXPECT_EQ(server.received().method, "GET");
  EXPECT_EQ(server.received().target, "/health");
}

TEST(CurlHttpClientTest, SignsS3RequestsWithSigV4AndTheBodyHash) {
  OneShotServer server(kOk);
  CurlHttpClient client;
  HttpCall call;
  call.method = "PUT";
  call.url = server.Url("/nextcloud?versioning");
  call.body = "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>";
  call.headers = {{"Content-Type", "application/xml"}};
  call.sigv4 = SigV4Credentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"};
  absl::StatusOr<HttpReply> reply = client.Do(call);
  ASSERT_THAT(reply.status(), IsOk());
  ASSERT_EQ(reply->code, 200);

  const Received& r = server.received();
  for (const char* h : {"x-amz-content-sha256", "authorization", "x-amz-date", "host"}) {
    ASSERT_EQ(r.headers.count(h), 1u) << h << " missing";
  }
  EXPECT_EQ(r.method, "PUT");
  EXPECT_EQ(r.target, "/nextcloud?versioning=") << "sent in canonical form, as it is signed";
  EXPECT_EQ(r.body, call.body);
  EXPECT_EQ(r.headers.at("x-amz-content-sha256"), Sha256Hex(call.body));
  std::map<std::string, std::string> auth = AuthorizationFields(r.headers.at("authorization"));
  const std::string date = r.headers.at("x-amz-date").substr(0, 8);
  const std::string scope = absl::StrCat(date, "/us-east-1/s3/aws4_request");
  EXPECT_EQ(auth["Credential"], absl::StrCat("AKIDEXAMPLE/", scope));
  EXPECT_THAT(auth["SignedHeaders"], HasSubstr("host"));
  EXPECT_THAT(auth["SignedHeaders"], HasSubstr("x-amz-content-sha256"));
  EXPECT_THAT(auth["SignedHeaders"], HasSubstr("x-amz-date"));
  EXPECT_EQ(auth["Signature"], ExpectedSignature(r, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                                 auth["SignedHeaders"], scope));
  EXPECT_THAT(r.headers.at("authorization"), Not(HasSubstr("wJalrXUtnFEMI")));
}

TEST(CurlHttpClientTest, RefusedConnectionIsUnavailable) {
  std::string url;
  {
    OneShotServer server(kOk);  // a port that was listening a moment ago, closed again
    url = server.Url("/");
  }
  CurlHttpClient client;
  absl::StatusOr<HttpReply> reply = client.Do(Get(url, absl::Seconds(2)));
  EXPECT_THAT(reply.status(), StatusIs(absl::StatusCode::kUnavailable, HasSubstr("GET http://")));
}

}  // namespace
}  // namespace nxt::controllers
