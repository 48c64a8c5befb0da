#include "reconciler/api/json_redact.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <map>

#include "reconciler/api/protocol.h"

namespace nxt::reconciler::api {
namespace {

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool IsRedactable(const boost::json::value& v) { return v.is_string() || v.is_number(); }

void RedactValue(boost::json::value& v, bool secret);

void RedactObject(boost::json::object& object) {
  for (auto& member : object) {
    RedactValue(member.value(), LooksSecret(std::string(member.key())));
  }
}

// `secret`: the member name holding `v` looks secret.
void RedactValue(boost::json::value& v, bool secret) {
  if (IsRedactable(v)) {
    if (secret) v = kRedacted;
  } else if (v.is_object()) {
    RedactObject(v.as_object());
  } else if (v.is_array()) {
    for (auto& element : v.as_array()) {
      if (IsRedactable(element)) {
        if (secret) element = kRedacted;
      } else {
        RedactValue(element, false);
      }
    }
  }
}

bool IsPlainKey(const std::string& key) {
  if (key.empty()) return false;
  return std::all_of(key.begin(), key.end(),
                     [](unsigned char c) { return std::isalnum(c) != 0 || c == '_' || c == '-'; });
}

std::string MemberPath(const std::string& parent, const std::string& key) {
  if (IsPlainKey(key)) return parent.empty() ? key : parent + "." + key;
  return parent + "[" + boost::json::serialize(boost::json::value(key)) + "]";
}

struct Leaf {
  boost::json::value value;
  bool secret = false;
};

using LeafList = std::vector<std::pair<std::string, Leaf>>;

void Flatten(const boost::json::value& v, const std::string& path, bool secret, LeafList& out) {
  if (v.is_object() && !v.as_object().empty()) {
    for (const auto& member : v.as_object()) {
      std::string key(member.key());
      Flatten(member.value(), MemberPath(path, key), LooksSecret(key), out);
    }
  } else if (v.is_array() && !v.as_array().empty()) {
    const auto& array = v.as_array();
    for (size_t i = 0; i < array.size(); ++i) {
      // Scalars inherit the array's name; nested objects start afresh.
      bool element_secret = secret && IsRedactable(array[i]);
      Flatten(array[i], path + "[" + std::to_string(i) + "]", element_secret, out);
    }
  } else {
    out.push_back({path, Leaf{v, secret && IsRedactable(v)}});
  }
}

boost::json::value Shown(const Leaf& leaf) {
  return leaf.secret ? boost::json::value(kRedacted) : leaf.value;
}

}  // namespace

bool LooksSecret(const std::string& field_name) {
  std::string n = field_name;
  std::transform(n.begin(), n.end(), n.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* word :
       {"password", "passwd", "secret", "token", "credential", "apikey", "privatekey"}) {
    if (n.find(word) != std::string::npos) return true;
  }
  return EndsWith(n, "key") || EndsWith(n, "keys");
}

void RedactSecrets(boost::json::value& value) { RedactValue(value, false); }

std::vector<FieldChange> DiffJson(const boost::json::value& old_value,
                                  const boost::json::value& new_value,
                                  const std::string& root_path) {
  LeafList old_leaves;
  LeafList new_leaves;
  Flatten(old_value, root_path, false, old_leaves);
  Flatten(new_value, root_path, false, new_leaves);
  std::map<std::string, const Leaf*> new_by_path;
  for (const auto& [path, leaf] : new_leaves) new_by_path[path] = &leaf;
  std::map<std::string, const Leaf*> old_by_path;
  for (const auto& [path, leaf] : old_leaves) old_by_path[path] = &leaf;

  std::vector<FieldChange> changes;
  for (const auto& [path, leaf] : old_leaves) {
    auto it = new_by_path.find(path);
    if (it == new_by_path.end()) {
      changes.push_back({path, Shown(leaf), std::nullopt});
    } else if (it->second->value != leaf.value) {
      changes.push_back({path, Shown(leaf), Shown(*it->second)});
    }
  }
  for (const auto& [path, leaf] : new_leaves) {
    if (old_by_path.count(path) == 0) changes.push_back({path, std::nullopt, Shown(leaf)});
  }
  return changes;
}

}  // namespace nxt::reconciler::api
