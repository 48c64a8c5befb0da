// End to end: hostPath bind mounts are resolved on the host, not compared as text. The
// real nxtd runs with --allowed-host-paths set to a temp directory; a hostPath through a
// symlink is refused with file:line:col when applied or read, and a symlink swapped in
// after apply stops nxtd from creating the container again (Stalled/HostPathRefused),
// while the member that runs stays.
#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/testing/temp_dir.h"

namespace nxt::e2e {
namespace {

using ::testing::AllOf;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

constexpr absl::Duration kConverge = absl::Seconds(60);

class HostPathE2eTest : public E2eTest {
 protected:
  void SetUp() override {
    E2eTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    root_ = host_.Join("root");
    fs::create_directories(root_);
    NxtdOptions options;
    // A second root through a symlink: unusable, and nxtd says so when it starts.
    fs::create_directory_symlink(root_, host_.Join("link-root"));
    options.extra_flags = {"--allowed-host-paths=" + root_ + "," + host_.Join("link-root")};
    StartNxtd(options);
  }

  // A one-container set of `replicas` mounting `host_path` at /host; the hostPath is on
  // line 13, column 7 of the YAML.
  SetManifest WithHostPath(const std::string& name, int replicas, const std::string& host_path) {
    SetManifest m(ns_, name, replicas);
    m.extra_spec = absl::StrCat("  volumes:\n    - name: host\n      mountPath: /host\n",
                                "      hostPath: ", host_path, "\n");
    return m;
  }

  // Containers and volumes labelled with ns_.
  std::pair<size_t, size_t> Counts() {
    absl::StatusOr<NamespaceObjects> objects = ListNamespace(*docker_, ns_);
    EXPECT_TRUE(objects.ok()) << objects.status();
    if (!objects.ok()) return {0, 0};
    return {objects->containers.size(), objects->volumes.size()};
  }

