// RustFSPoolReconciler against the fake Docker client, the fake store and an in-test S3
// (a MockHttpClient answering like RustFS: /health, ListBuckets, CreateBucket, bucket
// versioning; SigV4 calls are checked for the pool's access key). What it creates, where
// the keys go, the layout record and the immutable topology, rolling updates, deletion.
// Real behaviour against the engine and the stand-in image: rustfspool_docker_test.
#include <boost/json.hpp>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "controllers/common/owner.h"
#include "controllers/rustfspool/rustfs_reconciler.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/mocks/controllers/mock_http_client.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/fake_docker_client.h"
#include "tests/testing/fake_store.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace nxt::rustfspool {
namespace {

using ::nxt::testing::IsOk;
using ::nxt::testing::StatusIs;
using ::testing::_;
using ::testing::HasSubstr;
using ::testing::Not;
using M = ::nxt::testing::FakeDockerClient::Method;

const resources::ObjectKey kKey{resources::kRustFSPoolKind, "default", "s3"};

// Answers as a RustFS pool whose nodes share their buckets. Thread-safe.
class FakeS3 {
 public:
  explicit FakeS3(std::function<std::string()> access_key) : access_key_(std::move(access_key)) {}

  absl::StatusOr<controllers::HttpReply> Handle(const controllers::HttpCall& call) {
    std::lock_guard<std::mutex> lock(mu_);
    const std::string rest = call.url.substr(call.url.find("//") + 2);
    const std::string host = rest.substr(0, rest.find(':'));
    const std::string path = rest.substr(rest.find('/'));
    if (down_.contains(host)) return absl::UnavailableError("connection refused");
    if (path == "/health") return controllers::HttpReply{200, "{\"status\":\"ok\"}"};
    if (!call.sigv4.has_value() || call.sigv4->access_key != access_key_()) {
      return controllers::HttpReply{403, "<Error><Code>InvalidAccessKeyId</Code></Error>"};
    }
    hosts_.insert(host);
    calls_.push_back(call.method + " " + path);
    const std::string bucket = path.substr(1, path.find('?') - 1);
    if (call.method == "GET" && path == "/") {
      std::string xml = "<ListAllMyBucketsResult><Buckets>";
      for (const auto& [name, v] : buckets_)
        absl::StrAppend(&xml, "<Bucket><Name>", name, "</Name></Bucket>");
      return controllers::HttpReply{200, xml + "</Buckets></ListAllMyBucketsResult>"};
    }
    if (call.method == "PUT" && !absl::StrContains(path, "?")) {
      buckets_.emplace(bucket, "");
      return controllers::HttpReply{200, ""};
    }
    if (absl::EndsWith(path, "?versioning") && buckets_.contains(bucket)) {
      if (call.method == "PUT") {
        buckets_[bucket] = absl::StrContains(call.body, "Enabled") ? "Enabled" : "Suspended";
        return controllers::HttpReply{200, ""};
      }
      return controllers::HttpReply{200, "<VersioningConfiguration><Status>" + buckets_[bucket] +
                                             "</Status></VersioningConfiguration>"};
    }
    return controllers::HttpReply{404, "<Error><Code>NoSuchBucket</Code></Error>"};
  }

