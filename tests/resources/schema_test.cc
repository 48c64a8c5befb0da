#include "resources/schema.h"

#include <boost/json.hpp>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace nxt::resources {
namespace {

using ::nxt::testing::IsOk;
using ::nxt::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::unique_ptr<Schema> MustCompile(const std::string& json) {
  absl::StatusOr<std::unique_ptr<Schema>> schema = Schema::Compile(boost::json::parse(json));
  EXPECT_THAT(schema, IsOk());
  return schema.ok() ? std::move(*schema) : nullptr;
}

MATCHER_P2(Violation, path, message, "") {
  return arg.field_path == path && arg.message == message;
}

constexpr char kPortSchema[] = R"({
  "type": "object",
  "required": ["port"],
  "properties": {
    "port": {"type": "integer", "minimum": 1, "maximum": 65535},
    "protocol": {"type": "string", "enum": ["tcp", "udp"], "default": "tcp"},
    "name": {"type": "string", "minLength": 2, "maxLength": 5, "pattern": "^[a-z]+$"},
    "tags": {"type": "array", "minItems": 1, "maxItems": 2, "items": {"type": "string"}},
    "weight": {"type": "number", "minimum": 0, "exclusiveMinimum": true},
    "options": {"type": "object", "additionalProperties": {"type": "boolean"}},
    "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
    "note": {"type": "string", "nullable": true},
    "target": {"x-kubernetes-int-or-string": true},
    "nested": {"type": "object", "default": {},
               "properties": {"level": {"type": "integer", "default": 3}}}
  }
})";

TEST(SchemaTest, CompileRejectsUnsupportedKeywordNamingThePath) {
  EXPECT_THAT(Schema::Compile(boost::json::parse(
                  R"({"type":"object","properties":{"a":{"oneOf":[{"type":"string"}]}}})")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("openAPIV3Schema.properties.a: unsupported keyword \"oneOf\"")));
  EXPECT_THAT(Schema::Compile(boost::json::parse(
                  R"({"type":"object","x-kubernetes-validations":[{"rule":"self.a > 0"}]})")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unsupported keyword \"x-kubernetes-validations\"")));
}

TEST(SchemaTest, CompileRejectsBadShapes) {
  for (const char* bad : {
           R"({"type": "map"})",
           R"({"type": "string", "properties": {}})",
           R"({"type": "array"})",
           R"({"type": "string", "pattern": "(["})",
           R"({"type": "integer", "minimum": "1"})",
           R"({"type": "string", "maxLength": -1})",
           R"({"type": "string", "enum": []})",
           R"({"type": "integer", "minimum": 5, "default": 1})",
           R"({"type": "object", "properties": {}, "additionalProperties": {"type": "string"}})",
           R"("string")",
       }) {
    EXPECT_THAT(Schema::Compile(boost::json::parse(bad)),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << bad;
  }
}

TEST(SchemaTest, ValidValuePassesAndGetsDefaults) {
  auto schema = MustCompile(kPortSchema);
  boost::json::value v = boost::json::parse(R"({"port": 80, "note": null, "target": "http"})");
  EXPECT_THAT(schema->ValidateAndDefault(v, ""), IsEmpty());
  EXPECT_EQ(v.at("protocol"), "tcp");
  EXPECT_EQ(v.at("nested").at("level"), 3) << "defaults apply inside a defaulted object";
}

TEST(SchemaTest, ReportsEveryKeywordViolation) {
  auto schema = MustCompile(kPortSchema);
  boost::json::value v = boost::json::parse(R"({
    "protocol": "sctp", "name": "ABCDEFG", "tags": [], "weight": 0,
    "options": {"a": true, "b": "yes"}, "extra": {"anything": [1]}, "target": 1.5,
    "unknown": 1})");
  EXPECT_THAT(
      schema->ValidateAndDefault(v, "spec"),
      ElementsAre(Violation("spec.protocol",
                            "Unsupported value: \"sctp\": supported values: \"tcp\", \"udp\""),
                  Violation("spec.name", "Too long: may not be longer than 5 characters"),
                  Violation("spec.tags", "Invalid value: 0 items: must have at least 1 items"),
                  Violation("spec.weight", "Invalid value: 0: must be greater than 0"),
                  Violation("spec.options.b", "Invalid value: \"yes\": must be of type boolean"),
                  Violation("spec.target", "Invalid value: 1.5: must be of type integer or string"),
                  Violation("spec.unknown", "unknown field"),
                  Violation("spec.port", "Required value")));
}

TEST(SchemaTest, ReportsRangeLengthAndPattern) {
  auto schema = MustCompile(kPortSchema);
  boost::json::value v =
      boost::json::parse(R"({"port": 70000, "name": "a", "tags": ["x", "y", "z"]})");
  EXPECT_THAT(
      schema->ValidateAndDefault(v, ""),
      ElementsAre(Violation("port", "Invalid value: 70000: must be less than or equal to 65535"),
                  Violation("name", "Invalid value: \"a\": must be at least 2 characters long"),
                  Violation("tags", "Too many: 3: must have at most 2 items")));
  boost::json::value w = boost::json::parse(R"({"port": 0, "name": "a1"})");
  EXPECT_THAT(
      schema->ValidateAndDefault(w, ""),
      ElementsAre(
          Violation("port", "Invalid value: 0: must be greater than or equal to 1"),
          Violation("name",
                    "Invalid value: \"a1\": must match the regular expression '^[a-z]+$'")));
}

TEST(SchemaTest, WrongTypeStopsThereAndGetsNoDefaults) {
  auto schema = MustCompile(kPortSchema);
  boost::json::value v = boost::json::parse(R"({"port": "80", "nested": 5})");
  EXPECT_THAT(schema->ValidateAndDefault(v, ""),
              ElementsAre(Violation("port", "Invalid value: \"80\": must be of type integer"),
                          Violation("nested", "Invalid value: 5: must be of type object")));
  EXPECT_EQ(v.at("nested"), 5);
  boost::json::value list = boost::json::parse("[1]");
  EXPECT_THAT(schema->ValidateAndDefault(list, ""),
              ElementsAre(Violation("", "Invalid value: array: must be of type object")));
  EXPECT_TRUE(list.is_array());
}

TEST(SchemaTest, PatternSearchesLikeKubernetes) {
  auto schema = MustCompile(R"({"type": "string", "pattern": "b+"})");
  boost::json::value inside = "abbc";
  EXPECT_THAT(schema->ValidateAndDefault(inside, "x"), IsEmpty());
  boost::json::value huge(std::string(100000, 'b'));
  EXPECT_THAT(schema->ValidateAndDefault(huge, "x"),
              ElementsAre(Field(&SchemaViolation::message, HasSubstr("Too long"))));
}

TEST(SchemaTest, AdditionalPropertiesFalseClosesObject) {
  auto schema = MustCompile(R"({"type": "object", "additionalProperties": false})");
  boost::json::value v = boost::json::parse(R"({"a": 1})");
  EXPECT_THAT(schema->ValidateAndDefault(v, ""), ElementsAre(Violation("a", "unknown field")));
}

}  // namespace
}  // namespace nxt::resources
