// End to end: objects cannot borrow each other's identity. Names that collided under the
// first naming scheme (namespace `b` + name `c-a`, namespace `b-c` + name `a`) get their
// own networks and volumes; spec.networks cannot name a network nxt manages for another
// object (refused by `nxtctl validate` by its name, and at reconcile by its labels); a
// volume another object holds under the wanted name is refused and left as it was.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "controllers/common/instance_id.h"
#include "controllers/common/owner.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reconciler/state_files.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/testing/temp_dir.h"

namespace nxt::e2e {
namespace {

using ::testing::AllOf;
using ::testing::ContainsRegex;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

constexpr absl::Duration kConverge = absl::Seconds(60);

class IdentityE2eTest : public E2eTest {
 protected:
  // The labels nxtd puts on a network of ContainerSet ns_/`name`.
  std::map<std::string, std::string> NetworkLabelsOf(const std::string& name) {
    std::map<std::string, std::string> labels =
        controllers::OwnerLabels({"ContainerSet", ns_, name}, "network");
    absl::StatusOr<std::string> id =
        reconciler::ReadFileToString(nxtd_->state_dir() + "/" + controllers::kInstanceIdFile);
    EXPECT_TRUE(id.ok()) << id.status();
    if (id.ok()) labels[docker::kLabelInstance] = std::string(absl::StripAsciiWhitespace(*id));
    return labels;
  }
  // Every container of ns_ (any object), name → id.
  std::map<std::string, std::string> AllContainers() {
    std::map<std::string, std::string> out;
    absl::StatusOr<NamespaceObjects> o = ListNamespace(*docker_, ns_);
    EXPECT_TRUE(o.ok()) << o.status();
    if (o.ok()) {
      for (const auto& c : o->containers) out[c.name] = c.id;
    }
    return out;
  }
  // Waits for Stalled=True with `reason` on set `name`; its message.
  std::string WaitStalled(const std::string& name, const std::string& reason) {
    ConditionView stalled;
    bool seen = WaitFor(
        [&] {
          stalled = Condition(GetObject(name), "Stalled");
          return stalled.status == "True" && stalled.reason == reason;
        },
        kConverge);
    EXPECT_TRUE(seen) << "Stalled: " << stalled.status << "/" << stalled.reason << ": "
                      << stalled.message;
    return stalled.message;
  }
};

TEST_F(IdentityE2eTest, ObjectsWhoseNamesCollidedBeforeGetTheirOwnNetworksAndVolumes) {
  const std::string ns2 = ns_ + "-c";
  const std::string a = SetName("a");
  const std::string ca = "c-" + a;  // ns_/c-a and ns_-c/a: once both nxt-<ns_>-c-<a>
  ASSERT_EQ(controllers::LegacyVolumeName(ns_, ca, 0, "data"),
            controllers::LegacyVolumeName(ns2, a, 0, "data"));
  StartNxtd();
  // Stops nxtd before the second namespace is cleaned, so nothing comes back.
  struct Cleanup {
    NxtdProcess& nxtd;
    docker::DockerClient& docker;
    std::string ns;
    ~Cleanup() {
      nxtd.Kill();
      absl::Status s = CleanupNamespace(docker, ns);
      EXPECT_TRUE(s.ok()) << s;
    }
  } cleanup{*nxtd_, *docker_, ns2};

  SetManifest first(ns_, ca, 1);
  first.volumes = {"data"};
  SetManifest second(ns2, a, 1);
  second.volumes = {"data"};
  nxtd_->WriteManifest("first.yaml", first.Yaml());
  nxtd_->WriteManifest("second.yaml", second.Yaml());
  WaitRunningMembers(ca, 1, kConverge);
  ASSERT_TRUE(WaitFor(
      [&] {
        absl::StatusOr<std::map<std::string, docker::ContainerSummary>> m =
            SetMembers(*docker_, ns2, a);
        return m.ok() && m->size() == 1 && m->begin()->second.state == "running";
      },
      kConverge))
      << nxtd_->Nxtctl({"describe", "cs", a, "-n", ns2}).stdout_text;

  absl::StatusOr<NamespaceObjects> one = ListNamespace(*docker_, ns_);
  absl::StatusOr<NamespaceObjects> two = ListNamespace(*docker_, ns2);
  ASSERT_TRUE(one.ok() && two.ok());
  EXPECT_THAT(one->networks, ElementsAre(controllers::NetworkName(ns_, ca)));
  EXPECT_THAT(two->networks, ElementsAre(controllers::NetworkName(ns2, a)));
  EXPECT_THAT(one->volumes, ElementsAre(controllers::VolumeName(ns_, ca, 0, "data")));
  EXPECT_THAT(two->volumes, ElementsAre(controllers::VolumeName(ns2, a, 0, "data")));
  EXPECT_NE(one->networks, two->networks);
  EXPECT_NE(one->volumes, two->volumes);
  // Each member sits on its own object's network only.
  absl::StatusOr<docker::ContainerInfo> m1 = docker_->InspectContainer(ca + "-0");
  absl::StatusOr<docker::ContainerInfo> m2 = docker_->InspectContainer(a + "-0");
  ASSERT_TRUE(m1.ok() && m2.ok());
  EXPECT_EQ(m1->network_ips.size(), 1u);
  EXPECT_EQ(m1->network_ips.count(controllers::NetworkName(ns_, ca)), 1u);
  EXPECT_EQ(m2->network_ips.size(), 1u);
  EXPECT_EQ(m2->network_ips.count(controllers::NetworkName(ns2, a)), 1u);
  EXPECT_TRUE(WaitFor([&] { return IsReady(ca); }, kConverge));
}

TEST_F(IdentityE2eTest, SpecNetworksCannotNameAnotherObjectsNetwork) {
  const std::string owner = SetName("owner");
  const std::string intruder = SetName("intruder");
  StartNxtd();
  nxtd_->WriteManifest("owner.yaml", SetManifest(ns_, owner, 1).Yaml());
  WaitRunningMembers(owner, 1, kConverge);
  const std::string owned = controllers::NetworkName(ns_, owner);

  // By its name: refused before anything reaches the daemon, with the position.
  nxt::testing::TempDir input;
  SetManifest named(ns_, intruder, 1);
  named.extra_spec = absl::StrCat("  networks: [", owned, "]\n");
  input.Write("intruder.yaml", named.Yaml());
  CommandResult validate = RunNxtctl({"validate", "-f", input.Join("intruder.yaml")});
  EXPECT_EQ(validate.exit_code, 1);
  EXPECT_THAT(validate.stderr_text, AllOf(ContainsRegex("intruder\\.yaml:[0-9]+:[0-9]+"),
                                          HasSubstr("spec.networks[0]"), HasSubstr("nxt manages")));
  CommandResult apply = nxtd_->Nxtctl({"apply", "-f", input.Join("intruder.yaml")});
  EXPECT_NE(apply.exit_code, 0);
  EXPECT_THAT(apply.stderr_text, HasSubstr("spec.networks[0]"));

  // By its labels: a network with an innocent name that nxt manages for `owner` (as a
  // second network of that object would look), refused at reconcile; nothing is touched.
  const std::string disguised = SetName("shared");
  ASSERT_TRUE(docker_->CreateNetwork(disguised, NetworkLabelsOf(owner)).ok());
  const std::map<std::string, std::string> before = AllContainers();
  SetManifest labelled(ns_, intruder, 2);
  labelled.extra_spec = absl::StrCat("  networks: [", disguised, "]\n");
  nxtd_->WriteManifest("intruder.yaml", labelled.Yaml());
  const std::string message = WaitStalled(intruder, "ForeignNetwork");
  EXPECT_THAT(message, AllOf(ContainsRegex("intruder\\.yaml:[0-9]+:[0-9]+: spec\\.networks\\[0\\]"),
                             HasSubstr("network " + disguised +
                                       " is managed by nxt for "
                                       "ContainerSet " +
                                       ns_ + "/" + owner)));
  EXPECT_EQ(AllContainers(), before) << "no member created, none removed";
  EXPECT_TRUE(HasRunningMembers(owner, 1));
}

TEST_F(IdentityE2eTest, AVolumeAnotherObjectHoldsUnderTheWantedNameIsRefusedAndUntouched) {
  const std::string set = SetName("data");
  const std::string wanted = controllers::VolumeName(ns_, set, 0, "data");
  StartNxtd();
  // Labelled for another object (and io.nxt.namespace=ns_, so TearDown removes it).
  std::map<std::string, std::string> foreign =
      controllers::OwnerLabels({"ContainerSet", ns_, SetName("other")}, "volume", 0);
  ASSERT_TRUE(docker_->CreateVolume(wanted, foreign).ok());
  absl::StatusOr<NamespaceObjects> before = ListNamespace(*docker_, ns_);
  ASSERT_TRUE(before.ok());

  SetManifest m(ns_, set, 1);
  m.volumes = {"data"};
  nxtd_->WriteManifest("data.yaml", m.Yaml());
  const std::string message = WaitStalled(set, "NameConflict");
  EXPECT_THAT(message, HasSubstr("volume " + wanted + " belongs to ContainerSet " + ns_ + "/" +
                                 SetName("other")));

  absl::StatusOr<NamespaceObjects> after = ListNamespace(*docker_, ns_);
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->containers.empty()) << "no member may mount another object's volume";
  EXPECT_EQ(after->volumes, before->volumes);
  absl::StatusOr<docker::VolumeInfo> kept = docker_->InspectVolume(wanted);
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_EQ(kept->labels, foreign);
  EXPECT_THAT(after->volumes, UnorderedElementsAre(wanted));
}

}  // namespace
}  // namespace nxt::e2e
