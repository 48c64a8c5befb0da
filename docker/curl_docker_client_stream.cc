// CurlDockerClient: the calls that stream (Exec, StreamEvents) or upload (PutFile).
#include <cstdio>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "docker/curl_docker_client.h"
#include "docker/exec_stream.h"
#include "docker/hijack.h"
#include "docker/json_codec.h"
#include "docker/tar_writer.h"

namespace nxt::docker {
namespace {

std::string UnixNanosParam(absl::Time t) {
  int64_t nanos = absl::ToUnixNanos(t);
  return absl::StrCat(nanos / 1'000'000'000, ".", absl::StrFormat("%09d", nanos % 1'000'000'000));
}

}  // namespace

absl::StatusOr<ExecResult> CurlDockerClient::Exec(const std::string& id_or_name,
                                                  const std::vector<std::string>& cmd,
                                                  absl::Duration timeout,
                                                  const std::string& stdin_data) {
  absl::Time deadline = absl::Now() + timeout;
  std::string what = absl::StrCat("docker exec ", id_or_name);
  bool with_stdin = !stdin_data.empty();
  NXT_ASSIGN_OR_RETURN(std::string created,
                       Run({.method = "POST",
                            .endpoint = "/containers/{id}/exec",
                            .target = absl::StrCat("/containers/", UrlEscape(id_or_name), "/exec"),
                            .description = what,
                            .body = EncodeExecCreate(cmd, with_stdin)}));
  NXT_ASSIGN_OR_RETURN(std::string exec_id, DecodeId(created));
  NXT_ASSIGN_OR_RETURN(std::string prefix, Prefix());

  HijackRequest request{options_.socket_path,
                        absl::StrCat(prefix, "/exec/", exec_id, "/start"),
                        R"({"Detach":false,"Tty":false})",
                        with_stdin,
                        stdin_data,
                        deadline};
  ExecStreamDemuxer demuxer;
  absl::Time start = absl::Now();
  absl::StatusOr<HijackResponse> response = RunHijacked(request, &demuxer, what);
  Observe("POST", "/exec/{id}/start", response.ok() ? response->code : 0, start);
  if (!response.ok()) return response.status();
  if (response->code != 101 && response->code != 200) {
    return StatusFromHttp(response->code, EngineMessage(response->error_body), what);
  }
  ExecResult result;
  result.stdout_text = demuxer.TakeStdout();
  result.stderr_text = demuxer.TakeStderr();
  NXT_ASSIGN_OR_RETURN(result.exit_code, WaitExecExitCode(exec_id, what, deadline));
  return result;
}

absl::StatusOr<int> CurlDockerClient::WaitExecExitCode(const std::string& exec_id,
                                                       const std::string& what,
                                                       absl::Time deadline) {
  // The stream ends when the process closes its outputs; the engine records the exit
  // code a moment later, so poll briefly.
  absl::Duration pause = absl::Milliseconds(5);
  while (true) {
    NXT_ASSIGN_OR_RETURN(std::string body, Run({.method = "GET",
                                                .endpoint = "/exec/{id}/json",
                                                .target = absl::StrCat("/exec/", exec_id, "/json"),
                                                .description = what}));
    NXT_ASSIGN_OR_RETURN(ExecState state, DecodeExecState(body));
    if (!state.running && state.exit_code >= 0) return state.exit_code;
    if (absl::Now() + pause > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat(what, ": timed out (the process may still be running)"));
    }
    absl::SleepFor(pause);
    pause = std::min(pause * 2, absl::Milliseconds(200));
  }
}

absl::Status CurlDockerClient::PutFile(const std::string& id_or_name, const std::string& path,
                                       const std::string& content, int mode) {
  std::string what = absl::StrCat("docker put file ", id_or_name);
  if (path.empty() || path.front() != '/') {
    return absl::InvalidArgumentError(absl::StrCat(what, ": path must be absolute: ", path));
  }
  NXT_ASSIGN_OR_RETURN(
      std::string tar,
      Annotate(MakeSingleFileTar(path.substr(1), content, mode, absl::ToUnixSeconds(absl::Now())),
               what));
  return Run({.method = "PUT",
              .endpoint = "/containers/{id}/archive",
              .target = absl::StrCat("/containers/", UrlEscape(id_or_name), "/archive?path=%2F"),
              .description = what,
              .body = std::move(tar),
              .content_type = "application/x-tar"})
      .status();
}

absl::Status CurlDockerClient::StreamEvents(const LabelSelector& selector, const std::string& type,
                                            absl::Time since,
                                            const std::function<void(const Event&)>& on_event,
                                            const std::atomic<bool>& stop) {
  const std::string what = "docker events";
  NXT_ASSIGN_OR_RETURN(std::string prefix, Prefix());
  std::string target = absl::StrCat(prefix, "/events");
  std::string filters = EncodeFilters(selector, type);
  const char* sep = "?";
  if (!filters.empty()) {
    absl::StrAppend(&target, sep, "filters=", UrlEscape(filters));
    sep = "&";
  }
  if (since != absl::InfinitePast()) absl::StrAppend(&target, sep, "since=", UnixNanosParam(since));

  EventLineSplitter splitter(on_event);
  HttpRequest request{"GET", target, "", "application/json", options_.request_timeout};
  absl::Time start = absl::Now();
  absl::StatusOr<CurlTransport::StreamResult> result = transport_.Stream(
      request, [&](const char* data, size_t size) { splitter.Feed(data, size); }, stop, what);
  Observe("GET", "/events", result.ok() ? result->response.code : 0, start);
  if (!result.ok()) return result.status();
  if (result->stopped) return absl::OkStatus();
  int code = result->response.code;
  if (code != 200) {
    absl::Status s = StatusFromHttp(code, EngineMessage(result->response.body), what);
    if (!s.ok()) return s;
  }
  return absl::UnavailableError(
      absl::StrCat(what, ": stream ended", result->ended_by_error ? " (connection broken)" : ""));
}

}  // namespace nxt::docker
