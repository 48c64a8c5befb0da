// End to end: the real nxtd and nxtctl binaries against the real Docker engine,
// converging ContainerSets written as manifest files or applied with nxtctl.
#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "controllers/common/owner.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/testing/temp_dir.h"

namespace nxt::e2e {
namespace {

using ::testing::AllOf;
using ::testing::AnyOf;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;

constexpr absl::Duration kConverge = absl::Seconds(60);

class ContainerSetE2eTest : public E2eTest {};

// Every *.yaml file under `dir` whose text contains `needle`.
std::vector<std::string> FilesContaining(const std::string& dir, const std::string& needle) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file() || e.path().extension() != ".yaml") continue;
    std::ifstream in(e.path());
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (text.find(needle) != std::string::npos) out.push_back(e.path().string());
  }
  return out;
}

TEST_F(ContainerSetE2eTest, CreateConvergesAndGetDescribeShowReady) {
  const std::string web = SetName("web");
  StartNxtd();
  nxtd_->WriteManifest("web.yaml", SetManifest(ns_, web, 3).Yaml());
  WaitRunningMembers(web, 3, kConverge);

  std::map<std::string, docker::ContainerSummary> members = Members(web);
  std::string hash;
  for (int i = 0; i < 3; ++i) {
    auto& labels = members[absl::StrCat(web, "-", i)].labels;
    EXPECT_EQ(labels[docker::kLabelManagedBy], "nxtd");
    EXPECT_EQ(labels[docker::kLabelKind], "ContainerSet");
    EXPECT_EQ(labels[docker::kLabelNamespace], ns_);
    EXPECT_EQ(labels[docker::kLabelName], web);
    EXPECT_EQ(labels[docker::kLabelRole], "member");
    EXPECT_EQ(labels[docker::kLabelOrdinal], absl::StrCat(i));
    EXPECT_THAT(labels[docker::kLabelConfigHash], ContainsRegex("^[0-9a-f]{64}$"));
    if (i == 0) hash = labels[docker::kLabelConfigHash];
    EXPECT_EQ(labels[docker::kLabelConfigHash], hash) << "members of one spec hash alike";
  }
  absl::StatusOr<NamespaceObjects> objects = ListNamespace(*docker_, ns_);
  ASSERT_TRUE(objects.ok()) << objects.status();
  EXPECT_THAT(objects->networks, ::testing::ElementsAre(controllers::NetworkName(ns_, web)));

  ASSERT_TRUE(WaitFor([&] { return IsReady(web); }, absl::Seconds(30)))
      << nxtd_->Nxtctl({"describe", "cs", web, "-n", ns_}).stdout_text;

  CommandResult table = nxtd_->Nxtctl({"get", "cs", "-n", ns_});
  EXPECT_EQ(table.exit_code, 0) << table.stderr_text;
  EXPECT_THAT(table.stdout_text,
              AllOf(HasSubstr("NAME"), HasSubstr("READY"), HasSubstr(web), HasSubstr("3/3")));

  CommandResult json = nxtd_->Nxtctl({"get", "cs", web, "-n", ns_, "-o", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.stderr_text;
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(json.stdout_text, ec);
  ASSERT_FALSE(ec) << json.stdout_text;
  ASSERT_TRUE(doc.is_object());
  const boost::json::object& o = doc.as_object();
  EXPECT_EQ(o.at("kind").as_string(), "ContainerSet");
  EXPECT_EQ(o.at("metadata").at("name").as_string(), web);
  EXPECT_EQ(o.at("metadata").at("namespace").as_string(), ns_);
  EXPECT_EQ(o.at("status").at("readyReplicas").to_number<int64_t>(), 3);
  EXPECT_EQ(Condition(o, "Ready").status, "True");

  CommandResult all = nxtd_->Nxtctl({"get", "cs", "-A"});
  EXPECT_THAT(all.stdout_text, AllOf(HasSubstr(ns_), HasSubstr(web)));

  CommandResult describe = nxtd_->Nxtctl({"describe", "cs", web, "-n", ns_});
  EXPECT_EQ(describe.exit_code, 0) << describe.stderr_text;
  EXPECT_THAT(describe.stdout_text, AllOf(HasSubstr("Conditions:"), HasSubstr("Ready"),
                                          HasSubstr("Events:"), HasSubstr(web + "-2")));
}

TEST_F(ContainerSetE2eTest, ApplyReportsCreatedConfiguredUnchangedAndDryRunWritesNothing) {
  const std::string api = SetName("api");
  StartNxtd();
  nxt::testing::TempDir input;
  SetManifest m(ns_, api, 1);
  input.Write("api.yaml", m.Yaml());
  const std::string file = input.Join("api.yaml");

  CommandResult dry = nxtd_->Nxtctl({"apply", "-f", file, "--dry-run"});
  EXPECT_EQ(dry.exit_code, 0) << dry.stderr_text;
  EXPECT_THAT(dry.stdout_text, HasSubstr("containerset.nxt.io/" + api + " created (dry run)"));
  EXPECT_THAT(FilesContaining(nxtd_->manifests_dir(), ns_), ::testing::IsEmpty());
  EXPECT_NE(nxtd_->Nxtctl({"get", "cs", api, "-n", ns_}).exit_code, 0);

  CommandResult created = nxtd_->Nxtctl({"apply", "-f", file});
  EXPECT_EQ(created.exit_code, 0) << created.stderr_text;
  EXPECT_THAT(created.stdout_text, HasSubstr("containerset.nxt.io/" + api + " created"));
  std::vector<std::string> written = FilesContaining(nxtd_->manifests_dir(), ns_);
  ASSERT_EQ(written.size(), 1u) << "the applied object lands in the manifest directory";
  WaitRunningMembers(api, 1, kConverge);

  CommandResult unchanged = nxtd_->Nxtctl({"apply", "-f", file});
  EXPECT_THAT(unchanged.stdout_text, HasSubstr("containerset.nxt.io/" + api + " unchanged"));

  m.replicas = 2;
  input.Write("api.yaml", m.Yaml());
  CommandResult configured = nxtd_->Nxtctl({"apply", "-f", file, "--wait", "--timeout", "60s"});
  EXPECT_EQ(configured.exit_code, 0) << configured.stderr_text;
  EXPECT_THAT(configured.stdout_text, HasSubstr("containerset.nxt.io/" + api + " configured"));
  WaitRunningMembers(api, 2, kConverge);

  const std::string before =
      nxtd_->ReadManifest(std::filesystem::relative(written[0], nxtd_->manifests_dir()).string());
  m.replicas = 3;
  input.Write("api.yaml", m.Yaml());
  CommandResult dry_change = nxtd_->Nxtctl({"apply", "-f", file, "--dry-run"});
  EXPECT_THAT(dry_change.stdout_text,
              HasSubstr("containerset.nxt.io/" + api + " configured (dry run)"));
  EXPECT_EQ(
      nxtd_->ReadManifest(std::filesystem::relative(written[0], nxtd_->manifests_dir()).string()),
      before);
  EXPECT_EQ(Generation(GetObject(api)), 2);

  // validate needs no daemon and points at the offending line and column.
  input.Write("bad.yaml", SetManifest(ns_, "bad", -1).Yaml());
  CommandResult invalid = RunNxtctl({"validate", "-f", input.Join("bad.yaml")});
  EXPECT_EQ(invalid.exit_code, 1);
  EXPECT_THAT(invalid.stderr_text,
              AllOf(ContainsRegex("bad\\.yaml:[0-9]+:[0-9]+"), HasSubstr("spec.replicas")));
  CommandResult valid = RunNxtctl({"validate", "-f", file});
  EXPECT_EQ(valid.exit_code, 0) << valid.stderr_text;
}

TEST_F(ContainerSetE2eTest, ScaleUpThenDownRemovesHighestOrdinalsFirstAndKeepsVolumes) {
  const std::string db = SetName("db");
  StartNxtd();
  SetManifest m(ns_, db, 3);
  m.volumes = {"data"};
  nxtd_->WriteManifest("db.yaml", m.Yaml());
  WaitRunningMembers(db, 3, kConverge);
  std::map<std::string, std::string> ids = MemberIds(db);

  m.replicas = 5;
  nxtd_->WriteManifest("db.yaml", m.Yaml());
  WaitRunningMembers(db, 5, kConverge);
  for (const auto& [name, id] : ids) EXPECT_EQ(MemberIds(db)[name], id) << name << " kept";

  // While scaling 5 → 2, the members present always form a prefix db-0..db-k.
  m.replicas = 2;
  nxtd_->WriteManifest("db.yaml", m.Yaml());
  bool prefix_always = true;
  std::string bad_sample;
  bool done = WaitFor(
      [&] {
        std::map<std::string, docker::ContainerSummary> members = Members(db);
        for (size_t i = 0; i < members.size(); ++i) {
          if (!members.count(absl::StrCat(db, "-", i))) {
            prefix_always = false;
            for (const auto& [n, c] : members) bad_sample += n + " ";
          }
        }
        return HasRunningMembers(db, 2);
      },
      kConverge, absl::Milliseconds(20));
  EXPECT_TRUE(done) << "did not scale down to 2";
  EXPECT_TRUE(prefix_always) << "a lower ordinal went before a higher one: " << bad_sample;
  EXPECT_EQ(MemberIds(db)[db + "-0"], ids[db + "-0"]);
  EXPECT_EQ(MemberIds(db)[db + "-1"], ids[db + "-1"]);

  absl::StatusOr<NamespaceObjects> objects = ListNamespace(*docker_, ns_);
  ASSERT_TRUE(objects.ok()) << objects.status();
  for (int i = 0; i < 5; ++i) {
    EXPECT_THAT(objects->volumes, ::testing::Contains(controllers::VolumeName(ns_, db, i, "data")))
        << "scale-down never removes volumes";
  }
}

TEST_F(ContainerSetE2eTest, EnvChangeRollsOneMemberAtATime) {
  const std::string app = SetName("app");
  StartNxtd();
  SetManifest m(ns_, app, 3);
  m.env = {{"VERSION", "1"}};
  nxtd_->WriteManifest("app.yaml", m.Yaml());
  WaitRunningMembers(app, 3, kConverge);
  ASSERT_TRUE(WaitFor([&] { return IsReady(app); }, absl::Seconds(30)));
  const std::string old_hash = Members(app)[app + "-0"].labels[docker::kLabelConfigHash];

  m.env["VERSION"] = "2";
  nxtd_->WriteManifest("app.yaml", m.Yaml());
  int worst_missing = 0;
  int samples = 0;
  std::string new_hash;
  bool done = WaitFor(
      [&] {
        std::map<std::string, docker::ContainerSummary> members = Members(app);
        int missing = 0;
        int updated = 0;
        for (int i = 0; i < 3; ++i) {
          auto it = members.find(absl::StrCat(app, "-", i));
          if (it == members.end() || it->second.state != "running") {
            ++missing;
            continue;
          }
          const std::string& h = it->second.labels[docker::kLabelConfigHash];
          if (h != old_hash) {
            new_hash = h;
            ++updated;
          }
        }
        ++samples;
        worst_missing = std::max(worst_missing, missing);
        return updated == 3 && members.size() == 3;
      },
      kConverge, absl::Milliseconds(20));
  ASSERT_TRUE(done) << "rollout did not finish";
  EXPECT_LE(worst_missing, 1) << "more than one member down at once (" << samples << " samples)";
  EXPECT_NE(new_hash, old_hash);
  EXPECT_TRUE(HasRunningMembers(app, 3, new_hash));
  ASSERT_TRUE(WaitFor([&] { return IsReady(app); }, absl::Seconds(30)));
  EXPECT_EQ(GetObject(app).at("status").at("updatedReplicas").to_number<int64_t>(), 3);
}

TEST_F(ContainerSetE2eTest, RemovedOrStoppedMemberIsRepaired) {
  const std::string web = SetName("web");
  StartNxtd();
  nxtd_->WriteManifest("web.yaml", SetManifest(ns_, web, 2).Yaml());
  WaitRunningMembers(web, 2, kConverge);
  std::map<std::string, std::string> ids = MemberIds(web);

  ASSERT_TRUE(docker_->RemoveContainer(web + "-1", /*force=*/true).ok());
  ASSERT_TRUE(WaitFor(
      [&] {
        std::map<std::string, std::string> now = MemberIds(web);
        return now.count(web + "-1") && now[web + "-1"] != ids[web + "-1"] &&
               HasRunningMembers(web, 2);
      },
      kConverge))  // a clean-clone run beside the Galera tests: 30 s passed with no repair
      << "web-1 was not recreated";

  ASSERT_TRUE(docker_->StopContainer(web + "-0", absl::Seconds(10)).ok());
  ASSERT_TRUE(WaitFor([&] { return HasRunningMembers(web, 2); }, kConverge))
      << "web-0 was not started again";
  EXPECT_EQ(MemberIds(web)[web + "-0"], ids[web + "-0"])
      << "a stopped member is started, not replaced";
}

TEST_F(ContainerSetE2eTest, BrokenManifestEditChangesNothingAndStallsUntilFixed) {
  const std::string web = SetName("web");
  StartNxtd();
  SetManifest m(ns_, web, 2);
  nxtd_->WriteManifest("web.yaml", m.Yaml());
  WaitRunningMembers(web, 2, kConverge);
  ASSERT_TRUE(WaitFor([&] { return IsReady(web); }, absl::Seconds(30)));
  const std::map<std::string, std::string> ids = MemberIds(web);
  const int64_t generation = Generation(GetObject(web));

  const std::string broken_schema = SetManifest(ns_, web, -1).Yaml();
  const std::string broken_yaml = m.Yaml() + "  env: {unclosed: [\n";
  for (const std::string& broken : {broken_schema, broken_yaml}) {
    SCOPED_TRACE(broken);
    nxtd_->WriteManifest("web.yaml", broken);
    ASSERT_TRUE(WaitFor([&] { return Condition(GetObject(web), "Stalled").status == "True"; },
                        absl::Seconds(20)))
        << nxtd_->Nxtctl({"describe", "cs", web, "-n", ns_}).stdout_text;
    ConditionView stalled = Condition(GetObject(web), "Stalled");
    EXPECT_THAT(stalled.message, ContainsRegex("web\\.yaml:[0-9]+:[0-9]+")) << stalled.message;

    CommandResult describe = nxtd_->Nxtctl({"describe", "cs", web, "-n", ns_});
    EXPECT_THAT(describe.stdout_text,
                AllOf(HasSubstr("Stalled"), ContainsRegex("web\\.yaml:[0-9]+:[0-9]+")));
    CommandResult get = nxtd_->Nxtctl({"get", "cs", web, "-n", ns_});
    // The STATUS column is the summary: Stalled, or the Stalled reason.
    EXPECT_THAT(get.stdout_text, AnyOf(HasSubstr("Stalled"), HasSubstr("InvalidManifest")));

    // Nothing moves in Docker for a while: same containers, all running.
    bool changed = WaitFor([&] { return MemberIds(web) != ids || !HasRunningMembers(web, 2); },
                           absl::Seconds(3), absl::Milliseconds(200));
    EXPECT_FALSE(changed) << "a broken manifest changed Docker";
    EXPECT_EQ(Generation(GetObject(web)), generation);
  }

  nxtd_->WriteManifest("web.yaml", m.Yaml());
  EXPECT_TRUE(WaitFor(
      [&] {
        boost::json::object o = GetObject(web);
        return Condition(o, "Stalled").status != "True" && Condition(o, "Ready").status == "True";
      },
      absl::Seconds(20)))
      << nxtd_->Nxtctl({"describe", "cs", web, "-n", ns_}).stdout_text;
  EXPECT_EQ(MemberIds(web), ids);
}

TEST_F(ContainerSetE2eTest, DeleteRemovesContainersAndNetworkAndVolumesOnlyWithDeletePolicy) {
  const std::string keep = SetName("keep");
  const std::string drop = SetName("drop");
  StartNxtd();
  SetManifest keep_m(ns_, keep, 2);
  keep_m.volumes = {"data"};
  keep_m.deletion_policy = "Retain";
  SetManifest drop_m(ns_, drop, 2);
  drop_m.volumes = {"data"};
  drop_m.deletion_policy = "Delete";
  nxtd_->WriteManifest("keep.yaml", keep_m.Yaml());
  nxtd_->WriteManifest("drop.yaml", drop_m.Yaml());
  WaitRunningMembers(keep, 2, kConverge);
  WaitRunningMembers(drop, 2, kConverge);
  auto has = [](const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  };
  auto gone = [&](const std::string& name) {
    absl::StatusOr<NamespaceObjects> o = ListNamespace(*docker_, ns_);
    if (!o.ok()) return false;
    for (const auto& c : o->containers) {
      if (c.labels.at(docker::kLabelName) == name) return false;
    }
    return !has(o->networks, controllers::NetworkName(ns_, name));
  };

  nxtd_->RemoveManifest("keep.yaml");  // deletion by removing the file
  ASSERT_TRUE(WaitFor([&] { return gone(keep); }, kConverge)) << "keep's containers stayed";
  absl::StatusOr<NamespaceObjects> after = ListNamespace(*docker_, ns_);
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(has(after->volumes, controllers::VolumeName(ns_, keep, 0, "data")));
  EXPECT_TRUE(has(after->volumes, controllers::VolumeName(ns_, keep, 1, "data")));
  EXPECT_TRUE(HasRunningMembers(drop, 2)) << "deleting one set leaves the other alone";
  EXPECT_TRUE(WaitFor(
      [&] {
        return nxtd_->Nxtctl({"get", "cs", keep, "-n", ns_}).exit_code != 0;
      },
      absl::Seconds(10)));

  CommandResult deleted = nxtd_->Nxtctl({"delete", "cs", drop, "-n", ns_});  // through the API
  EXPECT_EQ(deleted.exit_code, 0) << deleted.stderr_text;
  EXPECT_THAT(deleted.stdout_text, HasSubstr("containerset.nxt.io/" + drop + " deleted"));
  ASSERT_TRUE(WaitFor([&] { return gone(drop); }, kConverge)) << "drop's containers stayed";
  EXPECT_TRUE(WaitFor(
      [&] {
        absl::StatusOr<NamespaceObjects> o = ListNamespace(*docker_, ns_);
        return o.ok() && !has(o->volumes, controllers::VolumeName(ns_, drop, 0, "data")) &&
               !has(o->volumes, controllers::VolumeName(ns_, drop, 1, "data"));
      },
      absl::Seconds(20)))
      << "deletionPolicy: Delete must remove the volumes";
  EXPECT_THAT(FilesContaining(nxtd_->manifests_dir(), "name: drop"), ::testing::IsEmpty());
}

}  // namespace
}  // namespace nxt::e2e
