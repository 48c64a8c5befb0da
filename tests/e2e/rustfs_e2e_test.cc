// End to end with a RustFSPool on the stand-in image (nxt/rustfs-standin:1, built by
// images/build.sh): the topology change refused by `nxtctl apply` and `nxtctl validate`
// (which asks the daemon for the running pool) and on a manifest edit with the pool
// untouched; the keys kept across an nxtd restart and a re-apply, and never shown by
// `docker inspect`, `nxtctl get -o yaml`, `describe`, the metrics or nxtd's log.
#include <boost/json.hpp>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "controllers/common/owner.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "resources/rustfspool.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/testing/docker_env.h"
#include "tests/testing/temp_dir.h"

namespace nxt::e2e {
namespace {

using ::testing::AllOf;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;

std::string PoolYaml(const std::string& ns, const std::string& name, int nodes) {
  return absl::StrCat("apiVersion: nxt.io/v1alpha1\nkind: RustFSPool\nmetadata:\n  name: ", name,
                      "\n  namespace: ", ns, "\nspec:\n  nodes: ", nodes,
                      "\n  drivesPerNode: 2\n  image: nxt/rustfs-standin:1\n"
                      "  buckets:\n    - name: nextcloud\n      versioning: true\n");
}

class RustFSE2eTest : public E2eTest {
 protected:
  // GET /health of node `node` on the pool's network, from the host.
  int Health(const std::string& name, const std::string& node) {
    absl::StatusOr<docker::ContainerInfo> info = docker_->InspectContainer(node);
    if (!info.ok()) return 0;
    absl::StatusOr<HttpResponse> r = HttpGet(absl::StrCat(
        "http://", info->network_ips[controllers::NetworkName(ns_, name)], ":9000/health"));
    return r.ok() ? r->status : 0;
  }

