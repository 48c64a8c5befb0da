// The reconcile skeleton (KindReconciler) with a scripted kind: which hook runs when, and
// what Reconcile returns for each way a round ends (stall, prefix once, code and payloads
// kept).
#include "controllers/common/kind_reconciler.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "common/logging.h"
#include "controllers/common/adoption.h"
#include "controllers/common/secret_store.h"
#include "docker/container_cache.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reconciler/reconciler.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/fake_docker_client.h"
#include "tests/testing/fake_store.h"
#include "tests/testing/no_http_client.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace nxt::controllers {
namespace {

using ::nxt::testing::IsOk;
using ::nxt::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Eq;
using ::testing::HasSubstr;

const resources::ObjectKey kKey{"ContainerSet", "default", "web"};
constexpr char kPrefix[] = "scripted default/web";
constexpr char kPayloadUrl[] = "type.test/payload";

// A kind whose hooks return what the test scripts, and which records the calls.
class ScriptedKind : public KindReconciler<int> {
 public:
  explicit ScriptedKind(const KindDeps& deps) : KindReconciler(deps, "scripted") {}

  absl::StatusOr<int> desire = 7;
  absl::StatusOr<reconciler::Result> converge = reconciler::Result{};
  absl::StatusOr<reconciler::Result> teardown = reconciler::Result{};
  std::vector<std::string> calls;

 private:
  absl::StatusOr<int> Desire(const resources::Object&) override {
    calls.push_back("Desire");
    return desire;
  }
  absl::StatusOr<reconciler::Result> Converge(const resources::Object&, int desired) override {
    calls.push_back(absl::StrCat("Converge ", desired));
    return converge;
  }
  absl::StatusOr<reconciler::Result> Teardown(const resources::ObjectKey&,
                                              const resources::Object* object) override {
    calls.push_back(object == nullptr ? "Teardown gone" : "Teardown deleting");
    return teardown;
  }
};

class KindReconcilerTest : public ::testing::Test {
 protected:
  void SetUp() override { SetLogLevel(LogLevel::kError); }

  void Apply() {
    resources::Object o;
    o.kind = kKey.kind;
    o.metadata.name = kKey.name;
    o.spec = {{"image", "img"}};
    store_.Apply(std::move(o));
  }
  std::optional<std::string> Stalled() {
    std::optional<resources::ObjectStatus> s = store_.GetStatus(kKey);
    const resources::Condition* c =
        s.has_value() ? s->FindCondition(resources::kConditionStalled) : nullptr;
    if (c == nullptr || c->status != "True") return std::nullopt;
    return c->reason;
  }
  static int Count(const absl::Status& s, const std::string& needle) {
    const std::string text(s.message());
    int n = 0;
    for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
      ++n;
    }
    return n;
  }
  static absl::Status WithPayload(absl::Status s) {
    s.SetPayload(kPayloadUrl, absl::Cord("kept"));
    return s;
  }

  nxt::testing::FakeClock clock_;
  nxt::testing::FakeDockerClient docker_{&clock_};
  docker::ContainerCache cache_{docker_};
  nxt::testing::FakeStore store_{clock_};
  nxt::testing::TempDir state_;
  SecretStore secrets_{state_.path()};
  nxt::testing::NoHttpClient http_;
  ScriptedKind kind_{{.store = store_,
                      .docker = docker_,
                      .cache = cache_,
                      .secrets = secrets_,
                      .http = http_,
                      .clock = clock_}};
};

TEST_F(KindReconcilerTest, ALiveObjectIsDesiredThenConvergedWithTheDesiredState) {
  Apply();
  kind_.converge = reconciler::Result{.requeue_after = absl::Seconds(3)};
  absl::StatusOr<reconciler::Result> r = kind_.Reconcile({kKey});
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->requeue_after, absl::Seconds(3));
  EXPECT_THAT(kind_.calls, ElementsAre("Desire", "Converge 7"));
}

TEST_F(KindReconcilerTest, AGoneOrDeletedObjectIsTornDownOnlyWithItsPrefixOnErrors) {
  kind_.teardown = absl::UnavailableError("remove web-0: docker down");
  absl::StatusOr<reconciler::Result> r = kind_.Reconcile({kKey});
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kUnavailable,
                          Eq("scripted default/web: remove web-0: docker down")));
  Apply();
  ASSERT_THAT(store_.Delete(kKey), IsOk());
  kind_.teardown = reconciler::Result{};
  EXPECT_THAT(kind_.Reconcile({kKey}), IsOk());
  EXPECT_THAT(kind_.calls, ElementsAre("Teardown gone", "Teardown deleting"));
}

