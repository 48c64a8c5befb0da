#include "cmd/nxtctl/printing.h"

#include <boost/json.hpp>
#include <sstream>

#include "cmd/nxtctl/command_line.h"
#include "cmd/nxtctl/json_path.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace nxt::nxtctl {
namespace {

using ::nxt::testing::IsOk;
using ::nxt::testing::StatusIs;

TEST(HumanDurationTest, MatchesKubectl) {
  const std::vector<std::pair<absl::Duration, std::string>> cases = {
      {absl::Seconds(-5), "<invalid>"},
      {absl::Seconds(-1), "0s"},
      {absl::ZeroDuration(), "0s"},
      {absl::Seconds(5), "5s"},
      {absl::Seconds(119), "119s"},
      {absl::Seconds(120), "2m"},
      {absl::Seconds(200), "3m20s"},
      {absl::Minutes(10), "10m"},
      {absl::Minutes(179), "179m"},
      {absl::Hours(3), "3h"},
      {absl::Hours(3) + absl::Minutes(10), "3h10m"},
      {absl::Hours(8), "8h"},
      {absl::Hours(47), "47h"},
      {absl::Hours(48), "2d"},
      {absl::Hours(4 * 24 + 5), "4d5h"},
      {absl::Hours(8 * 24), "8d"},
      {absl::Hours(24 * 365 * 2), "2y"},
      {absl::Hours(24 * (365 * 3 + 10)), "3y10d"},
      {absl::Hours(24 * 365 * 9), "9y"},
  };
  for (const auto& [d, want] : cases) EXPECT_EQ(HumanDuration(d), want) << d;
}

TEST(TableTest, AlignsColumnsLikeKubectl) {
  Table t({"NAME", "READY", "AGE"});
  t.AddRow({"web", "1/1", "5s"});
  t.AddRow({"a-much-longer-name", "", "3m"});
  std::ostringstream out;
  t.Print(out, "  ");
  EXPECT_EQ(out.str(),
            "  NAME                 READY   AGE\n"
            "  web                  1/1     5s\n"
            "  a-much-longer-name           3m\n");
  Table narrow({"A", "B"});
  narrow.AddRow({"x", "y"});
  std::ostringstream out2;
  narrow.Print(out2);
  EXPECT_EQ(out2.str(), "A     B\nx     y\n");  // minimum cell width 6
}

TEST(ToYamlTest, BlockStyleWithQuotingWhereNeeded) {
  boost::json::value v = boost::json::parse(R"({
    "name": "web", "replicas": 3, "ratio": 2.5, "on": true, "nothing": null,
    "ready": "2/3", "yes": "yes", "empty": "", "spaced": "a: b", "multi": "a\nb",
    "list": ["a", {"x": 1, "y": [1, 2]}, []], "map": {}, "nested": {"k": "v"},
    "app.kubernetes.io/name": "x", "ts": "2026-11-22T02:13:55Z"})");
  EXPECT_EQ(ToYaml(v),
            "name: web\n"
            "replicas: 3\n"
            "ratio: 2.5\n"
            "\"on\": true\n"
            "nothing: null\n"
            "ready: \"2/3\"\n"
            "\"yes\": \"yes\"\n"
            "empty: \"\"\n"
            "spaced: \"a: b\"\n"
            "multi: \"a\\nb\"\n"
            "list:\n"
            "- a\n"
            "- x: 1\n"
            "  \"y\":\n"  // YAML 1.1 reads a bare y as true
            "  - 1\n"
            "  - 2\n"
            "- []\n"
            "map: {}\n"
            "nested:\n"
            "  k: v\n"
            "app.kubernetes.io/name: x\n"
            "ts: \"2026-11-22T02:13:55Z\"\n");
  EXPECT_EQ(ToYaml(boost::json::object()), "{}\n");
  EXPECT_EQ(ToYaml(boost::json::parse(R"({"a":{"b":1}})"), 2), "  a:\n    b: 1\n");
}

TEST(ToPrettyJsonTest, IndentsFourSpaces) {
  EXPECT_EQ(ToPrettyJson(boost::json::parse(R"({"a":[1,{"b":2.5}],"c":{},"d":[]})")),
            "{\n    \"a\": [\n        1,\n        {\n            \"b\": 2.5\n        }\n    ],\n"
            "    \"c\": {},\n    \"d\": []\n}\n");
}

TEST(JsonPathTest, EvaluatesPrinterColumnPaths) {
  boost::json::value doc = boost::json::parse(R"({
    "metadata": {"name": "web", "labels": {"app.kubernetes.io/name": "w"}},
    "spec": {"ports": [{"containerPort": 80}, {"containerPort": 443}]},
    "status": {"readyReplicas": 2, "conditions": [
      {"type": "Reconciling", "status": "False"}, {"type": "Ready", "status": "True"}]}})");
  auto eval = [&](const std::string& path) {
    absl::StatusOr<std::vector<boost::json::value>> got = EvaluateJsonPath(doc, path);
    EXPECT_THAT(got, IsOk()) << path;
    std::string out;
    for (const auto& v : *got) out += (out.empty() ? "" : ",") + boost::json::serialize(v);
    return out;
  };
  EXPECT_EQ(eval(".status.readyReplicas"), "2");
  EXPECT_EQ(eval("{.metadata.name}"), "\"web\"");
  EXPECT_EQ(eval(".spec.ports[1].containerPort"), "443");
  EXPECT_EQ(eval(".spec.ports[-1].containerPort"), "443");
  EXPECT_EQ(eval(".spec.ports[*].containerPort"), "80,443");
  EXPECT_EQ(eval(R"(.status.conditions[?(@.type=="Ready")].status)"), "\"True\"");
  EXPECT_EQ(eval(".status.conditions[?(@.type!='Ready')].type"), "\"Reconciling\"");
  EXPECT_EQ(eval(".metadata.labels['app.kubernetes.io/name']"), "\"w\"");
  EXPECT_EQ(eval(".status.missing.deeper"), "");
  EXPECT_EQ(eval(".spec.ports[7]"), "");
  EXPECT_THAT(EvaluateJsonPath(doc, ".spec.ports[0"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(EvaluateJsonPath(doc, "status"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(CommandLineTest, FlagsAnywhereInEveryForm) {
  absl::StatusOr<CommandLine> cl =
      ParseCommandLine({"-n", "prod", "apply", "-f", "a.yaml", "--filename=b.yaml", "-fc.yaml",
                        "--dry-run", "--wait", "--timeout", "90", "--socket=/s", "-A", "--", "-x"});
  ASSERT_THAT(cl, IsOk());
  EXPECT_EQ(cl->command, "apply");
  EXPECT_EQ(cl->args, std::vector<std::string>{"-x"});
  EXPECT_EQ(*cl->namespace_, "prod");
  EXPECT_EQ(cl->filenames, (std::vector<std::string>{"a.yaml", "b.yaml", "c.yaml"}));
  EXPECT_TRUE(cl->dry_run);
  EXPECT_TRUE(cl->wait);
  EXPECT_TRUE(cl->all_namespaces);
  EXPECT_EQ(cl->timeout, absl::Seconds(90));
  EXPECT_EQ(*cl->socket, "/s");
  EXPECT_EQ(ParseCommandLine({"apply", "--timeout=2m"})->timeout, absl::Minutes(2));
  EXPECT_FALSE(ParseCommandLine({"apply", "--dry-run=none"})->dry_run);
  EXPECT_THAT(ParseCommandLine({"get", "-n"}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseCommandLine({"get", "--timeout", "soon"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseCommandLine({"get", "-z"}), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace nxt::nxtctl
