// End to end (issue 12, "read-back is safe"): `nxtctl get -o yaml | nxtctl apply -f -`
// shows secrets as "<redacted>"; applying that output back (through the API, by editing
// the watched file, or validating it) is refused with the field path, and the stored
// object, its secret and its containers stay exactly as they were.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/testing/docker_env.h"
#include "tests/testing/temp_dir.h"

namespace nxt::e2e {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSecret[] = "e2e-readback-hunter2-5f1c";
constexpr char kRefusal[] =
    R"(spec\.env\.DB_PASSWORD: Invalid value: "<redacted>" is the placeholder get and )"
    R"(describe show in place of a secret, not a value)";

class ReadBackE2eTest : public E2eTest {
 protected:
  // `docker inspect`'s environment of a container.
  std::string EnvOf(const std::string& container) {
    absl::StatusOr<CommandResult> r =
        RunCommand({"docker", "-H", "unix://" + nxt::testing::DockerSocketPath(), "inspect",
                    "--format", "{{json .Config.Env}}", container});
    EXPECT_TRUE(r.ok() && r->exit_code == 0) << container;
    return r.ok() ? r->stdout_text : "";
  }
};

// The manifest files under `dir` that mention `needle`, relative to `dir`.
std::vector<std::string> FilesMentioning(const std::string& dir, const std::string& needle) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file() || e.path().extension() != ".yaml") continue;
    std::ifstream in(e.path());
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (text.find(needle) != std::string::npos) {
      out.push_back(std::filesystem::relative(e.path(), dir).string());
    }
  }
  return out;
}

TEST_F(ReadBackE2eTest, GetOutputAppliedBackIsRefusedAndTheSecretStays) {
  const std::string web = SetName("web");
  StartNxtd();
  SetManifest manifest(ns_, web, 1);
  manifest.env = {{"DB_PASSWORD", kSecret}, {"MODE", "prod"}};
  nxt::testing::TempDir dir;
  dir.Write("web.yaml", manifest.Yaml());
  CommandResult applied = nxtd_->Nxtctl({"apply", "-f", dir.Join("web.yaml")});
  ASSERT_EQ(applied.exit_code, 0) << applied.stderr_text;
  WaitRunningMembers(web, 1, absl::Seconds(60));
  ASSERT_TRUE(WaitFor([&] { return IsReady(web); }, absl::Seconds(30)));
  const std::map<std::string, std::string> ids = MemberIds(web);
  const int64_t generation = Generation(GetObject(web));
  ASSERT_THAT(EnvOf(web + "-0"), HasSubstr(absl::StrCat("DB_PASSWORD=", kSecret)));

  CommandResult yaml = nxtd_->Nxtctl({"get", "cs", web, "-n", ns_, "-o", "yaml"});
  ASSERT_EQ(yaml.exit_code, 0) << yaml.stderr_text;
  ASSERT_THAT(yaml.stdout_text, HasSubstr("DB_PASSWORD: <redacted>"));
  ASSERT_THAT(yaml.stdout_text, Not(HasSubstr(kSecret)));

  // The pipe, through the API; and validate, offline of the store.
  for (const char* verb : {"apply", "validate"}) {
    CommandResult piped = nxtd_->Nxtctl({verb, "-f", "-"}, yaml.stdout_text);
    EXPECT_EQ(piped.exit_code, 1) << verb << ": " << piped.stdout_text;
    EXPECT_THAT(piped.stderr_text, ContainsRegex(absl::StrCat("<stdin>:[0-9]+:5: ", kRefusal)))
        << verb;
    // The placeholder is the one thing wrong with the read-back (one error, one summary).
    EXPECT_EQ(std::count(piped.stderr_text.begin(), piped.stderr_text.end(), '\n'), 2)
        << verb << ": " << piped.stderr_text;
  }

  // The same text saved over the watched file that defines the object.
  std::vector<std::string> files = FilesMentioning(nxtd_->manifests_dir(), web);
  ASSERT_EQ(files.size(), 1u);
  nxtd_->WriteManifest(files[0], yaml.stdout_text);
  const std::string path = nxtd_->manifests_dir() + "/" + files[0];
  ASSERT_TRUE(WaitFor(
      [&] {
        CommandResult d = nxtd_->Nxtctl({"describe", "cs", web, "-n", ns_});
        return d.stdout_text.find("DB_PASSWORD: Invalid value") != std::string::npos;
      },
      absl::Seconds(30)))
      << nxtd_->Nxtctl({"describe", "cs", web, "-n", ns_}).stdout_text;
  // (the log quotes the message: its inner quotes are escaped)
  EXPECT_THAT(nxtd_->ReadLog(),
              ContainsRegex(absl::StrCat(path, R"(:[0-9]+:5: spec\.env\.DB_PASSWORD: Invalid )")));

  // Nothing changed: same generation, same container, the real secret still in it.
  EXPECT_EQ(Generation(GetObject(web)), generation);
  EXPECT_EQ(MemberIds(web), ids);
  EXPECT_THAT(EnvOf(web + "-0"), HasSubstr(absl::StrCat("DB_PASSWORD=", kSecret)));
  EXPECT_THAT(EnvOf(web + "-0"), Not(HasSubstr("<redacted>")));
}

}  // namespace
}  // namespace nxt::e2e
