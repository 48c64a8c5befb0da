// RustFSPoolReconciler: what it reads and asks of the running pool — the nodes (cache +
// GET /health on their bridge addresses) and the buckets (S3 through the lowest ready
// node).
#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "common/parallel.h"
#include "common/status_macros.h"
#include "controllers/common/owner.h"
#include "controllers/rustfspool/rustfs_reconciler.h"
#include "controllers/rustfspool/s3_client.h"

namespace nxt::rustfspool {
namespace {

std::string LabelOr(const std::map<std::string, std::string>& labels, const char* key) {
  auto it = labels.find(key);
  return it == labels.end() ? std::string() : it->second;
}

controllers::SigV4Credentials Credentials(const PoolKeys& keys) {
  controllers::SigV4Credentials c;
  c.access_key = keys.access_key;
  c.secret_key = keys.secret_key;
  return c;
}

std::string Endpoint(const std::string& ip) {
  return absl::StrCat("http://", ip, ":", resources::kRustFSApiPort);
}

// Every bucket, with the versioning of those the spec names.
absl::StatusOr<BucketView> SeeBuckets(S3Client& s3, const resources::RustFSPoolSpec& spec) {
  NXT_ASSIGN_OR_RETURN(std::vector<std::string> names, s3.ListBuckets());
  BucketView view;
  for (const std::string& name : names) view[name] = "";
  for (const resources::RustFSBucketSpec& b : spec.buckets) {
    if (!view.contains(b.name)) continue;
    NXT_ASSIGN_OR_RETURN(view[b.name], s3.GetVersioning(b.name));
  }
  return view;
}

// Carries `a` out and records its effect in `view`.
absl::Status DoBucketAction(S3Client& s3, const BucketAction& a, BucketView& view) {
  if (a.type == BucketAction::Type::kCreate) {
    NXT_RETURN_IF_ERROR(s3.CreateBucket(a.bucket));
    view[a.bucket] = "";
    return absl::OkStatus();
  }
  const bool enable = a.type == BucketAction::Type::kEnableVersioning;
  NXT_RETURN_IF_ERROR(s3.PutVersioning(a.bucket, enable));
  view[a.bucket] = enable ? kVersioningEnabled : kVersioningSuspended;
  return absl::OkStatus();
}

}  // namespace

RustFSPoolReconciler::Observed RustFSPoolReconciler::Observe(const resources::ObjectKey& key,
                                                             const PoolKeys& keys) const {
  docker::LabelSelector selector = controllers::OwnerSelector(key);
  selector[docker::kLabelRole] = kNodeRole;
  const std::vector<docker::ContainerSummary> containers = cache_.List(selector);
  const std::string network = controllers::NetworkName(key.namespace_, key.name);
  Observed out;
  out.members.resize(containers.size());
  std::vector<std::string> ips(containers.size());
  ParallelFor(containers.size(), options_.create_parallelism, [&](size_t i) {
    const docker::ContainerSummary& c = containers[i];
    controllers::SeenMember& m = out.members[i];
    m.name = c.name;
    m.ordinal = controllers::OrdinalOf(c.labels).value_or(-1);
    m.config_hash = LabelOr(c.labels, docker::kLabelConfigHash);
    m.state = c.state;
    if (c.state != "running") return;
    absl::StatusOr<docker::ContainerInfo> info = docker_.InspectContainer(c.id);
    if (!info.ok() || !info->network_ips.contains(network)) return;
    ips[i] = info->network_ips.at(network);
    S3Client node(http_, Endpoint(ips[i]), Credentials(keys), options_.probe_timeout);
    m.ready = node.Health().ok();
  });
  for (size_t i = 0; i < containers.size(); ++i) {
    if (!ips[i].empty()) out.ips[containers[i].name] = ips[i];
  }
  return out;
}

RustFSPoolReconciler::BucketRound RustFSPoolReconciler::Buckets(
    const resources::ObjectKey& key, const resources::RustFSPoolSpec& spec, const PoolKeys& keys,
    const Observed& observed) {
  BucketRound round;
  const controllers::SeenMember* via = nullptr;
  for (const controllers::SeenMember& m : observed.members) {
    if (m.ready && observed.ips.contains(m.name) && (via == nullptr || m.ordinal < via->ordinal)) {
      via = &m;
    }
  }
  if (via == nullptr) return round;
  const std::string through = absl::StrCat("through ", via->name);
  S3Client s3(http_, Endpoint(observed.ips.at(via->name)), Credentials(keys), options_.s3_timeout);
  absl::StatusOr<BucketView> view = SeeBuckets(s3, spec);
  if (!view.ok()) {
    round.error = Annotate(view.status(), through);
    return round;
  }
  for (const BucketAction& a : PlanBuckets(spec.buckets, *view)) {
    round.actions.push_back(a);
    if (absl::Status s = DoBucketAction(s3, a, *view); !s.ok()) {
      round.error = Annotate(s, absl::StrCat(a.Describe(), " ", through));
      (void)store_.RecordEvent(key, "Warning", "ReconcileError",  // best effort, as below
                               std::string(round.error.message()));
      break;
    }
    const char* reason = a.type == BucketAction::Type::kCreate             ? "BucketCreated"
                         : a.type == BucketAction::Type::kEnableVersioning ? "VersioningEnabled"
                                                                           : "VersioningSuspended";
    (void)store_.RecordEvent(key, "Normal", reason, a.Describe());  // the store logs a failure
    Log(LogLevel::kInfo, "rustfspool", a.Describe(), {{"object", key.NamespacedName()}});
  }
  round.view = *std::move(view);
  return round;
}

}  // namespace nxt::rustfspool
