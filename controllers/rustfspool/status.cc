#include "controllers/rustfspool/status.h"

#include <boost/json.hpp>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "controllers/common/conditions.h"

namespace nxt::rustfspool {
namespace {

using MT = controllers::MemberAction::Type;

int ReadyNodes(const StatusInput& in) {
  std::map<std::string, std::string> wanted;
  for (const controllers::WantedMember& w : in.wanted) wanted[w.name] = w.config_hash;
  int ready = 0;
  for (const controllers::SeenMember& s : in.seen) {
    ready += wanted.count(s.name) > 0 && s.state == "running" && s.ready;
  }
  return ready;
}

int ReadyBuckets(const StatusInput& in) {
  if (!in.buckets.has_value()) return -1;
  int ready = 0;
  for (const resources::RustFSBucketSpec& b : in.spec->buckets)
    ready += BucketReady(b, *in.buckets);
  return ready;
}

std::string ReasonOf(const StatusInput& in) {
  bool replace = false;
  bool repair = false;
  for (const controllers::MemberAction& a : in.actions) {
    replace |= a.type == MT::kReplace;
    repair |= a.type == MT::kCreate || a.type == MT::kStart || a.type == MT::kRemove;
  }
  if (repair && in.seen.empty()) return kReasonCreating;
  if (replace) return kReasonRollingUpdate;
  if (repair) return kReasonRepairing;
  if (controllers::MembersConverged(in.wanted, in.seen)) return kReasonBuckets;
  return kReasonWaiting;
}

boost::json::array Members(const StatusInput& in) {
  std::map<std::string, const controllers::SeenMember*> seen;
  for (const controllers::SeenMember& s : in.seen) seen[s.name] = &s;
  boost::json::array out;
  for (const controllers::WantedMember& w : in.wanted) {
    auto it = seen.find(w.name);
    const controllers::SeenMember* s = it == seen.end() ? nullptr : it->second;
    out.push_back(
        boost::json::object{{"name", w.name},
                            {"state", s != nullptr ? s->state : "missing"},
                            {"ready", s != nullptr && s->ready},
                            {"upToDate", s != nullptr && s->config_hash == w.config_hash}});
  }
  return out;
}

void SetBucketFields(const StatusInput& in, resources::ObjectStatus& st) {
  const int wanted = static_cast<int>(in.spec->buckets.size());
  if (!in.buckets.has_value()) {
    for (const char* f : {"buckets", "bucketsReady", "bucketStatus"}) {
      if (in.previous != nullptr && in.previous->fields.contains(f)) {
        st.fields[f] = in.previous->fields.at(f);
      }
    }
    if (!st.fields.contains("buckets")) st.fields["buckets"] = absl::StrCat(0, "/", wanted);
    if (!st.fields.contains("bucketsReady")) st.fields["bucketsReady"] = 0;
    return;
  }
  boost::json::array list;
  for (const resources::RustFSBucketSpec& b : in.spec->buckets) {
    auto it = in.buckets->find(b.name);
    std::string versioning = it == in.buckets->end() ? "-" : it->second;
    if (versioning.empty()) versioning = "Off";
    list.push_back(boost::json::object{{"name", b.name},
                                       {"exists", it != in.buckets->end()},
                                       {"versioning", versioning},
                                       {"ready", BucketReady(b, *in.buckets)}});
  }
  st.fields["buckets"] = absl::StrCat(ReadyBuckets(in), "/", wanted);
  st.fields["bucketsReady"] = ReadyBuckets(in);
  st.fields["bucketStatus"] = std::move(list);
}

std::string Steps(const StatusInput& in) {
  std::vector<std::string> steps;
  for (const controllers::MemberAction& a : in.actions) steps.push_back(a.Describe());
  for (const BucketAction& a : in.bucket_actions) steps.push_back(a.Describe());
  return steps.empty() ? std::string("converging") : absl::StrJoin(steps, "; ");
}

// Ready / Reconciling / Stalled for this round (controllers::SetConditions); returns the
// summary.
std::string SetConditions(const StatusInput& in, int ready, resources::ObjectStatus& st) {
  using controllers::Outcome;
  const int nodes = in.layout->nodes;
  const std::string ready_text = absl::StrCat(ready, "/", nodes, " nodes ready");
  controllers::RoundOutcome round;
  std::string summary;
  if (in.spec->suspend) {
    round = {.outcome = Outcome::kSuspended,
             .reason = kReasonSuspended,
             .ready_message = ready_text,
             .serving = ready == nodes};
  } else if (!in.error.ok()) {
    round = {.outcome = Outcome::kTransientError,
             .reason = kReasonReconcileError,
             .message = std::string(in.error.message())};
  } else if (Converged(in)) {
    round = {.outcome = Outcome::kConverged,
             .reason = kReasonAvailable,
             .message = absl::StrCat(nodes, " nodes × ", in.layout->drives_per_node,
                                     " drives answering, ", in.spec->buckets.size(),
                                     in.spec->buckets.size() == 1 ? " bucket" : " buckets",
                                     " as specified")};
    summary = "Ready";
  } else {
    round = {.outcome = Outcome::kProgressing,
             .reason = ReasonOf(in),
             .message = Steps(in),
             .ready_message = ready_text};
  }
  controllers::SetConditions(round, in.now, st);
  return summary.empty() ? round.reason : summary;
}

}  // namespace

bool Converged(const StatusInput& in) {
  return controllers::MembersConverged(in.wanted, in.seen) && in.buckets.has_value() &&
         ReadyBuckets(in) == static_cast<int>(in.spec->buckets.size());
}

resources::ObjectStatus BuildStatus(const StatusInput& in) {
  const PoolLayout& layout = *in.layout;
  const int ready = ReadyNodes(in);
  resources::ObjectStatus st;
  if (in.previous != nullptr) st.conditions = in.previous->conditions;
  st.observed_generation = in.generation;
  st.fields["nodes"] = layout.nodes;
  st.fields["drivesPerNode"] = layout.drives_per_node;
  st.fields["drives"] = layout.nodes * layout.drives_per_node;
  st.fields["volumes"] = layout.volumes;
  st.fields["ready"] = absl::StrCat(ready, "/", layout.nodes);
  st.fields["readyNodes"] = ready;
  controllers::SetReplicaCounts(layout.nodes, ready, st);
  SetBucketFields(in, st);
  st.fields["members"] = Members(in);
  st.fields["summary"] = SetConditions(in, ready, st);
  return st;
}

}  // namespace nxt::rustfspool
