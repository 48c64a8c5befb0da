#include "controllers/talkbackend/status.h"

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "controllers/common/conditions.h"

namespace nxt::talkbackend {
namespace {

using controllers::MemberAction;
using controllers::SeenMember;
using controllers::WantedMember;
using T = MemberAction::Type;

struct GroupView {
  int ready = 0;
  int desired = 0;
  std::vector<std::string> crashing;  // current-config members Docker keeps restarting
};

// Ready members of the current config, and the members' rows for `members`.
GroupView View(const std::string& role, const std::vector<WantedMember>& wanted,
               const std::vector<SeenMember>& seen, const std::map<std::string, int>* routes,
               boost::json::array& rows) {
  std::map<std::string, std::string> hash;
  for (const WantedMember& w : wanted) hash[w.name] = w.config_hash;
  GroupView v;
  v.desired = static_cast<int>(wanted.size());
  for (const SeenMember& s : seen) {
    auto it = hash.find(s.name);
    const bool current = it != hash.end() && it->second == s.config_hash;
    v.ready += current && s.ready;
    if (current && s.state == "restarting") v.crashing.push_back(s.name);
    boost::json::object row{{"name", s.name},
                            {"role", role},
                            {"container", s.state},
                            {"ready", s.ready},
                            {"upToDate", current}};
    if (routes != nullptr) {
      auto r = routes->find(s.name);
      row["routes"] = r == routes->end() ? 0 : r->second;
    }
    rows.push_back(std::move(row));
  }
  return v;
}

std::string Ratio(const GroupView& v) { return absl::StrCat(v.ready, "/", v.desired); }

// Routes between current nodes seen by current nodes, out of n*(n-1).
std::string RoutesRatio(const DesiredBackend& d, const ObservedBackend& o) {
  const int n = static_cast<int>(d.nats.wanted.size());
  int seen = 0;
  for (const WantedMember& w : d.nats.wanted) {
    auto it = o.nats_routes.find(w.name);
    if (it != o.nats_routes.end()) seen += it->second;
  }
  return absl::StrCat(seen, "/", n * (n - 1));
}

std::string ReasonOf(const StatusInput& in, const std::vector<MemberAction>& actions) {
  const ObservedBackend& o = *in.observed;
  const bool nothing_seen = o.nats.empty() && o.signaling.empty() && o.coturn.empty();
  const size_t desired = in.desired->nats.wanted.size() + in.desired->signaling.wanted.size() +
                         in.desired->coturn.wanted.size();
  const size_t seen = o.nats.size() + o.signaling.size() + o.coturn.size();
  for (const MemberAction& a : actions) {
    switch (a.type) {
      case T::kCreate:
        if (nothing_seen) return kReasonCreating;
        return seen < desired ? kReasonScalingUp : kReasonRepairing;
      case T::kRemove:
        return kReasonScalingDown;
      case T::kReplace:
        return kReasonRollingUpdate;
      case T::kStart:
        return kReasonRepairing;
      case T::kWait:
        continue;
    }
  }
  return in.plan.signaling_held ? kReasonRollingUpdate : kReasonWaiting;
}

// The conditions for this round; returns the summary.
std::string SetConditions(const StatusInput& in, const std::string& counts,
                          const std::vector<std::string>& crashing, resources::ObjectStatus& st) {
  using controllers::Outcome;
  const bool converged = BackendConverged(*in.desired, *in.observed);
  if (in.spec->suspend) {
    controllers::SetConditions({.outcome = Outcome::kSuspended,
                                .reason = kReasonSuspended,
                                .ready_message = "suspended: no changes are made",
                                .serving = converged},
                               in.now, st);
    return kReasonSuspended;
  }
  if (!in.error.ok()) {
    controllers::SetConditions({.outcome = Outcome::kTransientError,
                                .reason = kReasonReconcileError,
                                .message = std::string(in.error.message())},
                               in.now, st);
    return kReasonReconcileError;
  }
  if (converged) {
    controllers::SetConditions(
        {.outcome = Outcome::kConverged, .reason = kReasonAvailable, .message = counts}, in.now,
        st);
    return "Ready";
  }
  if (!crashing.empty()) {
    // Docker restarts them and each round looks again: a transient error, not a stall.
    controllers::SetConditions(
        {.outcome = Outcome::kTransientError,
         .reason = kReasonStartFailed,
         .message = absl::StrCat(absl::StrJoin(crashing, ", "),
                                 " keep restarting; see `docker logs` of each")},
        in.now, st);
    return kReasonStartFailed;
  }
  const std::vector<MemberAction> actions = in.plan.All();
  const std::string summary = ReasonOf(in, actions);
  std::vector<std::string> steps;
  for (const MemberAction& a : actions) steps.push_back(a.Describe());
  if (in.plan.signaling_held) steps.push_back("signaling rollout waits for NATS");
  controllers::SetConditions(
      {.outcome = Outcome::kProgressing,
       .reason = summary,
       .message = absl::StrCat(counts, steps.empty() ? "" : ": ", absl::StrJoin(steps, "; "))},
      in.now, st);
  return summary;
}

}  // namespace

resources::ObjectStatus BuildStatus(const StatusInput& in) {
  const DesiredBackend& d = *in.desired;
  const ObservedBackend& o = *in.observed;
  resources::ObjectStatus st;
  if (in.previous != nullptr) st.conditions = in.previous->conditions;
  st.observed_generation = in.generation;
  boost::json::array rows;
  const GroupView nats = View(kNatsRole, d.nats.wanted, o.nats, &o.nats_routes, rows);
  const GroupView signaling = View(kSignalingRole, d.signaling.wanted, o.signaling, nullptr, rows);
  const GroupView coturn = View(kCoturnRole, d.coturn.wanted, o.coturn, nullptr, rows);
  st.fields["signaling"] = Ratio(signaling);
  st.fields["signalingReady"] = signaling.ready;
  st.fields["nats"] = Ratio(nats);
  st.fields["natsReady"] = nats.ready;
  st.fields["natsRoutes"] = RoutesRatio(d, o);
  const bool turn_on = in.spec->coturn.enabled;
  const std::string turn = !turn_on            ? kTurnDisabled
                           : coturn.ready == 1 ? kTurnReady
                                               : kTurnNotReady;
  st.fields["turn"] = turn;
  if (turn_on) st.fields["turnServers"] = TurnServers(in.spec->coturn);
  st.fields["members"] = std::move(rows);
  controllers::SetReplicaCounts(nats.desired + signaling.desired + coturn.desired,
                                nats.ready + signaling.ready + coturn.ready, st);
  std::vector<std::string> crashing = nats.crashing;
  crashing.insert(crashing.end(), signaling.crashing.begin(), signaling.crashing.end());
  crashing.insert(crashing.end(), coturn.crashing.begin(), coturn.crashing.end());
  const std::string counts = absl::StrCat("signaling ", Ratio(signaling), ", NATS ", Ratio(nats),
                                          " (routes ", RoutesRatio(d, o), "), TURN ", turn);
  st.fields["summary"] = SetConditions(in, counts, crashing, st);
  return st;
}

absl::Duration RequeueWhileWaiting(const resources::ObjectStatus& status, absl::Time now,
                                   absl::Duration min, absl::Duration max) {
  const resources::Condition* c = status.FindCondition(resources::kConditionReconciling);
  if (c == nullptr || c->status != "True" || c->last_transition_time > now) return min;
  return std::clamp((now - c->last_transition_time) / 4, min, max);
}

}  // namespace nxt::talkbackend
