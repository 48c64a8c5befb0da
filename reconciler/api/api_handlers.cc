#include "reconciler/api/api_handlers.h"

#include <boost/json.hpp>
#include <exception>
#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "reconciler/api/api_json.h"
#include "reconciler/api/json_redact.h"
#include "reconciler/api/protocol.h"
#include "resources/manifest_reader.h"

namespace nxt::reconciler::api {
namespace {

using resources::KindInfo;
using resources::ObjectKey;

// Accepts every name of a kind, with or without the ".nxt.io" group suffix.
const KindInfo* FindKind(const resources::KindRegistry& kinds, const std::string& name) {
  std::string bare = name;
  if (absl::EndsWithIgnoreCase(bare, ".nxt.io")) bare.resize(bare.size() - 7);
  return bare.empty() ? nullptr : kinds.Find(bare);
}

ApiResponse UnknownKind(const std::string& name) {
  return ErrorResponse(400, "BadRequest",
                       "the server doesn't have a resource type \"" + name + "\"");
}

ApiResponse NotFound(const KindInfo& kind, const std::string& name) {
  return ErrorResponse(404, "NotFound", ResourceName(kind) + " \"" + name + "\" not found");
}

boost::json::object MetadataAndSpec(const resources::Object& object) {
  boost::json::object labels;
  for (const auto& [k, v] : object.metadata.labels) labels[k] = v;
  boost::json::object annotations;
  for (const auto& [k, v] : object.metadata.annotations) annotations[k] = v;
  return {{"metadata", {{"labels", std::move(labels)}, {"annotations", std::move(annotations)}}},
          {"spec", object.spec}};
}

// keys: [{kind, namespace?, name}] → `keys`; an error response when malformed.
std::optional<ApiResponse> KeysFromList(const resources::KindRegistry& kinds,
                                        const boost::json::value& list,
                                        std::vector<ObjectKey>& keys) {
  if (!list.is_array()) return ErrorResponse(400, "BadRequest", "keys: must be a list");
  for (const auto& item : list.as_array()) {
    const boost::json::object* o = item.if_object();
    auto field = [&](const char* name) -> std::string {
      const boost::json::value* v = o != nullptr ? o->if_contains(name) : nullptr;
      return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
    };
    if (field("kind").empty() || field("name").empty()) {
      return ErrorResponse(400, "BadRequest", "keys: each needs a kind and a name");
    }
    const KindInfo* kind = FindKind(kinds, field("kind"));
    if (kind == nullptr) return UnknownKind(field("kind"));
    std::string ns = field("namespace");
    keys.push_back({kind->kind, ns.empty() ? resources::kDefaultNamespace : ns, field("name")});
  }
  return std::nullopt;
}

// The keys of every document of `files`, valid or not, as long as kind and name can be
// read: deleting does not need a valid spec. 422 for documents without a key.
std::optional<ApiResponse> KeysFromFiles(const resources::KindRegistry& kinds,
                                         const std::vector<ApplyFile>& files,
                                         std::vector<ObjectKey>& keys) {
  std::vector<resources::FieldError> errors;
  for (const ApplyFile& f : files) {
    resources::ParseResult parsed = resources::ParseManifest(kinds, f.name, f.content);
    errors.insert(errors.end(), parsed.file_errors.begin(), parsed.file_errors.end());
    for (const auto& o : parsed.objects) keys.push_back(o.Key());
    for (const auto& d : parsed.invalid) {
      if (d.key.has_value()) {
        keys.push_back(*d.key);
      } else {
        errors.insert(errors.end(), d.errors.begin(), d.errors.end());
      }
    }
  }
  if (!errors.empty()) return FieldErrorsResponse(errors);
  return std::nullopt;
}

boost::json::array ChangesToJson(const std::vector<FieldChange>& changes) {
  boost::json::array out;
  for (const auto& c : changes) {
    boost::json::object change{{"path", c.path}};
    if (c.old_value.has_value()) change["old"] = *c.old_value;
    if (c.new_value.has_value()) change["new"] = *c.new_value;
    out.push_back(std::move(change));
  }
  return out;
}

}  // namespace

ApiHandlers::ApiHandlers(const Store& store, const resources::KindRegistry& kinds,
                         ApplyBackend& backend, Options options)
    : store_(store), kinds_(kinds), backend_(backend), options_(std::move(options)) {}

void ApiHandlers::SetPlanner(const std::string& kind, Planner planner) {
  planners_[kind] = std::move(planner);
}

ApiResponse ApiHandlers::Handle(const ApiRequest& request) const {
  try {
    return Dispatch(request);
  } catch (const std::exception& e) {
    return ErrorResponse(500, "InternalError", std::string("internal error: ") + e.what());
  } catch (...) {
    return ErrorResponse(500, "InternalError", "internal error");
  }
}

ApiResponse ApiHandlers::Dispatch(const ApiRequest& request) const {
  std::string path = request.target;
  std::string query;
  if (size_t q = path.find('?'); q != std::string::npos) {
    query = path.substr(q + 1);
    path.resize(q);
  }
  const bool get = request.method == "GET";
  const bool post = request.method == "POST";
  const std::string objects_prefix = std::string(kPathObjects) + "/";
  const std::string describe_prefix = std::string(kPathDescribe) + "/";
  if (path == kPathVersion) {
    if (get) return HandleVersion();
  } else if (path == kPathApply) {
    if (post) return HandleApply(request.body);
  } else if (path == kPathDelete) {
    if (post) return HandleDelete(request.body);
  } else if (path == kPathDiff) {
    if (post) return HandleDiff(request.body);
  } else if (path == kPathObjects) {
    if (get) return HandleList(query);
  } else if (path == kPathSource && source_ != nullptr) {
    if (get) return HandleSource();
  } else if (path == kPathSourceConfirm && source_ != nullptr) {
    if (post) return HandleSourceConfirm();
  } else if (absl::StartsWith(path, objects_prefix)) {
    if (get) return HandleGet(path.substr(objects_prefix.size()), /*describe=*/false);
  } else if (absl::StartsWith(path, describe_prefix)) {
    if (get) return HandleGet(path.substr(describe_prefix.size()), /*describe=*/true);
  } else {
    return ErrorResponse(404, "NotFound", "no such API path: " + path);
  }
  return ErrorResponse(405, "MethodNotAllowed",
                       "method " + request.method + " not allowed on " + path);
}

ApiResponse ApiHandlers::HandleVersion() const {
  return JsonResponse(200, boost::json::object{{"version", options_.server_version},
                                               {"apiVersion", resources::kApiVersion}});
}

ApiResponse ApiHandlers::HandleSource() const {
  const SourceReport report = source_->State();
  boost::json::array held;
  for (const resources::ObjectKey& key : report.held) held.push_back(KeyToJson(key));
  return JsonResponse(200, boost::json::object{{"dir", report.dir},
                                               {"current", report.current},
                                               {"recorded", report.recorded},
                                               {"heldReason", report.held_reason},
                                               {"held", std::move(held)}});
}

ApiResponse ApiHandlers::HandleSourceConfirm() const {
  absl::StatusOr<std::vector<resources::ObjectKey>> deleted = source_->Confirm();
  if (!deleted.ok()) return StatusResponse(deleted.status());
  boost::json::array items;
  for (const resources::ObjectKey& key : *deleted) items.push_back(KeyToJson(key));
  return JsonResponse(200, boost::json::object{{"deleted", std::move(items)}});
}

ApiResponse ApiHandlers::HandleApply(const std::string& body) const {
  absl::StatusOr<boost::json::object> json = ParseBody(body);
  if (!json.ok()) return ErrorResponse(400, "BadRequest", std::string(json.status().message()));
  absl::StatusOr<std::vector<ApplyFile>> files = ParseFiles(*json);
  if (!files.ok()) return ErrorResponse(400, "BadRequest", std::string(files.status().message()));
  bool dry_run = false;
  if (const boost::json::value* d = json->if_contains("dryRun"); d != nullptr) {
    if (!d->is_bool()) return ErrorResponse(400, "BadRequest", "dryRun: must be a boolean");
    dry_run = d->as_bool();
  }
  absl::StatusOr<ApplyReply> reply = backend_.Apply(*files, dry_run);
  if (!reply.ok()) return StatusResponse(reply.status());
  if (!reply->errors.empty()) return FieldErrorsResponse(reply->errors);
  boost::json::array results;
  for (const auto& r : reply->results) {
    boost::json::object item = KeyToJson(r.key);
    item["outcome"] = OutcomeName(r.outcome);
    results.push_back(std::move(item));
  }
  return JsonResponse(200,
                      boost::json::object{{"results", std::move(results)}, {"dryRun", dry_run}});
}

ApiResponse ApiHandlers::HandleList(const std::string& query) const {
  std::map<std::string, std::string> params = ParseQuery(query);
  std::string kind_name;
  if (auto it = params.find("kind"); it != params.end() && !it->second.empty()) {
    const KindInfo* kind = FindKind(kinds_, it->second);
    if (kind == nullptr) return UnknownKind(it->second);
    kind_name = kind->kind;
  }
  std::string ns;
  if (auto it = params.find("namespace"); it != params.end()) ns = it->second;
  boost::json::array items;
  for (const resources::ObjectPtr& object : store_.List(kind_name)) {
    if (!ns.empty() && object->metadata.namespace_ != ns) continue;
    items.push_back(boost::json::object{{"object", ObjectToJson(*object)},
                                        {"status", StatusToJson(store_.GetStatus(object->Key()))}});
  }
  return JsonResponse(200, boost::json::object{{"items", std::move(items)}});
}

ApiResponse ApiHandlers::HandleGet(const std::string& rest, bool describe) const {
  std::vector<std::string> parts = absl::StrSplit(rest, '/');
  if (parts.size() != 3 || parts[0].empty() || parts[1].empty() || parts[2].empty()) {
    return ErrorResponse(400, "BadRequest", "expected /{kind}/{namespace}/{name}");
  }
  for (auto& p : parts) p = PercentDecode(p);
  const KindInfo* kind = FindKind(kinds_, parts[0]);
  if (kind == nullptr) return UnknownKind(parts[0]);
  const ObjectKey key{kind->kind, parts[1], parts[2]};
  resources::ObjectPtr object = store_.Get(key);
  if (object == nullptr) return NotFound(*kind, key.name);
  boost::json::object out{{"object", ObjectToJson(*object)},
                          {"status", StatusToJson(store_.GetStatus(key))}};
  if (describe) {
    boost::json::array events;
    for (const Event& e : store_.Events(key)) events.push_back(EventToJson(e));
    boost::json::array errors;
    for (const auto& e : store_.ManifestErrors(key)) errors.emplace_back(e.ToString());
    out["events"] = std::move(events);
    out["manifestErrors"] = std::move(errors);
  }
  return JsonResponse(200, out);
}

ApiResponse ApiHandlers::HandleDelete(const std::string& body) const {
  absl::StatusOr<boost::json::object> json = ParseBody(body);
  if (!json.ok()) return ErrorResponse(400, "BadRequest", std::string(json.status().message()));
  std::vector<ObjectKey> keys;
  std::optional<ApiResponse> error;
  if (const boost::json::value* k = json->if_contains("keys"); k != nullptr) {
    error = KeysFromList(kinds_, *k, keys);
  } else {
    absl::StatusOr<std::vector<ApplyFile>> files = ParseFiles(*json);
    if (!files.ok()) {
      return ErrorResponse(400, "BadRequest",
                           "need keys or files: " + std::string(files.status().message()));
    }
    error = KeysFromFiles(kinds_, *files, keys);
  }
  if (error.has_value()) return *error;
  absl::StatusOr<std::vector<DeleteResult>> deleted = backend_.Delete(keys);
  if (!deleted.ok()) return StatusResponse(deleted.status());
  boost::json::array results;
  for (const DeleteResult& r : *deleted) {
    boost::json::object item = KeyToJson(r.key);
    item["outcome"] = r.deleted ? "deleted" : "notfound";
    results.push_back(std::move(item));
  }
  return JsonResponse(200, boost::json::object{{"results", std::move(results)}});
}

ApiResponse ApiHandlers::HandleDiff(const std::string& body) const {
  absl::StatusOr<boost::json::object> json = ParseBody(body);
  if (!json.ok()) return ErrorResponse(400, "BadRequest", std::string(json.status().message()));
  absl::StatusOr<std::vector<ApplyFile>> files = ParseFiles(*json);
  if (!files.ok()) return ErrorResponse(400, "BadRequest", std::string(files.status().message()));
  // The backend's dry run gives the exact validation and outcome an apply would.
  absl::StatusOr<ApplyReply> reply = backend_.Apply(*files, /*dry_run=*/true);
  if (!reply.ok()) return StatusResponse(reply.status());
  if (!reply->errors.empty()) return FieldErrorsResponse(reply->errors);
  std::map<ObjectKey, resources::Object> desired;
  for (const ApplyFile& f : *files) {
    resources::ParseResult parsed = resources::ParseManifest(kinds_, f.name, f.content);
    for (auto& o : parsed.objects) {
      ObjectKey key = o.Key();
      desired.emplace(std::move(key), std::move(o));
    }
  }
  boost::json::array results;
  for (const ApplyResult& r : reply->results) {
    auto it = desired.find(r.key);
    results.push_back(DiffOne(r, it != desired.end() ? &it->second : nullptr));
  }
  return JsonResponse(200, boost::json::object{{"results", std::move(results)}});
}

boost::json::object ApiHandlers::DiffOne(const ApplyResult& result,
                                         resources::Object* desired) const {
  boost::json::object item = KeyToJson(result.key);
  item["outcome"] = OutcomeName(result.outcome);
  item["changes"] = boost::json::array();
  item["actions"] = boost::json::array();
  if (desired == nullptr) return item;
  resources::ObjectPtr current = store_.Get(result.key);
  boost::json::value before = current != nullptr ? boost::json::value(MetadataAndSpec(*current))
                                                 : boost::json::value(boost::json::object());
  item["changes"] = ChangesToJson(DiffJson(before, MetadataAndSpec(*desired), ""));
  // The planner sees the object as the store would hold it after the apply.
  if (current != nullptr) {
    desired->metadata.uid = current->metadata.uid;
    desired->metadata.creation_timestamp = current->metadata.creation_timestamp;
    desired->metadata.generation =
        current->metadata.generation + (result.outcome == ApplyOutcome::kConfigured ? 1 : 0);
  } else {
    desired->metadata.generation = 1;
  }
  if (auto p = planners_.find(result.key.kind); p != planners_.end() && p->second) {
    boost::json::array actions;
    for (std::string& action : p->second(*desired)) actions.emplace_back(std::move(action));
    item["actions"] = std::move(actions);
  }
  return item;
}

}  // namespace nxt::reconciler::api
