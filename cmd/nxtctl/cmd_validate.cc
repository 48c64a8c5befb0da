// nxtctl validate: parse + schema + semantic checks, locally. When a daemon answers, the
// checks also see the running object of each manifest (as `apply` does in the daemon),
// so rules that depend on it (immutable fields, whole-shard scaling) are enforced; when
// none answers, it validates offline and says so on stderr.
#include <boost/json.hpp>
#include <map>
#include <optional>

#include "cmd/nxtctl/commands.h"
#include "reconciler/api/protocol.h"
#include "resources/manifest_reader.h"

namespace nxt::nxtctl {
namespace {

// Same object defined twice across the inputs: an error at the second place.
void CheckDuplicates(const std::vector<resources::Object>& objects,
                     std::vector<resources::FieldError>& errors) {
  std::map<resources::ObjectKey, resources::SourcePosition> seen;
  for (const auto& o : objects) {
    auto [it, inserted] = seen.emplace(o.Key(), o.source);
    if (!inserted) {
      errors.push_back({o.source, "",
                        "duplicate " + o.kind + " " + o.Key().NamespacedName() +
                            " (also defined at " + it->second.ToString() + ")"});
    }
  }
}

// The running objects the daemon holds for `objects`, by key. nullopt when no daemon
// could be asked (`why` says why).
std::optional<std::map<resources::ObjectKey, resources::Object>> RunningObjects(
    Context& ctx, const std::vector<resources::Object>& objects, std::string& why) {
  std::map<resources::ObjectKey, resources::Object> out;
  for (const resources::Object& o : objects) {
    const resources::ObjectKey key = o.Key();
    absl::StatusOr<boost::json::object> got =
        ctx.Call("GET",
                 std::string(reconciler::api::kPathObjects) + "/" + key.kind + "/" +
                     key.namespace_ + "/" + key.name,
                 nullptr);
    if (absl::IsNotFound(got.status())) continue;  // to be created
    if (!got.ok()) {
      why = std::string(got.status().message());
      return std::nullopt;
    }
    const boost::json::object* object = ObjectAt(*got, "object");
    const boost::json::object* spec = object != nullptr ? ObjectAt(*object, "spec") : nullptr;
    resources::Object current;
    current.kind = key.kind;
    current.metadata.namespace_ = key.namespace_;
    current.metadata.name = key.name;
    if (spec != nullptr) current.spec = *spec;
    out.emplace(key, std::move(current));
  }
  return out;
}

// The kinds' checks of each object against its running version, positioned in the file.
void CheckAgainstRunning(Context& ctx, const std::vector<resources::Object>& objects,
                         const std::map<resources::ObjectKey, resources::Object>& running,
                         std::vector<resources::FieldError>& errors) {
  for (const resources::Object& o : objects) {
    auto it = running.find(o.Key());
    const resources::KindInfo* kind = ctx.kinds().Find(o.kind);
    if (it == running.end() || kind == nullptr || !kind->check) continue;
    for (resources::FieldError& e : kind->check(o, &it->second)) {
      if (e.position.line == 0) e.position = o.PositionOf(e.field_path);
      errors.push_back(std::move(e));
    }
  }
}

}  // namespace

int RunValidate(Context& ctx) {
  absl::StatusOr<std::vector<ManifestInput>> inputs = ctx.ReadInputs();
  if (!inputs.ok()) return ctx.Fail(inputs.status());
  std::vector<resources::FieldError> errors;
  std::vector<resources::Object> objects;
  std::vector<std::pair<std::string, size_t>> files;  // name, object count
  for (const ManifestInput& input : *inputs) {
    resources::ParseResult parsed =
        input.name == "<stdin>" ? resources::ParseManifest(ctx.kinds(), input.name, input.content)
                                : resources::ReadManifestFile(ctx.kinds(), input.name);
    std::vector<resources::FieldError> file_errors = parsed.AllErrors();
    errors.insert(errors.end(), file_errors.begin(), file_errors.end());
    if (file_errors.empty()) files.push_back({input.name, parsed.objects.size()});
    for (auto& o : parsed.objects) objects.push_back(std::move(o));
  }
  CheckDuplicates(objects, errors);
  std::string why;
  std::optional<std::map<resources::ObjectKey, resources::Object>> running =
      RunningObjects(ctx, objects, why);
  if (running.has_value()) {
    CheckAgainstRunning(ctx, objects, *running, errors);
  } else {
    ctx.err() << "note: validated offline, without the running objects: " << why << "\n"
              << "note: rules that compare with the running object (immutable fields, "
                 "scaling steps) were not checked\n";
  }
  for (const auto& e : errors) ctx.err() << e.ToString() << "\n";
  if (!errors.empty()) {
    ctx.err() << "error: " << errors.size() << (errors.size() == 1 ? " error" : " errors")
              << " found\n";
    return kExitError;
  }
  for (const auto& [name, count] : files) {
    ctx.out() << name << ": valid (" << count << (count == 1 ? " object" : " objects") << ")\n";
  }
  return kExitOk;
}

}  // namespace nxt::nxtctl
