// Internal to controllers/rediscluster: the cluster steps of the plan (plan.h), split
// from plan.cc by meaning. Pure functions.
#ifndef NXT_CONTROLLERS_REDISCLUSTER_PLAN_STEPS_H_
#define NXT_CONTROLLERS_REDISCLUSTER_PLAN_STEPS_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "controllers/rediscluster/plan.h"

namespace nxt::rediscluster::internal {

Action MakeAction(Action::Type type, int ordinal = -1, std::string name = "");
Action WaitAction(std::string detail);

// The down masters that stay down this round (plan.h: "a down master stays down"), by
// ordinal; for each, `promotions` gets a kPromote of its healthy replicas, or a kWait
// while the promotion is under way. Defined in plan_failover.cc.
std::set<int> HoldDownMasters(const DesiredState& d, const ObservedState& o,
                              const std::map<int, const ObservedNode*>& nodes,
                              const ClusterSummary& s, std::vector<Action>* promotions);

// Every container exists and runs: the one cluster step of this round (create, repair,
// join, shrink, roles, rolling update), a wait, or nothing when converged.
std::vector<Action> ClusterActions(const DesiredState& d,
                                   const std::map<int, const ObservedNode*>& nodes,
                                   const ClusterSummary& s);

}  // namespace nxt::rediscluster::internal

#endif  // NXT_CONTROLLERS_REDISCLUSTER_PLAN_STEPS_H_
