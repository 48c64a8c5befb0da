// nxtctl get KIND [NAME...] | get KIND/NAME | get all
#include <boost/json.hpp>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "cmd/nxtctl/commands.h"
#include "cmd/nxtctl/json_path.h"
#include "cmd/nxtctl/printing.h"
#include "reconciler/api/protocol.h"
#include "resources/object.h"

namespace nxt::nxtctl {
namespace {

using resources::KindInfo;
using resources::PrinterColumn;

std::string Cell(Context& ctx, const PrinterColumn& column, const boost::json::value& object) {
  absl::StatusOr<std::vector<boost::json::value>> values =
      EvaluateJsonPath(object, column.json_path);
  if (!values.ok() || values->empty()) return "";
  std::vector<std::string> texts;
  for (const auto& v : *values) {
    std::string text = ScalarText(v);
    if (column.type == "date" && v.is_string()) {
      absl::Time t = resources::ParseTimestamp(text);
      if (t != absl::InfinitePast()) text = HumanDuration(ctx.Now() - t);
    }
    texts.push_back(text);
  }
  return absl::StrJoin(texts, ",");
}

std::string AgeCell(Context& ctx, const boost::json::object& object) {
  const boost::json::object* metadata = ObjectAt(object, "metadata");
  absl::Time t = resources::ParseTimestamp(
      metadata != nullptr ? StringAt(*metadata, "creationTimestamp") : "");
  return t == absl::InfinitePast() ? "<unknown>" : HumanDuration(ctx.Now() - t);
}

// One kind's objects as a kubectl table. `qualified`: names as "kind.nxt.io/name".
void PrintTable(Context& ctx, const KindInfo* kind, const std::vector<boost::json::object>& objects,
                bool qualified) {
  const bool wide = ctx.cl().output == "wide";
  std::vector<PrinterColumn> columns;
  bool has_age = false;
  if (kind != nullptr) {
    for (const PrinterColumn& c : kind->columns) {
      if (c.priority > 0 && !wide) continue;
      columns.push_back(c);
      has_age = has_age || absl::AsciiStrToLower(c.name) == "age";
    }
  }
  std::vector<std::string> header;
  if (ctx.cl().all_namespaces) header.push_back("NAMESPACE");
  header.push_back("NAME");
  for (const auto& c : columns) header.push_back(absl::AsciiStrToUpper(c.name));
  if (!has_age) header.push_back("AGE");
  Table table(std::move(header));
  for (const boost::json::object& object : objects) {
    const boost::json::object* metadata = ObjectAt(object, "metadata");
    std::string name = metadata != nullptr ? StringAt(*metadata, "name") : "";
    std::vector<std::string> row;
    if (ctx.cl().all_namespaces) row.push_back(metadata ? StringAt(*metadata, "namespace") : "");
    row.push_back(qualified ? ctx.ResourceRef(StringAt(object, "kind"), name) : name);
    boost::json::value doc = object;
    for (const auto& c : columns) row.push_back(Cell(ctx, c, doc));
    if (!has_age) row.push_back(AgeCell(ctx, object));
    table.AddRow(std::move(row));
  }
  table.Print(ctx.out());
}

void PrintNoResources(Context& ctx) {
  if (ctx.cl().all_namespaces) {
    ctx.err() << "No resources found\n";
  } else {
    ctx.err() << "No resources found in " << ctx.Namespace() << " namespace.\n";
  }
}

// -o json|yaml|name; false when the output is a table.
bool PrintStructured(Context& ctx, const std::vector<boost::json::object>& objects, bool single) {
  const std::string& format = ctx.cl().output;
  if (format == "name") {
    for (const auto& o : objects) {
      const boost::json::object* metadata = ObjectAt(o, "metadata");
      ctx.out() << ctx.ResourceRef(StringAt(o, "kind"), metadata ? StringAt(*metadata, "name") : "")
                << "\n";
    }
    return true;
  }
  if (format != "json" && format != "yaml") return false;
  boost::json::value doc;
  if (single && objects.size() == 1) {
    doc = objects.front();
  } else {
    boost::json::array items;
    for (const auto& o : objects) items.push_back(o);
    doc = boost::json::object{{"apiVersion", "v1"}, {"kind", "List"}, {"items", std::move(items)}};
  }
  ctx.out() << (format == "json" ? ToPrettyJson(doc) : ToYaml(doc));
  return true;
}

absl::StatusOr<std::vector<boost::json::object>> List(Context& ctx, const std::string& kind) {
  std::string target = std::string(reconciler::api::kPathObjects) + "?";
  if (!kind.empty()) target += "kind=" + kind + "&";
  target += "namespace=" + (ctx.cl().all_namespaces ? std::string() : ctx.Namespace());
  absl::StatusOr<boost::json::object> reply = ctx.Call("GET", target, nullptr);
  if (!reply.ok()) return reply.status();
  std::vector<boost::json::object> objects;
  if (const boost::json::array* items = ArrayAt(*reply, "items")) {
    for (const auto& item : *items) {
      if (const boost::json::object* o = item.if_object()) objects.push_back(MergedObject(*o));
    }
  }
  return objects;
}

int GetAll(Context& ctx) {
  absl::StatusOr<std::vector<boost::json::object>> objects = List(ctx, "");
  if (!objects.ok()) return ctx.Fail(objects.status());
  if (objects->empty() && ctx.cl().output.empty()) {
    PrintNoResources(ctx);
    return kExitOk;
  }
  if (PrintStructured(ctx, *objects, /*single=*/false)) return kExitOk;
  std::map<std::string, std::vector<boost::json::object>> by_kind;
  for (auto& o : *objects) by_kind[StringAt(o, "kind")].push_back(std::move(o));
  bool first = true;
  for (const auto& [kind, list] : by_kind) {
    if (!first) ctx.out() << "\n";
    first = false;
    PrintTable(ctx, ctx.kinds().Find(kind), list, /*qualified=*/true);
  }
  return kExitOk;
}

}  // namespace

int RunGet(Context& ctx) {
  const std::vector<std::string>& args = ctx.cl().args;
  if (args.empty()) {
    return ctx.Fail(absl::InvalidArgumentError(
        "you must specify the type of resource to get (for example: nxtctl get containersets)"));
  }
  if (absl::AsciiStrToLower(args[0]) == "all" && args.size() == 1) return GetAll(ctx);
  std::string kind_arg = args[0];
  std::vector<std::string> names(args.begin() + 1, args.end());
  if (size_t slash = kind_arg.find('/'); slash != std::string::npos) {
    names.insert(names.begin(), kind_arg.substr(slash + 1));
    kind_arg.resize(slash);
  }
  absl::StatusOr<const KindInfo*> kind = ctx.ResolveKind(kind_arg);
  if (!kind.ok()) return ctx.Fail(kind.status());
  if (!names.empty() && ctx.cl().all_namespaces) {
    return ctx.Fail(
        absl::InvalidArgumentError("a resource cannot be retrieved by name across all namespaces"));
  }
  std::vector<boost::json::object> objects;
  int exit_code = kExitOk;
  if (names.empty()) {
    absl::StatusOr<std::vector<boost::json::object>> list = List(ctx, (*kind)->kind);
    if (!list.ok()) return ctx.Fail(list.status());
    objects = std::move(*list);
  }
  for (const std::string& name : names) {
    absl::StatusOr<boost::json::object> got =
        ctx.Call("GET",
                 std::string(reconciler::api::kPathObjects) + "/" + (*kind)->kind + "/" +
                     ctx.Namespace() + "/" + name,
                 nullptr);
    if (!got.ok()) {
      exit_code = ctx.Fail(got.status());
      if (got.status().code() != absl::StatusCode::kNotFound) return exit_code;
      continue;
    }
    objects.push_back(MergedObject(*got));
  }
  if (objects.empty() && !names.empty()) return exit_code;  // every name failed
  if (PrintStructured(ctx, objects, /*single=*/names.size() == 1)) return exit_code;
  if (objects.empty()) {
    PrintNoResources(ctx);
    return exit_code;
  }
  PrintTable(ctx, *kind, objects, /*qualified=*/false);
  return exit_code;
}

}  // namespace nxt::nxtctl
