// The one mapping from Docker Engine HTTP answers (and transport failures) to canonical
// absl::Status codes. The code decides the caller's retry policy (STYLE.md rule 9).
#ifndef NXT_DOCKER_HTTP_STATUS_H_
#define NXT_DOCKER_HTTP_STATUS_H_

#include <string>

#include "absl/status/status.h"

namespace nxt::docker {

// What kind of call got the answer: a 409 means "name in use" only for creates.
enum class CallKind { kOther, kCreate };

// Maps an HTTP status of the engine to a Status:
//   2xx, 304 (not modified: already started / stopped) → OK
//   400 → InvalidArgument, 401/403 → PermissionDenied, 404 → NotFound,
//   409 → AlreadyExists for kCreate, FailedPrecondition otherwise,
//   5xx → Unavailable, anything else → Unknown.
// `call` describes the request ("docker start web-0"); the message reads
// "docker start web-0: HTTP 409: <engine message>".
absl::Status StatusFromHttp(int http_code, const std::string& engine_message,
                            const std::string& call, CallKind kind = CallKind::kOther);

// Maps a transport failure (no HTTP answer): timeouts → DeadlineExceeded, anything else
// (socket missing, connection refused or reset) → Unavailable.
absl::Status StatusFromTransport(bool timed_out, const std::string& detail,
                                 const std::string& call);

}  // namespace nxt::docker

#endif  // NXT_DOCKER_HTTP_STATUS_H_
