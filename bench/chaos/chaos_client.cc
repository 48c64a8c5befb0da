// chaos_client: the data-plane half of bench/chaos/chaos.sh. Real clients of the
// clusters nxtd runs, reached on their bridge addresses (hostnames = container names,
// looked up through Docker):
//
//   chaos_client galera-setup  COMMON --user U --database D
//   chaos_client galera-write  COMMON --user U --database D --acks FILE [--rate 60]
//   chaos_client galera-check  COMMON --user U --database D
//   chaos_client galera-verify COMMON --user U --database D --acks FILE[,FILE...]
//   chaos_client redis-write   COMMON --acks FILE [--rate 60] [--writers 2] [--wait-ms 1000]
//   chaos_client redis-check   COMMON [--masters 3]
//   chaos_client redis-shard   COMMON [--slot 0]
//   chaos_client redis-verify  COMMON --acks FILE[,FILE...]
//   COMMON: --nodes NAME,NAME,... --password-file FILE [--docker-socket PATH]
//
// Writers run until SIGTERM/SIGINT and append every acknowledged write to --acks
// (chaos_support.h has the format). check: exit 0 when healthy, else 1 with the reason;
// it prints the node states either way. verify: prints "acked N missing M" (Galera: M is
// the most any node lacks, per node after it), exit 0; exit 2 when it cannot read.
// Other failures exit 2.
#include <mysql.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "bench/chaos/chaos_support.h"
#include "bench/chaos/galera_chaos.h"
#include "bench/chaos/redis_chaos.h"
#include "common/status_macros.h"

