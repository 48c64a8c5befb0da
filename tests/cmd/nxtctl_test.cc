// nxtctl run in-process against the real ApiHandlers over a fake store (no socket).
#include "cmd/nxtctl/nxtctl.h"

#include <boost/json.hpp>
#include <map>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "resources/manifest_reader.h"
#include "tests/cmd/api_fakes.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/fake_store.h"
#include "tests/testing/temp_dir.h"

namespace nxt::nxtctl {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kWeb[] = R"(apiVersion: nxt.io/v1alpha1
kind: ContainerSet
metadata:
  name: web
spec:
  image: nginx:1.27
  replicas: 2
)";

struct RunResult {
  int code = -1;
  std::string out;
  std::string err;
};

class NxtctlTest : public ::testing::Test {
 protected:
  NxtctlTest()
      : kinds_(*resources::KindRegistry::Builtin()),
        store_(clock_),
        backend_(*kinds_, store_),
        handlers_(store_, *kinds_, backend_, {.server_version = "9.9.9"}) {
    env_.connect = [this](const std::string& socket) -> std::unique_ptr<DaemonClient> {
      socket_used_ = socket;
      if (unreachable_) return std::make_unique<testing::UnreachableClient>(socket);
      return std::make_unique<testing::HandlersClient>(handlers_);
    };
    env_.clock = &clock_;
    env_.sleep = [this](absl::Duration d) {
      clock_.Advance(d);
      if (on_sleep_) on_sleep_();
    };
    env_.getenv = [this](const std::string& name) -> std::optional<std::string> {
      auto it = environment_.find(name);
      return it == environment_.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    env_.in = &stdin_;
    env_.kinds = kinds_;
  }

  RunResult Run(const std::vector<std::string>& args) {
    std::ostringstream out;
    std::ostringstream err;
    RunResult r;
    r.code = RunNxtctl(args, out, err, env_);
    r.out = out.str();
    r.err = err.str();
    return r;
  }

  // A ContainerSet stored directly (no parsing): exact control over spec and times.
  resources::ObjectKey AddSet(const std::string& ns, const std::string& name, int replicas) {
    resources::Object o;
    o.kind = "ContainerSet";
    o.metadata.name = name;
    o.metadata.namespace_ = ns;
    o.spec = {{"image", "nginx:1.27"}, {"replicas", replicas}};
    store_.Apply(o);
    return o.Key();
  }
  void SetReady(const resources::ObjectKey& key, int ready, int desired) {
    resources::ObjectStatus s;
    s.observed_generation = store_.Get(key)->metadata.generation;
    s.fields["ready"] = std::to_string(ready) + "/" + std::to_string(desired);
    s.fields["readyReplicas"] = ready;
    s.fields["updatedReplicas"] = ready;
    s.fields["summary"] = ready == desired ? "Ready" : "Progressing";
    s.SetCondition({"Ready", ready == desired ? "True" : "False",
                    ready == desired ? "AllReplicasReady" : "ReplicasNotReady",
                    std::to_string(ready) + "/" + std::to_string(desired) + " ready",
                    clock_.Now()});
    EXPECT_TRUE(store_.UpdateStatus(key, s).ok());
  }
  std::string Write(const std::string& name, const std::string& content) {
    dir_.Write(name, content);
    return dir_.Join(name);
  }

  testing::FakeClock clock_;
  std::shared_ptr<const resources::KindRegistry> kinds_;
  testing::FakeStore store_;
  testing::FakeApplyBackend backend_;
  reconciler::api::ApiHandlers handlers_;
  NxtctlEnv env_;
  std::istringstream stdin_;
  std::map<std::string, std::string> environment_;
  std::function<void()> on_sleep_;
  bool unreachable_ = false;
  std::string socket_used_;
  testing::TempDir dir_;
};

TEST_F(NxtctlTest, GetPrintsPrinterColumnsAndKubectlAges) {
  resources::ObjectKey web = AddSet("default", "web", 3);
  SetReady(web, 3, 3);
  clock_.Advance(absl::Hours(3) + absl::Minutes(10));
  AddSet("default", "api", 1);
  AddSet("prod", "db", 1);
  clock_.Advance(absl::Seconds(5));
  RunResult r = Run({"get", "containersets"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "NAME   READY   UP-TO-DATE   STATUS   AGE\n"
            "api                                  5s\n"
            "web    3/3     3            Ready    3h10m\n");
}

TEST_F(NxtctlTest, GetAllNamespacesAddsNamespaceColumn) {
  AddSet("default", "web", 1);
  AddSet("prod", "db", 1);
  RunResult r = Run({"get", "cs", "-A"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "NAMESPACE   NAME   READY   UP-TO-DATE   STATUS   AGE\n"
            "default     web                                  0s\n"
            "prod        db                                   0s\n");
}

TEST_F(NxtctlTest, GetWideAddsPriorityColumns) {
  AddSet("default", "web", 1);
  RunResult r = Run({"get", "cs", "-o", "wide"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("IMAGE"));
  EXPECT_THAT(r.out, HasSubstr("nginx:1.27"));
  EXPECT_THAT(Run({"get", "cs"}).out, Not(HasSubstr("IMAGE")));
}

TEST_F(NxtctlTest, KindAcceptsEveryNameFlagsAnywhere) {
  AddSet("prod", "db", 1);
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"get", "cs", "-n", "prod"},
                                             {"-n", "prod", "get", "containerset"},
                                             {"get", "--namespace=prod", "ContainerSets"},
                                             {"get", "CONTAINERSET.nxt.io", "-nprod"},
                                             {"get", "containersets.nxt.io", "db", "-n=prod"},
                                             {"get", "cs/db", "--namespace", "prod"}}) {
    RunResult r = Run(args);
    EXPECT_EQ(r.code, 0) << args[1] << ": " << r.err;
    EXPECT_THAT(r.out, HasSubstr("db ")) << args[1];
  }
}

TEST_F(NxtctlTest, GetEmptyAndUnknownAndMissing) {
  RunResult empty = Run({"get", "cs"});
  EXPECT_EQ(empty.code, 0);
  EXPECT_EQ(empty.out, "");
  EXPECT_EQ(empty.err, "No resources found in default namespace.\n");
  EXPECT_EQ(Run({"get", "cs", "-n", "prod"}).err, "No resources found in prod namespace.\n");

  RunResult unknown = Run({"get", "pods"});
  EXPECT_EQ(unknown.code, 1);
  EXPECT_EQ(unknown.err, "error: the server doesn't have a resource type \"pods\"\n");

  RunResult missing = Run({"get", "cs", "nope"});
  EXPECT_EQ(missing.code, 1);
  EXPECT_EQ(missing.err, "Error from server (NotFound): containersets.nxt.io \"nope\" not found\n");
}

TEST_F(NxtctlTest, GetOutputJsonAndYaml) {
  resources::ObjectKey web = AddSet("default", "web", 3);
  SetReady(web, 3, 3);
  RunResult json = Run({"get", "cs", "web", "-o", "json"});
  ASSERT_EQ(json.code, 0) << json.err;
  boost::json::value doc = boost::json::parse(json.out);
  EXPECT_EQ(doc.at("kind"), "ContainerSet");
  EXPECT_EQ(doc.at("spec").at("replicas"), 3);
  EXPECT_EQ(doc.at("status").at("readyReplicas"), 3);
  EXPECT_THAT(json.out, HasSubstr("\n    \"apiVersion\": \"nxt.io/v1alpha1\",\n"));

  RunResult list = Run({"get", "cs", "-o", "json"});
  EXPECT_EQ(boost::json::parse(list.out).at("kind"), "List");
  EXPECT_EQ(boost::json::parse(list.out).at("items").as_array().size(), 1u);

  RunResult yaml = Run({"get", "cs", "web", "-o", "yaml"});
  ASSERT_EQ(yaml.code, 0) << yaml.err;
  EXPECT_THAT(yaml.out, HasSubstr("apiVersion: nxt.io/v1alpha1\nkind: ContainerSet\nmetadata:\n"
                                  "  name: web\n  namespace: default\n"));
  EXPECT_THAT(yaml.out, HasSubstr("spec:\n  image: nginx:1.27\n  replicas: 3\n"));
  EXPECT_THAT(yaml.out, HasSubstr("  conditions:\n  - type: Ready\n    status: \"True\"\n"));
  EXPECT_THAT(yaml.out, HasSubstr("  ready: \"3/3\"\n"));

  EXPECT_EQ(Run({"get", "cs", "-o", "name"}).out, "containerset.nxt.io/web\n");
}

TEST_F(NxtctlTest, GetAllPrintsQualifiedNames) {
  AddSet("default", "web", 1);
  AddSet("default", "api", 1);
  RunResult r = Run({"get", "all"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "NAME                      READY   UP-TO-DATE   STATUS   AGE\n"
            "containerset.nxt.io/api                                 0s\n"
            "containerset.nxt.io/web                                 0s\n");
  EXPECT_EQ(Run({"get", "all", "-n", "empty"}).err, "No resources found in empty namespace.\n");
}

TEST_F(NxtctlTest, DescribeShowsSpecStatusConditionsAndFoldedEvents) {
  resources::Object o;
  o.kind = "ContainerSet";
  o.metadata.name = "web";
  o.metadata.labels = {{"app", "web"}, {"tier", "front"}};
  o.spec = {{"image", "nginx:1.27"}, {"replicas", 2}, {"env", {{"API_TOKEN", "abc"}}}};
  store_.Apply(o);
  const resources::ObjectKey key = o.Key();
  EXPECT_TRUE(store_.RecordEvent(key, "Normal", "Created", "created web-0").ok());
  for (int i = 0; i < 3; ++i) {
    clock_.Advance(absl::Minutes(1));
    EXPECT_TRUE(
        store_.RecordEvent(key, "Warning", "Unhealthy", "web-1 failed its healthcheck").ok());
  }
  SetReady(key, 1, 2);
  clock_.Advance(absl::Minutes(2));
  RunResult r = Run({"describe", "cs", "web"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "Name:         web\n"
            "Namespace:    default\n"
            "Kind:         ContainerSet\n"
            "Labels:       app=web\n"
            "              tier=front\n"
            "Annotations:  <none>\n"
            "Generation:   1\n"
            "Created:      2027-01-15T08:00:00Z (5m ago)\n"
            "Spec:\n"
            "  image: nginx:1.27\n"
            "  replicas: 2\n"
            "  env:\n"
            "    API_TOKEN: <redacted>\n"
            "  deletionPolicy: Retain\n"  // the stored spec holds the CRD's defaults
            "  suspend: false\n"
            "Status:\n"
            "  Observed Generation:  1\n"
            "  ready: \"1/2\"\n"
            "  readyReplicas: 1\n"
            "  updatedReplicas: 1\n"
            "  summary: Progressing\n"
            "Conditions:\n"
            "  Type    Status   Reason             Message     LastTransition\n"
            "  ----    ------   ------             -------     --------------\n"
            "  Ready   False    ReplicasNotReady   1/2 ready   2027-01-15T08:03:00Z\n"
            "Events:\n"
            "  Type      Reason      Age               Message\n"
            "  ----      ------      ----              -------\n"
            "  Normal    Created     5m                created web-0\n"
            "  Warning   Unhealthy   2m (x3 over 4m)   web-1 failed its healthcheck\n");
}

TEST_F(NxtctlTest, DescribeGaleraListsEveryNodesStateAndTheLastRecoveryDecision) {
  resources::Object o;
  o.kind = "GaleraCluster";
  o.metadata.name = "db";
  o.spec = {{"replicas", 3}, {"image", "mariadb:11.4"}};
  store_.Apply(o);
  // The status fields the GaleraCluster controller writes (status.cc, galera_actions.cc).
  resources::ObjectStatus s;
  s.observed_generation = 1;
  s.fields["ready"] = "2/3";
  boost::json::array nodes;
  for (const char* state : {"Primary/Synced", "Primary/Donor/Desynced", "Stopped"}) {
    nodes.push_back({{"name", "db-" + std::to_string(nodes.size())}, {"state", state}});
  }
  s.fields["nodes"] = nodes;
  s.fields["lastRecovery"] = {{"time", "2027-01-15T08:00:00Z"},
                              {"nodes", boost::json::array{{{"name", "db-0"}, {"seqno", 42}},
                                                           {{"name", "db-2"}, {"seqno", 17}}}},
                              {"chosen", "db-0"},
                              {"seqno", 42},
                              {"reason", "db-0 has the highest seqno (42)"}};
  EXPECT_TRUE(store_.UpdateStatus(o.Key(), s).ok());
  RunResult r = Run({"describe", "galeraclusters", "db"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("  nodes:\n"
                               "  - name: db-0\n"
                               "    state: Primary/Synced\n"
                               "  - name: db-1\n"
                               "    state: Primary/Donor/Desynced\n"
                               "  - name: db-2\n"
                               "    state: Stopped\n"));
  EXPECT_THAT(r.out, HasSubstr("  lastRecovery:\n"));
  EXPECT_THAT(r.out, HasSubstr("    chosen: db-0\n"));
  EXPECT_THAT(r.out, HasSubstr("    reason: db-0 has the highest seqno (42)\n"));
  EXPECT_THAT(r.out, HasSubstr("    - name: db-2\n      seqno: 17\n"));
}

TEST_F(NxtctlTest, ApplyPrintsOutcomesLikeKubectl) {
  std::string file = Write("web.yaml", kWeb);
  RunResult dry = Run({"apply", "-f", file, "--dry-run"});
  EXPECT_EQ(dry.code, 0) << dry.err;
  EXPECT_EQ(dry.out, "containerset.nxt.io/web created (dry run)\n");
  EXPECT_EQ(store_.Get({"ContainerSet", "default", "web"}), nullptr);

  EXPECT_EQ(Run({"apply", "-f", file}).out, "containerset.nxt.io/web created\n");
  EXPECT_EQ(Run({"apply", "-f", file}).out, "containerset.nxt.io/web unchanged\n");
  std::string scaled = kWeb;
  scaled.replace(scaled.find("replicas: 2"), 11, "replicas: 4");
  stdin_.str(scaled);
  EXPECT_EQ(Run({"apply", "-f", "-"}).out, "containerset.nxt.io/web configured\n");
  EXPECT_EQ(socket_used_, "/run/nxt/nxtd.sock");
}

TEST_F(NxtctlTest, ApplyReadsDirectoriesRecursively) {
  Write("stack/web.yaml", kWeb);
  std::string api = kWeb;
  api.replace(api.find("name: web"), 9, "name: api");
  Write("stack/sub/api.yml", api);
  Write("stack/notes.txt", "not a manifest");
  RunResult r = Run({"apply", "-f", dir_.Join("stack")});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "containerset.nxt.io/api created\ncontainerset.nxt.io/web created\n");
}

TEST_F(NxtctlTest, ApplyRefusesInvalidManifestWithPositions) {
  std::string bad = kWeb;
  bad.replace(bad.find("replicas: 2"), 11, "replicas: -1");
  std::string file = Write("bad.yaml", bad);
  RunResult r = Run({"apply", "-f", file});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr(file + ":7:"));
  EXPECT_THAT(r.err, HasSubstr("spec.replicas"));
  EXPECT_THAT(r.err, HasSubstr("nothing was changed"));
  EXPECT_EQ(Run({"apply", "-f", dir_.Join("missing.yaml")}).err,
            "error: the path \"" + dir_.Join("missing.yaml") + "\" does not exist\n");
}

// `get -o yaml | apply -f -`: the secret reads back as the placeholder, which is refused
// with its position and path; the stored value stays.
TEST_F(NxtctlTest, ApplyOfAReadBackRefusesThePlaceholderAndKeepsTheSecret) {
  std::string with_secret = kWeb;
  with_secret += "  env:\n    MODE: prod\n    DB_PASSWORD: hunter2-for-real\n";
  ASSERT_EQ(Run({"apply", "-f", Write("web.yaml", with_secret)}).code, 0);
  RunResult yaml = Run({"get", "cs", "web", "-o", "yaml"});
  ASSERT_EQ(yaml.code, 0) << yaml.err;
  ASSERT_THAT(yaml.out, HasSubstr("DB_PASSWORD: <redacted>"));
  ASSERT_THAT(yaml.out, Not(HasSubstr("hunter2")));

  for (const char* verb : {"apply", "validate"}) {
    stdin_.clear();
    stdin_.str(yaml.out);
    RunResult r = Run({verb, "-f", "-"});
    EXPECT_EQ(r.code, 1) << verb;
    EXPECT_THAT(r.err,
                ::testing::ContainsRegex(
                    R"(<stdin>:[0-9]+:5: spec\.env\.DB_PASSWORD: Invalid value: "<redacted>")"))
        << verb;
  }
  resources::ObjectPtr stored = store_.Get({"ContainerSet", "default", "web"});
  ASSERT_NE(stored, nullptr);
  EXPECT_EQ(stored->spec.at("env").at("DB_PASSWORD"), "hunter2-for-real");
}

TEST_F(NxtctlTest, InputOverTheManifestLimitIsRefusedBeforeItIsSent) {
  stdin_.str(std::string(resources::kDefaultMaxManifestBytes + 1, '#'));
  RunResult r = Run({"apply", "-f", "-"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "error: <stdin>: file too large: over the limit of 1048576 bytes\n");
  std::string big = Write("big.yaml", std::string(2 << 20, '#'));
  EXPECT_EQ(Run({"validate", "-f", big}).err,
            "error: " + big + ": file too large: 2097152 bytes, the limit is 1048576 bytes\n");
  EXPECT_EQ(store_.Get({"ContainerSet", "default", "web"}), nullptr);
}

// What nxtd's socket server answers to a body over its limit (api_server.cc).
class TooLargeClient : public DaemonClient {
 public:
  absl::StatusOr<DaemonResponse> Send(const std::string&, const std::string&,
                                      const std::string&) override {
    return DaemonResponse{413,
                          R"({"error":"request too large: the body is over the API's limit of )"
                          R"(8388608 bytes; nothing was changed","reason":"RequestTooLarge"})"};
  }
};

TEST_F(NxtctlTest, A413AnswerIsPrintedAsTheServersReason) {
  env_.connect = [](const std::string&) { return std::make_unique<TooLargeClient>(); };
  RunResult r = Run({"apply", "-f", Write("web.yaml", kWeb)});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err,
            "Error from server (RequestTooLarge): request too large: the body is over the API's "
            "limit of 8388608 bytes; nothing was changed\n");
}

TEST_F(NxtctlTest, ApplyWaitPollsUntilReadyForCurrentGeneration) {
  std::string file = Write("web.yaml", kWeb);
  int sleeps = 0;
  on_sleep_ = [&] {
    if (++sleeps == 3) SetReady({"ContainerSet", "default", "web"}, 2, 2);
  };
  RunResult r = Run({"apply", "-f", file, "--wait"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "containerset.nxt.io/web created\ncontainerset.nxt.io/web condition met\n");
  EXPECT_EQ(sleeps, 3);
}

TEST_F(NxtctlTest, ApplyWaitTimesOutWithConditions) {
  std::string file = Write("web.yaml", kWeb);
  on_sleep_ = [&] { SetReady({"ContainerSet", "default", "web"}, 1, 2); };
  RunResult r = Run({"apply", "-f", file, "--wait", "--timeout", "10s"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err,
            "error: timed out after 10s waiting for containerset.nxt.io/web to be Ready: "
            "observedGeneration 1 of 1, Ready=False (ReplicasNotReady: 1/2 ready)\n");
}

TEST_F(NxtctlTest, DeleteByNameAndByFile) {
  std::string file = Write("web.yaml", kWeb);
  ASSERT_EQ(Run({"apply", "-f", file}).code, 0);
  AddSet("default", "api", 1);
  RunResult by_name = Run({"delete", "cs", "api", "ghost"});
  EXPECT_EQ(by_name.code, 1);
  EXPECT_EQ(by_name.out, "containerset.nxt.io/api deleted\n");
  EXPECT_EQ(by_name.err,
            "Error from server (NotFound): containersets.nxt.io \"ghost\" not found\n");
  EXPECT_EQ(Run({"delete", "cs", "ghost", "--ignore-not-found"}).code, 0);
  RunResult by_file = Run({"delete", "-f", file});
  EXPECT_EQ(by_file.code, 0) << by_file.err;
  EXPECT_EQ(by_file.out, "containerset.nxt.io/web deleted\n");
}

TEST_F(NxtctlTest, SourceShowsWhatIsKeptAndConfirmDeletesIt) {
  testing::FakeSourceControl source;
  source.report = {"/etc/nxt/manifests",
                   "/etc/nxt/manifests (device 8:1, inode 2)",
                   "",
                   "no record says where the 1 stored object came from",
                   {{"ContainerSet", "default", "web"}}};
  handlers_.SetSourceControl(&source);
  RunResult shown = Run({"source"});
  EXPECT_EQ(shown.code, 0) << shown.err;
  EXPECT_THAT(shown.out, HasSubstr("Recorded:   (none)\n"));
  EXPECT_THAT(shown.out, HasSubstr("Hold:       no record says where"));
  EXPECT_THAT(shown.out, HasSubstr("  ContainerSet default/web\n"));
  EXPECT_EQ(source.confirms, 0);
  RunResult bad = Run({"source", "confirm", "now"});
  EXPECT_EQ(bad.code, 1);
  EXPECT_THAT(bad.err, HasSubstr("usage: nxtctl source [confirm]"));
  EXPECT_EQ(source.confirms, 0);
  RunResult confirmed = Run({"source", "confirm"});
  EXPECT_EQ(confirmed.code, 0) << confirmed.err;
  EXPECT_EQ(confirmed.out, "ContainerSet default/web deleted\n");
  EXPECT_EQ(Run({"source", "confirm"}).out, "source confirmed; no object to delete\n");
}

TEST_F(NxtctlTest, DiffExitCodesAndPlannedActions) {
  handlers_.SetPlanner("ContainerSet", [](const resources::Object& desired) {
    std::vector<std::string> actions;
    int64_t replicas = desired.spec.at("replicas").as_int64();
    for (int64_t i = 2; i < replicas; ++i) actions.push_back("create web-" + std::to_string(i));
    return actions;
  });
  std::string file = Write("web.yaml", kWeb);
  RunResult created = Run({"diff", "-f", file});
  EXPECT_EQ(created.code, 1) << created.err;
  EXPECT_THAT(created.out, HasSubstr("--- containerset.nxt.io/web (absent)\n"
                                     "+++ containerset.nxt.io/web (desired)\n"));
  EXPECT_THAT(created.out, HasSubstr("+spec.image: \"nginx:1.27\"\n"));

  ASSERT_EQ(Run({"apply", "-f", file}).code, 0);
  RunResult same = Run({"diff", "-f", file});
  EXPECT_EQ(same.code, 0) << same.err;
  EXPECT_EQ(same.out, "");

  std::string scaled = kWeb;
  scaled.replace(scaled.find("replicas: 2"), 11, "replicas: 3");
  Write("web.yaml", scaled);
  RunResult changed = Run({"diff", "-f", file});
  EXPECT_EQ(changed.code, 1) << changed.err;
  EXPECT_EQ(changed.out,
            "--- containerset.nxt.io/web (live)\n"
            "+++ containerset.nxt.io/web (desired)\n"
            "-spec.replicas: 2\n"
            "+spec.replicas: 3\n"
            "Planned actions for containerset.nxt.io/web:\n"
            "  create web-2\n");

  Write("web.yaml", "kind: ContainerSet\nmetadata: {name: web}\nspec: {replicas: 1}\n");
  RunResult bad = Run({"diff", "-f", file});
  EXPECT_EQ(bad.code, 2);
  unreachable_ = true;
  EXPECT_EQ(Run({"diff", "-f", file}).code, 2);
}

TEST_F(NxtctlTest, ValidateWorksOfflineAndReportsExactErrors) {
  unreachable_ = true;  // no daemon answers
  std::string bad = kWeb;
  bad.replace(bad.find("replicas: 2"), 11, "replicas: -1");
  std::string file = Write("bad.yaml", bad);
  RunResult r = Run({"validate", "-f", file});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, file +
                       ":7:3: spec.replicas: Invalid value: -1: must be greater than or equal "
                       "to 0\nerror: 1 error found\n");
  EXPECT_EQ(socket_used_, "") << "nothing valid: the daemon is not asked";

  std::string good = Write("ok/web.yaml", kWeb);
  RunResult ok = Run({"validate", "-f", dir_.Join("ok")});
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_EQ(ok.out, good + ": valid (1 object)\n");
  EXPECT_THAT(ok.err, HasSubstr("note: validated offline, without the running objects: cannot "
                                "reach nxtd"));
  EXPECT_THAT(ok.err, HasSubstr("(immutable fields, scaling steps) were not checked"));

  Write("dup/a.yaml", kWeb);
  Write("dup/b.yaml", kWeb);
  RunResult dup = Run({"validate", "-f", dir_.Join("dup")});
  EXPECT_EQ(dup.code, 1);
  EXPECT_THAT(dup.err, HasSubstr(dir_.Join("dup/b.yaml") +
                                 ":1:1: duplicate ContainerSet "
                                 "default/web (also defined at " +
                                 dir_.Join("dup/a.yaml") + ":1:1)"));
}

TEST_F(NxtctlTest, ValidateChecksEachObjectAgainstItsRunningVersion) {
  resources::Object pool;
  pool.kind = "RustFSPool";
  pool.metadata.name = "s3";
  pool.spec = {{"nodes", 4}, {"drivesPerNode", 2}};
  store_.Apply(pool);
  resources::Object cache;
  cache.kind = "RedisCluster";
  cache.metadata.name = "cache";
  cache.spec = {{"nodes", 6}, {"replicasPerMaster", 1}};
  store_.Apply(cache);
  std::string file = Write("edit.yaml",
                           "apiVersion: nxt.io/v1alpha1\nkind: RustFSPool\nmetadata:\n  name: s3\n"
                           "spec:\n  nodes: 6\n  drivesPerNode: 2\n---\n"
                           "apiVersion: nxt.io/v1alpha1\nkind: RedisCluster\nmetadata:\n"
                           "  name: cache\nspec:\n  nodes: 12\n  replicasPerMaster: 2\n");
  RunResult r = Run({"validate", "-f", file});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr(file + ":6:3: spec.nodes: Forbidden: cannot change from 4 to 6"));
  EXPECT_THAT(r.err, HasSubstr(file + ":15:3: spec.replicasPerMaster: Invalid value: 2: cannot "
                                      "change in the same edit as the number of masters"));
  EXPECT_THAT(r.err, HasSubstr("error: 2 errors found"));
  EXPECT_THAT(r.err, Not(HasSubstr("offline")));
  EXPECT_EQ(r.out, "");

  std::string fresh = Write("new.yaml",
                            "apiVersion: nxt.io/v1alpha1\nkind: RustFSPool\nmetadata:\n"
                            "  name: other\nspec:\n  nodes: 6\n");
  RunResult created = Run({"validate", "-f", fresh});
  EXPECT_EQ(created.code, 0) << created.err;
  EXPECT_EQ(created.out, fresh + ": valid (1 object)\n") << "not running yet: any topology";
  EXPECT_EQ(created.err, "");
}

TEST_F(NxtctlTest, UnreachableDaemonExplainsHowToFix) {
  unreachable_ = true;
  environment_["NXT_SOCKET"] = "/tmp/elsewhere.sock";
  RunResult r = Run({"get", "cs"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err,
            "error: cannot reach nxtd at /tmp/elsewhere.sock: No such file or directory "
            "(is nxtd running? set --socket or NXT_SOCKET)\n");
  Run({"get", "cs", "--socket", "/x.sock"});
  EXPECT_EQ(socket_used_, "/x.sock");
}

TEST_F(NxtctlTest, VersionAndUsage) {
  RunResult v = Run({"version"});
  EXPECT_EQ(v.code, 0);
  EXPECT_EQ(v.out, std::string("Client Version: ") + ClientVersion() + "\nServer Version: 9.9.9\n");
  EXPECT_EQ(Run({"--help"}).code, 0);
  EXPECT_THAT(Run({"--help"}).out, HasSubstr("Usage:"));
  RunResult bogus = Run({"frobnicate"});
  EXPECT_EQ(bogus.code, 1);
  EXPECT_THAT(bogus.err, HasSubstr("unknown command \"frobnicate\""));
  EXPECT_THAT(Run({"get", "cs", "--bogus"}).err, HasSubstr("unknown flag: --bogus"));
  EXPECT_THAT(Run({"get", "cs", "-o", "xml"}).err, HasSubstr("invalid argument \"xml\""));
}

}  // namespace
}  // namespace nxt::nxtctl