  std::mutex mu_;
  const std::function<std::string()> access_key_;
  std::set<std::string> down_;   // addresses that do not answer
  std::set<std::string> hosts_;  // addresses S3 calls went to
  std::map<std::string, std::string> buckets_;
  std::vector<std::string> calls_;
};

class RustFSPoolReconcilerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetLogLevel(LogLevel::kError);
    docker_.AddEventListener([this](const docker::Event& e) { cache_.Apply(e); });
    ASSERT_THAT(cache_.Resync(), IsOk());
    ON_CALL(http_, Do(_)).WillByDefault([this](const controllers::HttpCall& call) {
      return s3_.Handle(call);
    });
  }

  // The keys the pool was given (the fake S3 accepts only them).
  std::string AccessKey() { return secrets_.Get(kKey, kAccessKeySecret).value_or("<none>"); }

  void Apply(boost::json::object spec, const std::string& name = "s3") {
    resources::Object o;
    o.kind = resources::kRustFSPoolKind;
    o.metadata.name = name;
    o.spec = std::move(spec);
    store_.Apply(std::move(o));
  }
  static boost::json::object Pool(int nodes, int drives) {
    return {{"nodes", nodes},
            {"drivesPerNode", drives},
            {"image", "nxt/rustfs-standin:1"},
            {"buckets", boost::json::array{{{"name", "nextcloud"}, {"versioning", true}}}}};
  }

  absl::StatusOr<reconciler::Result> Reconcile() { return reconciler_.Reconcile({kKey}); }
  // Reconciles until converged (requeue after the resync period), at most 10 rounds.
  void Converge() {
    for (int i = 0; i < 10; ++i) {
      absl::StatusOr<reconciler::Result> r = Reconcile();
      ASSERT_THAT(r, IsOk());
      if (r->requeue_after == absl::Seconds(30)) return;
    }
    FAIL() << "not converged: " << Field("summary");
  }

  std::string Field(const char* name) {
    std::optional<resources::ObjectStatus> s = store_.GetStatus(kKey);
    if (!s.has_value() || !s->fields.contains(name)) return "";
    const boost::json::value& v = s->fields.at(name);
    return v.is_string() ? std::string(v.get_string()) : boost::json::serialize(v);
  }
  const resources::Condition* Condition(const char* type) {
    status_ = store_.GetStatus(kKey);
    return status_.has_value() ? status_->FindCondition(type) : nullptr;
  }
  std::string Events() {
    std::string out;
    for (const reconciler::Event& e : store_.Events(kKey)) {
      absl::StrAppend(&out, e.type, " ", e.reason, ": ", e.message, "\n");
    }
    return out;
  }
  std::string Ip(const std::string& name) {
    return docker_.InspectContainer(name)->network_ips.at("nxt-default-s3");
  }
  std::map<std::string, std::string> Ids() {
    std::map<std::string, std::string> out;
    for (const std::string& n : docker_.ContainerNames()) out[n] = docker_.GetContainer(n)->id;
    return out;
  }

  ::nxt::testing::FakeClock clock_;
  ::nxt::testing::FakeDockerClient docker_{&clock_};
  docker::ContainerCache cache_{docker_};
  ::nxt::testing::FakeStore store_{clock_};
  ::nxt::testing::TempDir state_;
  controllers::SecretStore secrets_{state_.path()};
  ::testing::NiceMock<controllers::MockHttpClient> http_;
  FakeS3 s3_{[this] { return AccessKey(); }};
  std::optional<resources::ObjectStatus> status_;
  RustFSPoolReconciler reconciler_{Deps(), {}};

 private:
  controllers::KindDeps Deps() {
    std::filesystem::create_directories(state_.Join("disks"));  // roots must exist
    return {.store = store_,
            .docker = docker_,
            .cache = cache_,
            .secrets = secrets_,
            .http = http_,
            .clock = clock_,
            .state_dir = state_.path(),
            .allowed_host_path_roots = {state_.Join("disks")}};
  }
};

TEST_F(RustFSPoolReconcilerTest, CreatesTheNodesDrivesAndBucketsWithKeysOnlyInFiles) {
  Apply(Pool(4, 2));
  Converge();
  EXPECT_EQ(docker_.ContainerNames(), (std::vector<std::string>{"s3-0", "s3-1", "s3-2", "s3-3"}));
  EXPECT_EQ(docker_.VolumeNames().size(), 8u);
  EXPECT_EQ(docker_.VolumeLabels("nxt-default-s3-3-data1")->at("io.nxt.ordinal"), "3");
  EXPECT_TRUE(docker_.NetworkNames().contains("nxt-default-s3"));
  EXPECT_EQ(Field("ready"), "4/4");
  EXPECT_EQ(Field("buckets"), "1/1");
  EXPECT_EQ(Field("summary"), "Ready");
  EXPECT_EQ(s3_.buckets_.at("nextcloud"), "Enabled");
  EXPECT_EQ(Condition("Ready")->status, "True");

  const std::string access = *secrets_.Get(kKey, kAccessKeySecret);
  const std::string secret = *secrets_.Get(kKey, kSecretKeySecret);
  EXPECT_EQ(access.size(), 20u);
  EXPECT_EQ(secret.size(), 40u);
  auto c = docker_.GetContainer("s3-1");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->files.at("/etc/nxt/rustfs/secret-key"), std::make_pair(secret, 0600));
  EXPECT_EQ(c->files.at("/etc/nxt/rustfs/access-key"), std::make_pair(access, 0600));
  std::string visible =
      boost::json::serialize(resources::ToJson(*store_.GetStatus(kKey))) + Events();
  for (const std::string& s : c->spec.env) visible += s;
  for (const std::string& s : c->spec.cmd) visible += s;
  for (const std::string& s : c->spec.entrypoint) visible += s;
  EXPECT_THAT(visible, Not(HasSubstr(secret)));
  EXPECT_THAT(visible, Not(HasSubstr(access)));
  EXPECT_THAT(Events(), HasSubstr("Normal LayoutRecorded: recorded the pool layout: 4 nodes × 2 "
                                  "drives, RUSTFS_VOLUMES=http://s3-{0...3}:9000/data{0...1}"));
  EXPECT_THAT(Events(), HasSubstr("Normal BucketCreated: create bucket nextcloud"));
  EXPECT_THAT(Events(), HasSubstr("Normal VersioningEnabled"));
}

