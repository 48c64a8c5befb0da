// FakeDockerClient, part 2: networks, volumes, images, the event stream, and the
// controls and inspection methods tests use. Part 1 (fake_docker_client.cc) holds the
// shared machinery and containers.
#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/ipv4_prefix.h"
#include "tests/testing/fake_docker_client.h"

namespace nxt::testing {
namespace {

using Labels = std::map<std::string, std::string>;

bool IsMutating(FakeDockerClient::Method m) {
  using M = FakeDockerClient::Method;
  return m == M::kCreateContainer || m == M::kStartContainer || m == M::kStopContainer ||
         m == M::kKillContainer || m == M::kSetRestartPolicy || m == M::kRemoveContainer ||
         m == M::kCreateNetwork || m == M::kRemoveNetwork || m == M::kCreateVolume ||
         m == M::kRemoveVolume;
}

}  // namespace

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

absl::Status FakeDockerClient::CreateNetwork(const std::string& name, const Labels& labels,
                                             const std::string& subnet) {
  {
    absl::MutexLock lock(&mu_);
    if (absl::Status s = TakeFault(Method::kCreateNetwork); !s.ok()) return s;
    if (networks_.count(name) > 0) return absl::OkStatus();
    std::vector<std::string> subnets;
    if (!subnet.empty()) {
      absl::StatusOr<Ipv4Prefix> wanted = Ipv4Prefix::Parse(subnet);
      if (!wanted.ok()) return wanted.status();
      for (const auto& [other, n] : networks_) {
        for (const std::string& s : n.subnets) {
          absl::StatusOr<Ipv4Prefix> have = Ipv4Prefix::Parse(s);
          if (have.ok() && have->Overlaps(*wanted)) {
            return absl::PermissionDeniedError(
                absl::StrCat("docker network create ", name, " --subnet ", subnet,
                             ": HTTP 403: Pool overlaps with other one on this address space"));
          }
        }
      }
      subnets.push_back(subnet);
    }
    networks_[name] = docker::NetworkInfo{absl::StrFormat("net%061d", next_id_++), name, labels,
                                          std::move(subnets)};
    Emit("network", "create", networks_[name].id, {{"name", name}, {"type", "bridge"}});
  }
  Flush();
  return absl::OkStatus();
}

absl::Status FakeDockerClient::RemoveNetwork(const std::string& id_or_name) {
  {
    absl::MutexLock lock(&mu_);
    if (absl::Status s = TakeFault(Method::kRemoveNetwork); !s.ok()) return s;
    auto it = networks_.find(id_or_name);
    for (auto n = networks_.begin(); it == networks_.end() && n != networks_.end(); ++n) {
      if (n->second.id == id_or_name) it = n;
    }
    const std::string name = it == networks_.end() ? id_or_name : it->first;
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

absl::StatusOr<docker::NetworkInfo> FakeDockerClient::InspectNetwork(const std::string& name) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = TakeFault(Method::kInspectNetwork); !s.ok()) return s;
  auto it = networks_.find(name);
  if (it == networks_.end()) {
    return absl::NotFoundError(
        absl::StrCat("docker network inspect ", name, ": HTTP 404: network ", name, " not found"));
  }
  return it->second;
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

absl::StatusOr<docker::VolumeInfo> FakeDockerClient::InspectVolume(const std::string& name) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = TakeFault(Method::kInspectVolume); !s.ok()) return s;
  auto it = volumes_.find(name);
  if (it == volumes_.end()) {
    return absl::NotFoundError(
        absl::StrCat("docker volume inspect ", name, ": HTTP 404: get ", name, ": no such volume"));
  }
  return docker::VolumeInfo{name, it->second.labels,
                            absl::StrCat("/var/lib/docker/volumes/", name, "/_data")};
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

absl::StatusOr<std::vector<std::string>> FakeDockerClient::Top(const std::string& id_or_name) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = TakeFault(Method::kTop); !s.ok()) return s;
  const Container* c = Find(id_or_name);
  if (c == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("docker top ", id_or_name, ": HTTP 404: No such container: ", id_or_name));
  }
  if (c->state != "running") {
    return absl::FailedPreconditionError(
        absl::StrCat("docker top ", id_or_name, ": HTTP 409: container is not running"));
  }
  if (!c->processes.empty()) return c->processes;
  std::vector<std::string> words = c->spec.entrypoint;
  words.insert(words.end(), c->spec.cmd.begin(), c->spec.cmd.end());
  return std::vector<std::string>{absl::StrJoin(words, " ")};
}

