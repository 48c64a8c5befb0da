#include "controllers/rediscluster/admin.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "controllers/rediscluster/render.h"

namespace nxt::rediscluster {
namespace {

constexpr absl::Duration kExecSlack = absl::Seconds(5);

bool IsErrorLine(absl::string_view line) {
  static const char* const kPrefixes[] = {"ERR ",
                                          "NOAUTH",
                                          "WRONGPASS",
                                          "READONLY",
                                          "LOADING",
                                          "CLUSTERDOWN",
                                          "MASTERDOWN",
                                          "BUSY",
                                          "NOPERM",
                                          "MOVED ",
                                          "ASK ",
                                          "TRYAGAIN",
                                          "CROSSSLOT",
                                          "[ERR]",
                                          "I/O error",
                                          "Error:",
                                          "Could not connect",
                                          "AUTH failed",
                                          "Unrecognized option",
                                          "Node "};
  for (const char* prefix : kPrefixes) {
    if (absl::StartsWith(line, prefix)) {
      // "Node x:y replied with error" and "[ERR] Node ..." are errors; other "Node" lines
      // of --cluster output are not.
      return std::string(prefix) != "Node " || absl::StrContains(line, "error");
    }
  }
  return false;
}

std::string LastLine(const std::string& text) {
  std::string last;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (!line.empty()) last = std::string(line);
  }
  return last;
}

// Counts the processes whose command line holds redis-cli and --cluster; the brackets
// keep the pattern from matching this script's own command line.
constexpr char kToolScript[] =
    "for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < \"$f\" 2>/dev/null; echo; done | "
    "grep -c '[r]edis-cli.*--[c]luster'; true";

// `status` of a NodeLink call, code kept, prefixed like redis-cli's errors (the link's
// message names the container and its address).
absl::Status Context(const absl::Status& status, const std::string& what) {
  return absl::Status(status.code(),
                      absl::StrCat("redis ", what, " in ", std::string(status.message())));
}

}  // namespace

RedisAdmin::RedisAdmin(docker::DockerClient& docker, std::string password, Timeouts timeouts,
                       NodeLink* link, std::string network)
    : docker_(docker),
      password_(std::move(password)),
      timeouts_(timeouts),
      link_(link),
      network_(std::move(network)) {}

std::string RedisAdmin::FirstError(const std::string& output) {
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (IsErrorLine(line)) return std::string(line);
  }
  return "";
}

absl::StatusOr<std::string> RedisAdmin::Run(const std::string& container,
                                            std::vector<std::string> args,
                                            const std::string& extra_stdin, absl::Duration timeout,
                                            const std::string& what) {
  std::vector<std::string> cmd = {"timeout",   absl::StrCat(absl::ToInt64Seconds(timeout)),
                                  "redis-cli", "--askpass",
                                  "-h",        "127.0.0.1",
                                  "-p",        absl::StrCat(kRedisPort)};
  cmd.insert(cmd.end(), std::make_move_iterator(args.begin()), std::make_move_iterator(args.end()));
  const std::string context = absl::StrCat("redis-cli ", what, " in ", container);
  absl::StatusOr<docker::ExecResult> r = docker_.Exec(container, cmd, timeout + kExecSlack,
                                                      absl::StrCat(password_, "\n", extra_stdin));
  if (!r.ok()) {
    return absl::Status(r.status().code(),
                        absl::StrCat(context, ": ", std::string(r.status().message())));
  }
  std::string error = FirstError(r->stdout_text);
  if (error.empty()) error = FirstError(r->stderr_text);
  if (r->exit_code == 124) error = absl::StrCat("timed out after ", absl::FormatDuration(timeout));
  if (error.empty() && r->exit_code != 0) {
    // --cluster commands print why on their last lines ("*** Please fix your cluster
    // problems before rebalancing"); "*** " also starts lines that are not errors.
    error = absl::StrCat("exit code ", r->exit_code);
    const std::string last = LastLine(r->stdout_text + "\n" + r->stderr_text);
    if (!last.empty()) absl::StrAppend(&error, ": ", last);
  }
  if (error.empty()) return r->stdout_text;
  const bool unavailable = absl::StartsWith(error, "NOAUTH") ||
                           absl::StartsWith(error, "LOADING") ||
                           absl::StartsWith(error, "Could not connect") ||
                           absl::StartsWith(error, "I/O error") || r->exit_code == 124;
  std::string message = absl::StrCat(context, ": ", error);
  return unavailable ? absl::UnavailableError(message) : absl::FailedPreconditionError(message);
}

absl::StatusOr<NodeView> RedisAdmin::Query(const std::string& container) {
  absl::StatusOr<std::string> out;
  if (link_ != nullptr) {
    absl::StatusOr<std::vector<std::string>> replies =
        link_->Run(container, network_, password_,
                   {{"CLUSTER", "INFO"}, {"CLUSTER", "NODES"}, {"INFO", "replication", "keyspace"}},
                   timeouts_.query);
    if (!replies.ok()) return Context(replies.status(), "CLUSTER NODES");
    out = absl::StrJoin(*replies, "\n");
  } else {
    out = Run(container, {}, "CLUSTER INFO\nCLUSTER NODES\nINFO replication keyspace\n",
              timeouts_.query, "CLUSTER NODES");
  }
  if (!out.ok()) return out.status();
  absl::StatusOr<NodeView> view = ParseNodeView(*out);
  if (!view.ok()) {
    return absl::Status(view.status().code(), absl::StrCat("CLUSTER NODES of ", container, ": ",
                                                           std::string(view.status().message())));
  }
  return view;
}

absl::StatusOr<std::string> RedisAdmin::Command(const std::string& container,
                                                const std::vector<std::string>& command) {
  if (link_ == nullptr) {
    return Run(container, command, "", timeouts_.query, absl::StrJoin(command, " "));
  }
  absl::StatusOr<std::vector<std::string>> replies =
      link_->Run(container, network_, password_, {command}, timeouts_.query);
  if (!replies.ok()) return Context(replies.status(), absl::StrJoin(command, " "));
  return std::move((*replies)[0]);
}

absl::StatusOr<std::string> RedisAdmin::Commands(const std::string& container,
                                                 const std::vector<std::string>& lines) {
  return Run(container, {}, absl::StrCat(absl::StrJoin(lines, "\n"), "\n"), timeouts_.query,
             absl::StrJoin(lines, "; "));
}

absl::StatusOr<bool> RedisAdmin::ClusterToolRunning(const std::string& container) {
  absl::StatusOr<docker::ExecResult> r =
      docker_.Exec(container, {"sh", "-c", kToolScript}, timeouts_.query);
  if (!r.ok()) {
    return absl::Status(r.status().code(), absl::StrCat("look for redis-cli --cluster in ",
                                                        container, ": ", r.status().message()));
  }
  int count = 0;
  if (r->exit_code != 0 || !absl::SimpleAtoi(absl::StripAsciiWhitespace(r->stdout_text), &count)) {
    return absl::UnavailableError(absl::StrCat("look for redis-cli --cluster in ", container,
                                               ": exit ", r->exit_code, " ", r->stderr_text));
  }
  return count > 0;
}

absl::StatusOr<std::string> RedisAdmin::ClusterTool(const std::string& container,
                                                    const std::vector<std::string>& args) {
  std::vector<std::string> full = {"--cluster"};
  full.insert(full.end(), args.begin(), args.end());
  return Run(container, full, "", timeouts_.cluster,
             absl::StrCat("--cluster ", args.empty() ? "" : args[0]));
}

}  // namespace nxt::rediscluster
