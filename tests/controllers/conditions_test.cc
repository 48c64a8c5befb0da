// The one condition policy (controllers/common/conditions.h, docs/resources.md): the policy
// itself for every outcome, then every kind's status through every outcome, so that an
// alert on Ready, Reconciling or Stalled means the same for every kind.
#include "controllers/common/conditions.h"

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "controllers/common/stall.h"
#include "controllers/containerset/status.h"
#include "controllers/galeracluster/status.h"
#include "controllers/rediscluster/status.h"
#include "controllers/rustfspool/status.h"
#include "controllers/talkbackend/status.h"
#include "gtest/gtest.h"
#include "resources/kind_registry.h"
#include "resources/rustfspool.h"
#include "resources/talkbackend.h"
#include "tests/controllers/rediscluster/rediscluster_cluster_builder.h"

namespace nxt::controllers {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);
const absl::Status kDockerDown = absl::UnavailableError("docker: connection refused");

// "TFF": Ready, Reconciling, Stalled as T/F ('?' for a missing condition).
std::string Triple(const resources::ObjectStatus& st) {
  std::string out;
  for (const char* type : {resources::kConditionReady, resources::kConditionReconciling,
                           resources::kConditionStalled}) {
    const resources::Condition* c = st.FindCondition(type);
    out += c == nullptr ? '?' : c->status == "True" ? 'T' : 'F';
  }
  return out;
}

// What the policy says for each outcome (suspended: of members that are all ready).
std::string Expected(Outcome outcome) {
  switch (outcome) {
    case Outcome::kConverged:
      return "TFF";
    case Outcome::kProgressing:
    case Outcome::kTransientError:
      return "FTF";
    case Outcome::kStalled:
      return "TFT";  // from a converged status: Ready keeps its value
    case Outcome::kSuspended:
      return "TFF";
  }
  return "";
}

const Outcome kOutcomes[] = {Outcome::kConverged, Outcome::kProgressing, Outcome::kTransientError,
                             Outcome::kStalled, Outcome::kSuspended};

TEST(ConditionPolicyTest, EveryOutcomeSetsItsConditions) {
  for (Outcome outcome : kOutcomes) {
    resources::ObjectStatus st;
    SetConditions({.outcome = Outcome::kConverged, .reason = "Available"}, kNow, st);
    SetConditions({.outcome = outcome, .reason = "Why", .message = "what", .serving = true}, kNow,
                  st);
    EXPECT_EQ(Triple(st), Expected(outcome)) << OutcomeName(outcome);
    for (const resources::Condition& c : st.conditions) {
      EXPECT_EQ(c.reason, outcome == Outcome::kStalled && c.type == "Ready" ? "Available" : "Why")
          << OutcomeName(outcome) << " " << c.type;
    }
  }
}

TEST(ConditionPolicyTest, ATransientErrorIsNotAStallAndSaysWhy) {
  resources::ObjectStatus st;
  SetConditions({.outcome = Outcome::kTransientError,
                 .reason = "ReconcileError",
                 .message = "docker: connection refused"},
                kNow, st);
  EXPECT_EQ(st.FindCondition(resources::kConditionReady)->message, "docker: connection refused");
  EXPECT_EQ(st.FindCondition(resources::kConditionStalled)->status, "False");
  EXPECT_EQ(st.FindCondition(resources::kConditionStalled)->reason, "ReconcileError");
}

TEST(ConditionPolicyTest, AStallWithoutAPreviousStatusIsNotReady) {
  resources::ObjectStatus st;
  SetConditions({.outcome = Outcome::kStalled, .reason = "InvalidSpec", .message = "spec.x"}, kNow,
                st);
  EXPECT_EQ(Triple(st), "FFT");
  EXPECT_EQ(st.FindCondition(resources::kConditionStalled)->message, "spec.x");
}

TEST(ConditionPolicyTest, SuspendedSaysSoAndReadyFollowsTheMembers) {
  resources::ObjectStatus st;
  SetConditions({.outcome = Outcome::kSuspended, .reason = "Suspended", .serving = false}, kNow,
                st);
  EXPECT_EQ(Triple(st), "FFF");
  EXPECT_EQ(st.FindCondition(resources::kConditionReconciling)->message,
            "suspended: no changes are made");
}

