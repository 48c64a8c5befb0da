// RustFSPool layout and render: what a node of the real image rustfs/rustfs:1.0.0-beta.6
// is started with, against the format RustFS documents (docs.rustfs.com, MNMD:
// RUSTFS_VOLUMES="http://node{1...4}:9000/data/rustfs{0...3}", RUSTFS_ADDRESS, the
// console variables), where the keys go, and the layout record.
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "controllers/rustfspool/layout.h"
#include "controllers/rustfspool/render.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/builtin_kinds.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace nxt::rustfspool {
namespace {

using ::nxt::testing::IsOk;
using ::nxt::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

const resources::ObjectKey kKey{resources::kRustFSPoolKind, "default", "s3"};
const PoolKeys kKeys{"AKIAEXAMPLE000000001", "secretsecretsecretsecretsecretsecret0001"};

resources::RustFSPoolSpec Spec(int nodes, int drives) {
  resources::RustFSPoolSpec s = nxt::testing::DecodedDefaults(
      resources::DecodeRustFSPoolSpec, "RustFSPool", {{"nodes", nodes}, {"drivesPerNode", drives}});
  s.drive_host_paths.assign(static_cast<size_t>(drives), "");
  return s;
}

// Expands RustFS's ellipsis notation ("x{0...3}y"; several ranges multiply) as RustFS
// does, so the test can check what the rendered string means.
std::vector<std::string> Expand(const std::string& pattern) {
  static const std::regex kRange(R"(\{([0-9]+)\.\.\.([0-9]+)\})");
  std::smatch m;
  if (!std::regex_search(pattern, m, kRange)) return {pattern};
  int from = 0;
  int to = 0;
  EXPECT_TRUE(absl::SimpleAtoi(m[1].str(), &from) && absl::SimpleAtoi(m[2].str(), &to));
  std::vector<std::string> out;
  for (int i = from; i <= to; ++i) {
    for (const std::string& rest : Expand(m.suffix().str())) {
      out.push_back(absl::StrCat(m.prefix().str(), i, rest));
    }
  }
  return out;
}

std::string EnvValue(const docker::ContainerSpec& c, const std::string& name) {
  for (const std::string& e : c.env) {
    if (absl::StartsWith(e, name + "=")) return e.substr(name.size() + 1);
  }
  return "<unset>";
}

TEST(RustFSPoolRenderTest, RealImageNodeGetsTheDocumentedDistributedFormat) {
  resources::RustFSPoolSpec spec = Spec(4, 2);
  ASSERT_EQ(spec.image, "rustfs/rustfs:1.0.0-beta.6");
  const PoolLayout layout = LayoutFor(kKey, spec);
  const docker::ContainerSpec c = RenderNode(kKey, layout, spec, 2, kKeys).spec;

  EXPECT_EQ(c.name, "s3-2");
  EXPECT_EQ(c.hostname, "s3-2");
  EXPECT_EQ(c.image, "rustfs/rustfs:1.0.0-beta.6");
  EXPECT_EQ(c.entrypoint, (std::vector<std::string>{"/bin/sh", "/etc/nxt/rustfs/run.sh"}))
      << "the image's entrypoint script is bypassed";
  EXPECT_EQ(c.cmd, std::vector<std::string>{"rustfs"}) << "volumes come from RUSTFS_VOLUMES";
  EXPECT_EQ(c.env,
            (std::vector<std::string>{"RUSTFS_ADDRESS=0.0.0.0:9000", "RUSTFS_CONSOLE_ENABLE=false",
                                      "RUSTFS_VOLUMES=http://s3-{0...3}:9000/data{0...1}"}));
  // The documented form: http://<host>{a...b}:<port><path>{c...d}, the same on every node.
  EXPECT_TRUE(
      std::regex_match(EnvValue(c, "RUSTFS_VOLUMES"),
                       std::regex(R"(http://[a-z0-9-]+\{0\.\.\.3\}:9000/data\{0\.\.\.1\})")));
  EXPECT_EQ(EnvValue(RenderNode(kKey, layout, spec, 0, kKeys).spec, "RUSTFS_VOLUMES"),
            EnvValue(c, "RUSTFS_VOLUMES"));
  const std::vector<std::string> endpoints = Expand(EnvValue(c, "RUSTFS_VOLUMES"));
  EXPECT_EQ(endpoints, layout.endpoints);
  ASSERT_EQ(endpoints.size(), 8u);
  EXPECT_EQ(endpoints[0], "http://s3-0:9000/data0");
  EXPECT_EQ(endpoints[5], "http://s3-2:9000/data1");
  // RustFS finds its local drives by hostname: each mount of this node is an endpoint.
  ASSERT_EQ(c.mounts.size(), 2u);
  for (const docker::Mount& m : c.mounts) {
    EXPECT_THAT(endpoints,
                ::testing::Contains(absl::StrCat("http://", c.hostname, ":9000", m.target)));
  }
  EXPECT_EQ(c.mounts[0], (docker::Mount{docker::Mount::Type::kVolume, "nxt-default-s3-2-data0",
                                        "/data0", false}));
  EXPECT_EQ(c.mounts[1].source, "nxt-default-s3-2-data1");
  EXPECT_EQ(c.networks, std::vector<std::string>{"nxt-default-s3"});
  EXPECT_EQ(c.network_aliases, std::vector<std::string>{"s3-2"});
  EXPECT_EQ(c.ports, (std::vector<docker::PortBinding>{{9000, "tcp", "", 0}})) << "not published";
  EXPECT_EQ(c.user, "0:0");
  EXPECT_EQ(c.cap_drop, std::vector<std::string>{"ALL"});
  EXPECT_EQ(c.cap_add, std::vector<std::string>{"DAC_OVERRIDE"});
  EXPECT_EQ(c.security_opt, std::vector<std::string>{"no-new-privileges"});
  EXPECT_EQ(c.labels.at("io.nxt.kind"), "RustFSPool");
  EXPECT_EQ(c.labels.at("io.nxt.role"), "node");
  EXPECT_EQ(c.labels.at("io.nxt.ordinal"), "2");
}

TEST(RustFSPoolRenderTest, SingleNodeListsItsLocalDrives) {
  EXPECT_EQ(LayoutFor(kKey, Spec(1, 4)).volumes, "/data{0...3}");
  EXPECT_EQ(Expand("/data{0...3}"),
            (std::vector<std::string>{"/data0", "/data1", "/data2", "/data3"}));
  EXPECT_EQ(LayoutFor(kKey, Spec(1, 4)).endpoints, Expand("/data{0...3}"));
  EXPECT_EQ(LayoutFor(kKey, Spec(1, 1)).volumes, "/data0");
  EXPECT_EQ(LayoutFor(kKey, Spec(4, 1)).volumes, "http://s3-{0...3}:9000/data0");
}

TEST(RustFSPoolRenderTest, KeysTravelOnlyAsFilesReadByTheLauncher) {
  const resources::RustFSPoolSpec spec = Spec(4, 2);
  const controllers::RenderedMember node = RenderNode(kKey, LayoutFor(kKey, spec), spec, 1, kKeys);
  std::vector<std::string> everything = node.spec.env;
  everything.insert(everything.end(), node.spec.entrypoint.begin(), node.spec.entrypoint.end());
  everything.insert(everything.end(), node.spec.cmd.begin(), node.spec.cmd.end());
  for (const auto& [k, v] : node.spec.labels) everything.push_back(k + "=" + v);
  for (const std::string& s : everything) {
    EXPECT_THAT(s, Not(HasSubstr(kKeys.access_key)));
    EXPECT_THAT(s, Not(HasSubstr(kKeys.secret_key)));
  }
  ASSERT_EQ(node.files.size(), 3u);
  EXPECT_EQ(node.files[0].path, "/etc/nxt/rustfs/access-key");
  EXPECT_EQ(node.files[0].content, kKeys.access_key);
  EXPECT_EQ(node.files[0].mode, 0600);
  EXPECT_EQ(node.files[1].path, "/etc/nxt/rustfs/secret-key");
  EXPECT_EQ(node.files[1].mode, 0600);
  EXPECT_EQ(node.files[2].path, "/etc/nxt/rustfs/run.sh");
  EXPECT_EQ(node.files[2].content, LauncherScript());
  EXPECT_THAT(LauncherScript(), HasSubstr("RUSTFS_ACCESS_KEY=$(cat /etc/nxt/rustfs/access-key)"));
  EXPECT_THAT(LauncherScript(),
              HasSubstr("export RUSTFS_ACCESS_KEY RUSTFS_SECRET_KEY\nexec \"$@\""));
  EXPECT_THAT(LauncherScript(), Not(HasSubstr(kKeys.secret_key)));
}

TEST(RustFSPoolRenderTest, TheHashFollowsWhatRestartsANode) {
  resources::RustFSPoolSpec spec = Spec(4, 2);
  const PoolLayout layout = LayoutFor(kKey, spec);
  auto hash = [&](const resources::RustFSPoolSpec& s, const PoolKeys& k) {
    return RenderNode(kKey, layout, s, 0, k).spec.labels.at("io.nxt.config-hash");
  };
  const std::string base = hash(spec, kKeys);
  EXPECT_EQ(hash(spec, kKeys), base);
  resources::RustFSPoolSpec other = spec;
  other.image = "rustfs/rustfs:1.0.0-beta.7";
  EXPECT_NE(hash(other, kKeys), base);
  other = spec;
  other.console_enabled = true;
  EXPECT_NE(hash(other, kKeys), base);
  other = spec;
  other.buckets = {{"nextcloud", true}};
  other.deletion_policy = resources::DeletionPolicy::kDelete;
  EXPECT_EQ(hash(other, kKeys), base) << "buckets and the deletion policy restart nothing";
  EXPECT_NE(hash(spec, PoolKeys{kKeys.access_key, "another-secret"}), base);
}

TEST(RustFSPoolRenderTest, ConsoleAndLimits) {
  resources::RustFSPoolSpec spec = Spec(1, 1);
  spec.console_enabled = true;
  spec.console_port = 9101;
  spec.memory_bytes = 1 << 30;
  spec.nano_cpus = 1'500'000'000;
  const docker::ContainerSpec c = RenderNode(kKey, LayoutFor(kKey, spec), spec, 0, kKeys).spec;
  EXPECT_EQ(c.env, (std::vector<std::string>{
                       "RUSTFS_ADDRESS=0.0.0.0:9000", "RUSTFS_CONSOLE_ADDRESS=0.0.0.0:9101",
                       "RUSTFS_CONSOLE_ENABLE=true", "RUSTFS_VOLUMES=/data0"}));
  EXPECT_EQ(c.ports,
            (std::vector<docker::PortBinding>{{9000, "tcp", "", 0}, {9101, "tcp", "", 0}}));
  EXPECT_EQ(c.memory_bytes, 1 << 30);
  EXPECT_EQ(c.nano_cpus, 1'500'000'000);
}

TEST(RustFSPoolRenderTest, HostPathDrivesAreADirectoryPerNode) {
  resources::RustFSPoolSpec spec = Spec(4, 2);
  spec.drive_host_paths = {"/srv/nxt/disk0/s3", ""};
  const docker::ContainerSpec c = RenderNode(kKey, LayoutFor(kKey, spec), spec, 3, kKeys).spec;
  EXPECT_EQ(c.mounts,
            (std::vector<docker::Mount>{
                {docker::Mount::Type::kBind, "/srv/nxt/disk0/s3/s3-3", "/data0", false},
                {docker::Mount::Type::kVolume, "nxt-default-s3-3-data1", "/data1", false}}));
  const std::map<std::string, controllers::RenderedMember> pool =
      RenderPool(kKey, LayoutFor(kKey, spec), spec, kKeys);
  std::vector<controllers::WantedMember> wanted = WantedMembers(pool);
  ASSERT_EQ(wanted.size(), 4u);
  EXPECT_EQ(wanted[3].name, "s3-3");
  EXPECT_EQ(wanted[3].ordinal, 3);
  EXPECT_EQ(wanted[3].config_hash, pool.at("s3-3").spec.labels.at("io.nxt.config-hash"));
}

TEST(RustFSPoolLayoutTest, TopologyChangesNameTheFields) {
  const PoolLayout layout = LayoutFor(kKey, Spec(4, 2));
  EXPECT_THAT(TopologyChanges(layout, Spec(4, 2)), IsEmpty());
  EXPECT_THAT(TopologyChanges(layout, Spec(6, 2)),
              ElementsAre("spec.nodes: the pool was laid out with 4 nodes, the spec asks for 6"));
  EXPECT_THAT(TopologyChanges(layout, Spec(4, 3)),
              ElementsAre("spec.drivesPerNode: the pool was laid out with 2 drives per node, the "
                          "spec asks for 3"));
  resources::RustFSPoolSpec moved = Spec(4, 2);
  moved.drive_host_paths[1] = "/srv/nxt/d1";
  EXPECT_THAT(TopologyChanges(layout, moved),
              ElementsAre("spec.drives[1]: drive 1 was laid out on named volumes, the spec asks "
                          "for host path /srv/nxt/d1"));
  moved.image = "other:1";
  moved.drive_host_paths[1] = "";
  EXPECT_THAT(TopologyChanges(layout, moved), IsEmpty()) << "the image is not topology";
}

TEST(RustFSPoolLayoutTest, RecordRoundTripsAndSurvivesRestarts) {
  nxt::testing::TempDir state;
  resources::RustFSPoolSpec spec = Spec(4, 2);
  spec.drive_host_paths[0] = "/srv/nxt/d0";
  PoolLayout layout = LayoutFor(kKey, spec);
  layout.recorded_at = absl::FromUnixSeconds(1'800'000'000);
  {
    LayoutStore store(state.path());
    ASSERT_THAT(store.Load(kKey), IsOk());
    EXPECT_FALSE(store.Load(kKey)->has_value()) << "no record yet";
    ASSERT_THAT(store.Save(kKey, layout), IsOk());
    EXPECT_EQ(store.PathOf(kKey), state.path() + "/rustfs/default/s3/layout.json");
  }
  LayoutStore again(state.path());  // as after an nxtd restart
  absl::StatusOr<std::optional<PoolLayout>> loaded = again.Load(kKey);
  ASSERT_THAT(loaded, IsOk());
  ASSERT_TRUE(loaded->has_value());
  EXPECT_TRUE((*loaded)->SameTopology(layout));
  EXPECT_EQ((*loaded)->recorded_at, layout.recorded_at);
  EXPECT_EQ(std::filesystem::status(again.PathOf(kKey)).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::ofstream(again.PathOf(kKey), std::ios::trunc) << "{\"nodes\": 4}";
  EXPECT_THAT(again.Load(kKey), StatusIs(absl::StatusCode::kInternal, HasSubstr("is damaged")))
      << "a damaged record is never replaced by a guess";
  ASSERT_THAT(again.Delete(kKey), IsOk());
  EXPECT_FALSE(again.Load(kKey)->has_value());
  EXPECT_THAT(again.Delete(kKey), IsOk()) << "idempotent";
}

}  // namespace
}  // namespace nxt::rustfspool