namespace nxt::bench::chaos {
namespace {

using Args = std::map<std::string, std::string>;

absl::StatusOr<double> NumberArg(const Args& args, const std::string& key, const char* fallback) {
  NXT_ASSIGN_OR_RETURN(std::string text, Arg(args, key, fallback));
  double value = 0;
  if (!absl::SimpleAtod(text, &value) || value <= 0) {
    return absl::InvalidArgumentError("--" + key + " wants a positive number");
  }
  return value;
}

absl::StatusOr<std::vector<std::string>> ListArg(const Args& args, const std::string& key) {
  NXT_ASSIGN_OR_RETURN(std::string text, Arg(args, key));
  return std::vector<std::string>(absl::StrSplit(text, ',', absl::SkipEmpty()));
}

absl::StatusOr<GaleraTarget> Galera(const Args& args) {
  GaleraTarget t;
  NXT_ASSIGN_OR_RETURN(t.nodes, ListArg(args, "nodes"));
  NXT_ASSIGN_OR_RETURN(t.user, Arg(args, "user"));
  NXT_ASSIGN_OR_RETURN(t.database, Arg(args, "database"));
  NXT_ASSIGN_OR_RETURN(std::string file, Arg(args, "password-file"));
  NXT_ASSIGN_OR_RETURN(t.password, ReadFirstLine(file));
  NXT_ASSIGN_OR_RETURN(t.docker_socket, Arg(args, "docker-socket", "/var/run/docker.sock"));
  return t;
}

absl::StatusOr<RedisTarget> Redis(const Args& args) {
  RedisTarget t;
  NXT_ASSIGN_OR_RETURN(t.nodes, ListArg(args, "nodes"));
  NXT_ASSIGN_OR_RETURN(std::string file, Arg(args, "password-file"));
  NXT_ASSIGN_OR_RETURN(t.password, ReadFirstLine(file));
  NXT_ASSIGN_OR_RETURN(t.docker_socket, Arg(args, "docker-socket", "/var/run/docker.sock"));
  return t;
}

absl::StatusOr<int> GaleraCommand(const std::string& cmd, const Args& args) {
  NXT_ASSIGN_OR_RETURN(GaleraTarget target, Galera(args));
  if (cmd == "galera-setup") {
    NXT_RETURN_IF_ERROR(CreateTable(target));
    return 0;
  }
  if (cmd == "galera-write") {
    NXT_ASSIGN_OR_RETURN(std::string path, Arg(args, "acks"));
    NXT_ASSIGN_OR_RETURN(double rate, NumberArg(args, "rate", "60"));
    NXT_ASSIGN_OR_RETURN(std::unique_ptr<AckLog> acks, AckLog::Open(path));
    std::printf("galera writers stopped: %lld acknowledged\n",
                static_cast<long long>(RunGaleraWriters(target, rate, *acks)));
    return 0;
  }
  if (cmd == "galera-check") {
    std::vector<std::string> states;
    const std::string reason = GaleraUnhealthy(target, states);
    std::printf("%s%s%s\n", absl::StrJoin(states, " ").c_str(), reason.empty() ? "" : " | ",
                reason.c_str());
    return reason.empty() ? 0 : 1;
  }
  NXT_ASSIGN_OR_RETURN(std::vector<std::string> files, ListArg(args, "acks"));
  NXT_ASSIGN_OR_RETURN(std::vector<std::string> ids, ReadAckedIds(files));
  NXT_ASSIGN_OR_RETURN(std::vector<int64_t> missing, GaleraMissing(target, ids));
  std::printf("acked %zu missing %lld (per node %s)\n", ids.size(),
              static_cast<long long>(*std::max_element(missing.begin(), missing.end())),
              absl::StrJoin(missing, ",").c_str());
  return 0;
}

absl::StatusOr<int> RedisCommand(const std::string& cmd, const Args& args) {
  NXT_ASSIGN_OR_RETURN(RedisTarget target, Redis(args));
  if (cmd == "redis-write") {
    NXT_ASSIGN_OR_RETURN(std::string path, Arg(args, "acks"));
    NXT_ASSIGN_OR_RETURN(double rate, NumberArg(args, "rate", "60"));
    NXT_ASSIGN_OR_RETURN(double writers, NumberArg(args, "writers", "2"));
    NXT_ASSIGN_OR_RETURN(double wait_ms, NumberArg(args, "wait-ms", "1000"));
    NXT_ASSIGN_OR_RETURN(std::unique_ptr<AckLog> acks, AckLog::Open(path));
    const int64_t n =
        RunRedisWriters(target, static_cast<int>(writers), rate, static_cast<int>(wait_ms), *acks);
    std::printf("redis writers stopped: %lld acknowledged\n", static_cast<long long>(n));
    return 0;
  }
  if (cmd == "redis-check") {
    NXT_ASSIGN_OR_RETURN(double masters, NumberArg(args, "masters", "3"));
    const std::string reason = RedisUnhealthy(target, static_cast<int>(masters));
    std::printf("%s\n", reason.empty() ? "healthy" : reason.c_str());
    return reason.empty() ? 0 : 1;
  }
  if (cmd == "redis-shard") {
    NXT_ASSIGN_OR_RETURN(std::string slot_text, Arg(args, "slot", "0"));
    int slot = 0;
    if (!absl::SimpleAtoi(slot_text, &slot)) {
      return absl::InvalidArgumentError("--slot wants a number");
    }
    NXT_ASSIGN_OR_RETURN(std::string shard, RedisShardOf(target, slot));
    std::printf("%s\n", shard.c_str());
    return 0;
  }
  NXT_ASSIGN_OR_RETURN(std::vector<std::string> files, ListArg(args, "acks"));
  NXT_ASSIGN_OR_RETURN(std::vector<std::string> keys, ReadAckedIds(files));
  NXT_ASSIGN_OR_RETURN(int64_t missing, RedisMissing(target, keys));
  std::printf("acked %zu missing %lld\n", keys.size(), static_cast<long long>(missing));
  return 0;
}

int Main(int argc, char** argv) {
  const std::string cmd = argc > 1 ? argv[1] : "";
  absl::StatusOr<Args> args = ParseArgs(argc, argv, 2);
  absl::StatusOr<int> rc = absl::InvalidArgumentError("unknown subcommand '" + cmd + "'");
  if (!args.ok()) {
    rc = args.status();
  } else if (cmd == "galera-setup" || cmd == "galera-write" || cmd == "galera-check" ||
             cmd == "galera-verify") {
    rc = GaleraCommand(cmd, *args);
  } else if (cmd == "redis-write" || cmd == "redis-check" || cmd == "redis-shard" ||
             cmd == "redis-verify") {
    rc = RedisCommand(cmd, *args);
  }
  if (!rc.ok()) {
    std::fprintf(stderr, "chaos_client %s: %s\n", cmd.c_str(), rc.status().ToString().c_str());
    return 2;
  }
  return *rc;
}

}  // namespace
}  // namespace nxt::bench::chaos

int main(int argc, char** argv) {
  if (mysql_library_init(0, nullptr, nullptr) != 0) {
    std::fprintf(stderr, "chaos_client: mysql_library_init failed\n");
    return 2;
  }
  nxt::bench::chaos::InstallStopHandler();
  const int rc = nxt::bench::chaos::Main(argc, argv);
  mysql_library_end();
  return rc;
}
