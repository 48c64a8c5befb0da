// Internal to controllers/rediscluster: the cluster steps of the plan (plan.h), split
// from plan.cc by meaning. Pure functions.
#ifndef NXT_CONTROLLERS_REDISCLUSTER_PLAN_STEPS_H_
#define NXT_CONTROLLERS_REDISCLUSTER_PLAN_STEPS_H_

#include <map>
#include <string>
#include <vector>

#include "controllers/rediscluster/plan.h"

namespace nxt::rediscluster::internal {

Action MakeAction(Action::Type type, int ordinal = -1, std::string name = "");
Action WaitAction(std::string detail);

// Every container exists and runs: the one cluster step of this round (create, repair,
// join, shrink, roles, rolling update), a wait, or nothing when converged.
std::vector<Action> ClusterActions(const DesiredState& d,
                                   const std::map<int, const ObservedNode*>& nodes,
                                   const ClusterSummary& s);

}  // namespace nxt::rediscluster::internal

#endif  // NXT_CONTROLLERS_REDISCLUSTER_PLAN_STEPS_H_