TEST(ConditionPolicyTest, ReplicaCountsAreStatusFields) {
  resources::ObjectStatus st;
  SetReplicaCounts(6, 4, st);
  EXPECT_EQ(st.fields.at(kFieldDesiredReplicas).as_int64(), 6);
  EXPECT_EQ(st.fields.at(kFieldReadyReplicas).as_int64(), 4);
}

// ---- every kind through every outcome ------------------------------------------------

// A kind's BuildStatus for a round that comes to `outcome` (never kStalled: stalling is
// controllers::Stall, shared by every kind, applied below to each kind's status).
using KindStatus = std::function<resources::ObjectStatus(Outcome)>;

resources::ObjectStatus ContainerSetStatus(Outcome outcome) {
  containerset::DesiredState d;
  d.name = "web";
  d.replicas = 2;
  d.config_hash = "h";
  d.suspend = outcome == Outcome::kSuspended;
  containerset::ObservedState o;
  const int members = outcome == Outcome::kProgressing ? 1 : 2;
  for (int i = 0; i < members; ++i) {
    o.members.push_back({"web-" + std::to_string(i), i, "h", "running", ""});
  }
  containerset::StatusInput in;
  in.desired = &d;
  in.observed = &o;
  if (outcome == Outcome::kTransientError) in.error = kDockerDown;
  in.now = kNow;
  return containerset::BuildStatus(in);
}

resources::ObjectStatus GaleraStatus(Outcome outcome) {
  galera::PlanInput p;
  p.desired.replicas = 1;
  p.desired.config_hash = "h";
  p.desired.suspend = outcome == Outcome::kSuspended;
  p.bootstrapped = p.provisioned = true;
  if (outcome != Outcome::kProgressing) {
    galera::ObservedNode n;
    n.name = "db-0";
    n.ordinal = 0;
    n.state = "running";
    n.config_hash = "h";
    n.bootstrap_mode = true;  // a cluster of one runs as its own bootstrap node
    n.wsrep = galera::WsrepStatus{"Primary", "Synced", 4, "uuid", 1, true, ""};
    p.nodes.push_back(n);
  }
  galera::StatusInput in;
  in.plan = &p;
  if (outcome == Outcome::kTransientError) in.error = kDockerDown;
  in.now = kNow;
  return galera::BuildStatus(in);
}

resources::ObjectStatus RedisStatus(Outcome outcome) {
  rediscluster::testing::Cluster c("cache", 6);
  c.Members(rediscluster::testing::Cluster::Healthy(outcome == Outcome::kProgressing ? 2 : 3));
  c.desired_.suspend = outcome == Outcome::kSuspended;
  rediscluster::StatusInput in;
  in.desired = &c.desired_;
  in.observed = &c.observed_;
  if (outcome == Outcome::kTransientError) in.error = kDockerDown;
  in.now = kNow;
  return rediscluster::BuildStatus(in);
}

resources::ObjectStatus RustFSStatus(Outcome outcome) {
  resources::RustFSPoolSpec spec;
  spec.suspend = outcome == Outcome::kSuspended;
  spec.buckets = {{"nextcloud", false}};
  rustfspool::PoolLayout layout;
  layout.nodes = 4;
  layout.drives_per_node = 1;
  rustfspool::StatusInput in;
  for (int i = 0; i < 4; ++i) {
    const std::string name = "s3-" + std::to_string(i);
    in.wanted.push_back({name, i, "h"});
    in.seen.push_back({name, i, "h", "running", outcome != Outcome::kProgressing});
  }
  in.buckets = rustfspool::BucketView{{"nextcloud", ""}};
  in.layout = &layout;
  in.spec = &spec;
  if (outcome == Outcome::kTransientError) in.error = kDockerDown;
  in.now = kNow;
  return rustfspool::BuildStatus(in);
}

