// The plan of one TalkBackend round: PlanMembers (member_plan.h) for each group — NATS
// nodes, signaling nodes, coturn — and for strays (containers of the backend with a
// role it does not run, all removed), with one rule across groups:
//   signaling nodes are not replaced while the NATS group is not converged (NATS rolls
//   first; a signaling node restarted meanwhile would connect to a cluster in motion).
//   Creates, starts and removals of signaling nodes still happen; the held replacement
//   shows as waits on the NATS nodes that are not ready yet.
// Pure; thread-safe.
#ifndef NXT_CONTROLLERS_TALKBACKEND_PLAN_H_
#define NXT_CONTROLLERS_TALKBACKEND_PLAN_H_

#include <vector>

#include "controllers/common/member_plan.h"
#include "controllers/talkbackend/probe.h"
#include "controllers/talkbackend/render.h"

namespace nxt::talkbackend {

struct BackendPlan {
  std::vector<controllers::MemberAction> nats;
  std::vector<controllers::MemberAction> signaling;
  std::vector<controllers::MemberAction> coturn;
  std::vector<controllers::MemberAction> strays;
  bool signaling_held = false;  // a signaling replacement waits for NATS

  // Every action, NATS first, then signaling, coturn, strays.
  std::vector<controllers::MemberAction> All() const;
};

BackendPlan PlanBackend(const DesiredBackend& desired, const ObservedBackend& observed);

// Every group converged (MembersConverged) and no strays.
bool BackendConverged(const DesiredBackend& desired, const ObservedBackend& observed);

}  // namespace nxt::talkbackend

#endif  // NXT_CONTROLLERS_TALKBACKEND_PLAN_H_
