#include "tests/testing/fake_docker_client.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace nxt::testing {
namespace {

using Labels = std::map<std::string, std::string>;

std::string Unprefixed(const std::string& name) {
  return absl::StartsWith(name, "/") ? name.substr(1) : name;
}

}  // namespace

bool FakeDockerClient::Matches(const docker::LabelSelector& selector, const Labels& labels) {
  for (const auto& [k, v] : selector) {
    auto it = labels.find(k);
    if (it == labels.end() || (!v.empty() && it->second != v)) return false;
  }
  return true;
}

FakeDockerClient::FakeDockerClient(const Clock* clock) : clock_(clock) {}
FakeDockerClient::~FakeDockerClient() = default;

absl::Time FakeDockerClient::Now() const { return clock_ != nullptr ? clock_->Now() : absl::Now(); }

absl::Status FakeDockerClient::TakeFault(Method method) {
  ++calls_[method];
  auto it = faults_.find(method);
  if (it == faults_.end() || it->second.empty()) return absl::OkStatus();
  absl::Status s = it->second.front();
  it->second.pop_front();
  return s;
}

FakeDockerClient::Container* FakeDockerClient::Find(const std::string& id_or_name) {
  return const_cast<Container*>(std::as_const(*this).Find(id_or_name));
}

const FakeDockerClient::Container* FakeDockerClient::Find(const std::string& id_or_name) const {
  std::string key = Unprefixed(id_or_name);
  auto it = containers_.find(key);
  if (it != containers_.end()) return &it->second;
  const Container* found = nullptr;
  for (const auto& [name, c] : containers_) {
    if (!key.empty() && absl::StartsWith(c.id, key)) {
      if (found != nullptr) return nullptr;  // ambiguous prefix
      found = &c;
    }
  }
  return found;
}

void FakeDockerClient::Emit(const std::string& type, const std::string& action,
                            const std::string& actor_id, Labels attributes) {
  docker::Event e{type, action, actor_id, std::move(attributes), absl::ToUnixNanos(Now())};
  log_.push_back(e);
  pending_.push_back(e);
  for (Subscriber* s : subscribers_) {
    if ((s->type.empty() || s->type == type) && Matches(s->selector, e.attributes)) {
      s->queue.push_back(e);
    }
  }
}

void FakeDockerClient::EmitContainer(const Container& c, const std::string& action) {
  Labels attributes = c.spec.labels;
  attributes["name"] = c.spec.name;
  attributes["image"] = c.spec.image;
  if (action == "die") attributes["exitCode"] = absl::StrCat(c.exit_code);
  Emit("container", action, c.id, std::move(attributes));
}

void FakeDockerClient::Flush() {
  absl::MutexLock deliver(&listeners_mu_);
  std::vector<docker::Event> events;
  {
    absl::MutexLock lock(&mu_);
    events.swap(pending_);
  }
  for (const docker::Event& e : events) {
    for (const auto& listener : listeners_) listener(e);
  }
}

docker::ContainerSummary FakeDockerClient::Summarize(const Container& c) const {
  docker::ContainerSummary s;
  s.id = c.id;
  s.name = c.spec.name;
  s.image = c.spec.image;
  s.labels = c.spec.labels;
  s.state = c.state;
  s.created = c.created;
  if (c.state == "running") {
    s.status = "Up 1 second";
    if (c.health == "starting") s.status += " (health: starting)";
    if (c.health == "healthy" || c.health == "unhealthy") s.status += " (" + c.health + ")";
  } else if (c.state == "exited") {
    s.status = absl::StrCat("Exited (", c.exit_code, ") 1 second ago");
  } else {
    s.status = "Created";
  }
  return s;
}

absl::StatusOr<docker::VersionInfo> FakeDockerClient::Version() {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = TakeFault(Method::kVersion); !s.ok()) return s;
  return docker::VersionInfo{"20.10.24-fake", "1.41", "1.12"};
}

absl::Status FakeDockerClient::Ping() {
  absl::MutexLock lock(&mu_);
  return TakeFault(Method::kPing);
}

absl::StatusOr<std::vector<docker::ContainerSummary>> FakeDockerClient::ListContainers(
    const docker::LabelSelector& selector) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = TakeFault(Method::kListContainers); !s.ok()) return s;
  std::vector<docker::ContainerSummary> out;
  for (const auto& [name, c] : containers_) {
    if (Matches(selector, c.spec.labels)) out.push_back(Summarize(c));
  }
  return out;
}

