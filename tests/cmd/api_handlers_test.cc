#include "reconciler/api/api_handlers.h"

#include <boost/json.hpp>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/cmd/api_fakes.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/fake_store.h"

namespace nxt::reconciler::api {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kWeb[] = R"(apiVersion: nxt.io/v1alpha1
kind: ContainerSet
metadata:
  name: web
spec:
  image: nginx:1.27
  replicas: 2
  env:
    DB_PASSWORD: hunter2
)";

class ApiHandlersTest : public ::testing::Test {
 protected:
  ApiHandlersTest()
      : kinds_(*resources::KindRegistry::Builtin()),
        store_(clock_),
        backend_(*kinds_, store_),
        handlers_(store_, *kinds_, backend_, {.server_version = "1.2.3"}) {}

  ApiResponse Post(const std::string& path, const boost::json::value& body) {
    return handlers_.Handle({"POST", path, boost::json::serialize(body)});
  }
  ApiResponse Get(const std::string& target) { return handlers_.Handle({"GET", target, ""}); }
  static boost::json::object Json(const ApiResponse& r) {
    return boost::json::parse(r.body).as_object();
  }
  static boost::json::value Files(const std::string& content,
                                  const std::string& name = "web.yaml") {
    return boost::json::object{
        {"files", boost::json::array{boost::json::object{{"name", name}, {"content", content}}}}};
  }
  ApiResponse Apply(const std::string& content, bool dry_run = false) {
    boost::json::value body = Files(content);
    body.as_object()["dryRun"] = dry_run;
    return Post("/v1/apply", body);
  }
  resources::ObjectKey WebKey() const { return {"ContainerSet", "default", "web"}; }

  testing::FakeClock clock_;
  std::shared_ptr<const resources::KindRegistry> kinds_;
  testing::FakeStore store_;
  testing::FakeApplyBackend backend_;
  ApiHandlers handlers_;
};

TEST_F(ApiHandlersTest, VersionAnswersServerVersion) {
  ApiResponse r = Get("/v1/version");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Json(r)["version"], "1.2.3");
  EXPECT_EQ(Json(r)["apiVersion"], "nxt.io/v1alpha1");
}

TEST_F(ApiHandlersTest, ApplyReportsCreatedUnchangedConfigured) {
  ApiResponse first = Apply(kWeb);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(boost::json::serialize(Json(first)["results"]),
            R"([{"kind":"ContainerSet","namespace":"default","name":"web","outcome":"created"}])");
  EXPECT_EQ(Json(Apply(kWeb))["results"].at(0).at("outcome"), "unchanged");
  std::string scaled = kWeb;
  scaled.replace(scaled.find("replicas: 2"), 11, "replicas: 3");
  EXPECT_EQ(Json(Apply(scaled))["results"].at(0).at("outcome"), "configured");
  EXPECT_EQ(store_.Get(WebKey())->metadata.generation, 2);
}

TEST_F(ApiHandlersTest, ApplyDryRunChangesNothing) {
  ApiResponse r = Apply(kWeb, /*dry_run=*/true);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r)["results"].at(0).at("outcome"), "created");
  EXPECT_EQ(Json(r)["dryRun"], true);
  EXPECT_EQ(store_.Get(WebKey()), nullptr);
}

TEST_F(ApiHandlersTest, ApplyInvalidManifestIs422WithPositions) {
  std::string bad = kWeb;
  bad.replace(bad.find("replicas: 2"), 11, "replicas: -1");
  ApiResponse r = Apply(bad);
  ASSERT_EQ(r.status, 422) << r.body;
  const boost::json::object json = Json(r);
  const auto& errors = json.at("errors").as_array();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(std::string(errors[0].as_string()), HasSubstr("web.yaml:7:"));
  EXPECT_THAT(std::string(errors[0].as_string()), HasSubstr("spec.replicas"));
  EXPECT_EQ(store_.Get(WebKey()), nullptr);
}

TEST_F(ApiHandlersTest, ApplyRejectsMalformedRequests) {
  EXPECT_EQ(handlers_.Handle({"POST", "/v1/apply", "{not json"}).status, 400);
  EXPECT_EQ(Post("/v1/apply", boost::json::object{{"files", boost::json::array{}}}).status, 400);
  boost::json::value body = Files(kWeb);
  body.as_object()["dryRun"] = "yes";
  EXPECT_EQ(Post("/v1/apply", body).status, 400);
  EXPECT_EQ(backend_.apply_calls, 0);
}

TEST_F(ApiHandlersTest, BackendFailureMapsToHttpStatus) {
  backend_.fail_with = absl::UnavailableError("manifest directory is read-only");
  ApiResponse r = Apply(kWeb);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(Json(r)["reason"], "Unavailable");
  EXPECT_EQ(Json(r)["error"], "manifest directory is read-only");
}

