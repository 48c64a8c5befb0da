// The local API's wire contract, shared by nxtd (server) and nxtctl (client).
//
// HTTP/1.1 over a Unix socket, JSON bodies, one request per connection, so that
// `curl --unix-socket /run/nxt/nxtd.sock http://nxtd/v1/version` works.
//
//   GET  /v1/version                          {version, apiVersion}
//   POST /v1/apply   {files:[{name,content}], dryRun}
//                    → 200 {results:[{kind,namespace,name,outcome}], dryRun}
//                    → 422 {errors:["file:line:col: path: message", ...]}
//   GET  /v1/objects?kind=K&namespace=N       {items:[{object, status}]}  (both optional)
//   GET  /v1/objects/{kind}/{namespace}/{name} {object, status}  | 404
//   GET  /v1/describe/{kind}/{namespace}/{name}
//                    {object, status, events:[...], manifestErrors:[...]}  | 404
//   POST /v1/delete  {files:[...]} or {keys:[{kind,namespace,name}]}
//                    → 200 {results:[{kind,namespace,name,outcome:"deleted"|"notfound"}]}
//   POST /v1/diff    {files:[...]}
//                    → 200 {results:[{kind,namespace,name,outcome,changes:[{path,old?,new?}],
//                                      actions:[...]}]}  | 422
//
// `kind` accepts every name of the kind (plural, singular, short, any case, optional
// ".nxt.io"). Errors other than 422 are {error, reason} with reason one of BadRequest,
// NotFound, MethodNotAllowed, RequestTooLarge, Unavailable, InternalError.
// Secret-looking fields are always "<redacted>" in answers.
#ifndef NXT_RECONCILER_API_PROTOCOL_H_
#define NXT_RECONCILER_API_PROTOCOL_H_

#include <cstddef>

#include "resources/manifest_reader.h"
#include "resources/object.h"

namespace nxt::reconciler::api {

inline constexpr char kDefaultSocketPath[] = "/run/nxt/nxtd.sock";
// The largest request body nxtd reads; above it the answer is 413 RequestTooLarge and the
// body is not read. Sized for one apply of a few files at their own limit
// (resources::kDefaultMaxManifestBytes, 1 MiB each), JSON-escaped.
inline constexpr size_t kMaxRequestBytes = 8 * resources::kDefaultMaxManifestBytes;  // 8 MiB
inline constexpr const auto& kRedacted = resources::kRedactedPlaceholder;

inline constexpr char kPathVersion[] = "/v1/version";
inline constexpr char kPathApply[] = "/v1/apply";
inline constexpr char kPathObjects[] = "/v1/objects";
inline constexpr char kPathDescribe[] = "/v1/describe";
inline constexpr char kPathDelete[] = "/v1/delete";
inline constexpr char kPathDiff[] = "/v1/diff";
// GET: the manifest directory, its record and what the source keeps on hold.
inline constexpr char kPathSource[] = "/v1/source";
// POST: accept the manifest directory as the source (deletes what no manifest defines).
inline constexpr char kPathSourceConfirm[] = "/v1/source/confirm";

}  // namespace nxt::reconciler::api

#endif  // NXT_RECONCILER_API_PROTOCOL_H_
