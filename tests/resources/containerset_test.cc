#include "resources/containerset.h"

#include <boost/json.hpp>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "resources/kind_registry.h"
#include "tests/testing/status_matchers.h"

namespace nxt::resources {
namespace {

using ::nxt::testing::IsOk;
using ::nxt::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(QuantityTest, MemoryTable) {
  struct Case {
    const char* text;
    int64_t bytes;
  };
  for (const Case& c : std::vector<Case>{{"512", 512},
                                         {"0", 0},
                                         {"1k", 1000},
                                         {"256Mi", 268435456},
                                         {"1G", 1000000000},
                                         {"1Gi", 1073741824},
                                         {"1.5Gi", 1610612736},
                                         {"0.5Ki", 512},
                                         {"1.0001", 2},  // rounded up to whole bytes
                                         {"2Ti", 2199023255552},
                                         {"7Ei", 8070450532247928832}}) {
    absl::StatusOr<int64_t> got = ParseMemoryQuantity(c.text);
    ASSERT_THAT(got, IsOk()) << c.text;
    EXPECT_EQ(*got, c.bytes) << c.text;
  }
  for (const char* bad : {"", "12XB", "1K", "1gi", "-1", "1.", ".", "1.5.5", "Mi", " 1", "1 Mi",
                          "8Ei", "99999999999999999999", "1.0000000001"}) {
    EXPECT_THAT(ParseMemoryQuantity(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
}

TEST(QuantityTest, CpuTable) {
  struct Case {
    const char* text;
    int64_t nano;
  };
  for (const Case& c : std::vector<Case>{{"0.5", 500000000},
                                         {"2", 2000000000},
                                         {"250m", 250000000},
                                         {"1.25", 1250000000},
                                         {".1", 100000000},
                                         {"0", 0},
                                         {"0.5m", 500000}}) {
    absl::StatusOr<int64_t> got = ParseCpuQuantity(c.text);
    ASSERT_THAT(got, IsOk()) << c.text;
    EXPECT_EQ(*got, c.nano) << c.text;
  }
  for (const char* bad : {"", "lots", "1c", "-1", "1M", "m", "0.0000000001"}) {
    EXPECT_THAT(ParseCpuQuantity(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
}

TEST(QuantityTest, DurationTable) {
  EXPECT_EQ(*ParseDurationField("10s"), absl::Seconds(10));
  EXPECT_EQ(*ParseDurationField("1m30s"), absl::Seconds(90));
  EXPECT_EQ(*ParseDurationField("500ms"), absl::Milliseconds(500));
  EXPECT_EQ(*ParseDurationField("0s"), absl::ZeroDuration());
  EXPECT_EQ(*ParseDurationField("1.5h"), absl::Minutes(90));
  for (const char* bad : {"", "10", "ten seconds", "-1s", "inf", "1d"}) {
    EXPECT_THAT(ParseDurationField(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
}

TEST(DecodeContainerSetSpecTest, DecodesEveryField) {
  boost::json::object spec = boost::json::parse(R"({
    "image": "busybox", "replicas": 3, "command": ["sh"], "args": ["-c", "x"],
    "env": {"A": "1"},
    "ports": [{"name": "http", "containerPort": 80, "protocol": "udp", "hostPort": 8080,
               "hostIP": "0.0.0.0"}],
    "volumes": [{"name": "data", "mountPath": "/data", "hostPath": "/srv", "readOnly": true}],
    "networks": ["backend"],
    "healthcheck": {"command": ["true"], "interval": "1m", "timeout": "2s",
                    "startPeriod": "5s", "retries": 7},
    "resources": {"memory": "1Gi", "cpus": "250m"},
    "deletionPolicy": "Delete", "suspend": true})")
                                 .as_object();
  absl::StatusOr<ContainerSetSpec> got = DecodeContainerSetSpec(spec);
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->image, "busybox");
  EXPECT_EQ(got->replicas, 3);
  EXPECT_THAT(got->command, ElementsAre("sh"));
  EXPECT_THAT(got->args, ElementsAre("-c", "x"));
  EXPECT_EQ(got->env.at("A"), "1");
  EXPECT_THAT(got->ports, ElementsAre(PortSpec{"http", 80, "udp", 8080, "0.0.0.0"}));
  EXPECT_THAT(got->volumes, ElementsAre(VolumeSpec{"data", "/data", "/srv", true}));
  EXPECT_THAT(got->networks, ElementsAre("backend"));
  ASSERT_TRUE(got->healthcheck.has_value());
  EXPECT_EQ(*got->healthcheck,
            (HealthcheckSpec{{"true"}, absl::Minutes(1), absl::Seconds(2), 7, absl::Seconds(5)}));
  EXPECT_EQ(got->memory_bytes, 1073741824);
  EXPECT_EQ(got->nano_cpus, 250000000);
  EXPECT_EQ(got->deletion_policy, DeletionPolicy::kDelete);
  EXPECT_TRUE(got->suspend);
}

TEST(DecodeContainerSetSpecTest, MinimalSpecGetsTypedDefaults) {
  // The defaults are the CRD's, filled in before decoding; Decode holds none of its own.
  EXPECT_EQ(
      DecodeContainerSetSpec(boost::json::parse(R"({"image": "busybox"})").as_object())->replicas,
      0);
  Object object;
  object.kind = kContainerSetKind;
  object.spec = boost::json::parse(R"({"image": "busybox"})").as_object();
  (*KindRegistry::Builtin())->ApplyDefaults(object);
  absl::StatusOr<ContainerSetSpec> got = DecodeContainerSetSpec(object.spec);
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->replicas, 1);
  EXPECT_FALSE(got->healthcheck.has_value());
  EXPECT_EQ(got->memory_bytes, 0);
  EXPECT_EQ(got->deletion_policy, DeletionPolicy::kRetain);
}

TEST(DecodeContainerSetSpecTest, BadQuantityNamesTheField) {
  EXPECT_THAT(
      DecodeContainerSetSpec(
          boost::json::parse(R"({"image": "x", "resources": {"memory": "12XB"}})").as_object()),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("spec.resources.memory: Invalid value: \"12XB\"")));
}

TEST(CheckContainerSetTest, CleanSpecHasNoErrors) {
  Object object;
  object.spec = boost::json::parse(R"({"image": "x", "ports": [
      {"containerPort": 80, "protocol": "tcp", "hostPort": 80, "hostIP": "127.0.0.1"},
      {"containerPort": 80, "protocol": "udp", "hostPort": 80, "hostIP": "127.0.0.1"}]})")
                    .as_object();
  EXPECT_THAT(CheckContainerSet(object, nullptr), IsEmpty());
}

TEST(CheckContainerSetTest, ReportsDuplicatesWithFieldPaths) {
  Object object;
  object.spec = boost::json::parse(R"({"image": "x",
      "ports": [{"containerPort": 80}, {"containerPort": 80}],
      "volumes": [{"name": "a", "mountPath": "/a"}, {"name": "a", "mountPath": "/a/"}],
      "env": {"9LIVES": "x"}})")
                    .as_object();
  std::vector<std::string> paths;
  for (const FieldError& e : CheckContainerSet(object, nullptr)) {
    paths.push_back(e.field_path);
  }
  EXPECT_THAT(paths, ElementsAre("spec.env[9LIVES]", "spec.ports[1].containerPort",
                                 "spec.volumes[1].name", "spec.volumes[1].mountPath"));
}

}  // namespace
}  // namespace nxt::resources