absl::StatusOr<docker::ContainerInfo> FakeDockerClient::InspectContainer(
    const std::string& id_or_name) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = TakeFault(Method::kInspectContainer); !s.ok()) return s;
  const Container* c = Find(id_or_name);
  if (c == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("docker inspect ", id_or_name, ": HTTP 404: No such container: ", id_or_name));
  }
  docker::ContainerInfo info;
  info.id = c->id;
  info.name = c->spec.name;
  info.image = c->spec.image;
  info.labels = c->spec.labels;
  info.state = c->state;
  info.running = c->state == "running";
  info.exit_code = c->exit_code;
  info.health = c->state == "running" ? c->health : "";
  info.pid = info.running ? 1000 + static_cast<int>(next_id_) : 0;
  info.started_at = c->started_at;
  info.finished_at = c->finished_at;
  if (info.running) {
    // One address per container, the same on each of its networks (the fake has no
    // subnets): 172.30.<serial / 250>.<serial % 250 + 2>.
    for (const std::string& n : c->spec.networks) {
      info.network_ips[n] = absl::StrCat("172.30.", c->serial / 250, ".", c->serial % 250 + 2);
    }
  }
  return info;
}

absl::StatusOr<std::string> FakeDockerClient::CreateContainer(const docker::ContainerSpec& spec) {
  std::string id;
  {
    absl::MutexLock lock(&mu_);
    if (absl::Status s = TakeFault(Method::kCreateContainer); !s.ok()) return s;
    const std::string prefix = absl::StrCat("docker create ", spec.name, ": ");
    if (spec.name.empty() || containers_.count(spec.name) > 0) {
      return absl::AlreadyExistsError(absl::StrCat(
          prefix, "HTTP 409: Conflict. The container name \"/", spec.name, "\" is already in use"));
    }
    if (removed_images_.count(spec.image) > 0) {
      return absl::NotFoundError(absl::StrCat(prefix, "HTTP 404: No such image: ", spec.image));
    }
    for (const std::string& n : spec.networks) {
      if (networks_.count(n) == 0) {
        return absl::NotFoundError(absl::StrCat(prefix, "HTTP 404: network ", n, " not found"));
      }
    }
    for (const docker::Mount& m : spec.mounts) {
      if (m.type == docker::Mount::Type::kVolume && volumes_.count(m.source) == 0) {
        volumes_[m.source] = Volume{};  // Docker creates missing named volumes, unlabelled
        Emit("volume", "create", m.source, {{"driver", "local"}});
      }
    }
    Container c;
    c.serial = next_id_;
    c.id = absl::StrFormat("%064x", next_id_++ * 0x9e3779b97f4a7c15ULL % 0xffffffffffffULL);
    c.spec = spec;
    c.created = Now();
    id = c.id;
    auto [it, inserted] = containers_.emplace(spec.name, std::move(c));
    EmitContainer(it->second, "create");
  }
  Flush();
  return id;
}

void FakeDockerClient::StartLocked(Container& c) {
  c.state = "running";
  c.started_at = Now();
  c.exit_code = 0;
  c.health = c.spec.healthcheck.has_value() ? default_health_ : "";
  EmitContainer(c, "start");
  int exit_code = 0;
  if (auto it = start_failures_by_name_.find(c.spec.name); it != start_failures_by_name_.end()) {
    exit_code = it->second;
  } else if (auto it2 = start_failures_by_image_.find(c.spec.image);
             it2 != start_failures_by_image_.end()) {
    exit_code = it2->second;
  }
  if (exit_code != 0) StopLocked(c, exit_code);
}

void FakeDockerClient::StopLocked(Container& c, int exit_code) {
  c.state = "exited";
  c.exit_code = exit_code;
  c.health = "";
  c.finished_at = Now();
  EmitContainer(c, "die");
}

absl::Status FakeDockerClient::StartContainer(const std::string& id_or_name) {
  {
    absl::MutexLock lock(&mu_);
    if (absl::Status s = TakeFault(Method::kStartContainer); !s.ok()) return s;
    Container* c = Find(id_or_name);
    if (c == nullptr) {
      return absl::NotFoundError(
          absl::StrCat("docker start ", id_or_name, ": HTTP 404: No such container: ", id_or_name));
    }
    if (c->state == "running") return absl::OkStatus();
    StartLocked(*c);
  }
  Flush();
  return absl::OkStatus();
}

absl::Status FakeDockerClient::StopContainer(const std::string& id_or_name, absl::Duration) {
  {
    absl::MutexLock lock(&mu_);
    if (absl::Status s = TakeFault(Method::kStopContainer); !s.ok()) return s;
    Container* c = Find(id_or_name);
    if (c == nullptr) {
      return absl::NotFoundError(
          absl::StrCat("docker stop ", id_or_name, ": HTTP 404: No such container: ", id_or_name));
    }
    if (c->state != "running") return absl::OkStatus();
    EmitContainer(*c, "kill");
    StopLocked(*c, 143);
    EmitContainer(*c, "stop");
  }
  Flush();
  return absl::OkStatus();
}