TEST_F(RustFSPoolReconcilerTest, TheLayoutIsRecordedBeforeTheFirstNodeStarts) {
  const std::string record = state_.path() + "/rustfs/default/s3/layout.json";
  std::vector<bool> recorded_at_start;
  docker_.AddEventListener([&](const docker::Event& e) {
    if (e.type == "container" && e.action == "start") {
      recorded_at_start.push_back(std::filesystem::exists(record));
    }
  });
  Apply(Pool(4, 2));
  ASSERT_THAT(Reconcile(), IsOk());
  EXPECT_EQ(recorded_at_start, std::vector<bool>(4, true));
}

TEST_F(RustFSPoolReconcilerTest, ASecondRoundChangesNothingAndKeepsTheKeys) {
  Apply(Pool(4, 2));
  Converge();
  const std::string secret = *secrets_.Get(kKey, kSecretKeySecret);
  const int mutating = docker_.total_mutating_calls();
  s3_.calls_.clear();
  ASSERT_THAT(Reconcile(), IsOk());
  EXPECT_EQ(docker_.total_mutating_calls(), mutating);
  EXPECT_EQ(s3_.calls_, (std::vector<std::string>{"GET /", "GET /nextcloud?versioning"}))
      << "only reads";
  EXPECT_EQ(s3_.hosts_, std::set<std::string>{Ip("s3-0")}) << "through the lowest ready node";
  EXPECT_EQ(*secrets_.Get(kKey, kSecretKeySecret), secret);
}

TEST_F(RustFSPoolReconcilerTest, ImageChangeRollsOneNodeAtATimeBehindHealth) {
  Apply(Pool(4, 2));
  Converge();
  const std::map<std::string, std::string> before = Ids();
  boost::json::object spec = Pool(4, 2);
  spec["image"] = "nxt/rustfs-standin:2";
  Apply(spec);
  // Node s3-0's address stops answering once replaced: the roll waits for it.
  ASSERT_THAT(Reconcile(), IsOk());
  std::map<std::string, std::string> after = Ids();
  int replaced = 0;
  for (const auto& [name, id] : before) replaced += after.at(name) != id;
  EXPECT_EQ(replaced, 1);
  EXPECT_NE(after.at("s3-3"), before.at("s3-3")) << "highest ordinal first";
  EXPECT_EQ(Field("summary"), "RollingUpdate");
  {
    std::lock_guard<std::mutex> lock(s3_.mu_);
    s3_.down_.insert(Ip("s3-3"));
  }
  ASSERT_THAT(Reconcile(), IsOk());
  EXPECT_EQ(Ids(), after) << "s3-3 does not answer /health: nothing else is replaced";
  EXPECT_EQ(Field("ready"), "3/4");
  s3_.down_.clear();
  Converge();
  for (const std::string& n : docker_.ContainerNames()) {
    EXPECT_EQ(docker_.GetContainer(n)->spec.image, "nxt/rustfs-standin:2");
  }
}