resources::ObjectStatus TalkStatus(Outcome outcome) {
  using talkbackend::CoturnName;
  using talkbackend::NatsName;
  using talkbackend::SignalingName;
  resources::TalkBackendSpec spec;
  spec.suspend = outcome == Outcome::kSuspended;
  talkbackend::DesiredBackend d;
  talkbackend::ObservedBackend o;
  auto seen = [](const std::string& name, bool ready) {
    SeenMember s;
    s.name = name;
    s.config_hash = "h";
    s.state = "running";
    s.ready = ready;
    return s;
  };
  for (int i = 0; i < 3; ++i) {
    d.nats.wanted.push_back({NatsName("t", i), i, "h"});
    o.nats.push_back(seen(NatsName("t", i), true));
    o.nats_routes[NatsName("t", i)] = 2;
  }
  for (int i = 0; i < 2; ++i) {
    d.signaling.wanted.push_back({SignalingName("t", i), i, "h"});
    o.signaling.push_back(seen(SignalingName("t", i), outcome != Outcome::kProgressing));
  }
  talkbackend::StatusInput in;
  in.spec = &spec;
  in.desired = &d;
  in.observed = &o;
  if (outcome == Outcome::kTransientError) in.error = kDockerDown;
  in.now = kNow;
  return talkbackend::BuildStatus(in);
}

struct Kind {
  const char* name;
  KindStatus status;
  int64_t desired;  // members the spec above asks for
};

const std::vector<Kind>& Kinds() {
  static const auto* const kKinds = new std::vector<Kind>{
      {"ContainerSet", ContainerSetStatus, 2}, {"GaleraCluster", GaleraStatus, 1},
      {"RedisCluster", RedisStatus, 6},        {"RustFSPool", RustFSStatus, 4},
      {"TalkBackend", TalkStatus, 5},
  };
  return *kKinds;
}

TEST(EveryKindConditionsTest, TheTableHoldsEveryRegisteredKind) {
  auto registry = resources::KindRegistry::Builtin();
  ASSERT_TRUE(registry.ok()) << registry.status();
  std::vector<std::string> registered, tested;
  for (const resources::KindInfo& info : (*registry)->kinds()) registered.push_back(info.kind);
  for (const Kind& kind : Kinds()) tested.push_back(kind.name);
  EXPECT_EQ(tested, registered) << "a new kind adds its status builder to Kinds()";
}

TEST(EveryKindConditionsTest, EveryOutcomeMeansTheSameForEveryKind) {
  for (const Kind& kind : Kinds()) {
    for (Outcome outcome : kOutcomes) {
      resources::ObjectStatus st;
      if (outcome == Outcome::kStalled) {
        const resources::ObjectStatus converged = kind.status(Outcome::kConverged);
        st = StalledStatus(2, "InvalidSpec", "spec.x: Invalid value", kNow, &converged);
      } else {
        st = kind.status(outcome);
      }
      EXPECT_EQ(Triple(st), Expected(outcome)) << kind.name << " " << OutcomeName(outcome);
    }
  }
}

TEST(EveryKindConditionsTest, ATransientErrorCarriesTheErrorAsReadysMessage) {
  for (const Kind& kind : Kinds()) {
    resources::ObjectStatus st = kind.status(Outcome::kTransientError);
    EXPECT_EQ(st.FindCondition(resources::kConditionReady)->message, kDockerDown.message())
        << kind.name;
  }
}

TEST(EveryKindConditionsTest, EveryKindReportsDesiredAndReadyCounts) {
  for (const Kind& kind : Kinds()) {
    for (Outcome outcome : {Outcome::kConverged, Outcome::kProgressing}) {
      resources::ObjectStatus st = kind.status(outcome);
      ASSERT_TRUE(st.fields.contains(kFieldDesiredReplicas)) << kind.name;
      ASSERT_TRUE(st.fields.contains(kFieldReadyReplicas)) << kind.name;
      const int64_t desired = st.fields.at(kFieldDesiredReplicas).as_int64();
      const int64_t ready = st.fields.at(kFieldReadyReplicas).as_int64();
      EXPECT_EQ(desired, kind.desired) << kind.name;
      if (outcome == Outcome::kConverged) {
        EXPECT_EQ(ready, desired) << kind.name;
      } else {
        EXPECT_LT(ready, desired) << kind.name;
      }
    }
  }
}

}  // namespace
}  // namespace nxt::controllers
