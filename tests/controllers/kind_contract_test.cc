// The contracts every kind keeps, written once and run for each kind of the registration
// list crd-schemas/kinds.def (no hand list): the kind is built by its Setup, as nxtd
// builds it, and objects enter through the manifest directory (ManifestSource into a
// FileStore), on the in-process fake engine.
//
//   DecodeAndCheck    its fixture parses, is stored with the CRD's defaults, decodes, and
//                     reads back from `get -o yaml` unchanged (no spurious diff); each
//                     invalid case is refused with exactly its expected lines
//                     (file:line:col: field.path: message);
//   SecretsHidden     no generated secret value in get/describe output, status, events
//                     or the log;
//   DeleteKeeps...    deleting the object (default deletionPolicy) removes its containers
//                     and keeps its named volumes and secrets;
//   InvalidEdit...    an invalid edit of the object's manifest stalls it (with the
//                     position) and changes nothing: same spec and generation, no
//                     mutating Docker call.
//
// What a kind supplies, in tests/controllers/<folder>/: fixture.yaml, one valid manifest
// of the kind that leaves deletionPolicy to its default; and, optionally, invalid/*.yaml
// with their expected errors in invalid/*.errors (one line each).
//
// The HTTP client reaches nothing, and the fake engine answers an exec only as the kind's
// optional exec.txt says (lines "<text the command contains> | <exit code> | <stdout>",
// "\n" for a newline; anything else exits 127). So a kind that waits on its services
// settles where it waits (a round with no mutating Docker call): the contracts hold in
// whatever state an object waits in, not only Ready.
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "controllers/common/secret_store.h"
#include "controllers/registered_kinds.h"
#include "docker/container_cache.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kind_contract/kind_specs.h"  // generated: resources/<folder>.h of every kind
#include "reconciler/api/api_handlers.h"
#include "reconciler/api/protocol.h"
#include "reconciler/file_store.h"
#include "reconciler/manifest_source.h"
#include "resources/manifest_reader.h"
#include "tests/testing/builtin_kinds.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/fake_docker_client.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace nxt::controllers {

// gtest names the kind in failure messages (by ADL, so outside the unnamed namespace).
void PrintTo(const RegisteredKind& kind, std::ostream* os) { *os << kind.kind; }

