// End to end, issue "Trust": nothing is deleted on doubt. A mistyped --manifests, an empty
// or different manifest directory, an untrusted subdirectory or file: the real nxtd keeps
// every container and volume, says why on the objects, and deletes only when confirmed.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/e2e_fixture.h"

namespace nxt::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr absl::Duration kConverge = absl::Seconds(60);

class SourceE2eTest : public E2eTest {
 protected:
  // Starts nxtd with a set of 2 members, each with a volume; returns the set's name.
  std::string StartWithSet(const std::string& rel = "web.yaml") {
    const std::string web = SetName("web");
    StartNxtd();
    SetManifest m(ns_, web, 2);
    m.volumes = {"data"};
    nxtd_->WriteManifest(rel, m.Yaml());
    WaitRunningMembers(web, 2, kConverge);
    EXPECT_TRUE(WaitFor([&] { return IsReady(web); }, kConverge));
    return web;
  }
  // "containers/volumes" of the namespace, with the container ids.
  std::string Census() {
    absl::StatusOr<NamespaceObjects> objects = ListNamespace(*docker_, ns_);
    if (!objects.ok()) return std::string(objects.status().message());
    std::string out = absl::StrCat(objects->containers.size(), " containers, ",
                                   objects->volumes.size(), " volumes:");
    for (const auto& c : objects->containers) out += " " + c.id.substr(0, 12);
    return out;
  }
  std::string Stalled(const std::string& name) {
    ConditionView c = Condition(GetObject(name), "Stalled");
    return c.status == "True" ? c.message : "";
  }
};

TEST_F(SourceE2eTest, AMistypedManifestsDirectoryRefusesToStartAndDeletesNothing) {
  StartWithSet();
  const std::string before = Census();
  nxtd_->Kill();
  const std::string typo = nxtd_->manifests_dir() + "-typo";
  NxtdOptions options;
  options.extra_flags = {"--manifests=" + typo};
  NxtdProcess wrong(options, *nxtd_);
  ASSERT_TRUE(wrong.Spawn().ok());
  absl::StatusOr<int> code = wrong.Wait(absl::Seconds(30));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_NE(*code, 0);
  EXPECT_THAT(wrong.ReadLog(), HasSubstr("does not exist; refusing to start"));
  EXPECT_FALSE(std::filesystem::exists(typo)) << "only the default directory is created";

  // A file where the directory should be.
  std::ofstream(typo) << "not a directory\n";
  NxtdProcess file(options, *nxtd_);
  ASSERT_TRUE(file.Spawn().ok());
  code = file.Wait(absl::Seconds(30));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_NE(*code, 0);
  EXPECT_THAT(file.ReadLog(), HasSubstr("is not a directory; refusing to start"));
  std::filesystem::remove(typo);
  EXPECT_EQ(Census(), before);
}

TEST_F(SourceE2eTest, AnEmptyDirectoryKeepsEverythingUntilTheUserConfirms) {
  const std::string web = StartWithSet();
  const std::string before = Census();
  nxtd_->Kill();
  // An empty directory in its place: what an unmounted mount point looks like.
  const std::string dir = nxtd_->manifests_dir();
  std::filesystem::rename(dir, dir + "-mounted");
  std::filesystem::create_directories(dir);
  ASSERT_TRUE(nxtd_->Start().ok());
  ASSERT_TRUE(WaitFor([&] { return !Stalled(web).empty(); }, absl::Seconds(20)));
  EXPECT_THAT(Stalled(web), HasSubstr("kept although no manifest defines it"));
  EXPECT_THAT(Stalled(web), HasSubstr("nxtctl source confirm"));
  absl::SleepFor(absl::Seconds(3));  // reconciles ran: still nothing removed
  EXPECT_EQ(Census(), before);
  EXPECT_THAT(nxtd_->ReadLog(), HasSubstr("are kept, not deleted"));
  CommandResult shown = nxtd_->Nxtctl({"source"});
  EXPECT_EQ(shown.exit_code, 0) << shown.stderr_text;
  EXPECT_THAT(shown.stdout_text, HasSubstr("ContainerSet " + ns_ + "/" + web));
  EXPECT_THAT(shown.stdout_text, HasSubstr("defines no object"));

  CommandResult confirmed = nxtd_->Nxtctl({"source", "confirm"});
  EXPECT_EQ(confirmed.exit_code, 0) << confirmed.stderr_text;
  EXPECT_THAT(confirmed.stdout_text, HasSubstr("ContainerSet " + ns_ + "/" + web + " deleted"));
  ASSERT_TRUE(WaitFor([&] { return Members(web).empty(); }, kConverge)) << Census();
  absl::StatusOr<NamespaceObjects> after = ListNamespace(*docker_, ns_);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->volumes.size(), 2u) << "deletionPolicy Retain keeps the volumes";
}

TEST_F(SourceE2eTest, AnUntrustedSubdirectoryKeepsItsObjectsRunning) {
  const std::string web = StartWithSet("team/web.yaml");
  const std::string before = Census();
  const std::string team = nxtd_->manifests_dir() + "/team";
  ASSERT_EQ(::chmod(team.c_str(), 0777), 0);
  ASSERT_TRUE(WaitFor([&] { return !Stalled(web).empty(); }, absl::Seconds(20)));
  EXPECT_THAT(Stalled(web), HasSubstr("refused: directory " + team + " is world-writable"));
  absl::SleepFor(absl::Seconds(2));
  EXPECT_EQ(Census(), before);
  ASSERT_EQ(::chmod(team.c_str(), 0755), 0);
  ASSERT_TRUE(WaitFor([&] { return Stalled(web).empty(); }, absl::Seconds(20)));
  EXPECT_EQ(Census(), before);
}

TEST_F(SourceE2eTest, AFileOfAnotherUserIsNeverApplied) {
  StartNxtd();
  const std::string evil = SetName("evil");
  // Made outside, then moved in whole, so nxtd never sees it owned by root.
  const std::string staged = nxtd_->manifests_dir() + "/.staged.yaml";
  std::ofstream(staged) << SetManifest(ns_, evil, 1).Yaml();
  ASSERT_EQ(::chown(staged.c_str(), 4242, 4242), 0);
  std::filesystem::rename(staged, nxtd_->manifests_dir() + "/evil.yaml");
  ASSERT_TRUE(
      WaitFor([&] { return nxtd_->ReadLog().find("is owned by uid 4242") != std::string::npos; },
              absl::Seconds(20)));
  absl::SleepFor(absl::Seconds(2));
  EXPECT_TRUE(Members(evil).empty());
  CommandResult get = nxtd_->Nxtctl({"get", "cs", evil, "-n", ns_});
  EXPECT_NE(get.exit_code, 0);
}

TEST_F(SourceE2eTest, ApplyWritesFilesNobodyElseCanRead) {
  StartNxtd();
  const std::string app = SetName("app");
  CommandResult applied = nxtd_->Nxtctl({"apply", "-f", "-"}, SetManifest(ns_, app, 1).Yaml());
  ASSERT_EQ(applied.exit_code, 0) << applied.stderr_text;
  bool found = false;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(nxtd_->manifests_dir())) {
    struct stat st;
    ASSERT_EQ(::stat(entry.path().c_str(), &st), 0);
    if (entry.is_directory()) {
      EXPECT_EQ(st.st_mode & 0777, 0700u) << entry.path();
    } else {
      EXPECT_EQ(st.st_mode & 0777, 0600u) << entry.path();
      found = true;
    }
  }
  EXPECT_TRUE(found);
  WaitRunningMembers(app, 1, kConverge);
}

}  // namespace
}  // namespace nxt::e2e
