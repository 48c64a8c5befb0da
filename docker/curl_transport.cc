#include "docker/curl_transport.h"

#include <curl/curl.h>

#include <cctype>
#include <memory>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "docker/http_status.h"

namespace nxt::docker {
namespace {

struct EasyDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct MultiDeleter {
  void operator()(CURLM* m) const { curl_multi_cleanup(m); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using EasyPtr = std::unique_ptr<CURL, EasyDeleter>;
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

// One easy handle per thread: connections are reused by the thread's next request. The
// connection cache keys on the socket path, so clients of different engines can share it.
CURL* ThreadCurl() {
  thread_local EasyPtr handle(curl_easy_init());
  return handle.get();
}

size_t AppendToString(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

// Options common to every request; returns the header list the handle points at.
SlistPtr Prepare(CURL* c, const std::string& socket_path, const HttpRequest& r, char* errbuf) {
  curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, socket_path.c_str());
  std::string url = absl::StrCat("http://docker", r.target);
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());  // libcurl copies strings
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_slist* headers = curl_slist_append(nullptr, "Expect:");
  if (r.method == "GET") {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r.method.c_str());
  }
  if (r.method == "POST" || r.method == "PUT") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, r.body.data());  // not copied: r outlives the call
    headers = curl_slist_append(headers, absl::StrCat("Content-Type: ", r.content_type).c_str());
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  return SlistPtr(headers);
}

std::string CurlDetail(CURLcode code, const char* errbuf) {
  return errbuf[0] != '\0' ? std::string(errbuf) : std::string(curl_easy_strerror(code));
}

struct StreamSink {
  CURL* easy = nullptr;
  const std::function<void(const char*, size_t)>* on_data = nullptr;
  HttpResponse* response = nullptr;
};

size_t StreamWrite(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<StreamSink*>(user);
  if (sink->response->code == 0) {
    long code = 0;
    curl_easy_getinfo(sink->easy, CURLINFO_RESPONSE_CODE, &code);
    sink->response->code = static_cast<int>(code);
  }
  if (sink->response->code == 200) {
    (*sink->on_data)(data, size * n);
  } else if (sink->response->body.size() < 64 * 1024) {
    sink->response->body.append(data, size * n);
  }
  return size * n;
}

}  // namespace

CurlTransport::CurlTransport(std::string socket_path) : socket_path_(std::move(socket_path)) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_ALL); });
}

absl::StatusOr<HttpResponse> CurlTransport::Do(const HttpRequest& request,
                                               const std::string& call) const {
  CURL* c = ThreadCurl();
  if (c == nullptr) return absl::ResourceExhaustedError(call + ": curl_easy_init failed");
  curl_easy_reset(c);
  char errbuf[CURL_ERROR_SIZE] = {0};
  SlistPtr headers = Prepare(c, socket_path_, request, errbuf);
  HttpResponse response;
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &AppendToString);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(request.timeout)));
  CURLcode rc = curl_easy_perform(c);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
  if (rc != CURLE_OK) {
    return StatusFromTransport(rc == CURLE_OPERATION_TIMEDOUT, CurlDetail(rc, errbuf), call);
  }
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  response.code = static_cast<int>(code);
  return response;
}

absl::StatusOr<CurlTransport::StreamResult> CurlTransport::Stream(
    const HttpRequest& request, const std::function<void(const char*, size_t)>& on_data,
    const std::atomic<bool>& stop, const std::string& call) const {
  EasyPtr easy(curl_easy_init());
  std::unique_ptr<CURLM, MultiDeleter> multi(curl_multi_init());
  if (easy == nullptr || multi == nullptr) {
    return absl::ResourceExhaustedError(call + ": curl init failed");
  }
  char errbuf[CURL_ERROR_SIZE] = {0};
  SlistPtr headers = Prepare(easy.get(), socket_path_, request, errbuf);
  StreamResult result;
  StreamSink sink{easy.get(), &on_data, &result.response};
  curl_easy_setopt(easy.get(), CURLOPT_WRITEFUNCTION, &StreamWrite);
  curl_easy_setopt(easy.get(), CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(easy.get(), CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(request.timeout)));
  curl_multi_add_handle(multi.get(), easy.get());

  CURLcode done = CURLE_OK;
  bool finished = false;
  while (!finished) {
    int running = 0;
    curl_multi_perform(multi.get(), &running);
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi.get(), &left)) {
      if (msg->msg == CURLMSG_DONE) {
        done = msg->data.result;
        finished = true;
      }
    }
    if (finished || running == 0) break;
    if (stop.load()) {
      result.stopped = true;
      break;
    }
    curl_multi_poll(multi.get(), nullptr, 0, 200, nullptr);
  }
  curl_multi_remove_handle(multi.get(), easy.get());
  if (result.stopped) return result;
  if (done != CURLE_OK) {
    if (result.response.code == 0) {
      return StatusFromTransport(false, CurlDetail(done, errbuf), call);
    }
    result.ended_by_error = true;
  }
  if (result.response.code == 0) {
    long code = 0;
    curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &code);
    result.response.code = static_cast<int>(code);
  }
  return result;
}

std::string UrlEscape(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : text) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out.push_back(static_cast<char>(ch));
    } else {
      out.push_back('%');
      out.push_back(kHex[ch >> 4]);
      out.push_back(kHex[ch & 15]);
    }
  }
  return out;
}

}  // namespace nxt::docker
