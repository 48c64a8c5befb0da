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

bool Matches(const docker::LabelSelector& selector, const Labels& labels) {
  for (const auto& [k, v] : selector) {
    auto it = labels.find(k);
    if (it == labels.end() || (!v.empty() && it->second != v)) return false;
  }
  return true;
}

std::string Unprefixed(const std::string& name) {
  return absl::StartsWith(name, "/") ? name.substr(1) : name;
}

bool IsMutating(FakeDockerClient::Method m) {
  using M = FakeDockerClient::Method;
  return m == M::kCreateContainer || m == M::kStartContainer || m == M::kStopContainer ||
         m == M::kKillContainer || m == M::kRemoveContainer || m == M::kCreateNetwork ||
         m == M::kRemoveNetwork || m == M::kCreateVolume || m == M::kRemoveVolume;
}

}  // namespace

struct FakeDockerClient::Subscriber {
  docker::LabelSelector selector;
  std::string type;
  std::deque<docker::Event> queue;
  int64_t generation = 0;
};

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
    int host = 2;
    for (const std::string& n : c->spec.networks)
      info.network_ips[n] = absl::StrCat("172.30.0.", host++);
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
    if (auto it = exec_results_.find({name, cmd}); it != exec_results_.end()) return it->second;
    handler = exec_handler_;
  }
  if (handler) {
    if (std::optional<docker::ExecResult> r = handler(name, cmd, stdin_data)) return *r;
  }
  return docker::ExecResult{127, "",
                            absl::StrCat("fake: no scripted result for ", absl::StrJoin(cmd, " "))};
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

absl::StatusOr<std::vector<docker::NetworkInfo>> FakeDockerClient::ListNetworks(
    const docker::LabelSelector& selector) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = TakeFault(Method::kListNetworks); !s.ok()) return s;
  std::vector<docker::NetworkInfo> out;
  for (const auto& [name, n] : networks_) {
    if (Matches(selector, n.labels)) out.push_back(n);
  }
  return out;
}

absl::Status FakeDockerClient::CreateNetwork(const std::string& name, const Labels& labels) {
  {
    absl::MutexLock lock(&mu_);
    if (absl::Status s = TakeFault(Method::kCreateNetwork); !s.ok()) return s;
    if (networks_.count(name) > 0) return absl::OkStatus();
    networks_[name] = docker::NetworkInfo{absl::StrFormat("net%061d", next_id_++), name, labels};
    Emit("network", "create", networks_[name].id, {{"name", name}, {"type", "bridge"}});
  }
  Flush();
  return absl::OkStatus();
}

absl::Status FakeDockerClient::RemoveNetwork(const std::string& name) {
  {
    absl::MutexLock lock(&mu_);
    if (absl::Status s = TakeFault(Method::kRemoveNetwork); !s.ok()) return s;
    auto it = networks_.find(name);
    if (it == networks_.end()) {
      return absl::NotFoundError(
          absl::StrCat("docker network rm ", name, ": HTTP 404: network ", name, " not found"));
    }
    for (const auto& [cname, c] : containers_) {
      if (c.state == "running" && std::find(c.spec.networks.begin(), c.spec.networks.end(), name) !=
                                      c.spec.networks.end()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "docker network rm ", name, ": HTTP 403: error while removing network: ", "network ",
            name, " id ", it->second.id, " has active endpoints"));
      }
    }
    Emit("network", "destroy", it->second.id, {{"name", name}, {"type", "bridge"}});
    networks_.erase(it);
  }
  Flush();
  return absl::OkStatus();
}

absl::StatusOr<std::vector<docker::VolumeInfo>> FakeDockerClient::ListVolumes(
    const docker::LabelSelector& selector) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = TakeFault(Method::kListVolumes); !s.ok()) return s;
  std::vector<docker::VolumeInfo> out;
  for (const auto& [name, v] : volumes_) {
    if (Matches(selector, v.labels)) {
      out.push_back({name, v.labels, absl::StrCat("/var/lib/docker/volumes/", name, "/_data")});
    }
  }
  return out;
}

