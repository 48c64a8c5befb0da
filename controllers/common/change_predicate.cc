#include "controllers/common/change_predicate.h"

namespace nxt::controllers {

const std::set<std::string>& DefaultWakeActions() {
  static const std::set<std::string>* const kActions =
      new std::set<std::string>{"create", "start",   "restart", "die",    "stop",   "oom",
                                "pause",  "unpause", "rename",  "update", "destroy"};
  return *kActions;
}

bool ChangePredicate::Wakes(const docker::ContainerChange& change) const {
  if (change.action == "health_status") {
    if (actions.count(change.action) > 0) return true;  // a kind that wants every probe
    return health_changes && (!change.known || change.health_before != change.health_after);
  }
  return actions.count(change.action) > 0;
}

}  // namespace nxt::controllers
