#include "tests/e2e/e2e_fixture.h"

#include <boost/json.hpp>
#include <iostream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "controllers/common/secret_store.h"
#include "tests/testing/docker_env.h"

namespace nxt::e2e {
namespace {

std::string Describe(const std::map<std::string, docker::ContainerSummary>& members) {
  std::string out;
  for (const auto& [name, c] : members) {
    auto hash = c.labels.find(docker::kLabelConfigHash);
    absl::StrAppend(&out, name, "(", c.state, ", ",
                    hash == c.labels.end() ? std::string("-") : hash->second.substr(0, 12), ") ");
  }
  return out.empty() ? "none" : out;
}

}  // namespace

void E2eTest::SetUp() {
  NXT_REQUIRE_DOCKER_OR_OPT_OUT();
  ns_ = UniqueName("e2e");
  docker::CurlDockerClient::Options options;
  options.socket_path = nxt::testing::DockerSocketPath();
  docker_ = std::make_unique<docker::CurlDockerClient>(options);
  absl::Status ping = docker_->Ping();
  ASSERT_TRUE(ping.ok()) << "no Docker engine at " << options.socket_path << ": " << ping;
}

void E2eTest::TearDown() {
  if (nxtd_ != nullptr) {
    nxtd_->Kill();  // first, so nothing is recreated behind the clean-up
    if (HasFailure()) {
      std::string log = nxtd_->ReadLog();
      if (log.size() > 6000) log = "..." + log.substr(log.size() - 6000);
      std::cerr << "---- nxtd log (tail) ----\n" << log << "---- end of nxtd log ----\n";
    }
  }
  if (docker_ != nullptr) {
    absl::Status cleaned = CleanupNamespace(*docker_, ns_);
    EXPECT_TRUE(cleaned.ok()) << "cleanup of namespace " << ns_ << ": " << cleaned;
  }
}

void E2eTest::StartNxtd(NxtdOptions options) {
  nxtd_ = std::make_unique<NxtdProcess>(std::move(options));
  absl::Status started = nxtd_->Start();
  ASSERT_TRUE(started.ok()) << started;
}

std::map<std::string, docker::ContainerSummary> E2eTest::Members(const std::string& name) {
  absl::StatusOr<std::map<std::string, docker::ContainerSummary>> members =
      SetMembers(*docker_, ns_, name);
  EXPECT_TRUE(members.ok()) << members.status();
  return members.ok() ? *members : std::map<std::string, docker::ContainerSummary>{};
}

bool E2eTest::HasRunningMembers(const std::string& name, int n,
                                const std::optional<std::string>& hash) {
  std::map<std::string, docker::ContainerSummary> members = Members(name);
  if (static_cast<int>(members.size()) != n) return false;
  for (int i = 0; i < n; ++i) {
    auto it = members.find(absl::StrCat(name, "-", i));
    if (it == members.end() || it->second.state != "running") return false;
    if (hash.has_value() && it->second.labels[docker::kLabelConfigHash] != *hash) return false;
  }
  return true;
}

void E2eTest::WaitRunningMembers(const std::string& name, int n, absl::Duration timeout,
                                 const std::optional<std::string>& hash) {
  if (WaitFor([&] { return HasRunningMembers(name, n, hash); }, timeout)) return;
  ADD_FAILURE() << "after " << timeout << " expected " << n << " running members of " << ns_ << "/"
                << name << (hash ? " with hash " + hash->substr(0, 12) : "")
                << ", got: " << Describe(Members(name));
}

std::map<std::string, std::string> E2eTest::MemberIds(const std::string& name) {
  std::map<std::string, std::string> out;
  for (const auto& [n, c] : Members(name)) out[n] = c.id;
  return out;
}

std::map<std::string, std::string> E2eTest::ContainerIds(const std::string& name,
                                                         const std::string& role) {
  docker::LabelSelector selector = {{docker::kLabelNamespace, ns_}, {docker::kLabelName, name}};
  if (!role.empty()) selector[docker::kLabelRole] = role;
  std::map<std::string, std::string> out;
  absl::StatusOr<std::vector<docker::ContainerSummary>> rows = docker_->ListContainers(selector);
  EXPECT_TRUE(rows.ok()) << rows.status();
  if (rows.ok()) {
    for (const docker::ContainerSummary& c : *rows) out[c.name] = c.id;
  }
  return out;
}

std::vector<std::string> E2eTest::Secrets(const std::string& kind, const std::string& name,
                                          const std::vector<std::string>& secrets) {
  controllers::SecretStore store(nxtd_->state_dir());
  std::vector<std::string> out;
  for (const std::string& secret : secrets) {
    absl::StatusOr<std::string> value = store.Get({kind, ns_, name}, secret);
    EXPECT_TRUE(value.ok()) << secret << ": " << value.status();
    out.push_back(value.ok() ? *value : "");
  }
  return out;
}

std::string E2eTest::Visible(const std::string& name, const std::string& kind) {
  std::string out;
  for (const auto& [container, id] : ContainerIds(name)) {
    for (const char* verb : {"inspect", "top"}) {
      absl::StatusOr<CommandResult> r = RunCommand(
          {"docker", "-H", "unix://" + nxt::testing::DockerSocketPath(), verb, container});
      EXPECT_TRUE(r.ok() && r->exit_code == 0) << "docker " << verb << " " << container;
      if (r.ok()) out += r->stdout_text;
    }
  }
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"get", kind, name, "-n", ns_, "-o", "yaml"},
        std::vector<std::string>{"get", kind, "-n", ns_},
        std::vector<std::string>{"describe", kind, name, "-n", ns_}}) {
    CommandResult r = nxtd_->Nxtctl(args);
    EXPECT_EQ(r.exit_code, 0) << r.stderr_text;
    out += r.stdout_text + r.stderr_text;
  }
  absl::StatusOr<HttpResponse> metrics = HttpGet(nxtd_->metrics_url("/metrics"));
  EXPECT_TRUE(metrics.ok()) << metrics.status();
  if (metrics.ok()) out += metrics->body;
  return out + nxtd_->ReadLog();
}

