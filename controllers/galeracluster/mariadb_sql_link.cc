#include "controllers/galeracluster/mariadb_sql_link.h"

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"

namespace nxt::galera {
namespace {

constexpr unsigned kPort = 3306;
constexpr char kIdentityQuery[] = "SELECT @@wsrep_node_name";

struct MysqlCloser {
  void operator()(MYSQL* m) const { mysql_close(m); }
};
using Connection = std::unique_ptr<MYSQL, MysqlCloser>;

struct ResultFree {
  void operator()(MYSQL_RES* r) const { mysql_free_result(r); }
};

// libmariadb's library set-up is not thread-safe; run it once before any connection.
void InitLibrary() {
  static std::once_flag once;
  std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

// The errno a failed TCP connect ends its message with: "... (111)".
int ConnectErrno(const char* message) {
  const absl::string_view text = absl::StripTrailingAsciiWhitespace(message);
  if (!absl::EndsWith(text, ")")) return 0;
  const size_t open = text.rfind('(');
  int err = 0;
  if (open == absl::string_view::npos ||
      !absl::SimpleAtoi(text.substr(open + 1, text.size() - open - 2), &err)) {
    return 0;
  }
  return err;
}

// How a failed connect or query maps to the SqlLink contract.
absl::Status Failure(MYSQL* m, const std::string& where) {
  const unsigned code = mysql_errno(m);
  const std::string message = absl::StrCat(where, ": ", mysql_error(m));
  if (code == ER_ACCESS_DENIED_ERROR || code == ER_DBACCESS_DENIED_ERROR) {
    return absl::PermissionDeniedError(message);
  }
  if (code == CR_CONNECTION_ERROR || code == CR_CONN_HOST_ERROR) {
    const int err = ConnectErrno(mysql_error(m));
    if (err == ETIMEDOUT || err == EHOSTUNREACH || err == ENETUNREACH || err == 0) {
      return absl::DeadlineExceededError(message);
    }
    return absl::UnavailableError(message);
  }
  if (code == CR_SERVER_GONE_ERROR || code == CR_SERVER_LOST || code == CR_SERVER_HANDSHAKE_ERR) {
    return absl::UnavailableError(message);
  }
  return absl::InternalError(message);
}

// Runs `sql` and prints its rows as `mariadb -N -B` does.
absl::StatusOr<std::string> Rows(MYSQL* m, const std::string& sql, const std::string& where) {
  if (mysql_real_query(m, sql.data(), sql.size()) != 0) return Failure(m, where);
  std::unique_ptr<MYSQL_RES, ResultFree> result(mysql_store_result(m));
  if (result == nullptr) {
    if (mysql_field_count(m) == 0) return std::string();
    return Failure(m, where);
  }
  const unsigned columns = mysql_num_fields(result.get());
  std::string out;
  while (MYSQL_ROW row = mysql_fetch_row(result.get())) {
    const unsigned long* lengths = mysql_fetch_lengths(result.get());
    for (unsigned i = 0; i < columns; ++i) {
      if (i > 0) out.push_back('\t');
      if (row[i] == nullptr) {
        out += "NULL";
      } else {
        out.append(row[i], lengths[i]);
      }
    }
    out.push_back('\n');
  }
  return out;
}

}  // namespace

MariadbSqlLink::MariadbSqlLink(docker::DockerClient& docker) : addresses_(docker) { InitLibrary(); }

MariadbSqlLink::Attempt MariadbSqlLink::QueryAt(const std::string& ip, const std::string& container,
                                                const std::string& user,
                                                const std::string& password, const std::string& sql,
                                                absl::Duration timeout) {
  const std::string where = absl::StrCat(container, " at ", ip, ":", kPort);
  Connection m(mysql_init(nullptr));
  if (m == nullptr) return {true, absl::ResourceExhaustedError("mysql_init: out of memory")};
  const unsigned seconds = static_cast<unsigned>(
      std::max<int64_t>(1, absl::ToInt64Seconds(absl::Ceil(timeout, absl::Seconds(1)))));
  const unsigned protocol = MYSQL_PROTOCOL_TCP;
  mysql_optionsv(m.get(), MYSQL_OPT_PROTOCOL, &protocol);
  mysql_optionsv(m.get(), MYSQL_OPT_CONNECT_TIMEOUT, &seconds);
  mysql_optionsv(m.get(), MYSQL_OPT_READ_TIMEOUT, &seconds);
  mysql_optionsv(m.get(), MYSQL_OPT_WRITE_TIMEOUT, &seconds);
  if (mysql_real_connect(m.get(), ip.c_str(), user.c_str(), password.c_str(), nullptr, kPort,
                         nullptr, 0) == nullptr) {
    return {false, Failure(m.get(), where)};
  }
  absl::StatusOr<std::string> name = Rows(m.get(), kIdentityQuery, where);
  if (!name.ok()) return {true, name.status()};
  const absl::string_view answered = absl::StripTrailingAsciiWhitespace(*name);
  if (answered != container) {
    return {false,
            absl::UnavailableError(absl::StrCat(where, " is ", answered, ", not ", container))};
  }
  return {true, Rows(m.get(), sql, where)};
}

absl::StatusOr<std::string> MariadbSqlLink::Query(const std::string& container,
                                                  const std::string& network,
                                                  const std::string& user,
                                                  const std::string& password,
                                                  const std::string& sql, absl::Duration timeout) {
  const std::optional<std::string> kept = addresses_.Kept(container);
  std::string ip;
  if (kept.has_value()) {
    ip = *kept;
  } else {
    NXT_ASSIGN_OR_RETURN(ip, addresses_.LookUp(container, network));
  }
  Attempt attempt = QueryAt(ip, container, user, password, sql, timeout);
  if (attempt.reached || !kept.has_value()) return std::move(attempt.result);
  // The kept address did not lead to the node: it may have restarted with another one.
  absl::StatusOr<std::string> fresh = addresses_.LookUp(container, network);
  if (!fresh.ok() || *fresh == ip) return std::move(attempt.result);
  return std::move(QueryAt(*fresh, container, user, password, sql, timeout).result);
}

}  // namespace nxt::galera
