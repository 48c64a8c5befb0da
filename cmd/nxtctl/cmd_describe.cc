// nxtctl describe KIND NAME (or KIND/NAME)
#include <algorithm>
#include <boost/json.hpp>

#include "cmd/nxtctl/commands.h"
#include "cmd/nxtctl/printing.h"
#include "reconciler/api/protocol.h"
#include "resources/object.h"

namespace nxt::nxtctl {
namespace {

constexpr size_t kLabelWidth = 14;  // "Annotations:  "

std::string Label(const std::string& label) {
  std::string out = label + ":";
  out.append(out.size() + 2 > kLabelWidth ? 2 : kLabelWidth - out.size(), ' ');
  return out;
}

void PrintMap(Context& ctx, const std::string& label, const boost::json::object* map) {
  ctx.out() << Label(label);
  if (map == nullptr || map->empty()) {
    ctx.out() << "<none>\n";
    return;
  }
  bool first = true;
  for (const auto& m : *map) {
    if (!first) ctx.out() << std::string(kLabelWidth, ' ');
    first = false;
    ctx.out() << std::string(m.key()) << "=" << ScalarText(m.value()) << "\n";
  }
}

std::string Age(Context& ctx, const std::string& timestamp) {
  absl::Time t = resources::ParseTimestamp(timestamp);
  return t == absl::InfinitePast() ? "<unknown>" : HumanDuration(ctx.Now() - t);
}

void PrintMetadata(Context& ctx, const boost::json::object& object) {
  static const boost::json::object kEmpty;
  const boost::json::object* m = ObjectAt(object, "metadata");
  if (m == nullptr) m = &kEmpty;
  ctx.out() << Label("Name") << StringAt(*m, "name") << "\n";
  ctx.out() << Label("Namespace") << StringAt(*m, "namespace") << "\n";
  ctx.out() << Label("Kind") << StringAt(object, "kind") << "\n";
  PrintMap(ctx, "Labels", ObjectAt(*m, "labels"));
  PrintMap(ctx, "Annotations", ObjectAt(*m, "annotations"));
  ctx.out() << Label("Generation") << IntAt(*m, "generation") << "\n";
  if (!StringAt(*m, "creationTimestamp").empty()) {
    ctx.out() << Label("Created") << StringAt(*m, "creationTimestamp") << " ("
              << Age(ctx, StringAt(*m, "creationTimestamp")) << " ago)\n";
  }
  if (!StringAt(*m, "deletionTimestamp").empty()) {
    ctx.out() << Label("Deleting") << "since " << StringAt(*m, "deletionTimestamp") << "\n";
  }
}

void PrintStatus(Context& ctx, const boost::json::object* status) {
  if (status == nullptr || status->empty()) {
    ctx.out() << Label("Status") << "<none>\n";
    return;
  }
  ctx.out() << "Status:\n";
  ctx.out() << "  Observed Generation:  " << IntAt(*status, "observedGeneration") << "\n";
  boost::json::object fields;  // in the order the controller wrote them
  for (const auto& m : *status) {
    if (m.key() != "observedGeneration" && m.key() != "conditions") fields[m.key()] = m.value();
  }
  if (!fields.empty()) ctx.out() << ToYaml(fields, 2);
}

void PrintConditions(Context& ctx, const boost::json::object* status) {
  const boost::json::array* list = status != nullptr ? ArrayAt(*status, "conditions") : nullptr;
  if (list == nullptr || list->empty()) {
    ctx.out() << Label("Conditions") << "<none>\n";
    return;
  }
  ctx.out() << "Conditions:\n";
  Table table({"Type", "Status", "Reason", "Message", "LastTransition"});
  table.AddRow({"----", "------", "------", "-------", "--------------"});
  for (const auto& c : *list) {
    const boost::json::object* o = c.if_object();
    if (o == nullptr) continue;
    table.AddRow({StringAt(*o, "type"), StringAt(*o, "status"), StringAt(*o, "reason"),
                  StringAt(*o, "message"), StringAt(*o, "lastTransitionTime")});
  }
  table.Print(ctx.out(), "  ");
}

void PrintManifestErrors(Context& ctx, const boost::json::object& reply) {
  const boost::json::array* errors = ArrayAt(reply, "manifestErrors");
  if (errors == nullptr || errors->empty()) return;
  ctx.out() << "Manifest Errors:\n";
  for (const auto& e : *errors) ctx.out() << "  " << ScalarText(e) << "\n";
}

// Repeated events arrive folded (count, firstSeen, lastSeen); shown as kubectl does:
// "2m (x3 over 10m)".
void PrintEvents(Context& ctx, const boost::json::object& reply) {
  const boost::json::array* list = ArrayAt(reply, "events");
  if (list == nullptr || list->empty()) {
    ctx.out() << Label("Events") << "<none>\n";
    return;
  }
  std::vector<const boost::json::object*> events;
  for (const auto& e : *list) {
    if (const boost::json::object* o = e.if_object()) events.push_back(o);
  }
  std::stable_sort(events.begin(), events.end(), [](const auto* a, const auto* b) {
    return resources::ParseTimestamp(StringAt(*a, "lastSeen")) <
           resources::ParseTimestamp(StringAt(*b, "lastSeen"));
  });
  ctx.out() << "Events:\n";
  Table table({"Type", "Reason", "Age", "Message"});
  table.AddRow({"----", "------", "----", "-------"});
  for (const auto* e : events) {
    std::string age = Age(ctx, StringAt(*e, "lastSeen"));
    if (IntAt(*e, "count") > 1) {
      age += " (x" + std::to_string(IntAt(*e, "count")) + " over " +
             Age(ctx, StringAt(*e, "firstSeen")) + ")";
    }
    table.AddRow({StringAt(*e, "type"), StringAt(*e, "reason"), age, StringAt(*e, "message")});
  }
  table.Print(ctx.out(), "  ");
}

}  // namespace

int RunDescribe(Context& ctx) {
  const std::vector<std::string>& args = ctx.cl().args;
  if (args.empty()) {
    return ctx.Fail(absl::InvalidArgumentError("usage: nxtctl describe KIND NAME"));
  }
  std::string kind_arg = args[0];
  std::vector<std::string> names(args.begin() + 1, args.end());
  if (size_t slash = kind_arg.find('/'); slash != std::string::npos) {
    names.insert(names.begin(), kind_arg.substr(slash + 1));
    kind_arg.resize(slash);
  }
  absl::StatusOr<const resources::KindInfo*> kind = ctx.ResolveKind(kind_arg);
  if (!kind.ok()) return ctx.Fail(kind.status());
  if (names.empty())
    return ctx.Fail(absl::InvalidArgumentError("usage: nxtctl describe KIND NAME"));
  int exit_code = kExitOk;
  bool first = true;
  for (const std::string& name : names) {
    absl::StatusOr<boost::json::object> reply =
        ctx.Call("GET",
                 std::string(reconciler::api::kPathDescribe) + "/" + (*kind)->kind + "/" +
                     ctx.Namespace() + "/" + name,
                 nullptr);
    if (!reply.ok()) {
      exit_code = ctx.Fail(reply.status());
      continue;
    }
    if (!first) ctx.out() << "\n\n";
    first = false;
    const boost::json::object* object = ObjectAt(*reply, "object");
    const boost::json::object* status = ObjectAt(*reply, "status");
    static const boost::json::object kEmpty;
    PrintMetadata(ctx, object != nullptr ? *object : kEmpty);
    const boost::json::object* spec = object != nullptr ? ObjectAt(*object, "spec") : nullptr;
    ctx.out() << "Spec:\n" << ToYaml(spec != nullptr ? *spec : kEmpty, 2);
    PrintStatus(ctx, status);
    PrintConditions(ctx, status);
    PrintManifestErrors(ctx, *reply);
    PrintEvents(ctx, *reply);
  }
  return exit_code;
}

}  // namespace nxt::nxtctl