absl::Status FakeDockerClient::KillContainer(const std::string& id_or_name, const std::string&) {
  {
    absl::MutexLock lock(&mu_);
    if (absl::Status s = TakeFault(Method::kKillContainer); !s.ok()) return s;
    Container* c = Find(id_or_name);
    if (c == nullptr) {
      return absl::NotFoundError(
          absl::StrCat("docker kill ", id_or_name, ": HTTP 404: No such container: ", id_or_name));
    }
    if (c->state != "running") {
      return absl::FailedPreconditionError(absl::StrCat(
          "docker kill ", id_or_name, ": HTTP 409: Container ", c->id, " is not running"));
    }
    EmitContainer(*c, "kill");
    StopLocked(*c, 137);
  }
  Flush();
  return absl::OkStatus();
}

absl::Status FakeDockerClient::SetRestartPolicy(const std::string& id_or_name,
                                                const std::string& policy) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = TakeFault(Method::kSetRestartPolicy); !s.ok()) return s;
  Container* c = Find(id_or_name);
  if (c == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("docker update ", id_or_name, ": HTTP 404: No such container: ", id_or_name));
  }
  c->spec.restart_policy = policy;
  return absl::OkStatus();
}

absl::Status FakeDockerClient::RemoveLocked(const std::string& id_or_name, bool force) {
  Container* c = Find(id_or_name);
  if (c == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("docker rm ", id_or_name, ": HTTP 404: No such container: ", id_or_name));
  }
  if (c->state == "running") {
    if (!force) {
      return absl::FailedPreconditionError(absl::StrCat(
          "docker rm ", id_or_name, ": HTTP 409: You cannot remove a running container ", c->id,
          ". Stop the container before attempting removal or force remove"));
    }
    EmitContainer(*c, "kill");
    StopLocked(*c, 137);
  }
  EmitContainer(*c, "destroy");
  containers_.erase(c->spec.name);
  return absl::OkStatus();
}

absl::Status FakeDockerClient::RemoveContainer(const std::string& id_or_name, bool force) {
  absl::Status result;
  {
    absl::MutexLock lock(&mu_);
    if (absl::Status s = TakeFault(Method::kRemoveContainer); !s.ok()) return s;
    result = RemoveLocked(id_or_name, force);
  }
  Flush();
  return result;
}

absl::StatusOr<docker::ExecResult> FakeDockerClient::Exec(const std::string& id_or_name,
                                                          const std::vector<std::string>& cmd,
                                                          absl::Duration,
                                                          const std::string& stdin_data) {
  ExecHandler handler;
  std::string name;
  std::optional<docker::ExecResult> result;
  std::string exec_id;
  {
    absl::MutexLock lock(&mu_);
    if (absl::Status s = TakeFault(Method::kExec); !s.ok()) return s;
    const Container* c = Find(id_or_name);
    if (c == nullptr) {
      return absl::NotFoundError(
          absl::StrCat("docker exec ", id_or_name, ": HTTP 404: No such container: ", id_or_name));
    }
    if (c->state != "running") {
      return absl::FailedPreconditionError(absl::StrCat(
          "docker exec ", id_or_name, ": HTTP 409: Container ", c->id, " is not running"));
    }
    name = c->spec.name;
    exec_id = absl::StrFormat("exec%060d", next_id_++);
    EmitExec(*c, absl::StrCat("exec_create: ", absl::StrJoin(cmd, " ")), exec_id);
    EmitExec(*c, absl::StrCat("exec_start: ", absl::StrJoin(cmd, " ")), exec_id);
    if (auto it = exec_results_.find({name, cmd}); it != exec_results_.end()) result = it->second;
    handler = exec_handler_;
  }
  Flush();
  if (!result.has_value() && handler) result = handler(name, cmd, stdin_data);
  if (!result.has_value()) {
    result = docker::ExecResult{
        127, "", absl::StrCat("fake: no scripted result for ", absl::StrJoin(cmd, " "))};
  }
  {
    absl::MutexLock lock(&mu_);
    if (const Container* c = Find(name); c != nullptr) {
      EmitExec(*c, "exec_die", exec_id, {{"exitCode", absl::StrCat(result->exit_code)}});
    }
  }
  Flush();
  return *result;
}

void FakeDockerClient::EmitExec(const Container& c, const std::string& action,
                                const std::string& exec_id, Labels extra) {
  Labels attributes = c.spec.labels;
  attributes["name"] = c.spec.name;
  attributes["image"] = c.spec.image;
  attributes["execID"] = exec_id;
  attributes.insert(extra.begin(), extra.end());
  Emit("container", action, c.id, std::move(attributes));
}

absl::Status FakeDockerClient::PutFile(const std::string& id_or_name, const std::string& path,
                                       const std::string& content, int mode) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = TakeFault(Method::kPutFile); !s.ok()) return s;
  Container* c = Find(id_or_name);
  if (c == nullptr) {
    return absl::NotFoundError(absl::StrCat("docker put ", id_or_name, ":", path,
                                            ": HTTP 404: No such container: ", id_or_name));
  }
  c->files[path] = {content, mode};
  return absl::OkStatus();
}

}  // namespace nxt::testing
