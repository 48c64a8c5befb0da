// GaleraCluster spec: decoding, the odd-size rule and config keys (resources/
// galeracluster.h), through the real parser and registry; and what a node renders to.
#include <boost/json.hpp>

#include "absl/strings/match.h"
#include "controllers/galeracluster/node_admin.h"
#include "controllers/galeracluster/render.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "resources/galeracluster.h"
#include "resources/kind_registry.h"
#include "resources/manifest_reader.h"
#include "tests/testing/builtin_kinds.h"
#include "tests/testing/status_matchers.h"

namespace nxt::galera {
namespace {

// The spec of a manifest that sets nothing: every field as the CRD defaults it.
resources::GaleraClusterSpec DefaultSpec() {
  return nxt::testing::DecodedDefaults(resources::DecodeGaleraClusterSpec, "GaleraCluster");
}

using ::nxt::testing::IsOk;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

const resources::KindRegistry& Kinds() {
  static const std::shared_ptr<const resources::KindRegistry> kKinds =
      *resources::KindRegistry::Builtin();
  return *kKinds;
}

std::vector<std::string> Errors(const std::string& yaml) {
  resources::ParseResult r = resources::ParseManifest(Kinds(), "db.yaml", yaml);
  std::vector<std::string> out;
  for (const resources::FieldError& e : r.AllErrors()) out.push_back(e.ToString());
  return out;
}

std::string Manifest(const std::string& spec) {
  return "apiVersion: nxt.io/v1alpha1\nkind: GaleraCluster\nmetadata:\n  name: db\nspec:\n" + spec;
}

TEST(GaleraSpecTest, EvenReplicasRefusedWithPosition) {
  EXPECT_THAT(Errors(Manifest("  replicas: 4\n")),
              ElementsAre("db.yaml:6:3: spec.replicas: 4 is even; a Galera cluster needs an odd "
                          "number of nodes to keep quorum"));
  for (int odd : {1, 3, 5, 7}) {
    EXPECT_THAT(Errors(Manifest("  replicas: " + std::to_string(odd) + "\n")), IsEmpty()) << odd;
  }
}

TEST(GaleraSpecTest, DefaultsAndDecode) {
  resources::ParseResult r = resources::ParseManifest(
      Kinds(), "db.yaml",
      Manifest("  config:\n    innodb-buffer-pool-size: 64M\n    max_connections: 500\n"
               "  resources:\n    memory: 1Gi\n"));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.objects.size(), 1u);
  absl::StatusOr<resources::GaleraClusterSpec> spec =
      resources::DecodeGaleraClusterSpec(r.objects[0].spec);
  ASSERT_THAT(spec, IsOk());
  EXPECT_EQ(spec->replicas, 3);
  EXPECT_EQ(spec->image, "mariadb:11.4");
  EXPECT_EQ(spec->sst, "mariabackup");
  EXPECT_EQ(spec->database, "nextcloud");
  EXPECT_EQ(spec->memory_bytes, 1073741824);
  EXPECT_EQ(spec->config.at("innodb_buffer_pool_size"), "64M");
  EXPECT_EQ(spec->config.at("max_connections"), "500");
  EXPECT_EQ(spec->deletion_policy, resources::DeletionPolicy::kRetain);
}

TEST(GaleraSpecTest, ManagedConfigKeysRefused) {
  EXPECT_THAT(Errors(Manifest("  config:\n    wsrep_cluster_address: gcomm://\n")),
              ElementsAre(HasSubstr("db.yaml:7:5: spec.config.wsrep_cluster_address: Forbidden")));
  EXPECT_THAT(Errors(Manifest("  config:\n    datadir: /tmp\n")),
              ElementsAre(HasSubstr("spec.config.datadir: Forbidden")));
  EXPECT_THAT(Errors(Manifest("  config:\n    wsrep_provider_options: gcache.size=64M\n")),
              IsEmpty());
  EXPECT_THAT(Errors(Manifest("  config:\n    a: \"x\\ny\"\n")),
              ElementsAre(HasSubstr("must be a single line")));
  EXPECT_THAT(Errors(Manifest("  sst: xtrabackup\n")), Not(IsEmpty()));
}

TEST(GaleraRenderTest, EveryNodeListsEveryMemberAndNoEmptyGcomm) {
  resources::ObjectKey key{"GaleraCluster", "default", "db"};
  resources::GaleraClusterSpec spec = DefaultSpec();
  spec.replicas = 3;
  spec.config["innodb_buffer_pool_size"] = "64M";
  for (int i = 0; i < 3; ++i) {
    std::string cnf = RenderMyCnf(key, spec, i);
    EXPECT_THAT(cnf, HasSubstr("wsrep_cluster_address=gcomm://db-0,db-1,db-2\n"));
    EXPECT_THAT(cnf, HasSubstr("wsrep_node_name=db-" + std::to_string(i) + "\n"));
    EXPECT_THAT(cnf, HasSubstr("innodb_buffer_pool_size=64M\n"));
    EXPECT_THAT(cnf, Not(HasSubstr("gcomm://\n")));
  }
  const Passwords pw{"root1", "user1", "health1", "sst1"};
  const std::string hash = NodeConfigHash(key, spec, pw);
  docker::ContainerSpec join = RenderNode(key, spec, 1, NodeMode::kJoin, hash);
  // The start script (start_script.h) recovers a crashed node's position, then execs
  // mariadbd --defaults-file=/etc/nxt/my.cnf.
  EXPECT_THAT(join.entrypoint, ElementsAre("/bin/sh", "/etc/nxt/start.sh"));
  EXPECT_THAT(join.cmd, IsEmpty());
  EXPECT_EQ(join.restart_policy, "unless-stopped");
  EXPECT_EQ(join.labels.at(kLabelMode), "join");
  docker::ContainerSpec boot = RenderNode(key, spec, 0, NodeMode::kBootstrap, hash);
  EXPECT_THAT(boot.cmd, Contains("--wsrep-new-cluster"));
  EXPECT_EQ(boot.restart_policy, "no");  // never re-bootstraps by itself
  // The hash changes with the config and with the secrets in the node's files (health,
  // SST) — not with those only provisioning uses, nor with the member list, which a
  // server reads only when it starts (the controller writes it into every member).
  spec.replicas = 5;
  EXPECT_EQ(NodeConfigHash(key, spec, pw), hash);
  EXPECT_THAT(RenderMyCnf(key, spec, 1),
              HasSubstr("wsrep_cluster_address=gcomm://db-0,db-1,db-2,db-3,db-4\n"));
  spec.replicas = 3;
  spec.config["innodb_buffer_pool_size"] = "128M";
  EXPECT_NE(NodeConfigHash(key, spec, pw), hash);
  spec.config["innodb_buffer_pool_size"] = "64M";
  EXPECT_EQ(NodeConfigHash(key, spec, pw), hash);
  EXPECT_NE(NodeConfigHash(key, spec, {"root1", "user1", "health2", "sst1"}), hash);
  EXPECT_NE(NodeConfigHash(key, spec, {"root1", "user1", "health1", "sst2"}), hash);
  EXPECT_EQ(NodeConfigHash(key, spec, {"root2", "user2", "health1", "sst1"}), hash);
}

TEST(GaleraRenderTest, TheClusterNameFitsGalerasThirtyTwoBytes) {
  resources::GaleraClusterSpec spec = DefaultSpec();
  EXPECT_EQ(ClusterName({"GaleraCluster", "default", "db"}), "default-db");
  EXPECT_THAT(RenderMyCnf({"GaleraCluster", "default", "db"}, spec, 0),
              HasSubstr("\nwsrep_cluster_name=default-db\n"));
  const std::string exact(32 - 8, 'n');  // "default-" + 24 characters: kept as it is
  EXPECT_EQ(ClusterName({"GaleraCluster", "default", exact}), "default-" + exact);
  // Longer: cut, with a hash of the whole name so two long names stay apart.
  const resources::ObjectKey a{"GaleraCluster", "bench-galera-9675abdc", "db-4790827a"};
  const resources::ObjectKey b{"GaleraCluster", "bench-galera-9675abdc", "db-4790827b"};
  EXPECT_EQ(ClusterName(a).size(), 32u);
  EXPECT_EQ(ClusterName(a).substr(0, 24), "bench-galera-9675abdc-d-");
  EXPECT_EQ(ClusterName(a), ClusterName(a));
  EXPECT_NE(ClusterName(a), ClusterName(b));
  EXPECT_THAT(RenderMyCnf(a, spec, 1), HasSubstr("\nwsrep_cluster_name=" + ClusterName(a) + "\n"));
}

TEST(GaleraRenderTest, SecretsOnlyInProvisionSqlAndTheTwoSecretFiles) {
  resources::ObjectKey key{"GaleraCluster", "default", "db"};
  resources::GaleraClusterSpec spec = DefaultSpec();
  Passwords p{"rootpw123", "userpw456", "healthpw789", "sstpw000"};
  std::string sql = ProvisionSql(spec, p);
  EXPECT_THAT(sql, HasSubstr("CREATE DATABASE IF NOT EXISTS `nextcloud`"));
  EXPECT_THAT(sql, HasSubstr("'nextcloud'@'%' IDENTIFIED BY 'userpw456'"));
  EXPECT_THAT(sql, HasSubstr("PASSWORD('rootpw123') OR unix_socket"));
  // The SST user: local only, the documented mariabackup grants and nothing more.
  EXPECT_THAT(sql, HasSubstr("CREATE USER IF NOT EXISTS 'nxt_sst'@'localhost' IDENTIFIED BY "
                             "'sstpw000'"));
  EXPECT_THAT(sql, HasSubstr("GRANT RELOAD, PROCESS, LOCK TABLES, BINLOG MONITOR ON *.* TO "
                             "'nxt_sst'@'localhost';"));
  EXPECT_THAT(sql, Not(HasSubstr("'nxt_sst'@'%'")));
  EXPECT_THAT(RenderHealthCnf("healthpw789"), HasSubstr("password=healthpw789"));
  EXPECT_EQ(RenderSstCnf("sstpw000"), "[mysqld]\nwsrep_sst_auth=nxt_sst:sstpw000\n");
  const std::string hash = NodeConfigHash(key, spec, p);
  docker::ContainerSpec node = RenderNode(key, spec, 0, NodeMode::kJoin, hash);
  for (const std::string& arg : node.cmd) EXPECT_FALSE(absl::StrContains(arg, "pw"));
  EXPECT_THAT(node.env, IsEmpty());
  const std::string cnf = RenderMyCnf(key, spec, 0);
  EXPECT_FALSE(absl::StrContains(cnf, "pw")) << cnf;
  EXPECT_FALSE(absl::StrContains(cnf, "wsrep_sst_auth"));
  EXPECT_THAT(cnf, HasSubstr("\n!include /etc/nxt/sst.cnf\n"));
  EXPECT_FALSE(absl::StrContains(hash, "pw"));
}

TEST(GaleraRenderTest, ProvisionHashFollowsTheDatabaseUserAndPasswordsButHoldsNoSecret) {
  resources::GaleraClusterSpec spec = DefaultSpec();
  const Passwords p{"rootpw123", "userpw456", "healthpw789", "sstpw000"};
  const std::string hash = ProvisionHash(spec, p);
  EXPECT_EQ(ProvisionHash(spec, p), hash);
  for (const std::string& secret : {p.root, p.user, p.health, p.sst}) {
    EXPECT_FALSE(absl::StrContains(hash, secret));
  }
  resources::GaleraClusterSpec other = spec;
  other.database = "another";
  EXPECT_NE(ProvisionHash(other, p), hash);
  other = spec;
  other.user = "another";
  EXPECT_NE(ProvisionHash(other, p), hash);
  EXPECT_NE(ProvisionHash(spec, {"rootpw124", p.user, p.health, p.sst}), hash);
  EXPECT_NE(ProvisionHash(spec, {p.root, p.user, p.health, "sstpw001"}), hash);
  other = spec;
  other.replicas = spec.replicas + 2;
  other.config["innodb_buffer_pool_size"] = "1G";
  EXPECT_EQ(ProvisionHash(other, p), hash) << "membership and config are not provisioning";
}

}  // namespace
}  // namespace nxt::galera
