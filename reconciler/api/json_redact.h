// Defence in depth for everything the local API returns: values of fields whose names
// look secret are replaced by "<redacted>", and spec changes are computed with the
// same rule so a diff can say "changed" without showing either value.
#ifndef NXT_RECONCILER_API_JSON_REDACT_H_
#define NXT_RECONCILER_API_JSON_REDACT_H_

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <vector>

namespace nxt::reconciler::api {

// Case-insensitive: contains "password", "passwd", "secret", "token", "credential",
// "apikey", "privatekey", or ends with "key"/"keys" ("key", "accessKey", "TLS_KEY").
bool LooksSecret(const std::string& field_name);

// Replaces, recursively, every string or number stored under a secret-looking member
// name (directly, or as an element of an array stored under one) by "<redacted>".
// Booleans and nulls are kept; objects under such a name are walked, not replaced
// (a `passwordSecretRef: {name: db}` keeps its shape).
void RedactSecrets(boost::json::value& value);

// One changed leaf between two JSON documents. Paths are like
// "spec.ports[0].hostPort" or `metadata.labels["app.kubernetes.io/name"]`.
struct FieldChange {
  std::string path;
  std::optional<boost::json::value> old_value;  // absent: added
  std::optional<boost::json::value> new_value;  // absent: removed
};

// Leaf-by-leaf differences (an empty object or array is a leaf). Values of
// secret-looking fields are reported as "<redacted>". Order: changes and removals in
// the old document's order, then additions in the new document's order.
std::vector<FieldChange> DiffJson(const boost::json::value& old_value,
                                  const boost::json::value& new_value,
                                  const std::string& root_path);

}  // namespace nxt::reconciler::api

#endif  // NXT_RECONCILER_API_JSON_REDACT_H_
