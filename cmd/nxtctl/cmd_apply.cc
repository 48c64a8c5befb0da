// nxtctl apply (with --wait) and nxtctl delete.
#include <algorithm>
#include <boost/json.hpp>

#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "cmd/nxtctl/commands.h"
#include "cmd/nxtctl/printing.h"
#include "reconciler/api/protocol.h"
#include "resources/object.h"

namespace nxt::nxtctl {
namespace {

constexpr absl::Duration kPollInterval = absl::Seconds(1);

struct Applied {
  std::string kind;
  std::string namespace_;
  std::string name;
};

std::vector<Applied> ResultKeys(const boost::json::object& reply) {
  std::vector<Applied> out;
  if (const boost::json::array* results = ArrayAt(reply, "results")) {
    for (const auto& r : *results) {
      if (const boost::json::object* o = r.if_object()) {
        out.push_back({StringAt(*o, "kind"), StringAt(*o, "namespace"), StringAt(*o, "name")});
      }
    }
  }
  return out;
}

// Ready=True for the current generation, else a one-line reason.
bool IsReady(const boost::json::object& merged, std::string* why) {
  const boost::json::object* metadata = ObjectAt(merged, "metadata");
  const boost::json::object* status = ObjectAt(merged, "status");
  int64_t generation = metadata != nullptr ? IntAt(*metadata, "generation") : 0;
  int64_t observed = status != nullptr ? IntAt(*status, "observedGeneration") : 0;
  std::vector<std::string> conditions;
  bool ready = false;
  if (const boost::json::array* list = status ? ArrayAt(*status, "conditions") : nullptr) {
    for (const auto& c : *list) {
      const boost::json::object* o = c.if_object();
      if (o == nullptr) continue;
      std::string text = StringAt(*o, "type") + "=" + StringAt(*o, "status");
      if (!StringAt(*o, "reason").empty()) text += " (" + StringAt(*o, "reason");
      if (!StringAt(*o, "message").empty()) text += ": " + StringAt(*o, "message");
      if (!StringAt(*o, "reason").empty()) text += ")";
      conditions.push_back(text);
      if (StringAt(*o, "type") == resources::kConditionReady) {
        ready = StringAt(*o, "status") == "True";
      }
    }
  }
  *why = "observedGeneration " + std::to_string(observed) + " of " + std::to_string(generation) +
         (conditions.empty() ? ", no conditions yet" : ", " + absl::StrJoin(conditions, ", "));
  return ready && observed >= generation;
}

int WaitReady(Context& ctx, const std::vector<Applied>& applied) {
  const absl::Time deadline = ctx.Now() + ctx.cl().timeout;
  std::vector<Applied> pending = applied;
  std::vector<std::string> why(pending.size());
  for (;;) {
    std::vector<Applied> still;
    std::vector<std::string> still_why;
    for (const Applied& a : pending) {
      absl::StatusOr<boost::json::object> got =
          ctx.Call("GET",
                   std::string(reconciler::api::kPathObjects) + "/" + a.kind + "/" + a.namespace_ +
                       "/" + a.name,
                   nullptr);
      if (!got.ok() && got.status().code() != absl::StatusCode::kNotFound) {
        return ctx.Fail(got.status());
      }
      std::string reason = "not found";
      if (got.ok() && IsReady(MergedObject(*got), &reason)) {
        ctx.out() << ctx.ResourceRef(a.kind, a.name) << " condition met\n";
        continue;
      }
      still.push_back(a);
      still_why.push_back(reason);
    }
    pending = std::move(still);
    why = std::move(still_why);
    if (pending.empty()) return kExitOk;
    const absl::Time now = ctx.Now();
    if (now >= deadline) break;
    const absl::Duration nap = std::min(kPollInterval, deadline - now);
    if (ctx.env().sleep) {
      ctx.env().sleep(nap);
    } else {
      absl::SleepFor(nap);
    }
  }
  for (size_t i = 0; i < pending.size(); ++i) {
    ctx.err() << "error: timed out after " << HumanDuration(ctx.cl().timeout) << " waiting for "
              << ctx.ResourceRef(pending[i].kind, pending[i].name) << " to be Ready: " << why[i]
              << "\n";
  }
  return kExitError;
}

}  // namespace

int RunApply(Context& ctx) {
  if (!ctx.cl().args.empty()) {
    return ctx.Fail(absl::InvalidArgumentError("unexpected argument \"" + ctx.cl().args[0] +
                                               "\" (apply takes -f FILE|DIR|-)"));
  }
  absl::StatusOr<std::vector<ManifestInput>> inputs = ctx.ReadInputs();
  if (!inputs.ok()) return ctx.Fail(inputs.status());
  boost::json::value body = FilesBody(*inputs);
  body.as_object()["dryRun"] = ctx.cl().dry_run;
  absl::StatusOr<boost::json::object> reply = ctx.Call("POST", reconciler::api::kPathApply, &body);
  if (!reply.ok()) return ctx.Fail(reply.status());
  const char* suffix = ctx.cl().dry_run ? " (dry run)" : "";
  if (const boost::json::array* results = ArrayAt(*reply, "results")) {
    for (const auto& r : *results) {
      const boost::json::object* o = r.if_object();
      if (o == nullptr) continue;
      ctx.out() << ctx.ResourceRef(StringAt(*o, "kind"), StringAt(*o, "name")) << " "
                << StringAt(*o, "outcome") << suffix << "\n";
    }
  }
  if (ctx.cl().wait && !ctx.cl().dry_run) return WaitReady(ctx, ResultKeys(*reply));
  return kExitOk;
}

int RunDelete(Context& ctx) {
  boost::json::value body;
  if (!ctx.cl().filenames.empty()) {
    absl::StatusOr<std::vector<ManifestInput>> inputs = ctx.ReadInputs();
    if (!inputs.ok()) return ctx.Fail(inputs.status());
    body = FilesBody(*inputs);
  } else {
    const std::vector<std::string>& args = ctx.cl().args;
    if (args.empty()) {
      return ctx.Fail(absl::InvalidArgumentError(
          "you must provide one or more resources by argument or filename (-f)"));
    }
    std::string kind_arg = args[0];
    std::vector<std::string> names(args.begin() + 1, args.end());
    if (size_t slash = kind_arg.find('/'); slash != std::string::npos) {  // KIND/NAME
      names.insert(names.begin(), kind_arg.substr(slash + 1));
      kind_arg.resize(slash);
    }
    absl::StatusOr<const resources::KindInfo*> kind = ctx.ResolveKind(kind_arg);
    if (!kind.ok()) return ctx.Fail(kind.status());
    if (names.empty()) {
      return ctx.Fail(absl::InvalidArgumentError("resource name may not be empty"));
    }
    boost::json::array keys;
    for (const auto& n : names) {
      keys.push_back(boost::json::object{
          {"kind", (*kind)->kind}, {"namespace", ctx.Namespace()}, {"name", n}});
    }
    body = boost::json::object{{"keys", std::move(keys)}};
  }
  absl::StatusOr<boost::json::object> reply = ctx.Call("POST", reconciler::api::kPathDelete, &body);
  if (!reply.ok()) return ctx.Fail(reply.status());
  int exit_code = kExitOk;
  if (const boost::json::array* results = ArrayAt(*reply, "results")) {
    for (const auto& r : *results) {
      const boost::json::object* o = r.if_object();
      if (o == nullptr) continue;
      const std::string kind = StringAt(*o, "kind");
      const std::string name = StringAt(*o, "name");
      if (StringAt(*o, "outcome") == "deleted") {
        ctx.out() << ctx.ResourceRef(kind, name) << " deleted\n";
      } else if (!ctx.cl().ignore_not_found) {
        const resources::KindInfo* info = ctx.kinds().Find(kind);
        std::string plural = info != nullptr ? info->plural : kind;
        ctx.err() << "Error from server (NotFound): " << plural << ".nxt.io \"" << name
                  << "\" not found\n";
        exit_code = kExitError;
      }
    }
  }
  return exit_code;
}

}  // namespace nxt::nxtctl