TEST_F(ApiHandlersTest, ListAcceptsEveryKindNameAndFiltersNamespace) {
  ASSERT_EQ(Apply(kWeb).status, 200);
  std::string other = kWeb;
  other.replace(other.find("name: web"), 9, "name: api\n  namespace: prod");
  ASSERT_EQ(Apply(other).status, 200);
  for (const char* kind : {"cs", "containersets", "ContainerSet", "CONTAINERSET.nxt.io"}) {
    ApiResponse r = Get(std::string("/v1/objects?kind=") + kind + "&namespace=default");
    ASSERT_EQ(r.status, 200) << kind;
    ASSERT_EQ(Json(r)["items"].as_array().size(), 1u) << kind;
    EXPECT_EQ(Json(r)["items"].at(0).at("object").at("metadata").at("name"), "web");
  }
  EXPECT_EQ(Json(Get("/v1/objects?kind=cs"))["items"].as_array().size(), 2u);
  EXPECT_EQ(Json(Get("/v1/objects"))["items"].as_array().size(), 2u);
  EXPECT_EQ(Json(Get("/v1/objects?namespace=prod"))["items"].as_array().size(), 1u);
}

TEST_F(ApiHandlersTest, UnknownKindIs400) {
  ApiResponse r = Get("/v1/objects?kind=pods");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Json(r)["error"], "the server doesn't have a resource type \"pods\"");
}

TEST_F(ApiHandlersTest, GetReturnsObjectAndStatusOr404) {
  ASSERT_EQ(Apply(kWeb).status, 200);
  resources::ObjectStatus status;
  status.observed_generation = 1;
  status.fields["readyReplicas"] = 2;
  EXPECT_TRUE(store_.UpdateStatus(WebKey(), status).ok());
  ApiResponse r = Get("/v1/objects/cs/default/web");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r)["object"].at("spec").at("image"), "nginx:1.27");
  EXPECT_EQ(Json(r)["status"].at("readyReplicas"), 2);

  ApiResponse missing = Get("/v1/objects/containerset/default/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(Json(missing)["reason"], "NotFound");
  EXPECT_EQ(Json(missing)["error"], "containersets.nxt.io \"nope\" not found");
  EXPECT_EQ(Get("/v1/objects/cs/default").status, 400);
}

TEST_F(ApiHandlersTest, DescribeAddsEventsAndManifestErrors) {
  ASSERT_EQ(Apply(kWeb).status, 200);
  EXPECT_TRUE(store_.RecordEvent(WebKey(), "Normal", "Created", "created web-0").ok());
  EXPECT_TRUE(store_.RecordEvent(WebKey(), "Normal", "Created", "created web-0").ok());
  store_.SetManifestErrors(WebKey(), {{{"web.yaml", 7, 13}, "spec.replicas", "must be >= 0"}});
  ApiResponse r = Get("/v1/describe/cs/default/web");
  ASSERT_EQ(r.status, 200) << r.body;
  boost::json::object json = Json(r);
  ASSERT_EQ(json["events"].as_array().size(), 1u);
  EXPECT_EQ(json["events"].at(0).at("count"), 2);
  EXPECT_EQ(json["events"].at(0).at("reason"), "Created");
  EXPECT_EQ(boost::json::serialize(json["manifestErrors"]),
            R"(["web.yaml:7:13: spec.replicas: must be >= 0"])");
  EXPECT_EQ(Get("/v1/describe/cs/default/nope").status, 404);
}

TEST_F(ApiHandlersTest, SecretsAreRedactedEverywhere) {
  ASSERT_EQ(Apply(kWeb).status, 200);
  resources::ObjectStatus status;
  status.fields["adminToken"] = "s3cr3t-token";
  status.fields["readyReplicas"] = 1;
  EXPECT_TRUE(store_.UpdateStatus(WebKey(), status).ok());
  for (const char* target :
       {"/v1/objects/cs/default/web", "/v1/describe/cs/default/web", "/v1/objects?kind=cs"}) {
    ApiResponse r = Get(target);
    EXPECT_THAT(r.body, Not(HasSubstr("hunter2"))) << target;
    EXPECT_THAT(r.body, Not(HasSubstr("s3cr3t-token"))) << target;
    EXPECT_THAT(r.body, HasSubstr(R"("DB_PASSWORD":"<redacted>")")) << target;
    EXPECT_THAT(r.body, HasSubstr(R"("readyReplicas":1)")) << target;
  }
  std::string changed = kWeb;
  changed.replace(changed.find("hunter2"), 7, "correct-horse");
  ApiResponse diff = Post("/v1/diff", Files(changed));
  ASSERT_EQ(diff.status, 200) << diff.body;
  EXPECT_THAT(diff.body, Not(HasSubstr("hunter2")));
  EXPECT_THAT(diff.body, Not(HasSubstr("correct-horse")));
  EXPECT_EQ(boost::json::serialize(Json(diff)["results"].at(0).at("changes")),
            R"([{"path":"spec.env.DB_PASSWORD","old":"<redacted>","new":"<redacted>"}])");
}

