// The JSONPath subset of CRD printer columns, evaluated over an object's JSON (with its
// status under "status").
#ifndef NXT_CMD_NXTCTL_JSON_PATH_H_
#define NXT_CMD_NXTCTL_JSON_PATH_H_

#include <boost/json/value.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace nxt::nxtctl {

// Supports: ".a.b", "[0]", "[*]", ".*", "['key.with.dots']" / `["key"]`, and filters
// `[?(@.type=="Ready")]` (== or != against a quoted string, a number, true/false).
// Surrounding "{...}" (kubectl's template form) is accepted. Returns every match in
// document order (empty when nothing matches). InvalidArgument on a syntax error.
absl::StatusOr<std::vector<boost::json::value>> EvaluateJsonPath(const boost::json::value& root,
                                                                 const std::string& path);

}  // namespace nxt::nxtctl

#endif  // NXT_CMD_NXTCTL_JSON_PATH_H_