absl::StatusOr<std::string> FakeDockerClient::Logs(const std::string& id_or_name, absl::Time since,
                                                   int tail) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = TakeFault(Method::kLogs); !s.ok()) return s;
  const Container* c = Find(id_or_name);
  if (c == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("docker logs ", id_or_name, ": HTTP 404: No such container: ", id_or_name));
  }
  std::vector<std::string> lines;
  for (const auto& [at, line] : c->log) {
    // The engine's since has whole seconds.
    if (since == absl::InfinitePast() || at >= absl::FromUnixSeconds(absl::ToUnixSeconds(since))) {
      lines.push_back(line);
    }
  }
  const size_t keep = std::min(lines.size(), static_cast<size_t>(std::max(tail, 0)));
  std::string out;
  for (size_t i = lines.size() - keep; i < lines.size(); ++i) absl::StrAppend(&out, lines[i], "\n");
  return out;
}

absl::Status FakeDockerClient::AppendLog(const std::string& id_or_name, const std::string& text) {
  absl::MutexLock lock(&mu_);
  Container* c = Find(id_or_name);
  if (c == nullptr) return absl::NotFoundError(absl::StrCat("no container ", id_or_name));
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    c->log.emplace_back(Now(), std::string(line));
  }
  return absl::OkStatus();
}

absl::Status FakeDockerClient::SetProcesses(const std::string& id_or_name,
                                            std::vector<std::string> processes) {
  absl::MutexLock lock(&mu_);
  Container* c = Find(id_or_name);
  if (c == nullptr) return absl::NotFoundError(absl::StrCat("no container ", id_or_name));
  c->processes = std::move(processes);
  return absl::OkStatus();
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
  // Replayed events are delivered even when `stop` is already set.
  absl::Status result;
  do {
    std::deque<docker::Event> batch;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return !sub.queue.empty() || sub.generation != stream_generation_;
      };
      if (!ready()) mu_.AwaitWithTimeout(absl::Condition(&ready), absl::Milliseconds(50));
      if (sub.generation != stream_generation_) {
        result = absl::UnavailableError("docker events: stream broken (fake)");
        break;
      }
      batch.swap(sub.queue);
    }
    for (const docker::Event& e : batch) on_event(e);
  } while (!stop.load());
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

absl::Status FakeDockerClient::ReportHealth(const std::string& id_or_name) {
  {
    absl::MutexLock lock(&mu_);
    Container* c = Find(id_or_name);
    if (c == nullptr) return absl::NotFoundError(absl::StrCat("no container ", id_or_name));
    if (c->state != "running" || !c->spec.healthcheck.has_value()) {
      return absl::FailedPreconditionError(
          absl::StrCat(id_or_name, " is not running with a healthcheck"));
    }
    const std::string exec_id = absl::StrFormat("exec%060d", next_id_++);
    const std::string cmd = absl::StrJoin(c->spec.healthcheck->test, " ");
    EmitExec(*c, absl::StrCat("exec_create: ", cmd), exec_id);
    EmitExec(*c, absl::StrCat("exec_start: ", cmd), exec_id);
    EmitExec(*c, "exec_die", exec_id, {{"exitCode", "0"}});
    EmitContainer(*c, absl::StrCat("health_status: ", c->health));
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
