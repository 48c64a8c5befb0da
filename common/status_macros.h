// Status helpers that abseil 20220623 does not ship.
#ifndef NXT_COMMON_STATUS_MACROS_H_
#define NXT_COMMON_STATUS_MACROS_H_

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

// Returns `expr` from the enclosing function when it is not OK.
#define NXT_RETURN_IF_ERROR(expr)              \
  do {                                         \
    ::absl::Status nxt_status_ = (expr);       \
    if (!nxt_status_.ok()) return nxt_status_; \
  } while (false)

#define NXT_STATUS_CONCAT_INNER_(a, b) a##b
#define NXT_STATUS_CONCAT_(a, b) NXT_STATUS_CONCAT_INNER_(a, b)

// NXT_ASSIGN_OR_RETURN(auto x, StatusOrExpr()): assigns the value or returns the error.
#define NXT_ASSIGN_OR_RETURN(lhs, expr) \
  NXT_ASSIGN_OR_RETURN_IMPL_(NXT_STATUS_CONCAT_(nxt_statusor_, __LINE__), lhs, expr)
#define NXT_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr)    \
  auto statusor = (expr);                                  \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

namespace nxt {

// Returns `status` with `context: ` prepended to its message, keeping the code and the
// payloads (a terminal mark, a refusal's reason).
// Errors travel up as "galeracluster default/db: join db-3: docker start: HTTP 409 ...".
absl::Status Annotate(const absl::Status& status, const std::string& context);

template <typename T>
absl::StatusOr<T> Annotate(absl::StatusOr<T> result, const std::string& context) {
  if (result.ok()) return result;
  return Annotate(result.status(), context);
}

}  // namespace nxt

#endif  // NXT_COMMON_STATUS_MACROS_H_