TEST_F(ApiHandlersTest, DeleteByKeysAndByFiles) {
  ASSERT_EQ(Apply(kWeb).status, 200);
  ApiResponse r =
      Post("/v1/delete",
           boost::json::object{{"keys", boost::json::array{{{"kind", "cs"}, {"name", "web"}},
                                                           {{"kind", "cs"}, {"name", "gone"}}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r)["results"].at(0).at("outcome"), "deleted");
  EXPECT_EQ(Json(r)["results"].at(0).at("namespace"), "default");
  EXPECT_EQ(Json(r)["results"].at(1).at("outcome"), "notfound");
  EXPECT_NE(store_.Get(WebKey())->metadata.deletion_timestamp, absl::InfinitePast());

  // A file with an invalid spec still names what to delete.
  std::string bad = kWeb;
  bad.replace(bad.find("replicas: 2"), 11, "replicas: -1");
  ApiResponse by_file = Post("/v1/delete", Files(bad));
  ASSERT_EQ(by_file.status, 200) << by_file.body;
  EXPECT_EQ(Json(by_file)["results"].at(0).at("name"), "web");
  EXPECT_EQ(
      Post("/v1/delete",
           boost::json::object{{"keys", boost::json::array{{{"kind", "pods"}, {"name", "x"}}}}})
          .status,
      400);
}

TEST_F(ApiHandlersTest, DiffShowsChangesAndPlannedActions) {
  ASSERT_EQ(Apply(kWeb).status, 200);
  std::vector<std::string> planned_for;
  handlers_.SetPlanner("ContainerSet", [&](const resources::Object& desired) {
    planned_for.push_back(desired.metadata.name + "@" +
                          std::to_string(desired.metadata.generation));
    return std::vector<std::string>{"create web-2"};
  });
  std::string scaled = kWeb;
  scaled.replace(scaled.find("replicas: 2"), 11, "replicas: 3");
  ApiResponse r = Post("/v1/diff", Files(scaled));
  ASSERT_EQ(r.status, 200) << r.body;
  const boost::json::object json = Json(r);
  const auto& result = json.at("results").at(0);
  EXPECT_EQ(result.at("outcome"), "configured");
  EXPECT_EQ(boost::json::serialize(result.at("changes")),
            R"([{"path":"spec.replicas","old":2,"new":3}])");
  EXPECT_EQ(boost::json::serialize(result.at("actions")), R"(["create web-2"])");
  EXPECT_THAT(planned_for, ElementsAre("web@2"));
  EXPECT_EQ(store_.Get(WebKey())->spec.at("replicas"), 2);  // diff never applies

  std::string bad = kWeb;
  bad.replace(bad.find("replicas: 2"), 11, "replicas: x");
  EXPECT_EQ(Post("/v1/diff", Files(bad)).status, 422);
}

TEST_F(ApiHandlersTest, UnknownPathsAndMethods) {
  EXPECT_EQ(Get("/v2/whatever").status, 404);
  EXPECT_EQ(Get("/v1/apply").status, 405);
  EXPECT_EQ(handlers_.Handle({"DELETE", "/v1/objects", ""}).status, 405);
}

TEST_F(ApiHandlersTest, SourceShowsTheHoldAndConfirmDeletesOnlyWhenPosted) {
  EXPECT_EQ(Get("/v1/source").status, 404) << "no source control: no route";
  testing::FakeSourceControl source;
  source.report = {"/etc/nxt/manifests",
                   "/etc/nxt/manifests (device 8:1, inode 2)",
                   "/mnt/m (device 8:2, inode 3)",
                   "nxtd was started on ...",
                   {WebKey()}};
  handlers_.SetSourceControl(&source);
  ApiResponse shown = Get("/v1/source");
  ASSERT_EQ(shown.status, 200) << shown.body;
  EXPECT_EQ(Json(shown)["heldReason"], "nxtd was started on ...");
  EXPECT_EQ(Json(shown)["recorded"], "/mnt/m (device 8:2, inode 3)");
  EXPECT_EQ(boost::json::serialize(Json(shown)["held"]),
            R"([{"kind":"ContainerSet","namespace":"default","name":"web"}])");
  EXPECT_EQ(handlers_.Handle({"GET", "/v1/source/confirm", ""}).status, 405);
  EXPECT_EQ(source.confirms, 0);
  ApiResponse confirmed = Post("/v1/source/confirm", boost::json::object{});
  ASSERT_EQ(confirmed.status, 200) << confirmed.body;
  EXPECT_EQ(source.confirms, 1);
  EXPECT_EQ(boost::json::serialize(Json(confirmed)["deleted"]),
            R"([{"kind":"ContainerSet","namespace":"default","name":"web"}])");
}

}  // namespace
}  // namespace nxt::reconciler::api
