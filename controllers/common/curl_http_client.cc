#include "controllers/common/curl_http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/sha256.h"

namespace nxt::controllers {
namespace {

struct EasyDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

CURL* ThreadCurl() {
  thread_local std::unique_ptr<CURL, EasyDeleter> handle(curl_easy_init());
  return handle.get();
}

size_t AppendToString(char* data, size_t size, size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  // Health and admin answers are small; cap what a misbehaving peer can make us hold.
  if (out->size() < 4 * 1024 * 1024) out->append(data, size * n);
  return size * n;
}

SlistPtr Headers(const HttpCall& call) {
  curl_slist* list = nullptr;
  // "Expect:" (an empty header) stops libcurl's 100-continue round trip, but libcurl
  // 7.88 signs it as a header it then never sends, which breaks SigV4: signed calls
  // keep their bodies small instead (libcurl only expects 100-continue above 1 MiB).
  if (!call.sigv4.has_value()) list = curl_slist_append(list, "Expect:");
  for (const auto& [name, value] : call.headers) {
    list = curl_slist_append(list, absl::StrCat(name, ": ", value).c_str());
  }
  if (call.sigv4.has_value()) {
    list = curl_slist_append(list,
                             absl::StrCat("x-amz-content-sha256: ", Sha256Hex(call.body)).c_str());
  }
  return SlistPtr(list);
}

// libcurl 7.88 signs the query exactly as written, where SigV4 wants it canonical: every
// parameter as key=value (a bare "versioning" is "versioning=") and sorted. Sending it in
// canonical form makes both sides agree.
std::string CanonicalQueryUrl(const std::string& url) {
  size_t q = url.find('?');
  if (q == std::string::npos) return url;
  std::vector<std::string> params;
  for (absl::string_view p : absl::StrSplit(url.substr(q + 1), '&', absl::SkipEmpty())) {
    params.push_back(absl::StrContains(p, '=') ? std::string(p) : absl::StrCat(p, "="));
  }
  std::sort(params.begin(), params.end());
  return absl::StrCat(url.substr(0, q), "?", absl::StrJoin(params, "&"));
}

}  // namespace

absl::StatusOr<HttpReply> CurlHttpClient::Do(const HttpCall& call) {
  CURL* c = ThreadCurl();
  if (c == nullptr) return absl::InternalError("curl_easy_init failed");
  curl_easy_reset(c);
  char errbuf[CURL_ERROR_SIZE] = {0};
  const std::string url = call.sigv4.has_value() ? CanonicalQueryUrl(call.url) : call.url;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(call.timeout)));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(call.timeout)));
  if (call.method == "GET") {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  } else if (call.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, call.method.c_str());
  }
  if (!call.body.empty() || call.method == "PUT" || call.method == "POST") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(call.body.size()));
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, call.body.data());  // call outlives the transfer
  }
  SlistPtr headers = Headers(call);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  std::string sigv4;
  if (call.sigv4.has_value()) {
    sigv4 = absl::StrCat("aws:amz:", call.sigv4->region, ":", call.sigv4->service);
    curl_easy_setopt(c, CURLOPT_AWS_SIGV4, sigv4.c_str());
    curl_easy_setopt(c, CURLOPT_USERNAME, call.sigv4->access_key.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, call.sigv4->secret_key.c_str());
  }
  HttpReply reply;
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, AppendToString);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply.body);
  CURLcode rc = curl_easy_perform(c);
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  // Leave no credentials in the handle the thread keeps.
  curl_easy_reset(c);
  if (rc != CURLE_OK) {
    std::string detail = errbuf[0] != '\0' ? std::string(errbuf) : curl_easy_strerror(rc);
    std::string message = absl::StrCat(call.method, " ", call.url, ": ", detail);
    if (rc == CURLE_OPERATION_TIMEDOUT) return absl::DeadlineExceededError(message);
    return absl::UnavailableError(message);
  }
  reply.code = static_cast<int>(code);
  return reply;
}

}  // namespace nxt::controllers
