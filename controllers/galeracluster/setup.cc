// SetupGaleraCluster: the GaleraCluster kind's entry point for nxtd (see kind_setup.h).
#include <memory>
#include <utility>

#include "controllers/common/kind_setup.h"
#include "controllers/galeracluster/galera_metrics.h"
#include "controllers/galeracluster/galera_reconciler.h"
#include "controllers/galeracluster/mariadb_sql_link.h"

namespace nxt::controllers {

absl::StatusOr<KindController> SetupGaleraCluster(const KindDeps& deps) {
  galera::GaleraClusterReconciler::Options options;
  options.admin.link = std::make_shared<galera::MariadbSqlLink>(deps.docker);
  KindController kind =
      ControllerOf(std::make_unique<galera::GaleraClusterReconciler>(deps, options));
  kind.metrics = std::make_unique<galera::GaleraMetricsCollector>(deps.store);
  return kind;
}

}  // namespace nxt::controllers