namespace {

namespace fs = std::filesystem;
using ::nxt::testing::IsOk;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// Decode<Kind>Spec of every registered kind, by kind.
using Decoder = std::function<absl::Status(const boost::json::object&)>;
const std::map<std::string, Decoder>& Decoders() {
  static const auto* const kDecoders = new std::map<std::string, Decoder>{
#define NXT_KIND(folder, Kind) \
  {#Kind, [](const boost::json::object& s) { return resources::Decode##Kind##Spec(s).status(); }},
#include "crd-schemas/kinds.def"
#undef NXT_KIND
  };
  return *kDecoders;
}

std::string SourceDir() {
  const char* env = std::getenv("NXT_SOURCE_DIR");
  return env != nullptr && *env != '\0' ? env : NXT_SOURCE_DIR_DEFAULT;
}

std::string KindDir(const RegisteredKind& kind) {
  return absl::StrCat(SourceDir(), "/tests/controllers/", kind.name);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> ErrorLines(const std::vector<resources::FieldError>& errors) {
  std::vector<std::string> lines;
  for (const resources::FieldError& e : errors) lines.push_back(e.ToString());
  return lines;
}

// The fixture, parsed as nxtd reads it.
resources::Object Fixture(const RegisteredKind& kind) {
  const std::string path = KindDir(kind) + "/fixture.yaml";
  resources::ParseResult parsed =
      resources::ParseManifest(nxt::testing::BuiltinKinds(), "fixture.yaml", ReadFile(path));
  EXPECT_THAT(ErrorLines(parsed.AllErrors()), IsEmpty()) << path;
  EXPECT_EQ(parsed.objects.size(), 1u) << path << " holds one object";
  return parsed.objects.empty() ? resources::Object() : parsed.objects[0];
}

// An HTTP client that reaches nothing (the kinds' services never answer).
class NoNetwork : public HttpClient {
 public:
  absl::StatusOr<HttpReply> Do(const HttpCall& call) override {
    return absl::UnavailableError(absl::StrCat("connection refused: ", call.url));
  }
};

// The kind's exec.txt: what the fake engine answers (see the top of this file).
struct ExecAnswer {
  std::string contains;
  docker::ExecResult result;
};
std::vector<ExecAnswer> ExecAnswers(const RegisteredKind& kind) {
  std::vector<ExecAnswer> answers;
  for (absl::string_view line : absl::StrSplit(ReadFile(KindDir(kind) + "/exec.txt"), '\n')) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> parts = absl::StrSplit(line, absl::MaxSplits(" | ", 2));
    ExecAnswer a;
    if (parts.size() != 3 || !absl::SimpleAtoi(parts[1], &a.result.exit_code)) {
      ADD_FAILURE() << "exec.txt: " << line;
      continue;
    }
    a.contains = parts[0];
    a.result.stdout_text = absl::StrReplaceAll(parts[2], {{"\\n", "\n"}});
    answers.push_back(std::move(a));
  }
  return answers;
}

// A daemon's worth of one kind: its manifest directory, store, secrets and controller.
class KindWorld {
 public:
  explicit KindWorld(const RegisteredKind& kind) : kind_(kind) {
    docker_.AddEventListener([this](const docker::Event& e) { cache_.Apply(e); });
    docker_.SetExecHandler([answers = ExecAnswers(kind)](const std::string&,
                                                         const std::vector<std::string>& cmd,
                                                         const std::string&) {
      const std::string line = absl::StrJoin(cmd, " ");
      for (const ExecAnswer& a : answers) {
        if (absl::StrContains(line, a.contains)) return std::optional<docker::ExecResult>(a.result);
      }
      return std::optional<docker::ExecResult>();
    });
  }

  absl::Status Start() {
    fs::create_directories(ManifestDir());
    NXT_RETURN_IF_ERROR(cache_.Resync());
    NXT_RETURN_IF_ERROR(store_.Load());
    const KindDeps deps{.store = store_,
                        .docker = docker_,
                        .cache = cache_,
                        .secrets = secrets_,
                        .http = http_,
                        .clock = clock_,
                        .state_dir = StateDir(),
                        .allowed_host_path_roots = {}};
    NXT_ASSIGN_OR_RETURN(controller_, kind_.setup(deps));
    if (controller_.configured_check) {
      kinds_->AddCheck(kind_.kind, controller_.configured_check);
    }
    reconciler::ManifestSourceOptions options;
    options.dir = ManifestDir();
    options.trusted_uid = ::geteuid();
    source_ = std::make_unique<reconciler::ManifestSource>(*kinds_, store_, clock_, options);
    return source_->Open();
  }

  // Writes (or, with nullopt, removes) the manifest and lets the source read it.
  void WriteManifest(const std::optional<std::string>& content) {
    const std::string path = ManifestDir() + "/object.yaml";
    if (content.has_value()) {
      std::ofstream(path, std::ios::trunc) << *content;
    } else {
      fs::remove(path);
    }
    ASSERT_THAT(source_->SyncOnce(), IsOk());
    clock_.Advance(absl::Seconds(1));  // past the debounce
    ASSERT_THAT(source_->SyncOnce(), IsOk());
  }

  // Reconciles `key` until a round makes no mutating Docker call, or the object is gone;
  // false when neither happened in `rounds`. Errors are part of converging (the kind's
  // services never answer here), not failures.
  bool Settle(const resources::ObjectKey& key, int rounds = 40) {
    for (int i = 0; i < rounds; ++i) {
      if (store_.Get(key) == nullptr) return true;
      const int before = docker_.total_mutating_calls();
      (void)controller_.reconciler->Reconcile({key});
      if (docker_.total_mutating_calls() == before && store_.Get(key) != nullptr &&
          store_.Get(key)->metadata.deletion_timestamp == absl::InfinitePast()) {
        return true;
      }
    }
    return false;
  }

  // Every value under <state>/secrets/<Kind>/<ns>/<name>/, sorted.
  std::vector<std::string> SecretValues(const resources::ObjectKey& key) const {
    std::vector<std::string> values;
    const std::string dir =
        absl::StrCat(StateDir(), "/secrets/", key.kind, "/", key.namespace_, "/", key.name);
    std::error_code ec;
    for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
      if (e.is_regular_file()) values.push_back(ReadFile(e.path().string()));
    }
    std::sort(values.begin(), values.end());
    return values;
  }

  // The containers labelled as `key`'s.
  std::vector<std::string> Containers(const resources::ObjectKey& key) {
    std::vector<std::string> out;
    for (const std::string& name : docker_.ContainerNames()) {
      const auto c = docker_.GetContainer(name);
      auto label = [&](const char* k) {
        auto it = c->spec.labels.find(k);
        return it == c->spec.labels.end() ? std::string() : it->second;
      };
      if (label(docker::kLabelName) == key.name &&
          label(docker::kLabelNamespace) == key.namespace_) {
        out.push_back(name);
      }
    }
    return out;
  }

  std::string ManifestDir() const { return dir_.Join("manifests"); }
  std::string StateDir() const { return dir_.Join("state"); }

  const RegisteredKind& kind_;
  nxt::testing::TempDir dir_;
  nxt::testing::FakeClock clock_;
  nxt::testing::FakeDockerClient docker_{&clock_};
  docker::ContainerCache cache_{docker_};
  reconciler::FileStore store_{clock_, StateDir()};
  SecretStore secrets_{StateDir()};
  NoNetwork http_;
  std::shared_ptr<resources::KindRegistry> kinds_ =
      std::make_shared<resources::KindRegistry>(nxt::testing::BuiltinKinds());
  KindController controller_;
  std::unique_ptr<reconciler::ManifestSource> source_;
};

class KindContractTest : public ::testing::TestWithParam<RegisteredKind> {
 protected:
  const RegisteredKind& kind() const { return GetParam(); }
};

TEST_P(KindContractTest, DecodeAndCheckTheFixtureAndTheInvalidCases) {
  const resources::Object object = Fixture(kind());
  ASSERT_EQ(object.kind, kind().kind);
  ASSERT_TRUE(Decoders().contains(kind().kind));
  EXPECT_THAT(Decoders().at(kind().kind)(object.spec), IsOk());
  // Defaults were applied once and for all: applying them again changes nothing.
  EXPECT_EQ(nxt::testing::Defaulted(object).spec, object.spec);
  EXPECT_EQ(object.spec.at("deletionPolicy"), "Retain") << "the fixture keeps the default";
  // `nxtctl get -o yaml` output applies back to the very same spec (no spurious diff).
  resources::ParseResult again = resources::ParseManifest(nxt::testing::BuiltinKinds(), "get.yaml",
                                                          resources::ToManifestYaml(object));
  ASSERT_THAT(ErrorLines(again.AllErrors()), IsEmpty());
  EXPECT_EQ(again.objects.at(0).spec, object.spec);

  const std::string invalid = KindDir(kind()) + "/invalid";
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(invalid, ec)) {
    if (e.path().extension() != ".yaml") continue;
    const std::string name = e.path().filename().string();
    fs::path errors_path = e.path();
    errors_path.replace_extension(".errors");
    const std::vector<std::string> expected =
        absl::StrSplit(ReadFile(errors_path.string()), '\n', absl::SkipEmpty());
    resources::ParseResult parsed =
        resources::ParseManifest(nxt::testing::BuiltinKinds(), name, ReadFile(e.path().string()));
    EXPECT_FALSE(parsed.ok()) << name;
    EXPECT_EQ(absl::StrJoin(ErrorLines(parsed.AllErrors()), "\n"), absl::StrJoin(expected, "\n"))
        << name;
    for (const resources::FieldError& error : parsed.AllErrors()) {
      EXPECT_GT(error.position.line, 0) << name << ": " << error.ToString();
    }
  }
}