TEST_F(RustFSPoolReconcilerTest, RecreatedWithAnotherTopologyIsRefusedUntilItMatches) {
  Apply(Pool(4, 2));
  Converge();
  ASSERT_THAT(store_.Delete(kKey), IsOk());
  ASSERT_THAT(Reconcile(), IsOk());  // Retain: containers go, volumes and record stay
  EXPECT_TRUE(docker_.ContainerNames().empty());
  EXPECT_EQ(docker_.VolumeNames().size(), 8u);
  EXPECT_EQ(store_.Get(kKey), nullptr) << "finalized";

  Apply(Pool(6, 2));
  absl::StatusOr<reconciler::Result> r = Reconcile();
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kFailedPrecondition,
                          HasSubstr("spec.nodes: the pool was laid out with 4 nodes, the spec "
                                    "asks for 6")));
  EXPECT_TRUE(docker_.ContainerNames().empty()) << "no node starts on the old drives";
  EXPECT_EQ(Condition("Stalled")->status, "True");
  EXPECT_EQ(Condition("Stalled")->reason, "TopologyImmutable");
  EXPECT_EQ(Field("summary"), "TopologyImmutable");
  EXPECT_THAT(Events(), HasSubstr("Warning TopologyImmutable: spec.nodes: the pool was laid out"));

  Apply(Pool(4, 2));
  Converge();
  EXPECT_EQ(docker_.ContainerNames().size(), 4u);
  EXPECT_EQ(docker_.VolumeNames().size(), 8u) << "the same drives again";
}

