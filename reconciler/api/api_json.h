// JSON building blocks of the local API's answers (internal to reconciler/api).
#ifndef NXT_RECONCILER_API_API_JSON_H_
#define NXT_RECONCILER_API_API_JSON_H_

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "reconciler/api/api_backend.h"
#include "reconciler/api/api_handlers.h"
#include "reconciler/store.h"
#include "resources/kind_registry.h"
#include "resources/object.h"

namespace nxt::reconciler::api {

// ToJson(object) with secrets redacted.
boost::json::object ObjectToJson(const resources::Object& object);
// ToJson(status) with secrets redacted; {} when there is no status yet.
boost::json::object StatusToJson(const std::optional<resources::ObjectStatus>& status);
boost::json::object EventToJson(const Event& event);
boost::json::object KeyToJson(const resources::ObjectKey& key);

const char* OutcomeName(ApplyOutcome outcome);  // "created", "configured", "unchanged"
// "containersets.nxt.io": how kubectl names a kind in messages.
std::string ResourceName(const resources::KindInfo& kind);

ApiResponse JsonResponse(int http_status, const boost::json::value& body);
// {error, reason}
ApiResponse ErrorResponse(int http_status, const std::string& reason, const std::string& message);
// 422 {errors:[...]}
ApiResponse FieldErrorsResponse(const std::vector<resources::FieldError>& errors);
// Maps a backend failure: InvalidArgument 422, NotFound 404, Unavailable 503, others 500.
ApiResponse StatusResponse(const absl::Status& status);

// Parses a request body as a JSON object. InvalidArgument when it is not one.
absl::StatusOr<boost::json::object> ParseBody(const std::string& body);
// body.files: [{name, content}], at least one. InvalidArgument otherwise.
absl::StatusOr<std::vector<ApplyFile>> ParseFiles(const boost::json::object& body);

// "a=1&b=x%2Fy" → {a: "1", b: "x/y"}
std::map<std::string, std::string> ParseQuery(const std::string& query);
std::string PercentDecode(const std::string& text);

}  // namespace nxt::reconciler::api

#endif  // NXT_RECONCILER_API_API_JSON_H_