TEST_P(KindContractTest, SecretsHidden) {
  SetLogLevel(LogLevel::kDebug);
  ::testing::internal::CaptureStderr();
  KindWorld world(kind());
  ASSERT_THAT(world.Start(), IsOk());
  const resources::Object fixture = Fixture(kind());
  world.WriteManifest(ReadFile(KindDir(kind()) + "/fixture.yaml"));
  const resources::ObjectKey key = fixture.Key();
  ASSERT_NE(world.store_.Get(key), nullptr);
  EXPECT_TRUE(world.Settle(key));
  const std::string log = ::testing::internal::GetCapturedStderr();
  SetLogLevel(LogLevel::kInfo);

  class NoBackend : public reconciler::api::ApplyBackend {
   public:
    absl::StatusOr<reconciler::api::ApplyReply> Apply(
        const std::vector<reconciler::api::ApplyFile>&, bool) override {
      return absl::UnimplementedError("read only");
    }
    absl::StatusOr<std::vector<reconciler::api::DeleteResult>> Delete(
        const std::vector<resources::ObjectKey>&) override {
      return absl::UnimplementedError("read only");
    }
  } backend;
  reconciler::api::ApiHandlers api(world.store_, *world.kinds_, backend, {"test"});
  const std::string path = absl::StrCat("/", key.kind, "/", key.namespace_, "/", key.name);
  const reconciler::api::ApiResponse get =
      api.Handle({"GET", std::string(reconciler::api::kPathObjects) + path, ""});
  const reconciler::api::ApiResponse describe =
      api.Handle({"GET", std::string(reconciler::api::kPathDescribe) + path, ""});
  ASSERT_EQ(get.status, 200) << get.body;
  ASSERT_EQ(describe.status, 200) << describe.body;
  // The stored object is the defaulted one, and get shows it so (no fixture sets this).
  EXPECT_EQ(world.store_.Get(key)->spec, fixture.spec);
  EXPECT_THAT(get.body, HasSubstr(R"("deletionPolicy":"Retain")"));
  std::string events;
  for (const reconciler::Event& e : world.store_.Events(key))
    absl::StrAppend(&events, e.message, "\n");
  const std::optional<resources::ObjectStatus> status = world.store_.GetStatus(key);
  const std::string status_json =
      status.has_value() ? boost::json::serialize(resources::ToJson(*status)) : "";

  const std::vector<std::string> secrets = world.SecretValues(key);
  RecordProperty("secrets_checked", static_cast<int>(secrets.size()));
  for (const std::string& secret : secrets) {
    ASSERT_GE(secret.size(), 8u) << "a generated secret";
    EXPECT_THAT(get.body, Not(HasSubstr(secret))) << "get";
    EXPECT_THAT(describe.body, Not(HasSubstr(secret))) << "describe";
    EXPECT_THAT(status_json, Not(HasSubstr(secret))) << "status";
    EXPECT_THAT(events, Not(HasSubstr(secret))) << "events";
    EXPECT_THAT(log, Not(HasSubstr(secret))) << "log";
  }
}

