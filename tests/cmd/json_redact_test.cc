#include "reconciler/api/json_redact.h"

#include <boost/json.hpp>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nxt::reconciler::api {
namespace {

TEST(LooksSecretTest, MatchesSecretNames) {
  for (const char* name :
       {"password", "MYSQL_ROOT_PASSWORD", "passwd", "clientSecret", "apiToken", "TOKEN", "key",
        "accessKey", "TLS_KEY", "privateKeyPem", "sshKeys", "credentials"}) {
    EXPECT_TRUE(LooksSecret(name)) << name;
  }
  for (const char* name : {"image", "replicas", "keyspace", "name", "hostPort", "env"}) {
    EXPECT_FALSE(LooksSecret(name)) << name;
  }
}

TEST(RedactSecretsTest, ReplacesScalarsUnderSecretNamesOnly) {
  boost::json::value v = boost::json::parse(R"({
    "spec": {"image": "x", "env": {"DB_PASSWORD": "p", "MODE": "m"},
             "apiKeys": ["a", "b", {"name": "n"}], "tokenTTL": 30,
             "generatePassword": true, "passwordSecretRef": {"name": "db"}}})");
  RedactSecrets(v);
  EXPECT_EQ(boost::json::serialize(v),
            R"({"spec":{"image":"x","env":{"DB_PASSWORD":"<redacted>","MODE":"m"},)"
            R"("apiKeys":["<redacted>","<redacted>",{"name":"n"}],"tokenTTL":"<redacted>",)"
            R"("generatePassword":true,"passwordSecretRef":{"name":"db"}}})");
}

TEST(DiffJsonTest, ReportsLeafChangesInOrder) {
  boost::json::value before = boost::json::parse(
      R"({"spec":{"replicas":2,"ports":[{"containerPort":80}],"env":{"A":"1","B":"2"}},)"
      R"("metadata":{"labels":{"app.kubernetes.io/name":"web"}}})");
  boost::json::value after = boost::json::parse(
      R"({"spec":{"replicas":3,"ports":[{"containerPort":8080}],"env":{"A":"1","C":"3"}},)"
      R"("metadata":{"labels":{"app.kubernetes.io/name":"web2"}}})");
  std::vector<FieldChange> changes = DiffJson(before, after, "");
  std::vector<std::string> text;
  for (const auto& c : changes) {
    text.push_back(c.path + " " + (c.old_value ? boost::json::serialize(*c.old_value) : "-") + " " +
                   (c.new_value ? boost::json::serialize(*c.new_value) : "-"));
  }
  EXPECT_THAT(text,
              ::testing::ElementsAre("spec.replicas 2 3", "spec.ports[0].containerPort 80 8080",
                                     "spec.env.B \"2\" -",
                                     "metadata.labels[\"app.kubernetes.io/name\"] \"web\" \"web2\"",
                                     "spec.env.C - \"3\""));
  EXPECT_TRUE(DiffJson(before, before, "").empty());
}

TEST(DiffJsonTest, RedactsSecretValuesButStillReportsTheChange) {
  std::vector<FieldChange> changes =
      DiffJson(boost::json::parse(R"({"env":{"ROOT_PASSWORD":"a"}})"),
               boost::json::parse(R"({"env":{"ROOT_PASSWORD":"b"}})"), "spec");
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].path, "spec.env.ROOT_PASSWORD");
  EXPECT_EQ(*changes[0].old_value, "<redacted>");
  EXPECT_EQ(*changes[0].new_value, "<redacted>");
}

}  // namespace
}  // namespace nxt::reconciler::api
