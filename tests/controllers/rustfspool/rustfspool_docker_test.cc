// RustFSPool against the real engine and the stand-in image (images/rustfs-standin:
// nxt/rustfs-standin:1, or NXT_RUSTFS_IMAGE): CurlDockerClient + ContainerCache +
// CurlHttpClient + the reconciler with an in-memory store and a real state directory.
// Every object carries io.nxt.name=<unique name> and is removed by that label in
// TearDown, even when a test failed.
#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/clock.h"
#include "common/logging.h"
#include "controllers/common/curl_http_client.h"
#include "controllers/common/owner.h"
#include "controllers/rustfspool/rustfs_reconciler.h"
#include "controllers/rustfspool/s3_client.h"
#include "docker/container_cache.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/controller_docker_test.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace nxt::rustfspool {
namespace {

using ::nxt::testing::IsOk;
using ::nxt::testing::StatusIs;
using ::testing::HasSubstr;

constexpr absl::Duration kResync = absl::Seconds(77);  // marks "converged" in results

std::string Image() {
  const char* s = std::getenv("NXT_RUSTFS_IMAGE");
  return s != nullptr ? s : "nxt/rustfs-standin:1";
}

class RustFSPoolDockerTest : public nxt::testing::ControllerDockerTest {
 protected:
  void SetUp() override {
    SetUpEngine(resources::kRustFSPoolKind, "default", {Image()}, "rustfs-standin");
    if (IsSkipped() || HasFatalFailure()) return;
    RustFSPoolReconciler::Options options;
    options.stop_timeout = absl::Seconds(3);
    options.resync = kResync;
    reconciler_ = std::make_unique<RustFSPoolReconciler>(Deps(&http_, {disks_.path()}), options);
  }

  void Apply(int nodes, int drives, const std::string& deletion_policy = "Retain",
             boost::json::array drive_storage = {}) {
    resources::Object o;
    o.kind = resources::kRustFSPoolKind;
    o.metadata.name = name_;
    o.spec = {{"nodes", nodes},
              {"drivesPerNode", drives},
              {"image", Image()},
              {"deletionPolicy", deletion_policy},
              {"buckets", boost::json::array{{{"name", "nextcloud"}, {"versioning", true}},
                                             {{"name", "logs"}}}}};
    if (!drive_storage.empty()) o.spec["drives"] = std::move(drive_storage);
    store_->Apply(std::move(o));
  }

  // Reconciles as the daemon does (cache refreshed first) until converged.
  void Converge(absl::Duration limit = absl::Seconds(90)) {
    const double seconds =
        ReconcileUntilConverged(*reconciler_, kResync, limit, absl::Milliseconds(300));
    if (seconds >= 0) {
      std::fprintf(stderr, "[ converged ] %s nodes, %s buckets in %.1f s\n",
                   StatusField("ready").c_str(), StatusField("buckets").c_str(), seconds);
    }
  }

  std::map<std::string, std::string> Ids() {
    std::map<std::string, std::string> out;
    auto rows = docker_->ListContainers({{docker::kLabelName, name_}});
    EXPECT_THAT(rows, IsOk());
    if (rows.ok()) {
      for (const auto& c : *rows) out[c.name] = c.id;
    }
    return out;
  }

  std::string Node(int i) const { return absl::StrCat(name_, "-", i); }
  std::string Endpoint(int i) {
    absl::StatusOr<docker::ContainerInfo> info = docker_->InspectContainer(Node(i));
    EXPECT_THAT(info, IsOk());
    if (!info.ok()) return "";
    return absl::StrCat("http://", info->network_ips[controllers::NetworkName("default", name_)],
                        ":9000");
  }
  controllers::SigV4Credentials Keys() {
    controllers::SigV4Credentials c;
    c.access_key = secrets_->Get(key_, kAccessKeySecret).value_or("");
    c.secret_key = secrets_->Get(key_, kSecretKeySecret).value_or("");
    return c;
  }
  S3Client Through(int i) { return S3Client(http_, Endpoint(i), Keys(), absl::Seconds(5)); }

  // A signed object call against node `i`.
  absl::StatusOr<controllers::HttpReply> Object(int i, const std::string& method,
                                                const std::string& path, const std::string& body) {
    controllers::HttpCall call;
    call.method = method;
    call.url = Endpoint(i) + path;
    call.body = body;
    call.sigv4 = Keys();
    return http_.Do(call);
  }

