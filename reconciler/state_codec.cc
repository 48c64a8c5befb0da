#include "reconciler/state_codec.h"

#include <algorithm>
#include <boost/json.hpp>
#include <utility>

#include "absl/strings/str_cat.h"

namespace nxt::reconciler {
namespace {

namespace json = boost::json;
using resources::FormatTimestamp;
using resources::ParseTimestamp;

json::value Sorted(const json::value& v) {
  if (const json::object* obj = v.if_object()) {
    std::vector<std::string> keys;
    keys.reserve(obj->size());
    for (const auto& member : *obj) {
      keys.emplace_back(member.key());
    }
    std::sort(keys.begin(), keys.end());
    json::object out;
    for (const std::string& k : keys) {
      out.emplace(k, Sorted(obj->at(k)));
    }
    return out;
  }
  if (const json::array* arr = v.if_array()) {
    json::array out;
    out.reserve(arr->size());
    for (const json::value& item : *arr) {
      out.push_back(Sorted(item));
    }
    return out;
  }
  return v;
}

json::object MapToJson(const std::map<std::string, std::string>& m) {
  json::object out;
  for (const auto& [k, v] : m) {
    out[k] = v;
  }
  return out;
}

std::string GetString(const json::object& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->value().is_string()) {
    return "";
  }
  return std::string(it->value().get_string());
}

int64_t GetInt(const json::object& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end()) {
    return 0;
  }
  const json::value& v = it->value();
  if (v.is_int64()) {
    return v.get_int64();
  }
  if (v.is_uint64()) {
    return static_cast<int64_t>(v.get_uint64());
  }
  if (v.is_double()) {
    return static_cast<int64_t>(v.get_double());
  }
  return 0;
}

const json::object* GetObject(const json::object& obj, const char* key) {
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : it->value().if_object();
}

std::map<std::string, std::string> GetStringMap(const json::object& obj, const char* key) {
  std::map<std::string, std::string> out;
  if (const json::object* m = GetObject(obj, key)) {
    for (const auto& member : *m) {
      if (member.value().is_string()) {
        out[std::string(member.key())] = std::string(member.value().get_string());
      }
    }
  }
  return out;
}

json::array EncodeEvents(const std::vector<Event>& events) {
  json::array out;
  for (const Event& e : events) {
    out.push_back(json::object{{"type", e.type},
                               {"reason", e.reason},
                               {"message", e.message},
                               {"count", e.count},
                               {"firstSeen", FormatTimestamp(e.first_seen)},
                               {"lastSeen", FormatTimestamp(e.last_seen)}});
  }
  return out;
}

std::vector<Event> DecodeEvents(const json::object& root) {
  std::vector<Event> out;
  auto it = root.find("events");
  if (it == root.end() || !it->value().is_array()) {
    return out;
  }
  for (const json::value& v : it->value().get_array()) {
    const json::object* e = v.if_object();
    if (e == nullptr) {
      continue;
    }
    out.push_back(Event{GetString(*e, "type"), GetString(*e, "reason"), GetString(*e, "message"),
                        static_cast<int>(GetInt(*e, "count")),
                        ParseTimestamp(GetString(*e, "firstSeen")),
                        ParseTimestamp(GetString(*e, "lastSeen"))});
  }
  return out;
}

}  // namespace

std::string CanonicalDesiredState(const resources::Object& object) {
  json::object root;
  root["annotations"] = MapToJson(object.metadata.annotations);
  root["labels"] = MapToJson(object.metadata.labels);
  root["spec"] = object.spec;
  return json::serialize(Sorted(root));
}

std::string EncodeRecord(const resources::Object& object, const resources::ObjectStatus& status,
                         const std::vector<Event>& events) {
  json::object root = resources::ToJson(object);
  if (json::object* metadata = root["metadata"].if_object()) {
    (*metadata)["deletionTimestamp"] = FormatTimestamp(object.metadata.deletion_timestamp);
  }
  root["source"] = json::object{
      {"file", object.source.file}, {"line", object.source.line}, {"column", object.source.column}};
  root["status"] = resources::ToJson(status);
  root["events"] = EncodeEvents(events);
  return json::serialize(root) + "\n";
}

absl::StatusOr<PersistedRecord> DecodeRecord(const std::string& text) {
  json::error_code ec;
  json::value parsed = json::parse(text, ec);
  if (ec || !parsed.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat("not a JSON object: ", ec.message()));
  }
  const json::object& root = parsed.get_object();
  const json::object* metadata = GetObject(root, "metadata");
  PersistedRecord out;
  resources::Object& obj = out.object;
  obj.kind = GetString(root, "kind");
  if (metadata == nullptr || obj.kind.empty() || GetString(*metadata, "name").empty()) {
    return absl::InvalidArgumentError("missing kind or metadata.name");
  }
  if (std::string api = GetString(root, "apiVersion"); !api.empty()) {
    obj.api_version = api;
  }
  obj.metadata.name = GetString(*metadata, "name");
  obj.metadata.namespace_ = GetString(*metadata, "namespace");
  if (obj.metadata.namespace_.empty()) {
    obj.metadata.namespace_ = resources::kDefaultNamespace;
  }
  obj.metadata.labels = GetStringMap(*metadata, "labels");
  obj.metadata.annotations = GetStringMap(*metadata, "annotations");
  obj.metadata.generation = GetInt(*metadata, "generation");
  obj.metadata.uid = GetString(*metadata, "uid");
  obj.metadata.creation_timestamp = ParseTimestamp(GetString(*metadata, "creationTimestamp"));
  obj.metadata.deletion_timestamp = ParseTimestamp(GetString(*metadata, "deletionTimestamp"));
  if (const json::object* spec = GetObject(root, "spec")) {
    obj.spec = *spec;
  }
  if (const json::object* source = GetObject(root, "source")) {
    obj.source.file = GetString(*source, "file");
    obj.source.line = static_cast<int>(GetInt(*source, "line"));
    obj.source.column = static_cast<int>(GetInt(*source, "column"));
  }
  if (const json::object* status = GetObject(root, "status")) {
    out.status = resources::StatusFromJson(*status);
  }
  out.events = DecodeEvents(root);
  return out;
}

}  // namespace nxt::reconciler