TEST_F(KindReconcilerTest, AnInvalidSpecStallsWithoutConverging) {
  Apply();
  kind_.desire = absl::InvalidArgumentError("spec.replicas: must be odd");
  absl::StatusOr<reconciler::Result> r = kind_.Reconcile({kKey});
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument,
                          Eq("scripted default/web: spec.replicas: must be odd")));
  EXPECT_TRUE(reconciler::IsTerminal(r.status()));
  EXPECT_EQ(Stalled(), kReasonInvalidSpec);
  EXPECT_THAT(kind_.calls, ElementsAre("Desire"));
}

TEST_F(KindReconcilerTest, ATransientDesireErrorIsRetriedAndDoesNotStall) {
  Apply();
  kind_.desire = absl::InternalError("password: disk full");
  absl::StatusOr<reconciler::Result> r = kind_.Reconcile({kKey});
  EXPECT_THAT(
      r, StatusIs(absl::StatusCode::kInternal, Eq("scripted default/web: password: disk full")));
  EXPECT_FALSE(reconciler::IsTerminal(r.status()));
  EXPECT_EQ(Stalled(), std::nullopt);
}

TEST_F(KindReconcilerTest, ARefusalFromDesireOrConvergeStallsWithItsReasonAndKeepsIt) {
  Apply();
  kind_.desire = Refused("TopologyImmutable", absl::FailedPreconditionError("nodes: 4 → 6"));
  absl::StatusOr<reconciler::Result> r = kind_.Reconcile({kKey});
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kFailedPrecondition,
                          Eq(absl::StrCat(kPrefix, ": nodes: 4 → 6"))));
  EXPECT_TRUE(reconciler::IsTerminal(r.status()));
  EXPECT_EQ(Stalled(), "TopologyImmutable");
  EXPECT_EQ(ConflictReason(r.status()), "TopologyImmutable") << "the payload is kept";

  kind_.desire = 7;
  kind_.converge = WithPayload(Refused("HostPathRefused", absl::InvalidArgumentError("/srv/x")));
  r = kind_.Reconcile({kKey});
  EXPECT_THAT(r,
              StatusIs(absl::StatusCode::kInvalidArgument, Eq(absl::StrCat(kPrefix, ": /srv/x"))));
  EXPECT_EQ(Stalled(), "HostPathRefused");
  EXPECT_EQ(r.status().GetPayload(kPayloadUrl), absl::Cord("kept"));
}

TEST_F(KindReconcilerTest, AConvergeErrorKeepsItsCodeAndPayloadsAndGetsThePrefixOnce) {
  Apply();
  // Terminal, not InvalidArgument: stays terminal once wrapped.
  kind_.converge = reconciler::TerminalError(
      WithPayload(absl::FailedPreconditionError("recover: no node can bootstrap safely")));
  absl::StatusOr<reconciler::Result> r = kind_.Reconcile({kKey});
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kFailedPrecondition,
                          Eq(absl::StrCat(kPrefix, ": recover: no node can bootstrap safely"))));
  EXPECT_TRUE(reconciler::IsTerminal(r.status()));
  EXPECT_EQ(r.status().GetPayload(kPayloadUrl), absl::Cord("kept"));
  EXPECT_EQ(Stalled(), std::nullopt) << "only a refusal or an invalid spec stalls";

  kind_.converge = WithPayload(absl::UnavailableError("create web-1: HTTP 500"));
  r = kind_.Reconcile({kKey});
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_FALSE(reconciler::IsTerminal(r.status())) << "retried with backoff";
  EXPECT_EQ(r.status().GetPayload(kPayloadUrl), absl::Cord("kept"));
  EXPECT_EQ(Count(r.status(), kPrefix), 1);
}

TEST_F(KindReconcilerTest, AStallWhoseStatusCannotBeWrittenIsRetriedWithThePrefixOnce) {
  Apply();
  kind_.desire = absl::InvalidArgumentError("spec.replicas: must be odd");
  store_.FailWrites(absl::UnavailableError("disk full"));
  absl::StatusOr<reconciler::Result> r = kind_.Reconcile({kKey});
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kUnavailable, HasSubstr("write status: disk full")));
  EXPECT_FALSE(reconciler::IsTerminal(r.status())) << "the retry stalls again";
  EXPECT_EQ(Count(r.status(), kPrefix), 1) << r.status().message();
}

}  // namespace
}  // namespace nxt::controllers