  nxt::testing::TempDir disks_;
  controllers::CurlHttpClient http_;
  std::unique_ptr<RustFSPoolReconciler> reconciler_;
};

TEST_F(RustFSPoolDockerTest, FourByTwoServesBucketsRefusesTopologyEditsAndKeepsData) {
  Apply(4, 2);
  Converge();
  EXPECT_EQ(StatusField("ready"), "4/4");
  EXPECT_EQ(StatusField("buckets"), "2/2");
  EXPECT_EQ(StatusField("volumes"), absl::StrCat("http://", name_, "-{0...3}:9000/data{0...1}"));
  // Read back from the stand-in, through every node.
  for (int i = 0; i < 4; ++i) {
    S3Client s3 = Through(i);
    EXPECT_EQ(s3.GetVersioning("nextcloud").value_or("?"), "Enabled") << Node(i);
    EXPECT_EQ(s3.GetVersioning("logs").value_or("?"), "") << Node(i);
  }
  absl::StatusOr<controllers::HttpReply> put = Object(0, "PUT", "/nextcloud/kept.txt", "kept");
  ASSERT_THAT(put, IsOk());
  EXPECT_EQ(put->code, 200) << put->body;
  controllers::SigV4Credentials bad = Keys();
  bad.secret_key = "not-the-secret-key";
  S3Client wrong(http_, Endpoint(1), bad, absl::Seconds(5));
  EXPECT_THAT(wrong.ListBuckets(),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("SignatureDoesNotMatch")));

  // A topology change reaching the controller is refused; the pool is untouched.
  const std::map<std::string, std::string> ids = Ids();
  Apply(6, 2);
  ASSERT_THAT(cache_->Resync(), IsOk());
  EXPECT_THAT(reconciler_->Reconcile({key_}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("spec.nodes")));
  EXPECT_EQ(StatusField("summary"), "TopologyImmutable");
  EXPECT_EQ(Ids(), ids) << "same containers";
  EXPECT_THAT(Through(3).Health(), IsOk()) << "still serving";
  absl::StatusOr<controllers::HttpReply> got = Object(3, "GET", "/nextcloud/kept.txt", "");
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->body, "kept");

  // Deleted with Retain: the drives and the object stay; the same topology comes back.
  Apply(4, 2);
  ASSERT_THAT(store_->Delete(key_), IsOk());
  ASSERT_THAT(reconciler_->Reconcile({key_}), IsOk());
  EXPECT_TRUE(Ids().empty());
  auto volumes = docker_->ListVolumes({{docker::kLabelName, name_}});
  ASSERT_THAT(volumes, IsOk());
  EXPECT_EQ(volumes->size(), 8u);
  Apply(4, 2);
  Converge();
  got = Object(2, "GET", "/nextcloud/kept.txt", "");
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->code, 200);
  EXPECT_EQ(got->body, "kept") << "the object written before the deletion";
}

TEST_F(RustFSPoolDockerTest, SingleNodeOnAHostPathAndAVolumeAndDeletePolicy) {
  Apply(1, 2, "Delete",
        boost::json::array{{{"hostPath", disks_.Join("d0")}}, boost::json::object{}});
  Converge();
  EXPECT_EQ(StatusField("ready"), "1/1");
  EXPECT_EQ(StatusField("volumes"), "/data{0...1}");
  ASSERT_THAT(Object(0, "PUT", "/logs/a.txt", "on the host"), IsOk());
  // Data is on the drives: the host directory of drive 0 and the volume of drive 1.
  EXPECT_TRUE(std::filesystem::is_directory(disks_.Join("d0/" + Node(0) + "/.nxt-standin")));
  auto volumes = docker_->ListVolumes({{docker::kLabelName, name_}});
  ASSERT_THAT(volumes, IsOk());
  ASSERT_EQ(volumes->size(), 1u);
  EXPECT_EQ(volumes->front().name, controllers::VolumeName("default", name_, 0, "data1"));

  ASSERT_THAT(store_->Delete(key_), IsOk());
  ASSERT_THAT(reconciler_->Reconcile({key_}), IsOk());
  EXPECT_TRUE(Ids().empty());
  volumes = docker_->ListVolumes({{docker::kLabelName, name_}});
  ASSERT_THAT(volumes, IsOk());
  EXPECT_TRUE(volumes->empty()) << "deletionPolicy: Delete removes the volumes";
  EXPECT_FALSE(std::filesystem::exists(state_.path() + "/rustfs/default/" + name_))
      << "and the layout record";
  EXPECT_THAT(secrets_->Get(key_, kAccessKeySecret), StatusIs(absl::StatusCode::kNotFound))
      << "and the keys";
  EXPECT_TRUE(std::filesystem::is_directory(disks_.Join("d0/" + Node(0) + "/.nxt-standin")))
      << "host directories are never removed";
}

}  // namespace
}  // namespace nxt::rustfspool