  std::string Status(const std::string& name, const char* field) {
    boost::json::object o = GetObject(name, "rustfs");
    const boost::json::value* s = o.if_contains("status");
    const boost::json::value* v =
        s != nullptr && s->is_object() ? s->as_object().if_contains(field) : nullptr;
    if (v == nullptr) return "";
    return v->is_string() ? std::string(v->get_string()) : boost::json::serialize(*v);
  }
};

TEST_F(RustFSE2eTest, TopologyChangesRefusedKeysKeptAndNeverShown) {
  const std::string s3 = SetName("s3");
  StartNxtd();
  nxtd_->WriteManifest("s3.yaml", PoolYaml(ns_, s3, 4));
  ASSERT_TRUE(WaitFor([&] { return IsReady(s3, "rustfs"); }, absl::Seconds(180)))
      << nxtd_->Nxtctl({"describe", "rustfs", s3, "-n", ns_}).stdout_text;
  const std::vector<std::string> keys =
      Secrets(resources::kRustFSPoolKind, s3, {"access-key", "secret-key"});
  const std::map<std::string, std::string> ids = ContainerIds(s3);
  ASSERT_EQ(ids.size(), 4u);
  CommandResult get = nxtd_->Nxtctl({"get", "rustfs", s3, "-n", ns_});
  EXPECT_THAT(get.stdout_text,
              AllOf(ContainsRegex("NAME +NODES +DRIVES +READY +BUCKETS +STATUS +AGE"),
                    ContainsRegex(s3 + " +4 +8 +4/4 +1/1 +Ready")))
      << get.stdout_text;

  // apply and validate know the running pool: file:line:col, the field and the reason.
  nxt::testing::TempDir input;
  input.Write("bad.yaml", PoolYaml(ns_, s3, 6));
  for (const char* verb : {"apply", "validate"}) {
    CommandResult r = nxtd_->Nxtctl({verb, "-f", input.Join("bad.yaml")});
    EXPECT_NE(r.exit_code, 0) << verb;
    EXPECT_THAT(r.stderr_text, AllOf(HasSubstr(input.Join("bad.yaml") + ":7:3: spec.nodes: "
                                                                        "Forbidden: cannot change "
                                                                        "from 4 to 6"),
                                     HasSubstr("topology of a RustFS pool")))
        << verb;
  }
  // Offline (no daemon), the same file validates: nothing to compare with, and it says so.
  CommandResult offline = RunNxtctl(
      {"validate", "-f", input.Join("bad.yaml"), "--socket", nxtd_->api_socket() + ".nobody"});
  EXPECT_EQ(offline.exit_code, 0) << offline.stderr_text;
  EXPECT_THAT(offline.stderr_text, HasSubstr("note: validated offline"));

  // A manifest edit: Stalled with the position, a Warning event, the pool untouched.
  nxtd_->WriteManifest("s3.yaml", PoolYaml(ns_, s3, 6));
  ASSERT_TRUE(
      WaitFor([&] { return Condition(GetObject(s3, "rustfs"), "Stalled").status == "True"; },
              absl::Seconds(20)));
  EXPECT_THAT(Condition(GetObject(s3, "rustfs"), "Stalled").message,
              AllOf(ContainsRegex("s3\\.yaml:7:3"), HasSubstr("spec.nodes")));
  CommandResult describe = nxtd_->Nxtctl({"describe", "rustfs", s3, "-n", ns_});
  EXPECT_THAT(describe.stdout_text, AllOf(HasSubstr("Warning"), HasSubstr("InvalidManifest")))
      << describe.stdout_text;
  EXPECT_FALSE(
      WaitFor([&] { return ContainerIds(s3) != ids; }, absl::Seconds(3), absl::Milliseconds(200)))
      << "a refused edit changed Docker";
  EXPECT_EQ(Health(s3, s3 + "-3"), 200) << "still serving";
  nxtd_->WriteManifest("s3.yaml", PoolYaml(ns_, s3, 4));
  ASSERT_TRUE(
      WaitFor([&] { return Condition(GetObject(s3, "rustfs"), "Stalled").status == "False"; },
              absl::Seconds(20)));

  // An edit made while nxtd is down is refused when it starts (the stored object and
  // the recorded layout both remember the topology). Then restart with the manifest
  // restored, re-apply: same keys, same containers.
  nxtd_->Kill();
  nxtd_->WriteManifest("s3.yaml", PoolYaml(ns_, s3, 6));
  ASSERT_TRUE(nxtd_->Start().ok());
  ASSERT_TRUE(
      WaitFor([&] { return Condition(GetObject(s3, "rustfs"), "Stalled").status == "True"; },
              absl::Seconds(20)))
      << nxtd_->Nxtctl({"describe", "rustfs", s3, "-n", ns_}).stdout_text;
  EXPECT_THAT(Condition(GetObject(s3, "rustfs"), "Stalled").message,
              ContainsRegex("s3\\.yaml:7:3: spec.nodes: .*4.*6"));
  EXPECT_EQ(ContainerIds(s3), ids);
  EXPECT_EQ(Health(s3, s3 + "-0"), 200) << "still serving";
  nxtd_->Kill();
  nxtd_->WriteManifest("s3.yaml", PoolYaml(ns_, s3, 4));
  ASSERT_TRUE(nxtd_->Start().ok());
  ASSERT_TRUE(WaitFor([&] { return IsReady(s3, "rustfs"); }, absl::Seconds(180)));
  input.Write("same.yaml", PoolYaml(ns_, s3, 4));
  CommandResult apply = nxtd_->Nxtctl({"apply", "-f", input.Join("same.yaml")});
  EXPECT_EQ(apply.exit_code, 0) << apply.stderr_text;
  ASSERT_TRUE(WaitFor([&] { return IsReady(s3, "rustfs"); }, absl::Seconds(180)));
  EXPECT_EQ(Secrets(resources::kRustFSPoolKind, s3, {"access-key", "secret-key"}), keys);
  EXPECT_EQ(ContainerIds(s3), ids) << "neither the restart nor the re-apply replaced a node";

  // The keys are nowhere a user or a scraper can see.
  ExpectSecretsHidden(resources::kRustFSPoolKind, "rustfs", s3, {"access-key", "secret-key"});
  absl::StatusOr<HttpResponse> metrics = HttpGet(nxtd_->metrics_url("/metrics"));
  ASSERT_TRUE(metrics.ok());
  EXPECT_THAT(metrics->body, AllOf(HasSubstr(absl::StrCat("nxt_rustfs_nodes_ready{namespace=\"",
                                                          ns_, "\",name=\"", s3, "\"} 4")),
                                   HasSubstr(absl::StrCat("nxt_rustfs_buckets{namespace=\"", ns_,
                                                          "\",name=\"", s3, "\"} 1"))));
  for (const auto& [node, id] : ids) {
    absl::StatusOr<CommandResult> inspect =
        RunCommand({"docker", "-H", "unix://" + nxt::testing::DockerSocketPath(), "inspect", id});
    ASSERT_TRUE(inspect.ok() && inspect->exit_code == 0) << node;
    EXPECT_THAT(inspect->stdout_text, HasSubstr("RUSTFS_VOLUMES=http://" + s3 + "-{0...3}:9000"));
  }
}

}  // namespace
}  // namespace nxt::e2e
