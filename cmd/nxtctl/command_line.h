// nxtctl's command line, parsed kubectl-style: flags may appear anywhere, as
// "--flag=value", "--flag value", "-n value", "-nvalue" or "-n=value"; "--" ends flags.
#ifndef NXT_CMD_NXTCTL_COMMAND_LINE_H_
#define NXT_CMD_NXTCTL_COMMAND_LINE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace nxt::nxtctl {

struct CommandLine {
  std::string command;            // "apply", "get", ... ("" when none was given)
  std::vector<std::string> args;  // positional arguments after the command

  std::optional<std::string> socket;          // --socket
  std::optional<std::string> namespace_;      // -n/--namespace
  bool all_namespaces = false;                // -A/--all-namespaces
  std::vector<std::string> filenames;         // -f/--filename (repeatable)
  std::string output;                         // -o/--output: "", json, yaml, wide, name
  bool dry_run = false;                       // --dry-run[=server|client|none]
  bool wait = false;                          // --wait
  absl::Duration timeout = absl::Minutes(5);  // --timeout (5m, 30s, 90 = seconds)
  bool ignore_not_found = false;              // --ignore-not-found
  bool help = false;                          // -h/--help
};

// InvalidArgument with a kubectl-like message ("unknown flag: --foo", "flag needs an
// argument: -n", "invalid argument \"xml\" for \"-o\"").
absl::StatusOr<CommandLine> ParseCommandLine(const std::vector<std::string>& args);

}  // namespace nxt::nxtctl

#endif  // NXT_CMD_NXTCTL_COMMAND_LINE_H_
