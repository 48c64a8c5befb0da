#include "controllers/galeracluster/node_admin.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/logging.h"
#include "common/sha256.h"
#include "common/status_macros.h"
#include "controllers/common/adoption.h"
#include "controllers/common/owner.h"
#include "controllers/common/secret_store.h"
#include "controllers/galeracluster/render.h"

namespace nxt::galera {
namespace {

constexpr char kStatusQuery[] = "SHOW GLOBAL STATUS LIKE 'wsrep_%'";

// Prints has_data=1, sst_in_progress=1 and grastate.dat's lines (exit 0 in every case).
constexpr char kInspectScript[] =
    "d=/var/lib/mysql\n"
    "[ -d \"$d/mysql\" ] && echo has_data=1\n"
    "[ -e \"$d/sst_in_progress\" ] && echo sst_in_progress=1\n"
    "if [ -f \"$d/grastate.dat\" ]; then echo grastate=1; cat \"$d/grastate.dat\"; fi\n"
    "exit 0\n";

constexpr char kRecoverScript[] =
    "rm -f /tmp/wsrep-recover.log\n"
    "mariadbd --defaults-file=/etc/nxt/my.cnf --wsrep-recover "
    "--log-error=/tmp/wsrep-recover.log >/dev/null 2>&1\n"
    "cat /tmp/wsrep-recover.log\n";

constexpr char kInitScript[] =
    "if [ -d /var/lib/mysql/mysql ]; then echo existing; exit 0; fi\n"
    "mariadb-install-db --defaults-file=/etc/nxt/my.cnf --skip-test-db >/tmp/install.log 2>&1 "
    "|| { tail -n 20 /tmp/install.log; exit 1; }\n"
    "echo initialised\n";

// Rewrites grastate.dat in place from stdin (cat keeps the file's owner, mysql).
constexpr char kWriteGrastateScript[] = "cat > /var/lib/mysql/grastate.dat\n";

std::string Tail(const std::string& text) {
  return text.size() <= 600 ? text : text.substr(text.size() - 600);
}

}  // namespace

std::string ProvisionSql(const resources::GaleraClusterSpec& spec, const Passwords& p) {
  // Names match [A-Za-z0-9_]+ (schema) and passwords [A-Za-z0-9]+ (SecretStore): no quoting
  // problems are possible.
  std::string sql;
  auto user = [&sql](const std::string& name, const std::string& host, const std::string& pw) {
    absl::StrAppend(&sql, "CREATE USER IF NOT EXISTS '", name, "'@'", host, "' IDENTIFIED BY '", pw,
                    "';\nALTER USER '", name, "'@'", host, "' IDENTIFIED BY '", pw, "';\n");
  };
  if (!spec.database.empty()) {
    absl::StrAppend(&sql, "CREATE DATABASE IF NOT EXISTS `", spec.database,
                    "` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;\n");
  }
  if (!spec.user.empty()) {
    user(spec.user, "%", p.user);
    if (!spec.database.empty()) {
      absl::StrAppend(&sql, "GRANT ALL PRIVILEGES ON `", spec.database, "`.* TO '", spec.user,
                      "'@'%';\n");
    }
  }
  user(kHealthUser, "localhost", p.health);
  user(kHealthUser, "%", p.health);
  // What mariabackup needs on the donor (MariaDB's documented SST grants).
  user(kSstUser, "localhost", p.sst);
  absl::StrAppend(&sql, "GRANT RELOAD, PROCESS, LOCK TABLES, BINLOG MONITOR ON *.* TO '", kSstUser,
                  "'@'localhost';\n");
  absl::StrAppend(&sql,
                  "ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING "
                  "PASSWORD('",
                  p.root, "') OR unix_socket;\n");
  return sql;
}

std::string ProvisionHash(const resources::GaleraClusterSpec& spec, const Passwords& p) {
  using controllers::SecretStore;
  // "v2": the SQL's shape (v2 added the SST user); bump it when ProvisionSql changes.
  return Sha256Hex(absl::StrCat("v2\n", spec.database, "\n", spec.user, "\n",
                                SecretStore::Version(p.root), "\n", SecretStore::Version(p.user),
                                "\n", SecretStore::Version(p.health), "\n",
                                SecretStore::Version(p.sst)))
      .substr(0, 16);
}

NodeAdmin::NodeAdmin(docker::DockerClient& docker, Options options)
    : docker_(docker), options_(options) {}

bool NodeAdmin::Native() const {
  absl::MutexLock lock(&mu_);
  return options_.link != nullptr && !exec_only_;
}

absl::StatusOr<WsrepStatus> NodeAdmin::Probe(const std::string& container, const ProbeAuth& auth) {
  if (auth.as_root || !Native()) return ExecProbe(container, auth.as_root);
  absl::StatusOr<std::string> text =
      options_.link->Query(container, auth.network, kHealthUser, auth.health_password, kStatusQuery,
                           options_.native_timeout);
  if (text.ok()) return Annotate(ParseWsrepStatus(*text), absl::StrCat("probe ", container));
  // Refused, dropped or rejected: the node's own answer, as an exec probe would get it.
  if (!absl::IsDeadlineExceeded(text.status())) return text.status();
  absl::StatusOr<WsrepStatus> by_exec = ExecProbe(container, /*as_root=*/false);
  if (by_exec.ok()) {
    // The node serves but its address does not answer: the host does not reach the
    // bridge (nxtd in a container, a firewall). Exec from now on.
    {
      absl::MutexLock lock(&mu_);
      exec_only_ = true;
    }
    Log(LogLevel::kWarning, "galeracluster",
        "the host does not reach Galera nodes on their network; probing by docker exec",
        {{"node", container}, {"error", std::string(text.status().message())}});
  }
  return by_exec;
}

absl::StatusOr<WsrepStatus> NodeAdmin::ExecProbe(const std::string& container, bool as_root) {
  std::vector<std::string> cmd =
      as_root ? std::vector<std::string>{"mariadb", "--protocol=socket", "-uroot", "-N", "-B",
                                         "-e",      kStatusQuery}
              : std::vector<std::string>{
                    "mariadb", absl::StrCat("--defaults-extra-file=", kHealthConfigPath),
                    "-N",      "-B",
                    "-e",      kStatusQuery};
  NXT_ASSIGN_OR_RETURN(docker::ExecResult r, docker_.Exec(container, cmd, options_.probe_timeout));
  if (r.exit_code != 0) {
    return absl::UnavailableError(
        absl::StrCat("probe ", container, ": exit ", r.exit_code, ": ", Tail(r.stderr_text)));
  }
  return Annotate(ParseWsrepStatus(r.stdout_text), absl::StrCat("probe ", container));
}

absl::Status NodeAdmin::RootSql(const std::string& container, const std::string& sql,
                                const std::string& what) {
  NXT_ASSIGN_OR_RETURN(
      docker::ExecResult r,
      docker_.Exec(container, {"mariadb", "--protocol=socket", "-uroot", "-N", "-B"},
                   options_.probe_timeout, sql));
  if (r.exit_code != 0) {
    return absl::UnavailableError(
        absl::StrCat(what, " on ", container, ": exit ", r.exit_code, ": ", Tail(r.stderr_text)));
  }
  return absl::OkStatus();
}

absl::Status NodeAdmin::Provision(const std::string& container, const std::string& sql) {
  return RootSql(container, sql, "provision users");
}

absl::Status NodeAdmin::Evict(const std::string& survivor, const std::string& gcomm_uuid) {
  const bool well_formed =
      gcomm_uuid.size() == 36 && std::all_of(gcomm_uuid.begin(), gcomm_uuid.end(), [](char c) {
        return absl::ascii_isxdigit(static_cast<unsigned char>(c)) || c == '-';
      });
  if (!well_formed) return absl::InvalidArgumentError("not a gcomm UUID: " + gcomm_uuid);
  return RootSql(survivor,
                 absl::StrCat("SET GLOBAL wsrep_provider_options='evs.evict=", gcomm_uuid, "';"),
                 absl::StrCat("evict ", gcomm_uuid));
}

absl::StatusOr<int64_t> NodeAdmin::DataBytes(const std::string& container) {
  NXT_ASSIGN_OR_RETURN(docker::ExecResult r,
                       docker_.Exec(container,
                                    {"mariadb", "--protocol=socket", "-uroot", "-N", "-B", "-e",
                                     "SELECT COALESCE(SUM(data_length + index_length), 0) FROM "
                                     "information_schema.TABLES"},
                                    options_.probe_timeout));
  int64_t bytes = 0;
  if (r.exit_code != 0 || !absl::SimpleAtoi(absl::StripAsciiWhitespace(r.stdout_text), &bytes)) {
    return absl::UnavailableError(absl::StrCat("data size on ", container, ": exit ", r.exit_code,
                                               ": ", Tail(r.stderr_text)));
  }
  return bytes;
}

absl::StatusOr<docker::ExecResult> NodeAdmin::Sh(const std::string& container,
                                                 const std::string& script,
                                                 const std::string& stdin_data) {
  return docker_.Exec(container, {"sh", "-c", script}, options_.tool_timeout, stdin_data);
}

absl::Status NodeAdmin::WithTool(const resources::ObjectKey& key,
                                 const resources::GaleraClusterSpec& spec, int ordinal,
                                 const std::function<absl::Status(const std::string&)>& fn) {
  const std::string name = ToolName(key, ordinal);
  if (absl::Status s = docker_.RemoveContainer(name, true); !s.ok() && !absl::IsNotFound(s)) {
    return s;
  }
  NXT_RETURN_IF_ERROR(controllers::EnsureOwnedVolume(
      docker_, DataVolume(key, ordinal), controllers::OwnerLabels(key, kVolumeRole, ordinal)));
  absl::Status status = [&]() -> absl::Status {
    NXT_RETURN_IF_ERROR(docker_.CreateContainer(RenderTool(key, spec, ordinal)).status());
    NXT_RETURN_IF_ERROR(docker_.PutFile(name, kConfigPath, RenderMyCnf(key, spec, ordinal), 0644));
    NXT_RETURN_IF_ERROR(docker_.StartContainer(name));
    return fn(name);
  }();
  absl::Status removed = docker_.RemoveContainer(name, true);
  if (status.ok() && !removed.ok() && !absl::IsNotFound(removed)) status = removed;
  return status;
}

absl::Status NodeAdmin::InitDataDir(const resources::ObjectKey& key,
                                    const resources::GaleraClusterSpec& spec, int ordinal,
                                    bool* initialised) {
  return WithTool(key, spec, ordinal, [&](const std::string& tool) -> absl::Status {
    NXT_ASSIGN_OR_RETURN(docker::ExecResult r, Sh(tool, kInitScript));
    if (r.exit_code != 0) {
      return absl::InternalError(absl::StrCat("mariadb-install-db on ", NodeName(key, ordinal),
                                              ": exit ", r.exit_code, ": ", Tail(r.stdout_text),
                                              Tail(r.stderr_text)));
    }
    *initialised = absl::StrContains(r.stdout_text, "initialised");
    return absl::OkStatus();
  });
}

absl::StatusOr<NodeRecoveryInfo> NodeAdmin::Inspect(const resources::ObjectKey& key,
                                                    const resources::GaleraClusterSpec& spec,
                                                    int ordinal) {
  NodeRecoveryInfo info;
  info.ordinal = ordinal;
  info.volume_present = true;
  NXT_RETURN_IF_ERROR(WithTool(key, spec, ordinal, [&](const std::string& tool) -> absl::Status {
    NXT_ASSIGN_OR_RETURN(docker::ExecResult r, Sh(tool, kInspectScript));
    info.has_data = absl::StrContains(r.stdout_text, "has_data=1");
    info.sst_in_progress = absl::StrContains(r.stdout_text, "sst_in_progress=1");
    info.grastate_present = absl::StrContains(r.stdout_text, "grastate=1");
    if (info.grastate_present) {
      absl::StatusOr<GraState> g = ParseGrastate(r.stdout_text);
      if (!g.ok()) {
        info.grastate_present = false;  // unreadable: not eligible
        return absl::OkStatus();
      }
      info.grastate = *g;
    }
    if (!info.has_data || info.sst_in_progress || info.grastate.seqno >= 0) {
      return absl::OkStatus();
    }
    NXT_ASSIGN_OR_RETURN(docker::ExecResult rec, Sh(tool, kRecoverScript));
    info.recovered = true;
    if (std::optional<GraState> pos = ParseRecoveredPosition(rec.stdout_text)) {
      info.recovered_seqno = pos->seqno;
      info.recovered_uuid = pos->uuid;
    }
    return absl::OkStatus();
  }));
  return info;
}

absl::Status NodeAdmin::SetSafeToBootstrap(const resources::ObjectKey& key,
                                           const resources::GaleraClusterSpec& spec, int ordinal,
                                           bool value) {
  return WithTool(key, spec, ordinal, [&](const std::string& tool) -> absl::Status {
    NXT_ASSIGN_OR_RETURN(docker::ExecResult r, Sh(tool, "cat /var/lib/mysql/grastate.dat"));
    if (r.exit_code != 0) return absl::OkStatus();  // no grastate.dat: nothing to mark
    NXT_ASSIGN_OR_RETURN(docker::ExecResult w,
                         Sh(tool, kWriteGrastateScript, WithSafeToBootstrap(r.stdout_text, value)));
    if (w.exit_code != 0) {
      return absl::InternalError(absl::StrCat("write grastate.dat of ", NodeName(key, ordinal),
                                              ": exit ", w.exit_code, ": ", Tail(w.stderr_text)));
    }
    return absl::OkStatus();
  });
}

}  // namespace nxt::galera
