#include <boost/json.hpp>
#include <string>

#include "absl/status/status.h"
#include "controllers/containerset/render.h"
#include "docker/types.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "resources/containerset.h"
#include "tests/testing/builtin_kinds.h"
#include "tests/testing/status_matchers.h"

namespace nxt::containerset {
namespace {

using ::nxt::testing::IsOk;
using ::nxt::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::SizeIs;

const resources::ObjectKey kKey{"ContainerSet", "default", "web"};

resources::ContainerSetSpec Spec() {
  resources::ContainerSetSpec s;
  s.image = "nxt/testapp:latest";
  s.replicas = 3;
  s.command = {"httpd"};
  s.args = {"-f", "-p", "8080"};
  s.env = {{"B", "2"}, {"A", "1"}};
  s.ports = {{"http", 8080, "tcp", 0, "127.0.0.1"}, {"admin", 9090, "tcp", 19090, ""}};
  s.volumes = {{"data", "/data", "", false}, {"conf", "/etc/app", "/srv/nxt/web", true}};
  s.networks = {"shared"};
  // The healthcheck's interval, timeout, retries and start period are the CRD's defaults.
  s.healthcheck =
      nxt::testing::DecodedDefaults(
          resources::DecodeContainerSetSpec, "ContainerSet",
          {{"healthcheck", {{"command", boost::json::array{"nc", "-z", "127.0.0.1", "8080"}}}}})
          .healthcheck;
  s.memory_bytes = 256 << 20;
  s.nano_cpus = 500'000'000;
  return s;
}

RenderOptions Options() { return {{"/srv/nxt"}}; }

docker::ContainerSpec MustRender(const resources::ContainerSetSpec& spec, int ordinal) {
  absl::StatusOr<docker::ContainerSpec> r = Render(kKey, spec, ordinal, Options());
  EXPECT_THAT(r, IsOk());
  return r.ok() ? *r : docker::ContainerSpec{};
}

std::string Hash(const resources::ContainerSetSpec& spec) {
  absl::StatusOr<std::string> h = ConfigHashOf(kKey, spec, Options());
  EXPECT_THAT(h, IsOk());
  return h.value_or("");
}

TEST(ContainerSetRenderTest, NamesHostnameAndNetworks) {
  docker::ContainerSpec c = MustRender(Spec(), 2);
  EXPECT_EQ(c.name, "web-2");
  EXPECT_EQ(c.hostname, "web-2");
  EXPECT_EQ(c.image, "nxt/testapp:latest");
  EXPECT_THAT(c.entrypoint, ElementsAre("httpd"));
  EXPECT_THAT(c.cmd, ElementsAre("-f", "-p", "8080"));
  EXPECT_THAT(c.networks, ElementsAre("nxt-default-web", "shared"));
  EXPECT_THAT(c.network_aliases, ElementsAre("web-2", "web"));
}

TEST(ContainerSetRenderTest, CarriesEveryOwnershipLabel) {
  docker::ContainerSpec c = MustRender(Spec(), 1);
  EXPECT_THAT(c.labels, SizeIs(7));
  EXPECT_EQ(c.labels.at(docker::kLabelManagedBy), "nxtd");
  EXPECT_EQ(c.labels.at(docker::kLabelKind), "ContainerSet");
  EXPECT_EQ(c.labels.at(docker::kLabelNamespace), "default");
  EXPECT_EQ(c.labels.at(docker::kLabelName), "web");
  EXPECT_EQ(c.labels.at(docker::kLabelRole), "member");
  EXPECT_EQ(c.labels.at(docker::kLabelOrdinal), "1");
  EXPECT_THAT(c.labels.at(docker::kLabelConfigHash), SizeIs(64));
}

TEST(ContainerSetRenderTest, EnvIsSortedAndPortsPublishOnlyWhenAsked) {
  docker::ContainerSpec c = MustRender(Spec(), 0);
  EXPECT_THAT(c.env, ElementsAre("A=1", "B=2"));
  EXPECT_THAT(c.ports, ElementsAre(docker::PortBinding{8080, "tcp", "", 0},
                                   docker::PortBinding{9090, "tcp", "127.0.0.1", 19090}));
}

TEST(ContainerSetRenderTest, MountsNamedVolumePerOrdinalAndAllowedHostPath) {
  docker::ContainerSpec c = MustRender(Spec(), 1);
  EXPECT_THAT(
      c.mounts,
      ElementsAre(
          docker::Mount{docker::Mount::Type::kVolume, "nxt-default-web-1-data", "/data", false},
          docker::Mount{docker::Mount::Type::kBind, "/srv/nxt/web", "/etc/app", true}));
}

TEST(ContainerSetRenderTest, SafeDefaultsHealthcheckAndLimits) {
  docker::ContainerSpec c = MustRender(Spec(), 0);
  EXPECT_EQ(c.restart_policy, "unless-stopped");
  EXPECT_THAT(c.security_opt, ElementsAre("no-new-privileges"));
  EXPECT_TRUE(c.cap_drop.empty());
  EXPECT_THAT(c.log_options, ElementsAre(Pair("max-file", "3"), Pair("max-size", "10m")));
  ASSERT_TRUE(c.healthcheck.has_value());
  EXPECT_THAT(c.healthcheck->test, ElementsAre("CMD", "nc", "-z", "127.0.0.1", "8080"));
  EXPECT_EQ(c.healthcheck->interval, absl::Seconds(10));
  EXPECT_EQ(c.healthcheck->retries, 3);
  EXPECT_EQ(c.memory_bytes, 256 << 20);
  EXPECT_EQ(c.nano_cpus, 500'000'000);
}

TEST(ContainerSetRenderTest, HashIsTheSameForEveryOrdinal) {
  const std::string h0 = MustRender(Spec(), 0).labels.at(docker::kLabelConfigHash);
  EXPECT_EQ(MustRender(Spec(), 1).labels.at(docker::kLabelConfigHash), h0);
  EXPECT_EQ(MustRender(Spec(), 17).labels.at(docker::kLabelConfigHash), h0);
  EXPECT_EQ(Hash(Spec()), h0);
}

TEST(ContainerSetRenderTest, HashIgnoresReplicasAndSuspend) {
  resources::ContainerSetSpec other = Spec();
  other.replicas = 9;
  other.suspend = true;
  other.deletion_policy = resources::DeletionPolicy::kDelete;
  EXPECT_EQ(Hash(other), Hash(Spec()));
}

TEST(ContainerSetRenderTest, HashChangesWithWhatTheContainerRuns) {
  const std::string base = Hash(Spec());
  resources::ContainerSetSpec image = Spec();
  image.image = "nxt/testapp:v2";
  resources::ContainerSetSpec env = Spec();
  env.env["A"] = "changed";
  resources::ContainerSetSpec port = Spec();
  port.ports[0].host_port = 18080;
  resources::ContainerSetSpec memory = Spec();
  memory.memory_bytes = 512 << 20;
  resources::ContainerSetSpec health = Spec();
  health.healthcheck->retries = 5;
  for (const auto* s : {&image, &env, &port, &memory, &health}) EXPECT_NE(Hash(*s), base);
}

TEST(ContainerSetRenderTest, HashDependsOnTheOwner) {
  absl::StatusOr<std::string> other =
      ConfigHashOf({"ContainerSet", "prod", "web"}, Spec(), Options());
  ASSERT_THAT(other, IsOk());
  EXPECT_NE(*other, Hash(Spec()));
}

TEST(ContainerSetRenderTest, HostPathOutsideAllowedRootsIsRefusedWithFieldPath) {
  resources::ContainerSetSpec s = Spec();
  s.volumes[1].host_path = "/srv/nxtother";  // a prefix, not a parent
  EXPECT_THAT(Render(kKey, s, 0, Options()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("spec.volumes[1].hostPath: /srv/nxtother is not under")));
  s.volumes[1].host_path = "/srv/nxt/../../etc";
  EXPECT_THAT(ConfigHashOf(kKey, s, Options()), StatusIs(absl::StatusCode::kInvalidArgument));
  s.volumes[1].host_path = "/srv/nxt/web";
  EXPECT_THAT(Render(kKey, s, 0, RenderOptions{}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("none are configured")));
}

TEST(ContainerSetRenderTest, VolumePurposesListOnlyNamedVolumes) {
  EXPECT_THAT(VolumePurposes(Spec()), ElementsAre("data"));
}

}  // namespace
}  // namespace nxt::containerset