TEST_P(KindContractTest, DeleteKeepsVolumesAndSecrets) {
  KindWorld world(kind());
  ASSERT_THAT(world.Start(), IsOk());
  const resources::ObjectKey key = Fixture(kind()).Key();
  world.WriteManifest(ReadFile(KindDir(kind()) + "/fixture.yaml"));
  ASSERT_TRUE(world.Settle(key));
  ASSERT_THAT(world.Containers(key), Not(IsEmpty())) << "the kind runs containers";
  const std::set<std::string> volumes = world.docker_.VolumeNames();
  const std::vector<std::string> secrets = world.SecretValues(key);

  world.WriteManifest(std::nullopt);  // as `rm` of the file, or nxtctl delete
  ASSERT_NE(world.store_.Get(key), nullptr);
  EXPECT_NE(world.store_.Get(key)->metadata.deletion_timestamp, absl::InfinitePast());
  for (int i = 0; i < 40 && world.store_.Get(key) != nullptr; ++i) {
    (void)world.controller_.reconciler->Reconcile({key});
  }
  EXPECT_EQ(world.store_.Get(key), nullptr) << "finalized";
  EXPECT_THAT(world.Containers(key), IsEmpty());
  EXPECT_EQ(world.docker_.VolumeNames(), volumes) << "deletionPolicy: Retain keeps every volume";
  EXPECT_EQ(world.SecretValues(key), secrets) << "and every secret";
}

TEST_P(KindContractTest, InvalidEditChangesNothing) {
  KindWorld world(kind());
  ASSERT_THAT(world.Start(), IsOk());
  const std::string manifest = ReadFile(KindDir(kind()) + "/fixture.yaml");
  const resources::ObjectKey key = Fixture(kind()).Key();
  world.WriteManifest(manifest);
  ASSERT_TRUE(world.Settle(key));
  const resources::ObjectPtr before = world.store_.Get(key);
  ASSERT_NE(before, nullptr);

  // An invalid edit: a field the kind's schema does not know, on the last line.
  const int line = static_cast<int>(std::count(manifest.begin(), manifest.end(), '\n')) + 1;
  world.WriteManifest(manifest + "  nxtNoSuchField: 1\n");
  world.docker_.ResetCalls();
  EXPECT_TRUE(world.Settle(key, 3));
  EXPECT_EQ(world.docker_.total_mutating_calls(), 0);
  const resources::ObjectPtr after = world.store_.Get(key);
  ASSERT_NE(after, nullptr);
  EXPECT_EQ(after->spec, before->spec);
  EXPECT_EQ(after->metadata.generation, before->metadata.generation);
  const std::optional<resources::ObjectStatus> status = world.store_.GetStatus(key);
  ASSERT_TRUE(status.has_value());
  const resources::Condition* stalled = status->FindCondition("Stalled");
  ASSERT_NE(stalled, nullptr);
  EXPECT_EQ(stalled->status, "True");
  EXPECT_THAT(stalled->message, HasSubstr(absl::StrCat("object.yaml:", line,
                                                       ":3: spec.nxtNoSuchField: unknown field")));
}

INSTANTIATE_TEST_SUITE_P(EveryKind, KindContractTest, ::testing::ValuesIn(RegisteredKinds()),
                         [](const ::testing::TestParamInfo<RegisteredKind>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace nxt::controllers
