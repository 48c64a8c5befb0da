#include "controllers/rustfspool/rustfs_reconciler.h"

#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "controllers/common/adoption.h"
#include "controllers/common/host_path.h"
#include "controllers/common/member_actuator.h"
#include "controllers/common/owner.h"
#include "controllers/rustfspool/drive_dirs.h"
#include "controllers/rustfspool/status.h"

namespace nxt::rustfspool {
namespace {

constexpr char kComponent[] = "rustfspool";

}  // namespace

RustFSPoolReconciler::RustFSPoolReconciler(const controllers::KindDeps& deps, Options options)
    : KindReconciler(deps, kComponent),
      allowed_host_path_roots_(deps.allowed_host_path_roots),
      options_(std::move(options)),
      layouts_(deps.state_dir) {}

absl::StatusOr<Desired> RustFSPoolReconciler::Desire(const resources::Object& object) {
  const resources::ObjectKey key = object.Key();
  Desired d;
  NXT_ASSIGN_OR_RETURN(d.spec, Decode(object));
  absl::StatusOr<PoolLayout> layout = Layout(key, d.spec, /*record=*/true);
  if (absl::IsFailedPrecondition(layout.status())) {
    return controllers::Refused(kReasonTopologyImmutable, layout.status());
  }
  NXT_ASSIGN_OR_RETURN(d.layout, std::move(layout));
  NXT_ASSIGN_OR_RETURN(d.keys, Keys(key, /*create=*/true));
  return d;
}

absl::StatusOr<resources::RustFSPoolSpec> RustFSPoolReconciler::Decode(
    const resources::Object& object) const {
  NXT_ASSIGN_OR_RETURN(resources::RustFSPoolSpec spec,
                       resources::DecodeRustFSPoolSpec(object.spec));
  for (size_t d = 0; d < spec.drive_host_paths.size(); ++d) {
    if (spec.drive_host_paths[d].empty()) continue;
    NXT_RETURN_IF_ERROR(
        controllers::CheckHostPathAllowed(absl::StrCat("spec.drives[", d, "].hostPath"),
                                          spec.drive_host_paths[d], allowed_host_path_roots_));
  }
  return spec;
}

absl::StatusOr<PoolLayout> RustFSPoolReconciler::Layout(const resources::ObjectKey& key,
                                                        const resources::RustFSPoolSpec& spec,
                                                        bool record) {
  NXT_ASSIGN_OR_RETURN(std::optional<PoolLayout> recorded, layouts_.Load(key));
  if (recorded.has_value()) {
    std::vector<std::string> changes = TopologyChanges(*recorded, spec);
    if (changes.empty()) return *recorded;
    return absl::FailedPreconditionError(
        absl::StrCat(absl::StrJoin(changes, "; "),
                     ". The topology of a RustFS pool cannot change once created (recorded in ",
                     layouts_.PathOf(key),
                     "); the pool is left as it is. Restore the recorded topology, "
                     "or delete the pool with deletionPolicy: Delete first"));
  }
  PoolLayout layout = LayoutFor(key, spec);
  NXT_RETURN_IF_ERROR(CheckLeftoverVolumes(key, layout));
  if (!record) return layout;
  layout.recorded_at = clock_.Now();
  NXT_RETURN_IF_ERROR(layouts_.Save(key, layout));
  const std::string message =
      absl::StrCat("recorded the pool layout: ", layout.nodes, " nodes × ", layout.drives_per_node,
                   " drives, RUSTFS_VOLUMES=", layout.volumes);
  (void)store_.RecordEvent(key, "Normal", "LayoutRecorded", message);  // the store logs a failure
  Log(LogLevel::kInfo, kComponent, message, {{"object", key.NamespacedName()}});
  return layout;
}

absl::Status RustFSPoolReconciler::CheckLeftoverVolumes(const resources::ObjectKey& key,
                                                        const PoolLayout& layout) {
  NXT_ASSIGN_OR_RETURN(std::vector<docker::VolumeInfo> volumes,
                       docker_.ListVolumes(controllers::OwnerSelector(key)));
  if (volumes.empty()) return absl::OkStatus();
  std::set<std::string> have;
  for (const docker::VolumeInfo& v : volumes) have.insert(v.name);
  std::set<std::string> want;
  for (int i = 0; i < layout.nodes; ++i) {
    for (int d = 0; d < layout.drives_per_node; ++d) {
      docker::Mount m = DriveMount(key, layout, i, d);
      if (m.type == docker::Mount::Type::kVolume) want.insert(m.source);
    }
  }
  if (have == want) return absl::OkStatus();  // the same pool; its record was lost
  std::vector<std::string> list(have.begin(), have.end());
  return absl::FailedPreconditionError(
      absl::StrCat("the volumes of an earlier pool of this name exist (", absl::StrJoin(list, ", "),
                   ") and do not match the layout the spec asks for (", layout.nodes, " nodes × ",
                   layout.drives_per_node,
                   " drives); nxt will not start nodes on drives laid out for "
                   "another topology. Restore that topology, or remove those volumes yourself"));
}

absl::StatusOr<PoolKeys> RustFSPoolReconciler::Keys(const resources::ObjectKey& key, bool create) {
  PoolKeys keys;
  if (!create) {
    // Not created yet: nothing runs with them, so any value renders the same plan.
    keys.access_key = secrets_.Get(key, kAccessKeySecret).value_or("");
    keys.secret_key = secrets_.Get(key, kSecretKeySecret).value_or("");
    return keys;
  }
  NXT_ASSIGN_OR_RETURN(keys.access_key,
                       Annotate(secrets_.GetOrCreate(key, kAccessKeySecret, 20), "access key"));
  NXT_ASSIGN_OR_RETURN(keys.secret_key,
                       Annotate(secrets_.GetOrCreate(key, kSecretKeySecret, 40), "secret key"));
  return keys;
}

absl::StatusOr<reconciler::Result> RustFSPoolReconciler::Converge(const resources::Object& object,
                                                                  Desired desired) {
  const resources::ObjectKey key = object.Key();
  const resources::RustFSPoolSpec& spec = desired.spec;
  const PoolLayout& layout = desired.layout;
  const PoolKeys& keys = desired.keys;
  const std::map<std::string, controllers::RenderedMember> rendered =
      RenderPool(key, layout, spec, keys);
  StatusInput in;
  in.generation = object.metadata.generation;
  in.layout = &layout;
  in.spec = &spec;
  in.wanted = WantedMembers(rendered);
  Observed observed = Observe(key, keys);
  int changes = 0;
  absl::Status refused;
  if (!spec.suspend) {
    in.actions = controllers::PlanMembers(in.wanted, observed.members);
    changes = ActOnNodes(key, layout, in.actions, rendered, in.error, refused);
    if (changes > 0) observed = Observe(key, keys);
  }
  in.seen = observed.members;
  if (!spec.suspend && in.error.ok() && controllers::MembersConverged(in.wanted, in.seen)) {
    BucketRound buckets = Buckets(key, spec, keys, observed);
    in.buckets = std::move(buckets.view);
    in.bucket_actions = std::move(buckets.actions);
    in.error = buckets.error;
    changes += static_cast<int>(in.bucket_actions.size());
  }
  in.now = clock_.Now();
  std::optional<resources::ObjectStatus> previous = store_.GetStatus(key);
  in.previous = previous.has_value() ? &*previous : nullptr;
  const absl::Status written = store_.UpdateStatus(key, BuildStatus(in));
  if (!refused.ok()) {
    // A drive directory that no longer resolves cleanly (a symlink swapped in): terminal
    // until the object changes; the nodes that run stay as they are.
    return controllers::Refused(controllers::kReasonHostPathRefused, refused);
  }
  if (!in.error.ok()) return in.error;
  NXT_RETURN_IF_ERROR(Annotate(written, "write status"));
  if (spec.suspend || Converged(in)) return reconciler::Result{.requeue_after = options_.resync};
  return reconciler::Result{.requeue_after = changes > 0 ? options_.requeue_after_change
                                                         : options_.requeue_while_waiting};
}

int RustFSPoolReconciler::ActOnNodes(
    const resources::ObjectKey& key, const PoolLayout& layout,
    const std::vector<controllers::MemberAction>& actions,
    const std::map<std::string, controllers::RenderedMember>& rendered, absl::Status& error,
    absl::Status& refused) {
  const std::vector<std::string>& roots = allowed_host_path_roots_;
  absl::Status dirs = MakeDriveDirs(key, layout, roots);
  if (absl::IsInvalidArgument(dirs)) refused = dirs;
  error = Annotate(dirs, "create drive directories");
  if (!error.ok() || controllers::OnlyWaits(actions)) return 0;
  controllers::MemberActuator::Options o;
  o.component = kComponent;
  o.stop_timeout = options_.stop_timeout;
  o.parallelism = options_.create_parallelism;
  o.before_create = [&key, &layout, &roots](const docker::ContainerSpec& spec) {
    return VerifyDriveDirs(key, layout, controllers::OrdinalOf(spec.labels).value_or(-1), roots);
  };
  controllers::MemberActuator actuator(docker_, cache_, store_, key, o);
  controllers::MemberOutcome outcome = actuator.Run(actions, rendered);
  error = outcome.error;
  refused = outcome.refused;
  return outcome.changes;
}

absl::StatusOr<reconciler::Result> RustFSPoolReconciler::Teardown(const resources::ObjectKey& key,
                                                                  const resources::Object* object) {
  bool delete_volumes = false;
  if (object != nullptr) {
    absl::StatusOr<resources::RustFSPoolSpec> spec = resources::DecodeRustFSPoolSpec(object->spec);
    // An undecodable spec keeps its data: it is only deleted when asked in writing.
    delete_volumes = spec.ok() && spec->deletion_policy == resources::DeletionPolicy::kDelete;
  } else if (cache_.List(controllers::OwnerSelector(key)).empty()) {
    return reconciler::Result{};  // gone, and nothing of it left running
  }
  controllers::MemberActuator::Options o;
  o.component = kComponent;
  o.stop_timeout = options_.stop_timeout;
  o.record_events = object != nullptr;
  controllers::MemberActuator actuator(docker_, cache_, store_, key, o);
  NXT_RETURN_IF_ERROR(actuator.Teardown(delete_volumes));
  if (delete_volumes) {
    NXT_RETURN_IF_ERROR(Annotate(secrets_.DeleteAll(key), "delete keys"));
    NXT_RETURN_IF_ERROR(layouts_.Delete(key));
  }
  if (object != nullptr) store_.Finalize(key);
  return reconciler::Result{};
}

absl::StatusOr<std::vector<std::string>> RustFSPoolReconciler::DescribePlan(
    const resources::Object& object) {
  const resources::ObjectKey key = object.Key();
  NXT_ASSIGN_OR_RETURN(resources::RustFSPoolSpec spec, Decode(object));
  NXT_ASSIGN_OR_RETURN(PoolLayout layout, Layout(key, spec, /*record=*/false));
  NXT_ASSIGN_OR_RETURN(PoolKeys keys, Keys(key, /*create=*/false));
  std::vector<std::string> out;
  if (spec.suspend) return out;
  const std::map<std::string, controllers::RenderedMember> rendered =
      RenderPool(key, layout, spec, keys);
  for (const controllers::MemberAction& a :
       controllers::PlanMembers(WantedMembers(rendered), Observe(key, keys).members)) {
    if (a.type != controllers::MemberAction::Type::kWait) out.push_back(a.Describe());
  }
  return out;
}

}  // namespace nxt::rustfspool
