#include "cmd/nxtctl/nxtctl.h"

#include <boost/json.hpp>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "cmd/nxtctl/commands.h"
#include "cmd/nxtctl/curl_daemon_client.h"
#include "reconciler/api/protocol.h"

#ifndef NXT_VERSION
#define NXT_VERSION "0.0.0-dev"
#endif

namespace nxt::nxtctl {
namespace {

constexpr char kUsage[] = R"(nxtctl controls nxtd, the nxt daemon.

Usage:
  nxtctl COMMAND [ARGS] [FLAGS]

Commands:
  apply -f FILE|DIR|-            apply manifests (--dry-run, --wait, --timeout 5m)
  get KIND [NAME...] | get all   list objects (-o json|yaml|wide|name)
  describe KIND NAME             spec, status, conditions and events of an object
  delete -f FILE | KIND NAME...  delete objects (--ignore-not-found)
  diff -f FILE                   what apply would change, and the planned container
                                 actions (exit 0: none, 1: changes, >1: error)
  validate -f FILE|DIR|-         check manifests; against the running objects when nxtd
                                 answers, offline otherwise (a note says so)
  version                        client and server versions
  source [confirm]               the manifest directory nxtd reads and the one the
                                 stored objects came from; confirm accepts it and
                                 deletes the objects no manifest defines

Flags (anywhere on the line):
  --socket PATH           nxtd's API socket (or NXT_SOCKET; default /run/nxt/nxtd.sock)
  -n, --namespace NS      the namespace (default "default")
  -A, --all-namespaces    every namespace (get)
  -f, --filename PATH     a manifest file, a directory of them, or - for stdin
  -o, --output FORMAT     json, yaml, wide or name (get)
  -h, --help              this help

KIND is a kind's name, plural or short name, in any case, with or without ".nxt.io"
(containerset, containersets, cs, ContainerSet.nxt.io).
)";

using Command = int (*)(Context&);

const std::map<std::string, Command>& Commands() {
  static const auto* commands = new std::map<std::string, Command>{
      {"apply", RunApply},     {"get", RunGet},      {"describe", RunDescribe},
      {"delete", RunDelete},   {"diff", RunDiff},    {"validate", RunValidate},
      {"version", RunVersion}, {"source", RunSource}};
  return *commands;
}

int Run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
        const NxtctlEnv& env) {
  absl::StatusOr<CommandLine> cl = ParseCommandLine(args);
  if (!cl.ok()) {
    err << "error: " << cl.status().message() << "\nSee 'nxtctl --help' for usage.\n";
    return kExitError;
  }
  if (cl->help || cl->command == "help") {
    out << kUsage;
    return kExitOk;
  }
  if (cl->command.empty()) {
    err << kUsage;
    return kExitError;
  }
  auto command = Commands().find(cl->command);
  if (command == Commands().end()) {
    err << "error: unknown command \"" << cl->command
        << "\" for \"nxtctl\"\nSee 'nxtctl --help' for usage.\n";
    return kExitError;
  }
  std::shared_ptr<const resources::KindRegistry> kinds = env.kinds;
  if (kinds == nullptr) {
    absl::StatusOr<std::shared_ptr<const resources::KindRegistry>> builtin =
        resources::KindRegistry::Builtin();
    if (!builtin.ok()) {
      err << "error: built-in schemas: " << builtin.status().message() << "\n";
      return kExitError;
    }
    kinds = *builtin;
  }
  Context ctx(*cl, out, err, env, *kinds);
  return command->second(ctx);
}

}  // namespace

const char* ClientVersion() { return NXT_VERSION; }

int RunNxtctl(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
              const NxtctlEnv& env) {
  try {
    return Run(args, out, err, env);
  } catch (const std::exception& e) {
    err << "error: internal: " << e.what() << "\n";
  } catch (...) {
    err << "error: internal error\n";
  }
  return kExitError;
}

int RunNxtctl(int argc, char** argv, std::ostream& out, std::ostream& err) {
  std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  return RunNxtctl(args, out, err, NxtctlEnv{});
}

}  // namespace nxt::nxtctl
