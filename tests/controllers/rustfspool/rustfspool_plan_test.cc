// RustFSPool's pure parts besides render: the bucket plan (table), the status built from a
// round, and the S3 client's requests and error mapping (against a mock HttpClient).
#include <boost/json.hpp>
#include <string>
#include <vector>

#include "controllers/common/stall.h"
#include "controllers/rustfspool/plan.h"
#include "controllers/rustfspool/s3_client.h"
#include "controllers/rustfspool/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/mocks/controllers/mock_http_client.h"
#include "tests/testing/status_matchers.h"

namespace nxt::rustfspool {
namespace {

using ::nxt::testing::IsOk;
using ::nxt::testing::StatusIs;
using ::testing::_;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::Return;
using ::testing::StrictMock;
using T = BucketAction::Type;

struct BucketCase {
  std::string name;
  std::vector<resources::RustFSBucketSpec> wanted;
  BucketView seen;
  std::vector<BucketAction> plan;
};

class BucketPlanTest : public ::testing::TestWithParam<BucketCase> {};

TEST_P(BucketPlanTest, Plans) {
  const BucketCase& c = GetParam();
  EXPECT_EQ(PlanBuckets(c.wanted, c.seen), c.plan);
  // After the plan is carried out, nothing is left to do.
  BucketView after = c.seen;
  for (const BucketAction& a : c.plan) {
    if (a.type == T::kCreate) after[a.bucket] = "";
    if (a.type == T::kEnableVersioning) after[a.bucket] = "Enabled";
    if (a.type == T::kSuspendVersioning) after[a.bucket] = "Suspended";
  }
  EXPECT_TRUE(PlanBuckets(c.wanted, after).empty());
  for (const resources::RustFSBucketSpec& b : c.wanted) EXPECT_TRUE(BucketReady(b, after));
}

INSTANTIATE_TEST_SUITE_P(
    Table, BucketPlanTest,
    ::testing::Values(BucketCase{"nothing_wanted", {}, {{"other", "Enabled"}}, {}},
                      BucketCase{"create_with_versioning",
                                 {{"nextcloud", true}},
                                 {},
                                 {{T::kCreate, "nextcloud"}, {T::kEnableVersioning, "nextcloud"}}},
                      BucketCase{"create_plain", {{"logs", false}}, {}, {{T::kCreate, "logs"}}},
                      BucketCase{"enable_on_existing",
                                 {{"nextcloud", true}},
                                 {{"nextcloud", ""}},
                                 {{T::kEnableVersioning, "nextcloud"}}},
                      BucketCase{"reenable_suspended",
                                 {{"nextcloud", true}},
                                 {{"nextcloud", "Suspended"}},
                                 {{T::kEnableVersioning, "nextcloud"}}},
                      BucketCase{"suspend_when_turned_off",
                                 {{"nextcloud", false}},
                                 {{"nextcloud", "Enabled"}},
                                 {{T::kSuspendVersioning, "nextcloud"}}},
                      BucketCase{"never_versioned_stays", {{"logs", false}}, {{"logs", ""}}, {}},
                      BucketCase{
                          "already_right", {{"nextcloud", true}}, {{"nextcloud", "Enabled"}}, {}},
                      BucketCase{"others_untouched",
                                 {{"a-bucket", false}},
                                 {{"not-in-spec", "Enabled"}},
                                 {{T::kCreate, "a-bucket"}}}),
    [](const auto& info) { return info.param.name; });

TEST(BucketActionTest, Describe) {
  EXPECT_EQ((BucketAction{T::kCreate, "nextcloud"}).Describe(), "create bucket nextcloud");
  EXPECT_EQ((BucketAction{T::kEnableVersioning, "x1"}).Describe(),
            "enable versioning on bucket x1");
  EXPECT_EQ((BucketAction{T::kSuspendVersioning, "x1"}).Describe(),
            "suspend versioning on bucket x1");
}

// A round of a 4 × 2 pool whose nodes are all current and ready unless a test says otherwise.
class RustFSStatusTest : public ::testing::Test {
 protected:
  RustFSStatusTest() {
    spec_.nodes = 4;
    spec_.drives_per_node = 2;
    spec_.drive_host_paths = {"", ""};
    spec_.buckets = {{"nextcloud", true}};
    layout_.nodes = 4;
    layout_.drives_per_node = 2;
    layout_.volumes = "http://s3-{0...3}:9000/data{0...1}";
    for (int i = 0; i < 4; ++i) {
      const std::string name = "s3-" + std::to_string(i);
      in_.wanted.push_back({name, i, "h1"});
      in_.seen.push_back({name, i, "h1", "running", true});
    }
    in_.layout = &layout_;
    in_.spec = &spec_;
    in_.generation = 3;
    in_.now = absl::FromUnixSeconds(1'800'000'000);
  }

  std::string Field(const resources::ObjectStatus& s, const char* name) {
    const boost::json::value& v = s.fields.at(name);
    return v.is_string() ? std::string(v.get_string()) : boost::json::serialize(v);
  }

  resources::RustFSPoolSpec spec_;
  PoolLayout layout_;
  StatusInput in_;
};

TEST_F(RustFSStatusTest, ReadyWhenEveryNodeAnswersAndEveryBucketIsSet) {
  in_.buckets = BucketView{{"nextcloud", "Enabled"}, {"other", ""}};
  resources::ObjectStatus s = BuildStatus(in_);
  EXPECT_EQ(s.observed_generation, 3);
  EXPECT_EQ(Field(s, "nodes"), "4");
  EXPECT_EQ(Field(s, "drives"), "8");
  EXPECT_EQ(Field(s, "ready"), "4/4");
  EXPECT_EQ(Field(s, "buckets"), "1/1");
  EXPECT_EQ(Field(s, "summary"), "Ready");
  EXPECT_EQ(Field(s, "volumes"), "http://s3-{0...3}:9000/data{0...1}");
  EXPECT_EQ(Field(s, "bucketStatus"),
            R"([{"name":"nextcloud","exists":true,"versioning":"Enabled","ready":true}])");
  EXPECT_EQ(s.FindCondition("Ready")->status, "True");
  EXPECT_EQ(s.FindCondition("Ready")->reason, "Available");
  EXPECT_EQ(s.FindCondition("Stalled")->status, "False");
  EXPECT_TRUE(Converged(in_));
}

TEST_F(RustFSStatusTest, ANodeDownIsNotReadyAndBucketsCarryOver) {
  in_.buckets = BucketView{{"nextcloud", "Enabled"}};
  resources::ObjectStatus before = BuildStatus(in_);
  in_.seen[2].ready = false;
  in_.buckets.reset();  // not looked at while a node is down
  in_.actions = {{controllers::MemberAction::Type::kWait, "s3-2"}};
  in_.previous = &before;
  resources::ObjectStatus s = BuildStatus(in_);
  EXPECT_EQ(Field(s, "ready"), "3/4");
  EXPECT_EQ(Field(s, "buckets"), "1/1") << "from the previous round";
  EXPECT_EQ(Field(s, "summary"), "WaitingForNodes");
  EXPECT_EQ(s.FindCondition("Ready")->status, "False");
  EXPECT_EQ(s.FindCondition("Reconciling")->message,
            "wait for s3-2 to be ready before the next replacement");
  EXPECT_FALSE(Converged(in_));
}

TEST_F(RustFSStatusTest, SummariesFollowTheRound) {
  in_.seen.clear();
  in_.actions = {{controllers::MemberAction::Type::kCreate, "s3-0"}};
  EXPECT_EQ(Field(BuildStatus(in_), "summary"), "Creating");
  in_.seen = {{"s3-0", 0, "h0", "running", true}};
  in_.actions = {{controllers::MemberAction::Type::kReplace, "s3-0"}};
  EXPECT_EQ(Field(BuildStatus(in_), "summary"), "RollingUpdate");
  in_.error = absl::UnavailableError("docker create s3-1: HTTP 500");
  resources::ObjectStatus failed = BuildStatus(in_);
  EXPECT_EQ(Field(failed, "summary"), "ReconcileError");
  EXPECT_EQ(failed.FindCondition("Reconciling")->message, "docker create s3-1: HTTP 500");
  in_.error = absl::OkStatus();
  spec_.suspend = true;
  EXPECT_EQ(Field(BuildStatus(in_), "summary"), "Suspended");
}

TEST_F(RustFSStatusTest, StalledKeepsWhatWasThere) {
  in_.buckets = BucketView{{"nextcloud", "Enabled"}};
  resources::ObjectStatus ready = BuildStatus(in_);
  resources::ObjectStatus s = controllers::StalledStatus(
      4, "TopologyImmutable", "s3.yaml:6:3: spec.nodes: ...", in_.now, &ready);
  EXPECT_EQ(s.observed_generation, 4);
  EXPECT_EQ(s.FindCondition("Stalled")->status, "True");
  EXPECT_EQ(s.FindCondition("Stalled")->reason, "TopologyImmutable");
  EXPECT_EQ(s.FindCondition("Ready")->status, "True") << "the pool keeps serving";
  EXPECT_EQ(Field(s, "ready"), "4/4");
  EXPECT_EQ(Field(s, "summary"), "TopologyImmutable");
  EXPECT_EQ(controllers::StalledStatus(1, "InvalidSpec", "x", in_.now, nullptr)
                .FindCondition("Ready")
                ->status,
            "False");
}

class S3ClientTest : public ::testing::Test {
 protected:
  controllers::SigV4Credentials Creds() {
    controllers::SigV4Credentials c;
    c.access_key = "AK";
    c.secret_key = "SK";
    return c;
  }
  StrictMock<controllers::MockHttpClient> http_;
  S3Client s3_{http_, "http://172.18.0.3:9000", Creds(), absl::Seconds(5)};
};

auto IsSigned(bool yes) {
  return ::testing::ResultOf(
      [](const controllers::HttpCall& c) {
        return c.sigv4.has_value() && c.sigv4->access_key == "AK";
      },
      yes);
}

auto Signed(const std::string& method, const std::string& url) {
  return AllOf(Field(&controllers::HttpCall::method, method),
               Field(&controllers::HttpCall::url, url), IsSigned(true));
}

TEST_F(S3ClientTest, SignedPathStyleCalls) {
  EXPECT_CALL(http_, Do(Signed("GET", "http://172.18.0.3:9000/")))
      .WillOnce(Return(controllers::HttpReply{
          200,
          "<ListAllMyBucketsResult><Owner><ID>x</ID></Owner><Buckets><Bucket><Name>a-1"
          "</Name></Bucket><Bucket><Name>b-2</Name></Bucket></Buckets>"
          "</ListAllMyBucketsResult>"}));
  absl::StatusOr<std::vector<std::string>> names = s3_.ListBuckets();
  ASSERT_THAT(names, IsOk());
  EXPECT_THAT(*names, ElementsAre("a-1", "b-2"));

  EXPECT_CALL(http_, Do(Signed("PUT", "http://172.18.0.3:9000/nextcloud")))
      .WillOnce(Return(controllers::HttpReply{200, ""}))
      .WillOnce(Return(
          controllers::HttpReply{409, "<Error><Code>BucketAlreadyOwnedByYou</Code></Error>"}))
      .WillOnce(
          Return(controllers::HttpReply{409, "<Error><Code>BucketAlreadyExists</Code></Error>"}));
  EXPECT_THAT(s3_.CreateBucket("nextcloud"), IsOk());
  EXPECT_THAT(s3_.CreateBucket("nextcloud"), IsOk()) << "ours already: idempotent";
  EXPECT_THAT(s3_.CreateBucket("nextcloud"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "create bucket: PUT /nextcloud: HTTP 409 BucketAlreadyExists"));

  EXPECT_CALL(http_, Do(Signed("GET", "http://172.18.0.3:9000/nextcloud?versioning")))
      .WillOnce(Return(controllers::HttpReply{
          200, "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>"}))
      .WillOnce(Return(controllers::HttpReply{200, "<VersioningConfiguration/>"}));
  EXPECT_EQ(s3_.GetVersioning("nextcloud").value_or("?"), "Enabled");
  EXPECT_EQ(s3_.GetVersioning("nextcloud").value_or("?"), "") << "never set";

  EXPECT_CALL(
      http_,
      Do(AllOf(Signed("PUT", "http://172.18.0.3:9000/nextcloud?versioning"),
               Field(&controllers::HttpCall::body, HasSubstr("<Status>Suspended</Status>")))))
      .WillOnce(Return(controllers::HttpReply{200, ""}));
  EXPECT_THAT(s3_.PutVersioning("nextcloud", false), IsOk());
}

TEST_F(S3ClientTest, ErrorsMapToCodesWithoutTheKeys) {
  EXPECT_CALL(http_, Do(_))
      .WillOnce(Return(controllers::HttpReply{
          403, "<Error><Code>SignatureDoesNotMatch</Code><Message>SK</Message></Error>"}))
      .WillOnce(Return(controllers::HttpReply{503, "<Error><Code>SlowDown</Code></Error>"}))
      .WillOnce(Return(absl::UnavailableError("GET http://172.18.0.3:9000/: refused")));
  absl::StatusOr<std::vector<std::string>> denied = s3_.ListBuckets();
  EXPECT_THAT(denied, StatusIs(absl::StatusCode::kPermissionDenied,
                               "list buckets: GET /: HTTP 403 SignatureDoesNotMatch"));
  EXPECT_THAT(s3_.ListBuckets(), StatusIs(absl::StatusCode::kUnavailable, HasSubstr("SlowDown")));
  EXPECT_THAT(s3_.ListBuckets(), StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(S3ClientTest, HealthIsUnsigned) {
  EXPECT_CALL(http_, Do(AllOf(Field(&controllers::HttpCall::url, "http://172.18.0.3:9000/health"),
                              IsSigned(false))))
      .WillOnce(Return(controllers::HttpReply{200, "{}"}))
      .WillOnce(Return(controllers::HttpReply{503, ""}));
  EXPECT_THAT(s3_.Health(), IsOk());
  EXPECT_THAT(s3_.Health(), StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace nxt::rustfspool
