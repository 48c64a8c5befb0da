#include "docker/types.h"

namespace nxt::docker {

std::string ContainerSummary::Health() const {
  // The list call folds health into the human status: "Up 3 minutes (healthy)",
  // "Up 2 seconds (health: starting)", "Up 1 hour (unhealthy)".
  if (status.find("(healthy)") != std::string::npos) return "healthy";
  if (status.find("(unhealthy)") != std::string::npos) return "unhealthy";
  if (status.find("(health: starting)") != std::string::npos) return "starting";
  return "";
}

}  // namespace nxt::docker