absl::Status FakeDockerClient::CreateVolume(const std::string& name, const Labels& labels) {
  {
    absl::MutexLock lock(&mu_);
    if (absl::Status s = TakeFault(Method::kCreateVolume); !s.ok()) return s;
    if (volumes_.count(name) > 0) return absl::OkStatus();
    volumes_[name] = Volume{labels};
    Emit("volume", "create", name, {{"driver", "local"}});
  }
  Flush();
  return absl::OkStatus();
}

absl::Status FakeDockerClient::RemoveVolume(const std::string& name) {
  {
    absl::MutexLock lock(&mu_);
    if (absl::Status s = TakeFault(Method::kRemoveVolume); !s.ok()) return s;
    if (volumes_.count(name) == 0) {
      return absl::NotFoundError(
          absl::StrCat("docker volume rm ", name, ": HTTP 404: get ", name, ": no such volume"));
    }
    for (const auto& [cname, c] : containers_) {
      for (const docker::Mount& m : c.spec.mounts) {
        if (m.type == docker::Mount::Type::kVolume && m.source == name) {
          return absl::FailedPreconditionError(absl::StrCat("docker volume rm ", name,
                                                            ": HTTP 409: remove ", name,
                                                            ": volume is in use - [", c.id, "]"));
        }
      }
    }
    volumes_.erase(name);
    Emit("volume", "destroy", name, {{"driver", "local"}});
  }
  Flush();
  return absl::OkStatus();
}

absl::StatusOr<docker::ImageInfo> FakeDockerClient::InspectImage(const std::string& name) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = TakeFault(Method::kInspectImage); !s.ok()) return s;
  if (removed_images_.count(name) > 0) {
    return absl::NotFoundError(
        absl::StrCat("docker image inspect ", name, ": HTTP 404: No such image: ", name));
  }
  return docker::ImageInfo{absl::StrCat("sha256:fake-", name), {}, {name}};
}

absl::Status FakeDockerClient::StreamEvents(
    const docker::LabelSelector& selector, const std::string& type, absl::Time since,
    const std::function<void(const docker::Event&)>& on_event, const std::atomic<bool>& stop) {
  Subscriber sub;
  sub.selector = selector;
  sub.type = type;
  {
    absl::MutexLock lock(&mu_);
    if (absl::Status s = TakeFault(Method::kStreamEvents); !s.ok()) return s;
    sub.generation = stream_generation_;
    if (since != absl::InfinitePast()) {
      for (const docker::Event& e : log_) {
        if (e.time_nano >= absl::ToUnixNanos(since) && (type.empty() || e.type == type) &&
            Matches(selector, e.attributes)) {
          sub.queue.push_back(e);
        }
      }
    }
    subscribers_.push_back(&sub);
  }
  absl::Status result;
  while (!stop.load()) {
    std::deque<docker::Event> batch;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return !sub.queue.empty() || sub.generation != stream_generation_;
      };
      mu_.AwaitWithTimeout(absl::Condition(&ready), absl::Milliseconds(50));
      if (sub.generation != stream_generation_) {
        result = absl::UnavailableError("docker events: stream broken (fake)");
        break;
      }
      batch.swap(sub.queue);
    }
    for (const docker::Event& e : batch) on_event(e);
  }
  absl::MutexLock lock(&mu_);
  subscribers_.erase(std::find(subscribers_.begin(), subscribers_.end(), &sub));
  return result;
}

void FakeDockerClient::FailNext(Method method, int count, absl::Status status) {
  absl::MutexLock lock(&mu_);
  for (int i = 0; i < count; ++i) faults_[method].push_back(status);
}

void FakeDockerClient::SetStartFailure(const std::string& name, int exit_code) {
  absl::MutexLock lock(&mu_);
  start_failures_by_name_[name] = exit_code;
}

void FakeDockerClient::SetImageStartFailure(const std::string& image, int exit_code) {
  absl::MutexLock lock(&mu_);
  start_failures_by_image_[image] = exit_code;
}

void FakeDockerClient::ClearStartFailures() {
  absl::MutexLock lock(&mu_);
  start_failures_by_name_.clear();
  start_failures_by_image_.clear();
}

void FakeDockerClient::SetDefaultHealth(const std::string& health) {
  absl::MutexLock lock(&mu_);
  default_health_ = health;
}