TEST_F(RustFSPoolReconcilerTest, DeletePolicyRemovesVolumesKeysAndRecord) {
  boost::json::object spec = Pool(4, 1);
  spec["deletionPolicy"] = "Delete";
  Apply(spec);
  Converge();
  ASSERT_THAT(store_.Delete(kKey), IsOk());
  ASSERT_THAT(Reconcile(), IsOk());
  EXPECT_TRUE(docker_.ContainerNames().empty());
  EXPECT_TRUE(docker_.VolumeNames().empty());
  EXPECT_TRUE(docker_.NetworkNames().empty());
  EXPECT_THAT(secrets_.Get(kKey, kSecretKeySecret), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_FALSE(std::filesystem::exists(state_.path() + "/rustfs/default/s3/layout.json"));
  Apply(Pool(6, 2));
  Converge();  // a new pool, any topology
  EXPECT_EQ(docker_.ContainerNames().size(), 6u);
}

TEST_F(RustFSPoolReconcilerTest, VolumesOfAnUnrecordedPoolAreAdoptedOnlyWhenTheyMatch) {
  for (int i = 0; i < 4; ++i) {
    ASSERT_THAT(docker_.CreateVolume(absl::StrCat("nxt-default-s3-", i, "-data0"),
                                     controllers::OwnerLabels(kKey, "volume", i)),
                IsOk());
  }
  Apply(Pool(6, 1));
  EXPECT_THAT(Reconcile(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                    HasSubstr("the volumes of an earlier pool of this name")));
  EXPECT_EQ(Condition("Stalled")->reason, "TopologyImmutable");
  EXPECT_TRUE(docker_.ContainerNames().empty());
  Apply(Pool(4, 1));
  Converge();  // exactly that pool's drives: its record was lost, it is recorded again
  EXPECT_TRUE(std::filesystem::exists(state_.path() + "/rustfs/default/s3/layout.json"));
}

TEST_F(RustFSPoolReconcilerTest, HostPathDrivesOnlyUnderAllowedRoots) {
  boost::json::object spec = Pool(1, 2);
  spec["drives"] = boost::json::array{{{"hostPath", "/etc/s3"}}, boost::json::object{}};
  Apply(spec);
  EXPECT_THAT(Reconcile(), StatusIs(absl::StatusCode::kInvalidArgument,
                                    HasSubstr("spec.drives[0].hostPath: /etc/s3 is not under an "
                                              "allowed host path root")));
  EXPECT_EQ(Condition("Stalled")->reason, "InvalidSpec");
  EXPECT_TRUE(docker_.ContainerNames().empty());
  EXPECT_FALSE(std::filesystem::exists(state_.path() + "/rustfs/default/s3/layout.json"))
      << "nothing is recorded for a refused spec";

  spec["drives"] =
      boost::json::array{{{"hostPath", state_.Join("disks/d0")}}, boost::json::object{}};
  Apply(spec);
  Converge();
  EXPECT_TRUE(std::filesystem::is_directory(state_.Join("disks/d0/s3-0")));
  EXPECT_EQ(docker_.GetContainer("s3-0")->spec.mounts[0].source, state_.Join("disks/d0/s3-0"));
  EXPECT_EQ(docker_.VolumeNames(), std::set<std::string>{"nxt-default-s3-0-data1"});
}

TEST_F(RustFSPoolReconcilerTest, DriveDirectoriesAreNeverMadeOrUsedThroughASymlink) {
  namespace fs = std::filesystem;
  fs::create_directories(state_.Join("disks/d0"));
  fs::create_directories(state_.Join("outside"));
  fs::create_directory_symlink(state_.Join("outside"), state_.Join("disks/d0/s3-0"));
  boost::json::object spec = Pool(1, 1);
  spec["drives"] = boost::json::array{{{"hostPath", state_.Join("disks/d0")}}};
  Apply(spec);
  EXPECT_THAT(Reconcile(), StatusIs(absl::StatusCode::kInvalidArgument,
                                    "rustfspool default/s3: spec.drives[0].hostPath: " +
                                        state_.Join("disks/d0/s3-0") +
                                        ": component \"s3-0\" is a symlink; refused"));
  EXPECT_EQ(Condition("Stalled")->reason, "HostPathRefused");
  EXPECT_TRUE(docker_.ContainerNames().empty());

  fs::remove(state_.Join("disks/d0/s3-0"));
  Converge();
  EXPECT_EQ(fs::status(state_.Join("disks/d0/s3-0")).permissions(),
            fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
  EXPECT_EQ(docker_.GetContainer("s3-0")->spec.mounts[0].source, state_.Join("disks/d0/s3-0"));

  // The drive's parent swapped for a symlink after the node exists, then the node removed.
  fs::rename(state_.Join("disks/d0"), state_.Join("disks/d0-old"));
  fs::create_directory_symlink(state_.Join("outside"), state_.Join("disks/d0"));
  ASSERT_THAT(docker_.RemoveContainer("s3-0", /*force=*/true), IsOk());
  EXPECT_THAT(Reconcile(), StatusIs(absl::StatusCode::kInvalidArgument,
                                    HasSubstr("component \"d0\" is a symlink; refused")));
  EXPECT_EQ(Condition("Stalled")->reason, "HostPathRefused");
  EXPECT_TRUE(docker_.ContainerNames().empty());
  EXPECT_TRUE(fs::is_empty(state_.Join("outside"))) << "nothing made through the link";
}

TEST_F(RustFSPoolReconcilerTest, SuspendLeavesEverythingAlone) {
  Apply(Pool(4, 2));
  Converge();
  boost::json::object spec = Pool(4, 2);
  spec["suspend"] = true;
  spec["image"] = "other:1";
  Apply(spec);
  ASSERT_THAT(docker_.RemoveBehindBack("s3-1"), IsOk());
  const int mutating = docker_.total_mutating_calls();
  ASSERT_THAT(Reconcile(), IsOk());
  EXPECT_EQ(docker_.total_mutating_calls(), mutating);
  EXPECT_EQ(Field("summary"), "Suspended");
}

TEST_F(RustFSPoolReconcilerTest, DescribePlanRecordsNothing) {
  Apply(Pool(4, 2));
  absl::StatusOr<std::vector<std::string>> plan = reconciler_.DescribePlan(*store_.Get(kKey));
  ASSERT_THAT(plan, IsOk());
  EXPECT_EQ(*plan,
            (std::vector<std::string>{"create s3-0", "create s3-1", "create s3-2", "create s3-3"}));
  EXPECT_FALSE(std::filesystem::exists(state_.path() + "/rustfs/default/s3/layout.json"));
  EXPECT_THAT(secrets_.Get(kKey, kSecretKeySecret), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(docker_.total_mutating_calls(), 0);
}

TEST_F(RustFSPoolReconcilerTest, AnS3FailureIsReportedAndRetried) {
  Apply(Pool(4, 2));
  ON_CALL(http_, Do(_)).WillByDefault([this](const controllers::HttpCall& call) {
    if (absl::EndsWith(call.url, "/nextcloud") && call.method == "PUT") {
      return absl::StatusOr<controllers::HttpReply>(
          controllers::HttpReply{503, "<Error><Code>XMinioServerNotInitialized</Code></Error>"});
    }
    return s3_.Handle(call);
  });
  EXPECT_THAT(Reconcile(), StatusIs(absl::StatusCode::kUnavailable,
                                    HasSubstr("create bucket nextcloud through s3-0")));
  EXPECT_EQ(Field("summary"), "ReconcileError");
  EXPECT_EQ(Field("ready"), "4/4");
  EXPECT_EQ(Field("buckets"), "0/1");
  EXPECT_THAT(Events(), HasSubstr("Warning ReconcileError: create bucket nextcloud through s3-0"));
  ON_CALL(http_, Do(_)).WillByDefault([this](const controllers::HttpCall& call) {
    return s3_.Handle(call);
  });
  Converge();
  EXPECT_EQ(Field("buckets"), "1/1");
}

}  // namespace
}  // namespace nxt::rustfspool
