// nxtctl diff and version (validate: cmd_validate.cc).
#include <boost/json.hpp>

#include "cmd/nxtctl/commands.h"
#include "cmd/nxtctl/printing.h"
#include "reconciler/api/protocol.h"

namespace nxt::nxtctl {
namespace {

constexpr int kDiffChanges = 1;
constexpr int kDiffError = 2;

std::string ValueText(const boost::json::value& v) {
  return v.is_double() ? NumberText(v) : boost::json::serialize(v);
}

// Prints one object's diff; true when its spec (or labels/annotations) would change.
bool PrintObjectDiff(Context& ctx, const boost::json::object& r) {
  const std::string ref = ctx.ResourceRef(StringAt(r, "kind"), StringAt(r, "name"));
  const std::string outcome = StringAt(r, "outcome");
  const boost::json::array* changes = ArrayAt(r, "changes");
  const boost::json::array* actions = ArrayAt(r, "actions");
  const bool changed = outcome != "unchanged";
  if (changed) {
    ctx.out() << "--- " << ref << (outcome == "created" ? " (absent)" : " (live)") << "\n";
    ctx.out() << "+++ " << ref << " (desired)\n";
    for (const auto& c : changes != nullptr ? *changes : boost::json::array()) {
      const boost::json::object* o = c.if_object();
      if (o == nullptr) continue;
      const std::string path = StringAt(*o, "path");
      if (const boost::json::value* old = o->if_contains("old")) {
        ctx.out() << "-" << path << ": " << ValueText(*old) << "\n";
      }
      if (const boost::json::value* now = o->if_contains("new")) {
        ctx.out() << "+" << path << ": " << ValueText(*now) << "\n";
      }
    }
  }
  if (actions != nullptr && !actions->empty()) {
    ctx.out() << "Planned actions for " << ref << ":\n";
    for (const auto& a : *actions) ctx.out() << "  " << ScalarText(a) << "\n";
  }
  return changed;
}

}  // namespace

int RunDiff(Context& ctx) {
  absl::StatusOr<std::vector<ManifestInput>> inputs = ctx.ReadInputs();
  if (!inputs.ok()) {
    ctx.Fail(inputs.status());
    return kDiffError;
  }
  boost::json::value body = FilesBody(*inputs);
  absl::StatusOr<boost::json::object> reply = ctx.Call("POST", reconciler::api::kPathDiff, &body);
  if (!reply.ok()) {
    ctx.Fail(reply.status());
    return kDiffError;
  }
  bool changed = false;
  if (const boost::json::array* results = ArrayAt(*reply, "results")) {
    for (const auto& r : *results) {
      if (const boost::json::object* o = r.if_object())
        changed = PrintObjectDiff(ctx, *o) || changed;
    }
  }
  return changed ? kDiffChanges : kExitOk;
}

int RunVersion(Context& ctx) {
  ctx.out() << "Client Version: " << ClientVersion() << "\n";
  absl::StatusOr<boost::json::object> reply =
      ctx.Call("GET", reconciler::api::kPathVersion, nullptr);
  if (!reply.ok()) return ctx.Fail(reply.status());
  ctx.out() << "Server Version: " << StringAt(*reply, "version") << "\n";
  return kExitOk;
}

}  // namespace nxt::nxtctl
