// ToManifestYaml: objects back to YAML manifests (for `nxtctl apply` to write).
#include <yaml-cpp/yaml.h>

#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <exception>

#include "absl/strings/str_cat.h"
#include "resources/manifest_reader.h"
#include "resources/yaml_json.h"

namespace nxt::resources {
namespace {

// A string is quoted when, written plain, it would read back as something else
// ("3", "true", "null", "") or would not be a valid plain scalar.
void EmitString(YAML::Emitter& out, const std::string& s) {
  if (!internal::ResolvePlainScalar(s).is_string()) {
    out << YAML::DoubleQuoted << s;
  } else {
    out << s;
  }
}

std::string FormatDouble(double d) {
  if (std::isnan(d)) {
    return ".nan";
  }
  if (std::isinf(d)) {
    return d > 0 ? ".inf" : "-.inf";
  }
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), d);
  std::string text(buffer, end);
  if (text.find_first_of(".eE") == std::string::npos) {
    text += ".0";  // keep it a float when read back
  }
  return text;
}

void EmitValue(YAML::Emitter& out, const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null:
      out << YAML::Null;
      break;
    case boost::json::kind::bool_:
      out << (v.get_bool() ? "true" : "false");
      break;
    case boost::json::kind::int64:
      out << absl::StrCat(v.get_int64());
      break;
    case boost::json::kind::uint64:
      out << absl::StrCat(v.get_uint64());
      break;
    case boost::json::kind::double_:
      out << FormatDouble(v.get_double());
      break;
    case boost::json::kind::string:
      EmitString(out, std::string(v.get_string()));
      break;
    case boost::json::kind::array:
      out << YAML::BeginSeq;
      for (const auto& item : v.get_array()) {
        EmitValue(out, item);
      }
      out << YAML::EndSeq;
      break;
    case boost::json::kind::object:
      out << YAML::BeginMap;
      for (const auto& [key, item] : v.get_object()) {
        out << YAML::Key;
        EmitString(out, std::string(key));
        out << YAML::Value;
        EmitValue(out, item);
      }
      out << YAML::EndMap;
      break;
  }
}

void EmitStringMap(YAML::Emitter& out, const char* name,
                   const std::map<std::string, std::string>& map) {
  if (map.empty()) {
    return;
  }
  out << YAML::Key << name << YAML::Value << YAML::BeginMap;
  for (const auto& [k, v] : map) {
    out << YAML::Key;
    EmitString(out, k);
    out << YAML::Value;
    EmitString(out, v);
  }
  out << YAML::EndMap;
}

}  // namespace

std::string ToManifestYaml(const Object& object) {
  try {
    YAML::Emitter out;
    out << YAML::BeginMap;
    out << YAML::Key << "apiVersion" << YAML::Value;
    EmitString(out, object.api_version);
    out << YAML::Key << "kind" << YAML::Value;
    EmitString(out, object.kind);
    out << YAML::Key << "metadata" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "name" << YAML::Value;
    EmitString(out, object.metadata.name);
    out << YAML::Key << "namespace" << YAML::Value;
    EmitString(out, object.metadata.namespace_);
    EmitStringMap(out, "labels", object.metadata.labels);
    EmitStringMap(out, "annotations", object.metadata.annotations);
    out << YAML::EndMap;
    out << YAML::Key << "spec" << YAML::Value;
    EmitValue(out, boost::json::value(object.spec));
    out << YAML::EndMap;
    return absl::StrCat(out.c_str(), "\n");
  } catch (const std::exception& e) {
    // The emitter only throws on misuse; keep the promise that nothing escapes.
    return absl::StrCat("# cannot render ", object.Key().ToString(), ": ", e.what(), "\n");
  }
}

}  // namespace nxt::resources
