#include "bench/chaos/galera_chaos.h"

#include <mysql.h>

#include <algorithm>
#include <memory>
#include <thread>
#include <unordered_set>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "tests/e2e/e2e_support.h"

namespace nxt::bench::chaos {
namespace {

// Connect / read / write timeouts (seconds). A node killed under a connection answers
// nothing at all, so the read timeout is how long a writer stays on a dead node.
constexpr unsigned kConnectTimeout = 3;
constexpr unsigned kIoTimeout = 5;
constexpr unsigned kReadBackTimeout = 60;

// One libmariadb connection to one node. Not thread-safe; one per thread.
class Connection {
 public:
  static absl::StatusOr<std::unique_ptr<Connection>> Open(docker::DockerClient& docker,
                                                          const GaleraTarget& target,
                                                          const std::string& node,
                                                          unsigned read_timeout = kIoTimeout) {
    NXT_ASSIGN_OR_RETURN(std::string address, NodeAddress(docker, node));
    std::unique_ptr<Connection> c(new Connection(mysql_init(nullptr)));
    if (c->mysql_ == nullptr) {
      return absl::ResourceExhaustedError("mysql_init");
    }
    mysql_options(c->mysql_, MYSQL_OPT_CONNECT_TIMEOUT, &kConnectTimeout);
    mysql_options(c->mysql_, MYSQL_OPT_READ_TIMEOUT, &read_timeout);
    mysql_options(c->mysql_, MYSQL_OPT_WRITE_TIMEOUT, &kIoTimeout);
    if (mysql_real_connect(c->mysql_, address.c_str(), target.user.c_str(), target.password.c_str(),
                           target.database.c_str(), 3306, nullptr, 0) == nullptr) {
      return absl::UnavailableError(absl::StrCat(node, ": connect: ", mysql_error(c->mysql_)));
    }
    return c;
  }
  ~Connection() {
    if (mysql_ != nullptr) {
      mysql_close(mysql_);
    }
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs `sql` (autocommit); every result row, first column to last, as text.
  absl::StatusOr<std::vector<std::vector<std::string>>> Query(const std::string& sql) {
    if (mysql_real_query(mysql_, sql.data(), sql.size()) != 0) {
      return absl::UnavailableError(mysql_error(mysql_));
    }
    std::vector<std::vector<std::string>> rows;
    MYSQL_RES* res = mysql_store_result(mysql_);
    if (res == nullptr) {
      if (mysql_field_count(mysql_) != 0) {
        return absl::UnavailableError(mysql_error(mysql_));
      }
      return rows;  // a statement without a result set
    }
    const unsigned fields = mysql_num_fields(res);
    while (MYSQL_ROW row = mysql_fetch_row(res)) {
      std::vector<std::string>& out = rows.emplace_back();
      for (unsigned i = 0; i < fields; ++i) {
        out.push_back(row[i] != nullptr ? row[i] : "");
      }
    }
    mysql_free_result(res);
    return rows;
  }

 private:
  explicit Connection(MYSQL* mysql) : mysql_(mysql) {}
  MYSQL* const mysql_;
};

// One writer: INSERTs through `node` every `interval_ms` until g_stop.
void WriteThrough(const GaleraTarget& target, int writer, const std::string& node,
                  int64_t interval_ms, AckLog& acks) {
  mysql_thread_init();
  std::unique_ptr<docker::CurlDockerClient> docker = e2e::NewDockerClient(target.docker_socket);
  const std::string prefix = absl::StrCat("g", writer, "-", NowMs(), "-");
  std::unique_ptr<Connection> conn;
  int64_t seq = 0;
  int64_t next_due = NowMs();
  while (!g_stop.load()) {
    if (conn == nullptr) {
      absl::StatusOr<std::unique_ptr<Connection>> c = Connection::Open(*docker, target, node);
      if (!c.ok()) {
        SleepUnlessStopped(200);
        continue;
      }
      conn = *std::move(c);
    }
    if (!SleepUnlessStopped(std::max<int64_t>(0, next_due - NowMs()))) {
      break;
    }
    next_due = std::max(next_due + interval_ms, NowMs());
    const std::string id = absl::StrCat(prefix, seq++);
    const int64_t start = NowMs();
    absl::StatusOr<std::vector<std::vector<std::string>>> r =
        conn->Query(absl::StrCat("INSERT INTO ", kGaleraTable, " (id, node, at_ms) VALUES ('", id,
                                 "', '", node, "', ", start, ")"));
    if (r.ok()) {
      acks.Append(id, start, NowMs(), -1);
    } else {
      conn.reset();  // the next round reconnects (the node may have gone)
    }
  }
  conn.reset();
  mysql_thread_end();
}

// The value of `name` in SHOW GLOBAL STATUS rows, "" when absent.
std::string StatusValue(const std::vector<std::vector<std::string>>& rows,
                        const std::string& name) {
  for (const auto& row : rows) {
    if (row.size() == 2 && row[0] == name) {
      return row[1];
    }
  }
  return "";
}

}  // namespace

absl::Status CreateTable(const GaleraTarget& target) {
  std::unique_ptr<docker::CurlDockerClient> docker = e2e::NewDockerClient(target.docker_socket);
  absl::Status last = absl::UnavailableError("no nodes");
  for (const std::string& node : target.nodes) {
    absl::StatusOr<std::unique_ptr<Connection>> c = Connection::Open(*docker, target, node);
    if (!c.ok()) {
      last = c.status();
      continue;
    }
    return (*c)
        ->Query(absl::StrCat("CREATE TABLE IF NOT EXISTS ", kGaleraTable,
                             " (id VARCHAR(64) PRIMARY KEY, node VARCHAR(64) NOT NULL, "
                             "at_ms BIGINT NOT NULL) ENGINE=InnoDB"))
        .status();
  }
  return last;
}

int64_t RunGaleraWriters(const GaleraTarget& target, double rate, AckLog& acks) {
  const int64_t interval_ms =
      std::max<int64_t>(1, static_cast<int64_t>(1000.0 * target.nodes.size() / rate));
  std::vector<std::thread> threads;
  for (size_t i = 0; i < target.nodes.size(); ++i) {
    threads.emplace_back(WriteThrough, std::cref(target), static_cast<int>(i),
                         std::cref(target.nodes[i]), interval_ms, std::ref(acks));
  }
  for (std::thread& t : threads) {
    t.join();
  }
  return acks.count();
}

std::string GaleraUnhealthy(const GaleraTarget& target, std::vector<std::string>& states) {
  std::unique_ptr<docker::CurlDockerClient> docker = e2e::NewDockerClient(target.docker_socket);
  std::string reason;
  for (const std::string& node : target.nodes) {
    absl::StatusOr<std::unique_ptr<Connection>> c = Connection::Open(*docker, target, node);
    absl::StatusOr<std::vector<std::vector<std::string>>> rows =
        c.ok() ? (*c)->Query("SHOW GLOBAL STATUS LIKE 'wsrep_%'") : c.status();
    if (!rows.ok()) {
      states.push_back(absl::StrCat(node, "=down"));
      if (reason.empty()) {
        reason = std::string(rows.status().message());
      }
      continue;
    }
    const std::string state = StatusValue(*rows, "wsrep_local_state_comment");
    const std::string size = StatusValue(*rows, "wsrep_cluster_size");
    const std::string primary = StatusValue(*rows, "wsrep_cluster_status");
    states.push_back(absl::StrCat(node, "=", state, "/", size));
    if (reason.empty() && (state != "Synced" || primary != "Primary" ||
                           size != std::to_string(target.nodes.size()))) {
      reason = absl::StrCat(node, ": ", state, ", ", primary, ", cluster size ", size);
    }
  }
  return reason;
}

absl::StatusOr<std::vector<int64_t>> GaleraMissing(const GaleraTarget& target,
                                                   const std::vector<std::string>& ids) {
  std::unique_ptr<docker::CurlDockerClient> docker = e2e::NewDockerClient(target.docker_socket);
  std::vector<int64_t> missing;
  for (const std::string& node : target.nodes) {
    NXT_ASSIGN_OR_RETURN(std::unique_ptr<Connection> c,
                         Connection::Open(*docker, target, node, kReadBackTimeout));
    NXT_RETURN_IF_ERROR(c->Query("SET SESSION wsrep_sync_wait=1").status());
    NXT_ASSIGN_OR_RETURN(auto rows, c->Query(absl::StrCat("SELECT id FROM ", kGaleraTable)));
    std::unordered_set<std::string> present;
    present.reserve(rows.size());
    for (auto& row : rows) {
      present.insert(std::move(row[0]));
    }
    missing.push_back(static_cast<int64_t>(std::count_if(
        ids.begin(), ids.end(), [&](const std::string& id) { return present.count(id) == 0; })));
  }
  return missing;
}

}  // namespace nxt::bench::chaos