void E2eTest::ExpectSecretsHidden(const std::string& kind, const std::string& short_kind,
                                  const std::string& name, const std::vector<std::string>& names) {
  const std::vector<std::string> secrets = Secrets(kind, name, names);
  const std::string visible = Visible(name, short_kind);
  ASSERT_FALSE(visible.empty());
  for (size_t i = 0; i < secrets.size(); ++i) {
    ASSERT_GE(secrets[i].size(), 16u) << names[i];
    EXPECT_FALSE(absl::StrContains(visible, secrets[i]))
        << names[i] << " of " << name << " is visible";
  }
}

boost::json::object E2eTest::GetObject(const std::string& name, const std::string& kind) {
  CommandResult r = nxtd_->Nxtctl({"get", kind, name, "-n", ns_, "-o", "json"});
  if (r.exit_code != 0) return {};
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(r.stdout_text, ec);
  if (ec || !v.is_object()) return {};
  return v.as_object();
}

ConditionView E2eTest::Condition(const boost::json::object& object, const std::string& type) {
  ConditionView out;
  const boost::json::value* status = object.if_contains("status");
  const boost::json::value* conditions = status != nullptr && status->is_object()
                                             ? status->as_object().if_contains("conditions")
                                             : nullptr;
  if (conditions == nullptr || !conditions->is_array()) return out;
  for (const auto& c : conditions->as_array()) {
    const boost::json::object* o = c.if_object();
    if (o == nullptr) continue;
    auto str = [o](const char* key) {
      const boost::json::value* v = o->if_contains(key);
      return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
    };
    if (str("type") == type) return ConditionView{str("status"), str("reason"), str("message")};
  }
  return out;
}

int64_t E2eTest::Generation(const boost::json::object& object) {
  const boost::json::value* m = object.if_contains("metadata");
  const boost::json::value* g =
      m != nullptr && m->is_object() ? m->as_object().if_contains("generation") : nullptr;
  return g != nullptr && g->is_int64() ? g->as_int64() : -1;
}

int64_t E2eTest::ObservedGeneration(const boost::json::object& object) {
  const boost::json::value* s = object.if_contains("status");
  const boost::json::value* g =
      s != nullptr && s->is_object() ? s->as_object().if_contains("observedGeneration") : nullptr;
  return g != nullptr && g->is_int64() ? g->as_int64() : -1;
}

bool E2eTest::IsReady(const std::string& name, const std::string& kind) {
  boost::json::object o = GetObject(name, kind);
  return Condition(o, "Ready").status == "True" && ObservedGeneration(o) >= Generation(o) &&
         Generation(o) > 0;
}

}  // namespace nxt::e2e
