// CurlDockerClient: request plumbing, version negotiation, containers, networks,
// volumes, images. Exec, PutFile and StreamEvents live in curl_docker_client_stream.cc.
#include "docker/curl_docker_client.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "docker/exec_stream.h"
#include "docker/json_codec.h"

namespace nxt::docker {
namespace {

std::string FilterQuery(const LabelSelector& selector, const std::string& type) {
  std::string filters = EncodeFilters(selector, type);
  return filters.empty() ? "" : absl::StrCat("filters=", UrlEscape(filters));
}

std::string WithQuery(std::string path, const std::string& query) {
  if (query.empty()) return path;
  return absl::StrCat(path, path.find('?') == std::string::npos ? "?" : "&", query);
}

}  // namespace

CurlDockerClient::CurlDockerClient(Options options)
    : options_(std::move(options)), transport_(options_.socket_path) {}

void CurlDockerClient::Observe(const std::string& method, const std::string& endpoint, int code,
                               absl::Time start) const {
  if (options_.observer != nullptr) {
    options_.observer->OnRequest(method, endpoint, code, absl::Now() - start);
  }
}

absl::StatusOr<std::string> CurlDockerClient::Prefix() {
  {
    absl::MutexLock lock(&mu_);
    if (!api_version_.empty()) return absl::StrCat("/v", api_version_);
  }
  NXT_ASSIGN_OR_RETURN(VersionInfo engine, Version());
  std::string chosen = CompareApiVersions(engine.api_version, kMaxApiVersion) < 0
                           ? engine.api_version
                           : std::string(kMaxApiVersion);
  absl::MutexLock lock(&mu_);
  api_version_ = chosen;
  return absl::StrCat("/v", api_version_);
}

absl::StatusOr<std::string> CurlDockerClient::ApiVersion() {
  NXT_ASSIGN_OR_RETURN(std::string prefix, Prefix());
  return prefix.substr(2);
}

absl::StatusOr<HttpResponse> CurlDockerClient::Send(const Call& call) {
  std::string prefix;
  if (call.versioned) {
    NXT_ASSIGN_OR_RETURN(prefix, Prefix());
  }
  HttpRequest request{
      call.method, prefix + call.target, call.body, call.content_type,
      call.timeout > absl::ZeroDuration() ? call.timeout : options_.request_timeout};
  absl::Time start = absl::Now();
  absl::StatusOr<HttpResponse> response = transport_.Do(request, call.description);
  Observe(call.method, call.endpoint, response.ok() ? response->code : 0, start);
  return response;
}

absl::StatusOr<std::string> CurlDockerClient::Run(const Call& call) {
  NXT_ASSIGN_OR_RETURN(HttpResponse response, Send(call));
  NXT_RETURN_IF_ERROR(
      StatusFromHttp(response.code, EngineMessage(response.body), call.description, call.kind));
  return std::move(response.body);
}

absl::StatusOr<VersionInfo> CurlDockerClient::Version() {
  NXT_ASSIGN_OR_RETURN(std::string body, Run({.method = "GET",
                                              .endpoint = "/version",
                                              .target = "/version",
                                              .description = "docker version",
                                              .versioned = false}));
  return DecodeVersion(body);
}

absl::Status CurlDockerClient::Ping() {
  return Run({.method = "GET",
              .endpoint = "/_ping",
              .target = "/_ping",
              .description = "docker ping",
              .versioned = false})
      .status();
}

absl::StatusOr<std::vector<ContainerSummary>> CurlDockerClient::ListContainers(
    const LabelSelector& selector) {
  NXT_ASSIGN_OR_RETURN(
      std::string body,
      Run({.method = "GET",
           .endpoint = "/containers/json",
           .target = WithQuery("/containers/json?all=1", FilterQuery(selector, "")),
           .description = "docker list containers"}));
  return DecodeContainerList(body);
}

absl::StatusOr<ContainerInfo> CurlDockerClient::InspectContainer(const std::string& id_or_name) {
  NXT_ASSIGN_OR_RETURN(std::string body,
                       Run({.method = "GET",
                            .endpoint = "/containers/{id}/json",
                            .target = absl::StrCat("/containers/", UrlEscape(id_or_name), "/json"),
                            .description = absl::StrCat("docker inspect ", id_or_name)}));
  return DecodeContainerInfo(body);
}

absl::StatusOr<std::string> CurlDockerClient::CreateContainer(const ContainerSpec& spec) {
  NXT_ASSIGN_OR_RETURN(
      std::string body,
      Run({.method = "POST",
           .endpoint = "/containers/create",
           .target = absl::StrCat("/containers/create?name=", UrlEscape(spec.name)),
           .description = absl::StrCat("docker create ", spec.name),
           .body = EncodeCreateContainer(spec),
           .kind = CallKind::kCreate}));
  NXT_ASSIGN_OR_RETURN(std::string id, DecodeId(body));
  if (absl::Status s = ConnectExtraNetworks(spec, id); !s.ok()) {
    // Leave nothing half-made behind: the caller retries the whole create.
    RemoveContainer(id, /*force=*/true).IgnoreError();
    return s;
  }
  return id;
}

absl::Status CurlDockerClient::ConnectExtraNetworks(const ContainerSpec& spec,
                                                    const std::string& id) {
  if (!spec.network_mode.empty()) return absl::OkStatus();
  for (size_t i = 1; i < spec.networks.size(); ++i) {
    const std::string& network = spec.networks[i];
    NXT_RETURN_IF_ERROR(
        Run({.method = "POST",
             .endpoint = "/networks/{id}/connect",
             .target = absl::StrCat("/networks/", UrlEscape(network), "/connect"),
             .description = absl::StrCat("docker network connect ", network, " ", spec.name),
             .body = EncodeNetworkConnect(id, spec.network_aliases)})
            .status());
  }
  return absl::OkStatus();
}

absl::Status CurlDockerClient::StartContainer(const std::string& id_or_name) {
  return Run({.method = "POST",
              .endpoint = "/containers/{id}/start",
              .target = absl::StrCat("/containers/", UrlEscape(id_or_name), "/start"),
              .description = absl::StrCat("docker start ", id_or_name)})
      .status();
}

absl::Status CurlDockerClient::StopContainer(const std::string& id_or_name,
                                             absl::Duration timeout) {
  int64_t seconds =
      std::max<int64_t>(0, absl::ToInt64Seconds(absl::Ceil(timeout, absl::Seconds(1))));
  return Run({.method = "POST",
              .endpoint = "/containers/{id}/stop",
              .target = absl::StrCat("/containers/", UrlEscape(id_or_name), "/stop?t=", seconds),
              .description = absl::StrCat("docker stop ", id_or_name),
              .timeout = options_.request_timeout + absl::Seconds(seconds)})
      .status();
}

absl::Status CurlDockerClient::KillContainer(const std::string& id_or_name,
                                             const std::string& signal) {
  return Run({.method = "POST",
              .endpoint = "/containers/{id}/kill",
              .target = absl::StrCat("/containers/", UrlEscape(id_or_name),
                                     "/kill?signal=", UrlEscape(signal)),
              .description = absl::StrCat("docker kill ", id_or_name)})
      .status();
}

absl::Status CurlDockerClient::SetRestartPolicy(const std::string& id_or_name,
                                                const std::string& policy) {
  return Run({.method = "POST",
              .endpoint = "/containers/{id}/update",
              .target = absl::StrCat("/containers/", UrlEscape(id_or_name), "/update"),
              .description = absl::StrCat("docker update --restart ", policy, " ", id_or_name),
              .body = EncodeRestartPolicyUpdate(policy)})
      .status();
}

absl::Status CurlDockerClient::RemoveContainer(const std::string& id_or_name, bool force) {
  return Run({.method = "DELETE",
              .endpoint = "/containers/{id}",
              .target = absl::StrCat("/containers/", UrlEscape(id_or_name),
                                     "?v=0&force=", force ? "1" : "0"),
              .description = absl::StrCat("docker rm ", id_or_name)})
      .status();
}

absl::StatusOr<std::vector<NetworkInfo>> CurlDockerClient::ListNetworks(
    const LabelSelector& selector) {
  NXT_ASSIGN_OR_RETURN(std::string body,
                       Run({.method = "GET",
                            .endpoint = "/networks",
                            .target = WithQuery("/networks", FilterQuery(selector, "")),
                            .description = "docker list networks"}));
  return DecodeNetworkList(body);
}

absl::Status CurlDockerClient::CreateNetwork(const std::string& name,
                                             const std::map<std::string, std::string>& labels,
                                             const std::string& subnet) {
  absl::Status s = Run({.method = "POST",
                        .endpoint = "/networks/create",
                        .target = "/networks/create",
                        .description = absl::StrCat("docker network create ", name,
                                                    subnet.empty() ? "" : " --subnet ", subnet),
                        .body = EncodeCreateNetwork(name, labels, subnet),
                        .kind = CallKind::kCreate})
                       .status();
  if (absl::IsAlreadyExists(s)) return absl::OkStatus();
  return s;
}

absl::Status CurlDockerClient::RemoveNetwork(const std::string& name) {
  return Run({.method = "DELETE",
              .endpoint = "/networks/{id}",
              .target = absl::StrCat("/networks/", UrlEscape(name)),
              .description = absl::StrCat("docker network rm ", name)})
      .status();
}

absl::StatusOr<NetworkInfo> CurlDockerClient::InspectNetwork(const std::string& name) {
  const std::string description = absl::StrCat("docker network inspect ", name);
  NXT_ASSIGN_OR_RETURN(std::string body, Run({.method = "GET",
                                              .endpoint = "/networks/{id}",
                                              .target = absl::StrCat("/networks/", UrlEscape(name)),
                                              .description = description}));
  NXT_ASSIGN_OR_RETURN(NetworkInfo info, DecodeNetworkInfo(body));
  // The engine also answers for an id prefix: only the exact name counts.
  if (info.name != name) {
    return absl::NotFoundError(absl::StrCat(description, ": no network has that name"));
  }
  return info;
}

absl::StatusOr<std::vector<VolumeInfo>> CurlDockerClient::ListVolumes(
    const LabelSelector& selector) {
  NXT_ASSIGN_OR_RETURN(std::string body,
                       Run({.method = "GET",
                            .endpoint = "/volumes",
                            .target = WithQuery("/volumes", FilterQuery(selector, "")),
                            .description = "docker list volumes"}));
  return DecodeVolumeList(body);
}

absl::Status CurlDockerClient::CreateVolume(const std::string& name,
                                            const std::map<std::string, std::string>& labels) {
  // The engine answers 201 with the existing volume when the name is taken.
  absl::Status s = Run({.method = "POST",
                        .endpoint = "/volumes/create",
                        .target = "/volumes/create",
                        .description = absl::StrCat("docker volume create ", name),
                        .body = EncodeCreateVolume(name, labels),
                        .kind = CallKind::kCreate})
                       .status();
  if (absl::IsAlreadyExists(s)) return absl::OkStatus();
  return s;
}

absl::Status CurlDockerClient::RemoveVolume(const std::string& name) {
  return Run({.method = "DELETE",
              .endpoint = "/volumes/{name}",
              .target = absl::StrCat("/volumes/", UrlEscape(name)),
              .description = absl::StrCat("docker volume rm ", name)})
      .status();
}

absl::StatusOr<VolumeInfo> CurlDockerClient::InspectVolume(const std::string& name) {
  NXT_ASSIGN_OR_RETURN(std::string body,
                       Run({.method = "GET",
                            .endpoint = "/volumes/{name}",
                            .target = absl::StrCat("/volumes/", UrlEscape(name)),
                            .description = absl::StrCat("docker volume inspect ", name)}));
  return DecodeVolumeInfo(body);
}

absl::StatusOr<ImageInfo> CurlDockerClient::InspectImage(const std::string& name) {
  // Image references keep their '/' and ':' (the engine routes /images/{name:.*}/json).
  NXT_ASSIGN_OR_RETURN(std::string body,
                       Run({.method = "GET",
                            .endpoint = "/images/{name}/json",
                            .target = absl::StrCat("/images/", name, "/json"),
                            .description = absl::StrCat("docker image inspect ", name)}));
  return DecodeImageInfo(body);
}

absl::StatusOr<std::vector<std::string>> CurlDockerClient::Top(const std::string& id_or_name) {
  NXT_ASSIGN_OR_RETURN(std::string body,
                       Run({.method = "GET",
                            .endpoint = "/containers/{id}/top",
                            .target = absl::StrCat("/containers/", UrlEscape(id_or_name), "/top"),
                            .description = absl::StrCat("docker top ", id_or_name)}));
  return DecodeTop(body);
}

absl::StatusOr<std::string> CurlDockerClient::Logs(const std::string& id_or_name, absl::Time since,
                                                   int tail) {
  std::string query = absl::StrCat("stdout=1&stderr=1&tail=", tail);
  if (since != absl::InfinitePast()) absl::StrAppend(&query, "&since=", absl::ToUnixSeconds(since));
  NXT_ASSIGN_OR_RETURN(
      std::string body,
      Run({.method = "GET",
           .endpoint = "/containers/{id}/logs",
           .target = WithQuery(absl::StrCat("/containers/", UrlEscape(id_or_name), "/logs"), query),
           .description = absl::StrCat("docker logs ", id_or_name)}));
  return LogPayload(body);
}

}  // namespace nxt::docker
