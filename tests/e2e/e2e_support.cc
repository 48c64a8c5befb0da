#include "tests/e2e/e2e_support.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <random>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace nxt::e2e {
namespace {

size_t AppendBody(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

// A YAML double-quoted scalar (JSON escapes are valid YAML).
std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string UniqueName(const std::string& prefix) {
  static std::mt19937_64 rng(std::random_device{}());
  return absl::StrFormat("%s-%08x", prefix, static_cast<uint32_t>(rng()));
}

bool WaitFor(const std::function<bool()>& done, absl::Duration timeout, absl::Duration interval) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (done()) return true;
    absl::SleepFor(interval);
  }
  return done();
}

absl::StatusOr<HttpResponse> HttpGet(const std::string& url, const std::string& unix_socket) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return absl::InternalError("curl_easy_init failed");
  HttpResponse response;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  if (!unix_socket.empty()) curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, unix_socket.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  CURLcode rc = curl_easy_perform(curl);
  long code = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) {
    return absl::UnavailableError(absl::StrCat("GET ", url, ": ", curl_easy_strerror(rc)));
  }
  response.status = static_cast<int>(code);
  return response;
}

std::string UrlEncode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += absl::StrFormat("%%%02X", c);
    }
  }
  return out;
}

absl::StatusOr<int> FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  if (port <= 0) return absl::InternalError("cannot bind a loopback port");
  return port;
}

absl::StatusOr<NamespaceObjects> ListNamespace(docker::DockerClient& docker,
                                               const std::string& ns) {
  const docker::LabelSelector selector = {{docker::kLabelNamespace, ns}};
  NamespaceObjects out;
  absl::StatusOr<std::vector<docker::ContainerSummary>> containers =
      docker.ListContainers(selector);
  if (!containers.ok()) return containers.status();
  out.containers = std::move(*containers);
  absl::StatusOr<std::vector<docker::NetworkInfo>> networks = docker.ListNetworks(selector);
  if (!networks.ok()) return networks.status();
  for (const auto& n : *networks) out.networks.push_back(n.name);
  absl::StatusOr<std::vector<docker::VolumeInfo>> volumes = docker.ListVolumes(selector);
  if (!volumes.ok()) return volumes.status();
  for (const auto& v : *volumes) out.volumes.push_back(v.name);
  return out;
}

absl::Status CleanupNamespace(docker::DockerClient& docker, const std::string& ns) {
  absl::StatusOr<NamespaceObjects> objects = ListNamespace(docker, ns);
  if (!objects.ok()) return objects.status();
  absl::Status first;
  auto keep = [&first](absl::Status s) {
    if (!s.ok() && s.code() != absl::StatusCode::kNotFound && first.ok()) first = s;
  };
  for (const auto& c : objects->containers) keep(docker.RemoveContainer(c.id, /*force=*/true));
  for (const auto& n : objects->networks) keep(docker.RemoveNetwork(n));
  for (const auto& v : objects->volumes) keep(docker.RemoveVolume(v));
  return first;
}

std::unique_ptr<docker::CurlDockerClient> NewDockerClient(const std::string& socket_path) {
  docker::CurlDockerClient::Options options;
  options.socket_path = socket_path;
  return std::make_unique<docker::CurlDockerClient>(options);
}

absl::StatusOr<std::map<std::string, docker::ContainerSummary>> SetMembers(
    docker::DockerClient& docker, const std::string& ns, const std::string& name) {
  absl::StatusOr<std::vector<docker::ContainerSummary>> list = docker.ListContainers(
      {{docker::kLabelNamespace, ns}, {docker::kLabelName, name}, {docker::kLabelRole, "member"}});
  if (!list.ok()) return list.status();
  std::map<std::string, docker::ContainerSummary> out;
  for (auto& c : *list) out[c.name] = std::move(c);
  return out;
}

std::string SetManifest::Yaml() const {
  std::string y =
      absl::StrCat("apiVersion: nxt.io/v1alpha1\nkind: ContainerSet\nmetadata:\n  name: ", name,
                   "\n  namespace: ", ns, "\nspec:\n  image: ", image, "\n  replicas: ", replicas,
                   "\n  command: [\"sh\", \"-c\", ", Quote(command), "]\n");
  if (!env.empty()) {
    y += "  env:\n";
    for (const auto& [k, v] : env) absl::StrAppend(&y, "    ", k, ": ", Quote(v), "\n");
  }
  if (!volumes.empty()) {
    y += "  volumes:\n";
    for (const auto& v : volumes)
      absl::StrAppend(&y, "    - name: ", v, "\n      mountPath: /", v, "\n");
  }
  if (!deletion_policy.empty()) absl::StrAppend(&y, "  deletionPolicy: ", deletion_policy, "\n");
  y += extra_spec;
  return y;
}

bool HasMetricSample(const std::string& text, const std::string& metric,
                     const std::vector<std::string>& labels, const std::string& value) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(metric + "{", 0) != 0) continue;
    bool all = line.size() > value.size() + 1 &&
               line.compare(line.size() - value.size() - 1, std::string::npos, " " + value) == 0;
    for (const std::string& l : labels) all = all && line.find(l) != std::string::npos;
    if (all) return true;
  }
  return false;
}

}  // namespace nxt::e2e
