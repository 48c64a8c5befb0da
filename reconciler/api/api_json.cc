#include "reconciler/api/api_json.h"

#include <boost/json.hpp>

#include "absl/strings/str_split.h"
#include "reconciler/api/json_redact.h"

namespace nxt::reconciler::api {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

const char* ReasonFor(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kNotFound:
      return "NotFound";
    case absl::StatusCode::kUnavailable:
      return "Unavailable";
    case absl::StatusCode::kDeadlineExceeded:
      return "Timeout";
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAlreadyExists:
      return "Conflict";
    default:
      return "InternalError";
  }
}

}  // namespace

boost::json::object ObjectToJson(const resources::Object& object) {
  boost::json::value json = resources::ToJson(object);
  RedactSecrets(json);
  return std::move(json.as_object());
}

boost::json::object StatusToJson(const std::optional<resources::ObjectStatus>& status) {
  if (!status.has_value()) return {};
  boost::json::value json = resources::ToJson(*status);
  RedactSecrets(json);
  return std::move(json.as_object());
}

boost::json::object EventToJson(const Event& event) {
  return {{"type", event.type},
          {"reason", event.reason},
          {"message", event.message},
          {"count", event.count},
          {"firstSeen", resources::FormatTimestamp(event.first_seen)},
          {"lastSeen", resources::FormatTimestamp(event.last_seen)}};
}

boost::json::object KeyToJson(const resources::ObjectKey& key) {
  return {{"kind", key.kind}, {"namespace", key.namespace_}, {"name", key.name}};
}

const char* OutcomeName(ApplyOutcome outcome) {
  switch (outcome) {
    case ApplyOutcome::kCreated:
      return "created";
    case ApplyOutcome::kConfigured:
      return "configured";
    case ApplyOutcome::kUnchanged:
      return "unchanged";
  }
  return "unchanged";
}

std::string ResourceName(const resources::KindInfo& kind) { return kind.plural + ".nxt.io"; }

ApiResponse JsonResponse(int http_status, const boost::json::value& body) {
  return ApiResponse{http_status, boost::json::serialize(body)};
}

ApiResponse ErrorResponse(int http_status, const std::string& reason, const std::string& message) {
  return JsonResponse(http_status, boost::json::object{{"error", message}, {"reason", reason}});
}

ApiResponse FieldErrorsResponse(const std::vector<resources::FieldError>& errors) {
  boost::json::array list;
  for (const auto& e : errors) list.emplace_back(e.ToString());
  return JsonResponse(422, boost::json::object{{"errors", std::move(list)}});
}

ApiResponse StatusResponse(const absl::Status& status) {
  std::string message(status.message());
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
      return JsonResponse(422, boost::json::object{{"errors", boost::json::array{message}}});
    case absl::StatusCode::kNotFound:
      return ErrorResponse(404, "NotFound", message);
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return ErrorResponse(503, ReasonFor(status.code()), message);
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAlreadyExists:
      return ErrorResponse(409, ReasonFor(status.code()), message);
    default:
      return ErrorResponse(500, ReasonFor(status.code()), message);
  }
}

absl::StatusOr<boost::json::object> ParseBody(const std::string& body) {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(body, ec);
  if (ec) return absl::InvalidArgumentError("request body is not JSON: " + ec.message());
  if (!value.is_object()) return absl::InvalidArgumentError("request body must be a JSON object");
  return std::move(value.as_object());
}

absl::StatusOr<std::vector<ApplyFile>> ParseFiles(const boost::json::object& body) {
  const boost::json::value* files = body.if_contains("files");
  if (files == nullptr || !files->is_array() || files->as_array().empty()) {
    return absl::InvalidArgumentError("files: must be a non-empty list of {name, content}");
  }
  std::vector<ApplyFile> out;
  for (const auto& f : files->as_array()) {
    const boost::json::object* file = f.if_object();
    const boost::json::value* name = file != nullptr ? file->if_contains("name") : nullptr;
    const boost::json::value* content = file != nullptr ? file->if_contains("content") : nullptr;
    if (name == nullptr || !name->is_string() || name->as_string().empty() || content == nullptr ||
        !content->is_string()) {
      return absl::InvalidArgumentError("files[" + std::to_string(out.size()) +
                                        "]: must have a name and a content string");
    }
    out.push_back({std::string(name->as_string()), std::string(content->as_string())});
  }
  return out;
}

std::map<std::string, std::string> ParseQuery(const std::string& query) {
  std::map<std::string, std::string> out;
  for (absl::string_view part : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    std::pair<std::string, std::string> kv = absl::StrSplit(part, absl::MaxSplits('=', 1));
    out[PercentDecode(kv.first)] = PercentDecode(kv.second);
  }
  return out;
}

std::string PercentDecode(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
        HexValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2])));
      i += 2;
    } else if (text[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

}  // namespace nxt::reconciler::api
