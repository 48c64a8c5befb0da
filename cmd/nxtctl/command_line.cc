#include "cmd/nxtctl/command_line.h"

#include <functional>
#include <map>

#include "absl/strings/numbers.h"

namespace nxt::nxtctl {
namespace {

enum class FlagKind { kValue, kBool, kOptionalValue };

struct FlagSpec {
  FlagKind kind;
  std::function<absl::Status(CommandLine&, const std::string& name, const std::string& value)> set;
};

absl::Status Invalid(const std::string& value, const std::string& flag, const std::string& why) {
  return absl::InvalidArgumentError("invalid argument \"" + value + "\" for \"" + flag +
                                    "\" flag: " + why);
}

absl::Status SetBool(bool& target, const std::string& name, const std::string& value) {
  if (value.empty() || value == "true") {
    target = true;
  } else if (value == "false") {
    target = false;
  } else {
    return Invalid(value, name, "must be true or false");
  }
  return absl::OkStatus();
}

absl::Status SetTimeout(CommandLine& cl, const std::string& name, const std::string& value) {
  int64_t seconds = 0;
  if (absl::SimpleAtoi(value, &seconds)) {
    cl.timeout = absl::Seconds(seconds);
  } else if (!absl::ParseDuration(value, &cl.timeout)) {
    return Invalid(value, name, "a duration such as 30s, 5m or 1h");
  }
  if (cl.timeout < absl::ZeroDuration()) return Invalid(value, name, "must not be negative");
  return absl::OkStatus();
}

const std::map<std::string, FlagSpec>& Flags() {
  static const auto* flags = new std::map<std::string, FlagSpec>{
      {"socket",
       {FlagKind::kValue,
        [](CommandLine& cl, const std::string&, const std::string& v) {
          cl.socket = v;
          return absl::OkStatus();
        }}},
      {"namespace",
       {FlagKind::kValue,
        [](CommandLine& cl, const std::string&, const std::string& v) {
          cl.namespace_ = v;
          return absl::OkStatus();
        }}},
      {"filename",
       {FlagKind::kValue,
        [](CommandLine& cl, const std::string&, const std::string& v) {
          cl.filenames.push_back(v);
          return absl::OkStatus();
        }}},
      {"output",
       {FlagKind::kValue,
        [](CommandLine& cl, const std::string& n, const std::string& v) {
          if (v != "json" && v != "yaml" && v != "wide" && v != "name") {
            return Invalid(v, n, "one of json, yaml, wide, name");
          }
          cl.output = v;
          return absl::OkStatus();
        }}},
      {"timeout", {FlagKind::kValue, SetTimeout}},
      {"all-namespaces",
       {FlagKind::kBool, [](CommandLine& cl, const std::string& n,
                            const std::string& v) { return SetBool(cl.all_namespaces, n, v); }}},
      {"wait",
       {FlagKind::kBool, [](CommandLine& cl, const std::string& n,
                            const std::string& v) { return SetBool(cl.wait, n, v); }}},
      {"ignore-not-found",
       {FlagKind::kBool, [](CommandLine& cl, const std::string& n,
                            const std::string& v) { return SetBool(cl.ignore_not_found, n, v); }}},
      {"help",
       {FlagKind::kBool, [](CommandLine& cl, const std::string& n,
                            const std::string& v) { return SetBool(cl.help, n, v); }}},
      {"dry-run",
       {FlagKind::kOptionalValue,
        [](CommandLine& cl, const std::string& n, const std::string& v) {
          if (v.empty() || v == "server" || v == "client" || v == "true") {
            cl.dry_run = true;
          } else if (v == "none" || v == "false") {
            cl.dry_run = false;
          } else {
            return Invalid(v, n, "one of server, client, none");
          }
          return absl::OkStatus();
        }}},
  };
  return *flags;
}

const std::map<char, std::string>& ShortFlags() {
  static const auto* shorts = new std::map<char, std::string>{{'n', "namespace"},
                                                              {'f', "filename"},
                                                              {'o', "output"},
                                                              {'A', "all-namespaces"},
                                                              {'h', "help"}};
  return *shorts;
}

}  // namespace

absl::StatusOr<CommandLine> ParseCommandLine(const std::vector<std::string>& args) {
  CommandLine cl;
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      positional.insert(positional.end(), args.begin() + static_cast<long>(i) + 1, args.end());
      break;
    }
    if (a.size() < 2 || a[0] != '-') {
      positional.push_back(a);
      continue;
    }
    std::string name;
    std::string shown;
    std::optional<std::string> value;
    if (a[1] == '-') {
      size_t eq = a.find('=');
      name = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
      if (eq != std::string::npos) value = a.substr(eq + 1);
      shown = "--" + name;
    } else {
      auto s = ShortFlags().find(a[1]);
      if (s == ShortFlags().end())
        return absl::InvalidArgumentError("unknown shorthand flag: '" + std::string(1, a[1]) +
                                          "' in " + a);
      name = s->second;
      shown = std::string("-") + a[1];
      if (a.size() > 2) value = a[2] == '=' ? a.substr(3) : a.substr(2);
    }
    auto flag = Flags().find(name);
    if (flag == Flags().end()) return absl::InvalidArgumentError("unknown flag: " + shown);
    if (flag->second.kind == FlagKind::kValue && !value.has_value()) {
      if (i + 1 >= args.size())
        return absl::InvalidArgumentError("flag needs an argument: " + shown);
      value = args[++i];
    }
    absl::Status s = flag->second.set(cl, shown, value.value_or(""));
    if (!s.ok()) return s;
  }
  if (!positional.empty()) {
    cl.command = positional.front();
    cl.args.assign(positional.begin() + 1, positional.end());
  }
  return cl;
}

}  // namespace nxt::nxtctl