absl::Status FakeDockerClient::SetHealth(const std::string& id_or_name, const std::string& health) {
  {
    absl::MutexLock lock(&mu_);
    Container* c = Find(id_or_name);
    if (c == nullptr) return absl::NotFoundError(absl::StrCat("no container ", id_or_name));
    if (c->state != "running" || !c->spec.healthcheck.has_value()) {
      return absl::FailedPreconditionError(
          absl::StrCat(id_or_name, " is not running with a healthcheck"));
    }
    if (c->health == health) return absl::OkStatus();
    c->health = health;
    EmitContainer(*c, absl::StrCat("health_status: ", health));
  }
  Flush();
  return absl::OkStatus();
}

absl::Status FakeDockerClient::StopBehindBack(const std::string& id_or_name) {
  {
    absl::MutexLock lock(&mu_);
    Container* c = Find(id_or_name);
    if (c == nullptr) return absl::NotFoundError(absl::StrCat("no container ", id_or_name));
    if (c->state != "running") return absl::OkStatus();
    EmitContainer(*c, "kill");
    StopLocked(*c, 143);
    EmitContainer(*c, "stop");
  }
  Flush();
  return absl::OkStatus();
}

absl::Status FakeDockerClient::RemoveBehindBack(const std::string& id_or_name) {
  absl::Status result;
  {
    absl::MutexLock lock(&mu_);
    result = RemoveLocked(id_or_name, /*force=*/true);
  }
  Flush();
  return result;
}

void FakeDockerClient::RemoveImage(const std::string& image) {
  absl::MutexLock lock(&mu_);
  removed_images_.insert(image);
}

void FakeDockerClient::SetExecResult(const std::string& container,
                                     const std::vector<std::string>& cmd,
                                     docker::ExecResult result) {
  absl::MutexLock lock(&mu_);
  exec_results_[{container, cmd}] = std::move(result);
}

void FakeDockerClient::SetExecHandler(ExecHandler handler) {
  absl::MutexLock lock(&mu_);
  exec_handler_ = std::move(handler);
}

void FakeDockerClient::AddEventListener(std::function<void(const docker::Event&)> listener) {
  absl::MutexLock lock(&listeners_mu_);
  listeners_.push_back(std::move(listener));
}

void FakeDockerClient::BreakEventStreams() {
  absl::MutexLock lock(&mu_);
  ++stream_generation_;
}

int FakeDockerClient::calls(Method method) const {
  absl::MutexLock lock(&mu_);
  auto it = calls_.find(method);
  return it == calls_.end() ? 0 : it->second;
}

int FakeDockerClient::total_mutating_calls() const {
  absl::MutexLock lock(&mu_);
  int total = 0;
  for (const auto& [method, n] : calls_) {
    if (IsMutating(method)) total += n;
  }
  return total;
}

void FakeDockerClient::ResetCalls() {
  absl::MutexLock lock(&mu_);
  calls_.clear();
}

std::optional<FakeDockerClient::Container> FakeDockerClient::GetContainer(
    const std::string& id_or_name) const {
  absl::MutexLock lock(&mu_);
  const Container* c = Find(id_or_name);
  if (c == nullptr) return std::nullopt;
  return *c;
}

std::vector<std::string> FakeDockerClient::ContainerNames() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> out;
  for (const auto& [name, c] : containers_) out.push_back(name);
  return out;
}

std::set<std::string> FakeDockerClient::NetworkNames() const {
  absl::MutexLock lock(&mu_);
  std::set<std::string> out;
  for (const auto& [name, n] : networks_) out.insert(name);
  return out;
}

std::set<std::string> FakeDockerClient::VolumeNames() const {
  absl::MutexLock lock(&mu_);
  std::set<std::string> out;
  for (const auto& [name, v] : volumes_) out.insert(name);
  return out;
}

std::optional<Labels> FakeDockerClient::VolumeLabels(const std::string& name) const {
  absl::MutexLock lock(&mu_);
  auto it = volumes_.find(name);
  if (it == volumes_.end()) return std::nullopt;
  return it->second.labels;
}

std::vector<docker::Event> FakeDockerClient::EventLog() const {
  absl::MutexLock lock(&mu_);
  return log_;
}

}  // namespace nxt::testing