  nxt::testing::TempDir host_;
  std::string root_;
};

TEST_F(HostPathE2eTest, SymlinkToHostRootIsRefusedWithPositionAndNeverGetsAContainer) {
  const std::string web = SetName("web");
  fs::create_directories(root_ + "/p1");
  fs::create_directory_symlink("/", root_ + "/p1/root");
  const std::string yaml = WithHostPath(web, 1, root_ + "/p1/root").Yaml();
  const std::string refusal = absl::StrCat("spec.volumes[0].hostPath: ", root_,
                                           "/p1/root: component \"root\" is a symlink; refused");

  nxt::testing::TempDir input;
  input.Write("web.yaml", yaml);
  CommandResult applied = nxtd_->Nxtctl({"apply", "-f", input.Join("web.yaml")});
  EXPECT_NE(applied.exit_code, 0) << applied.stdout_text;
  EXPECT_THAT(applied.stderr_text, HasSubstr("web.yaml:13:7: " + refusal));
  EXPECT_NE(nxtd_->Nxtctl({"get", "cs", web, "-n", ns_}).exit_code, 0) << "never stored";

  // Dropped into the watched directory instead: refused the same way, in the log (which
  // escapes the quotes).
  nxtd_->WriteManifest("web.yaml", yaml);
  const std::string logged = absl::StrCat("web.yaml:13:7: spec.volumes[0].hostPath: ", root_,
                                          "/p1/root: component \\\"root\\\" is a symlink; refused");
  ASSERT_TRUE(WaitFor([&] { return nxtd_->ReadLog().find(logged) != std::string::npos; },
                      absl::Seconds(20)))
      << "the watcher did not report the refusal: " << logged;

  EXPECT_THAT(nxtd_->ReadLog(), AllOf(HasSubstr("allowed host path root unusable"),
                                      HasSubstr("component \\\"link-root\\\" is a symlink")));
  // Through the symlinked root: refused too, though its target is an allowed root.
  input.Write("via.yaml", WithHostPath(SetName("via"), 1, host_.Join("link-root/p1")).Yaml());
  CommandResult via = nxtd_->Nxtctl({"apply", "-f", input.Join("via.yaml")});
  EXPECT_NE(via.exit_code, 0);
  EXPECT_THAT(via.stderr_text,
              HasSubstr("via.yaml:13:7: spec.volumes[0].hostPath: " + host_.Join("link-root/p1") +
                        ": component \"link-root\" is a symlink; refused"));

  // The same directory reached without the link is fine (the roots work at all).
  const std::string ok = SetName("ok");
  fs::create_directories(root_ + "/p1/data");
  nxtd_->WriteManifest("ok.yaml", WithHostPath(ok, 1, root_ + "/p1/data").Yaml());
  WaitRunningMembers(ok, 1, kConverge);
  EXPECT_TRUE(Members(web).empty()) << "the refused set never got a container";
  EXPECT_NE(nxtd_->Nxtctl({"get", "cs", web, "-n", ns_}).exit_code, 0);
  EXPECT_EQ(Counts(), std::make_pair(size_t{1}, size_t{0})) << "only the good set's member";
}

TEST_F(HostPathE2eTest, SymlinkSwappedInAfterApplyStopsRecreationAndKeepsWhatRuns) {
  const std::string web = SetName("web");
  const std::string data = root_ + "/p2/data";
  fs::create_directories(data);
  nxtd_->WriteManifest("web.yaml", WithHostPath(web, 2, data).Yaml());
  WaitRunningMembers(web, 2, kConverge);
  ASSERT_TRUE(WaitFor([&] { return IsReady(web); }, absl::Seconds(30)));
  const std::map<std::string, std::string> ids = MemberIds(web);
  EXPECT_EQ(Counts(), std::make_pair(size_t{2}, size_t{0}));

  // Any container with a writable mount under the root could do this.
  fs::rename(data, root_ + "/p2/data-old");
  fs::create_directory_symlink("/", data);
  ASSERT_TRUE(docker_->RemoveContainer(web + "-1", /*force=*/true).ok());

  ASSERT_TRUE(WaitFor(
      [&] {
        ConditionView stalled = Condition(GetObject(web), "Stalled");
        return stalled.status == "True" && stalled.reason == "HostPathRefused";
      },
      absl::Seconds(30)))
      << nxtd_->Nxtctl({"describe", "cs", web, "-n", ns_}).stdout_text;
  ConditionView stalled = Condition(GetObject(web), "Stalled");
  EXPECT_THAT(stalled.message,
              AllOf(ContainsRegex("web\\.yaml:13:7: spec\\.volumes\\[0\\]\\.hostPath: "),
                    HasSubstr(data + ": component \"data\" is a symlink; refused")));
  CommandResult describe = nxtd_->Nxtctl({"describe", "cs", web, "-n", ns_});
  EXPECT_THAT(describe.stdout_text, AllOf(HasSubstr("HostPathRefused"), HasSubstr("is a symlink")));

  // Not re-created for a while; the member that ran before the swap runs on, untouched.
  bool recreated = WaitFor([&] { return Members(web).count(web + "-1") > 0; }, absl::Seconds(4),
                           absl::Milliseconds(200));
  EXPECT_FALSE(recreated) << "nxtd created a container on a symlinked hostPath";
  std::map<std::string, std::string> now = MemberIds(web);
  EXPECT_EQ(now.size(), 1u);
  EXPECT_EQ(now[web + "-0"], ids.at(web + "-0"));
  EXPECT_EQ(Counts(), std::make_pair(size_t{1}, size_t{0}));

  // Fixed on the host and the object touched: converges again.
  fs::remove(data);
  fs::rename(root_ + "/p2/data-old", data);
  SetManifest fixed = WithHostPath(web, 2, data);
  fixed.env["FIXED"] = "1";
  nxtd_->WriteManifest("web.yaml", fixed.Yaml());
  ASSERT_TRUE(WaitFor(
      [&] {
        return HasRunningMembers(web, 2) && Condition(GetObject(web), "Stalled").status != "True";
      },
      kConverge))
      << nxtd_->Nxtctl({"describe", "cs", web, "-n", ns_}).stdout_text;
}

}  // namespace
}  // namespace nxt::e2e
