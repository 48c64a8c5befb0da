#include "resources/object.h"

#include <boost/json.hpp>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace nxt::resources {
namespace {

std::string ParentPath(const std::string& path) {
  if (!path.empty() && path.back() == ']') {
    size_t open = path.rfind('[');
    return open == std::string::npos ? "" : path.substr(0, open);
  }
  size_t dot = path.rfind('.');
  size_t open = path.rfind('[');
  if (dot == std::string::npos && open == std::string::npos) {
    return "";
  }
  return path.substr(0, dot == std::string::npos ? open : dot);
}

boost::json::object StringMap(const std::map<std::string, std::string>& map) {
  boost::json::object out;
  for (const auto& [k, v] : map) {
    out[k] = v;
  }
  return out;
}

std::string StringMember(const boost::json::object& json, const char* key) {
  const boost::json::value* v = json.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

}  // namespace

std::string ObjectKey::ToString() const { return absl::StrCat(kind, "/", namespace_, "/", name); }

std::string ObjectKey::NamespacedName() const { return absl::StrCat(namespace_, "/", name); }

std::optional<ObjectKey> ParseObjectKey(const std::string& text) {
  std::vector<std::string> parts = absl::StrSplit(text, '/');
  if (parts.size() != 3 || parts[0].empty() || parts[1].empty() || parts[2].empty()) {
    return std::nullopt;
  }
  return ObjectKey{parts[0], parts[1], parts[2]};
}

std::string SourcePosition::ToString() const {
  if (line <= 0) {
    return file;
  }
  std::string where = file.empty() ? "" : absl::StrCat(file, ":");
  return column > 0 ? absl::StrCat(where, line, ":", column) : absl::StrCat(where, line);
}

SourcePosition Object::PositionOf(const std::string& field_path) const {
  std::string path = field_path;
  while (!path.empty()) {
    auto it = field_positions.find(path);
    if (it != field_positions.end()) {
      return it->second;
    }
    path = ParentPath(path);
  }
  return source;
}

const Condition* ObjectStatus::FindCondition(const std::string& type) const {
  for (const Condition& c : conditions) {
    if (c.type == type) {
      return &c;
    }
  }
  return nullptr;
}

void ObjectStatus::SetCondition(Condition c) {
  for (Condition& existing : conditions) {
    if (existing.type == c.type) {
      if (existing.status == c.status) {
        c.last_transition_time = existing.last_transition_time;
      }
      existing = std::move(c);
      return;
    }
  }
  conditions.push_back(std::move(c));
}

boost::json::object ToJson(const Object& object) {
  boost::json::object metadata;
  metadata["name"] = object.metadata.name;
  metadata["namespace"] = object.metadata.namespace_;
  if (!object.metadata.labels.empty()) {
    metadata["labels"] = StringMap(object.metadata.labels);
  }
  if (!object.metadata.annotations.empty()) {
    metadata["annotations"] = StringMap(object.metadata.annotations);
  }
  metadata["generation"] = object.metadata.generation;
  if (!object.metadata.uid.empty()) {
    metadata["uid"] = object.metadata.uid;
  }
  if (object.metadata.creation_timestamp != absl::InfinitePast()) {
    metadata["creationTimestamp"] = FormatTimestamp(object.metadata.creation_timestamp);
  }
  if (object.metadata.deletion_timestamp != absl::InfinitePast()) {
    metadata["deletionTimestamp"] = FormatTimestamp(object.metadata.deletion_timestamp);
  }
  boost::json::object json;
  json["apiVersion"] = object.api_version;
  json["kind"] = object.kind;
  json["metadata"] = std::move(metadata);
  json["spec"] = object.spec;
  return json;
}

boost::json::object ToJson(const Condition& condition) {
  boost::json::object json;
  json["type"] = condition.type;
  json["status"] = condition.status;
  json["reason"] = condition.reason;
  json["message"] = condition.message;
  json["lastTransitionTime"] = FormatTimestamp(condition.last_transition_time);
  return json;
}

boost::json::object ToJson(const ObjectStatus& status) {
  boost::json::object json;
  json["observedGeneration"] = status.observed_generation;
  for (const auto& [key, value] : status.fields) {
    if (key != "observedGeneration" && key != "conditions") {
      json[key] = value;
    }
  }
  boost::json::array conditions;
  for (const Condition& c : status.conditions) {
    conditions.push_back(ToJson(c));
  }
  json["conditions"] = std::move(conditions);
  return json;
}

ObjectStatus StatusFromJson(const boost::json::object& json) {
  ObjectStatus status;
  for (const auto& [key, value] : json) {
    if (key == "observedGeneration") {
      if (value.is_int64()) {
        status.observed_generation = value.get_int64();
      }
    } else if (key == "conditions") {
      if (!value.is_array()) {
        continue;
      }
      for (const auto& item : value.get_array()) {
        if (!item.is_object()) {
          continue;
        }
        const boost::json::object& c = item.get_object();
        status.conditions.push_back({StringMember(c, "type"), StringMember(c, "status"),
                                     StringMember(c, "reason"), StringMember(c, "message"),
                                     ParseTimestamp(StringMember(c, "lastTransitionTime"))});
      }
    } else {
      status.fields[key] = value;
    }
  }
  return status;
}

std::string FormatTimestamp(absl::Time t) {
  if (t == absl::InfinitePast()) {
    return "";
  }
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%SZ", t, absl::UTCTimeZone());
}

absl::Time ParseTimestamp(const std::string& text) {
  absl::Time t;
  std::string error;
  if (text.empty() || !absl::ParseTime(absl::RFC3339_full, text, &t, &error)) {
    return absl::InfinitePast();
  }
  return t;
}

}  // namespace nxt::resources
