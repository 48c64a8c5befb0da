// nxtctl source [confirm]: which manifest directory nxtd reads, which one the stored
// objects came from, and the objects it keeps because they differ.
#include <boost/json.hpp>

#include "cmd/nxtctl/commands.h"
#include "reconciler/api/protocol.h"

namespace nxt::nxtctl {
namespace {

std::string KeyText(const boost::json::value& v) {
  const boost::json::object* o = v.if_object();
  if (o == nullptr) return "?";
  return StringAt(*o, "kind") + " " + StringAt(*o, "namespace") + "/" + StringAt(*o, "name");
}

int ShowSource(Context& ctx) {
  absl::StatusOr<boost::json::object> reply =
      ctx.Call("GET", reconciler::api::kPathSource, nullptr);
  if (!reply.ok()) return ctx.Fail(reply.status());
  const std::string recorded = StringAt(*reply, "recorded");
  const std::string reason = StringAt(*reply, "heldReason");
  ctx.out() << "Directory:  " << StringAt(*reply, "dir") << "\n"
            << "Reads:      " << StringAt(*reply, "current") << "\n"
            << "Recorded:   " << (recorded.empty() ? "(none)" : recorded) << "\n"
            << "Hold:       " << (reason.empty() ? "none" : reason) << "\n";
  const boost::json::array* held = ArrayAt(*reply, "held");
  if (held != nullptr && !held->empty()) {
    ctx.out() << "Kept although no manifest defines them:\n";
    for (const auto& key : *held) ctx.out() << "  " << KeyText(key) << "\n";
    ctx.out() << "Restore their manifests, or run `nxtctl source confirm` to accept this "
                 "directory and delete them.\n";
  }
  return kExitOk;
}

int ConfirmSource(Context& ctx) {
  absl::StatusOr<boost::json::object> reply =
      ctx.Call("POST", reconciler::api::kPathSourceConfirm, nullptr);
  if (!reply.ok()) return ctx.Fail(reply.status());
  const boost::json::array* deleted = ArrayAt(*reply, "deleted");
  if (deleted == nullptr || deleted->empty()) {
    ctx.out() << "source confirmed; no object to delete\n";
    return kExitOk;
  }
  for (const auto& key : *deleted) ctx.out() << KeyText(key) << " deleted\n";
  return kExitOk;
}

}  // namespace

int RunSource(Context& ctx) {
  const std::vector<std::string>& args = ctx.cl().args;
  if (args.empty()) return ShowSource(ctx);
  if (args.size() == 1 && args[0] == "confirm") return ConfirmSource(ctx);
  ctx.err() << "error: usage: nxtctl source [confirm]\n";
  return kExitError;
}

}  // namespace nxt::nxtctl
