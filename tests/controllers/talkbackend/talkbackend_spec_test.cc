// TalkBackend manifests: defaults and decoding, and the semantic rules as a table (the
// file:line:col cases live in tests/controllers/talkbackend/invalid/talk-*.yaml).
#include <boost/json.hpp>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "resources/kind_registry.h"
#include "resources/manifest_reader.h"
#include "resources/talkbackend.h"
#include "tests/testing/status_matchers.h"

namespace nxt::resources {
namespace {

using ::nxt::testing::IsOk;
using ::nxt::testing::StatusIs;
using ::testing::HasSubstr;

const KindRegistry& Kinds() {
  static const std::shared_ptr<const KindRegistry> kKinds = *KindRegistry::Builtin();
  return *kKinds;
}

// The errors of a TalkBackend manifest whose spec is `spec_yaml` (indented by 2).
std::vector<std::string> Errors(const std::string& spec_yaml, Object* out = nullptr) {
  ParseResult r = ParseManifest(
      Kinds(), "talk.yaml",
      "apiVersion: nxt.io/v1alpha1\nkind: TalkBackend\nmetadata:\n  name: talk\nspec:\n" +
          spec_yaml);
  std::vector<std::string> errors;
  for (const FieldError& e : r.AllErrors()) errors.push_back(e.field_path + ": " + e.message);
  if (out != nullptr && !r.objects.empty()) *out = r.objects[0];
  return errors;
}

TEST(TalkBackendSpecTest, DefaultsAndDecoding) {
  Object object;
  ASSERT_THAT(Errors("  nextcloudURL: https://cloud.example.com\n", &object), ::testing::IsEmpty());
  absl::StatusOr<TalkBackendSpec> spec = DecodeTalkBackendSpec(object.spec);
  ASSERT_THAT(spec, IsOk());
  EXPECT_EQ(spec->nextcloud_url, "https://cloud.example.com");
  EXPECT_EQ(spec->signaling.replicas, 2);
  EXPECT_EQ(spec->signaling.image, "strukturag/nextcloud-spreed-signaling:2.1.1");
  EXPECT_EQ(spec->nats.replicas, 3);
  EXPECT_EQ(spec->nats.image, "nats:2.10-alpine");
  EXPECT_FALSE(spec->coturn.enabled);
  EXPECT_EQ(spec->coturn.port, 3478);
  EXPECT_EQ(spec->coturn.min_port, 49152);
  EXPECT_EQ(spec->coturn.max_port, 65535);
  EXPECT_EQ(spec->coturn.image, "coturn/coturn:4.6");
  EXPECT_EQ(spec->memory_bytes, 0);
  EXPECT_EQ(spec->deletion_policy, DeletionPolicy::kRetain);
  EXPECT_FALSE(spec->suspend);
}

TEST(TalkBackendSpecTest, DecodesEveryField) {
  Object object;
  ASSERT_THAT(Errors("  nextcloudURL: http://nc.internal:8080\n"
                     "  signaling: {replicas: 3, image: nxt/signaling-standin:1}\n"
                     "  nats: {replicas: 2, image: nxt/nats:2.9}\n"
                     "  coturn:\n    enabled: true\n    realm: turn.example.com\n"
                     "    port: 3480\n    relayPorts: {min: 40000, max: 40100}\n"
                     "    externalIP: 2001:db8::7\n    image: nxt/coturn:4.6\n"
                     "  resources: {memory: 128Mi, cpus: 500m}\n"
                     "  deletionPolicy: Delete\n  suspend: true\n",
                     &object),
              ::testing::IsEmpty());
  absl::StatusOr<TalkBackendSpec> spec = DecodeTalkBackendSpec(object.spec);
  ASSERT_THAT(spec, IsOk());
  EXPECT_EQ(spec->signaling.replicas, 3);
  EXPECT_EQ(spec->signaling.image, "nxt/signaling-standin:1");
  EXPECT_EQ(spec->nats.replicas, 2) << "2 NATS nodes are allowed: core NATS needs no quorum";
  EXPECT_EQ(spec->nats.image, "nxt/nats:2.9");
  EXPECT_TRUE(spec->coturn.enabled);
  EXPECT_EQ(spec->coturn.realm, "turn.example.com");
  EXPECT_EQ(spec->coturn.port, 3480);
  EXPECT_EQ(spec->coturn.min_port, 40000);
  EXPECT_EQ(spec->coturn.max_port, 40100);
  EXPECT_EQ(spec->coturn.external_ip, "2001:db8::7");
  EXPECT_EQ(spec->coturn.image, "nxt/coturn:4.6");
  EXPECT_EQ(spec->memory_bytes, 128 * 1024 * 1024);
  EXPECT_EQ(spec->nano_cpus, 500'000'000);
  EXPECT_EQ(spec->deletion_policy, DeletionPolicy::kDelete);
  EXPECT_TRUE(spec->suspend);
}

struct CheckCase {
  const char* name;
  const char* spec;  // appended to nextcloudURL
  std::vector<std::string> errors;
};

class TalkBackendCheckTest : public ::testing::TestWithParam<CheckCase> {};

TEST_P(TalkBackendCheckTest, ReportsExactlyTheseErrors) {
  const CheckCase& c = GetParam();
  EXPECT_EQ(Errors(std::string("  nextcloudURL: https://cloud.example.com\n") + c.spec), c.errors);
}

INSTANTIATE_TEST_SUITE_P(
    Table, TalkBackendCheckTest,
    ::testing::Values(
        CheckCase{"coturn_off_needs_no_realm", "  coturn: {enabled: false}\n", {}},
        CheckCase{
            "relay_below_port",
            "  coturn: {enabled: true, realm: t.example, relayPorts: {min: 2000, max: 3000}}\n",
            {}},
        CheckCase{
            "one_nats_node_for_dev", "  nats: {replicas: 1}\n  signaling: {replicas: 1}\n", {}},
        CheckCase{"realm_required",
                  "  coturn: {enabled: true}\n",
                  {"spec.coturn.realm: Required value: coturn needs a realm when "
                   "spec.coturn.enabled is true"}},
        CheckCase{"relay_min_equals_max",
                  "  coturn: {relayPorts: {min: 40000, max: 40000}}\n",
                  {"spec.coturn.relayPorts: Invalid value: 40000-40000: min must be below max"}},
        CheckCase{"relay_min_above_max",
                  "  coturn: {relayPorts: {min: 50000, max: 40000}}\n",
                  {"spec.coturn.relayPorts: Invalid value: 50000-40000: min must be below max"}},
        CheckCase{"relay_holds_default_port",
                  "  coturn: {relayPorts: {min: 3000, max: 4000}}\n",
                  {"spec.coturn.relayPorts: Invalid value: 3000-4000: holds the listening port "
                   "3478 (spec.coturn.port); relays would collide with the listener"}},
        CheckCase{"relay_holds_alternative_port",
                  "  coturn: {port: 3478, relayPorts: {min: 3479, max: 4000}}\n",
                  {"spec.coturn.relayPorts: Invalid value: 3479-4000: holds 3479, coturn's "
                   "alternative listening port (spec.coturn.port + 1)"}},
        CheckCase{"external_ip_not_an_address",
                  "  coturn: {externalIP: turn.example.com}\n",
                  {"spec.coturn.externalIP: Invalid value: \"turn.example.com\": must be an IPv4 "
                   "or IPv6 address"}},
        CheckCase{"bad_quantities",
                  "  resources: {memory: 12XB, cpus: lots}\n",
                  {"spec.resources.memory: Invalid value: \"12XB\": must be a memory quantity "
                   "such as 256Mi, 1Gi, 512M or 1048576 (suffixes k M G T P E, Ki Mi Gi Ti Pi Ei)",
                   "spec.resources.cpus: Invalid value: \"lots\": must be a CPU quantity such as "
                   "0.5, 2 or 500m (thousandths of a CPU)"}}),
    [](const ::testing::TestParamInfo<CheckCase>& info) { return std::string(info.param.name); });

TEST(TalkBackendSpecTest, ANewlineCannotReachTheConfigFiles) {
  // server.conf and turnserver.conf are line-based: the schema keeps values on one line.
  EXPECT_THAT(Errors("  nextcloudURL: \"https://a.example\\n[backend]\\nallowall = true\"\n"),
              ::testing::ElementsAre(HasSubstr("spec.nextcloudURL: Invalid value")));
  EXPECT_THAT(Errors("  nextcloudURL: https://a.example\n"
                     "  coturn: {enabled: true, realm: \"a\\nno-auth\"}\n"),
              ::testing::ElementsAre(HasSubstr("spec.coturn.realm: Invalid value")));
}

TEST(TalkBackendSpecTest, EachRuleIsTheChecksAloneAndDecodeOnlyConverts) {
  // The coturn and nextcloudURL rules are reported once, by the check and the schema.
  EXPECT_THAT(Errors("  nextcloudURL: https://cloud.example.com\n  coturn: {enabled: true}\n"),
              ::testing::ElementsAre(HasSubstr("spec.coturn.realm: Required value")));
  EXPECT_THAT(Errors("  signaling: {replicas: 1}\n"),
              ::testing::ElementsAre(HasSubstr("spec.nextcloudURL: Required value")));
  // Decode fills no default and checks no rule again.
  absl::StatusOr<TalkBackendSpec> bare = DecodeTalkBackendSpec(boost::json::object{});
  ASSERT_THAT(bare, IsOk());
  EXPECT_EQ(bare->signaling.replicas, 0);
  EXPECT_EQ(bare->coturn.port, 0);
  EXPECT_THAT(DecodeTalkBackendSpec({{"resources", {{"cpus", "many"}}}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("spec.resources.cpus")));
}

}  // namespace
}  // namespace nxt::resources
