#include "docker/container_cache.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace nxt::docker {
namespace {

// Event attributes mix the container's labels with these engine fields.
bool IsEngineAttribute(const std::string& key) {
  static const char* const kKeys[] = {"name",    "image",  "exitCode",    "signal",
                                      "oldName", "execID", "execDuration"};
  return std::any_of(std::begin(kKeys), std::end(kKeys), [&](const char* k) { return key == k; });
}

std::string Attr(const Event& e, const std::string& key) {
  auto it = e.attributes.find(key);
  return it == e.attributes.end() ? "" : it->second;
}

// Actions that describe the container itself (exec_*, attach, resize, ... do not).
bool IsStateAction(const std::string& action) {
  static const char* const kActions[] = {"create", "start",  "restart", "die",
                                         "stop",   "kill",   "pause",   "unpause",
                                         "rename", "update", "oom",     "health_status"};
  return std::any_of(std::begin(kActions), std::end(kActions),
                     [&](const char* a) { return action == a; });
}

// The owner index key of a row or selector: its kind, namespace and name labels; "" when
// one is missing.
std::string OwnerIndexKey(const std::map<std::string, std::string>& labels) {
  auto kind = labels.find(kLabelKind);
  auto ns = labels.find(kLabelNamespace);
  auto name = labels.find(kLabelName);
  if (kind == labels.end() || ns == labels.end() || name == labels.end()) return "";
  return absl::StrCat(kind->second, std::string(1, '\0'), ns->second, std::string(1, '\0'),
                      name->second);
}

ContainerSummary RowFromEvent(const Event& e) {
  ContainerSummary row;
  row.id = e.actor_id;
  row.name = Attr(e, "name");
  row.image = Attr(e, "image");
  for (const auto& [k, v] : e.attributes) {
    if (!IsEngineAttribute(k)) row.labels.emplace(k, v);
  }
  row.state = "created";
  row.status = "Created";
  row.created = absl::FromUnixNanos(e.time_nano);
  return row;
}

void ApplyHealth(ContainerSummary& row, const std::string& health) {
  if (health == "healthy" || health == "unhealthy") {
    row.status = absl::StrCat("Up (", health, ")");
  } else if (health == "starting") {
    row.status = "Up (health: starting)";
  }
}

// `has_health`: the container is known to have a health check (the status text loses
// that while it is stopped).
void ApplyAction(ContainerSummary& row, const std::string& action, const std::string& detail,
                 const Event& e, bool has_health) {
  if (action == "start" || action == "restart") {
    bool had_health = has_health || !row.Health().empty();
    row.state = "running";
    row.status = had_health ? "Up (health: starting)" : "Up";
  } else if (action == "die") {
    row.state = "exited";
    std::string code = Attr(e, "exitCode");
    row.status = absl::StrCat("Exited (", code.empty() ? "?" : code, ")");
  } else if (action == "stop") {
    if (row.state != "exited") {
      row.state = "exited";
      row.status = "Exited";
    }
  } else if (action == "pause") {
    row.state = "paused";
    if (!absl::EndsWith(row.status, " (Paused)")) absl::StrAppend(&row.status, " (Paused)");
  } else if (action == "unpause") {
    row.state = "running";
    row.status = std::string(absl::StripSuffix(row.status, " (Paused)"));
  } else if (action == "health_status") {
    ApplyHealth(row, detail);
  }
  std::string name = Attr(e, "name");
  if (!name.empty()) row.name = name;
}

}  // namespace

bool LabelsMatch(const LabelSelector& selector, const std::map<std::string, std::string>& labels) {
  for (const auto& [k, v] : selector) {
    auto it = labels.find(k);
    if (it == labels.end() || (!v.empty() && it->second != v)) return false;
  }
  return true;
}

ContainerSummary SummaryOf(const ContainerInfo& info) {
  ContainerSummary s;
  s.id = info.id;
  s.name = info.name;
  s.image = info.image;
  s.labels = info.labels;
  s.state = info.state;
  s.created = info.started_at;
  if (info.state == "running") {
    s.status = "Up Less than a second";
    if (info.health == "starting") s.status += " (health: starting)";
    if (info.health == "healthy" || info.health == "unhealthy") {
      s.status += " (" + info.health + ")";
    }
  } else if (info.state == "exited") {
    s.status = absl::StrCat("Exited (", info.exit_code, ") Less than a second ago");
  } else {
    s.status = "Created";
  }
  return s;
}

ContainerCache::ContainerCache(DockerClient& client, LabelSelector selector)
    : client_(client), selector_(std::move(selector)) {}

absl::Status ContainerCache::Resync() {
  {
    absl::MutexLock lock(&mu_);
    ++list_calls_;
  }
  absl::StatusOr<std::vector<ContainerSummary>> rows = client_.ListContainers(selector_);
  if (!rows.ok()) return rows.status();
  std::map<std::string, ContainerSummary> fresh;
  absl::MutexLock lock(&mu_);
  std::set<std::string> with_health;
  for (ContainerSummary& row : *rows) {
    if (!row.Health().empty() || with_health_.count(row.id) > 0) with_health.insert(row.id);
    std::string id = row.id;
    fresh.emplace(std::move(id), std::move(row));
  }
  by_id_ = std::move(fresh);
  with_health_ = std::move(with_health);
  ids_by_name_.clear();
  ids_by_owner_.clear();
  for (const auto& [id, row] : by_id_) IndexLocked(row);
  synced_ = true;
  return absl::OkStatus();
}

int64_t ContainerCache::list_calls() const {
  absl::MutexLock lock(&mu_);
  return list_calls_;
}

bool ContainerCache::synced() const {
  absl::MutexLock lock(&mu_);
  return synced_;
}

std::vector<ContainerSummary> ContainerCache::List(const LabelSelector& selector) const {
  std::vector<ContainerSummary> out;
  {
    absl::MutexLock lock(&mu_);
    const std::string owner = OwnerIndexKey(selector);
    if (owner.empty()) {
      for (const auto& [id, row] : by_id_) {
        if (LabelsMatch(selector, row.labels)) out.push_back(row);
      }
    } else if (auto it = ids_by_owner_.find(owner); it != ids_by_owner_.end()) {
      for (const std::string& id : it->second) {
        const ContainerSummary& row = by_id_.at(id);
        if (LabelsMatch(selector, row.labels)) out.push_back(row);
      }
    }
  }
  std::sort(out.begin(), out.end(),
            [](const ContainerSummary& a, const ContainerSummary& b) { return a.name < b.name; });
  return out;
}

std::optional<ContainerSummary> ContainerCache::Get(const std::string& name_or_id) const {
  absl::MutexLock lock(&mu_);
  std::string id = FindIdLocked(name_or_id);
  if (id.empty()) return std::nullopt;
  return by_id_.at(id);
}

std::string ContainerCache::FindIdLocked(const std::string& name_or_id) const {
  if (by_id_.count(name_or_id) > 0) return name_or_id;
  auto it = ids_by_name_.find(std::string(absl::StripPrefix(name_or_id, "/")));
  return it == ids_by_name_.end() || it->second.empty() ? "" : *it->second.begin();
}

void ContainerCache::IndexLocked(const ContainerSummary& row) {
  ids_by_name_[row.name].insert(row.id);
  if (std::string owner = OwnerIndexKey(row.labels); !owner.empty()) {
    ids_by_owner_[owner].insert(row.id);
  }
}

void ContainerCache::UnindexLocked(const ContainerSummary& row) {
  auto drop = [&row](std::map<std::string, std::set<std::string>>& index, const std::string& k) {
    auto it = index.find(k);
    if (it == index.end()) return;
    it->second.erase(row.id);
    if (it->second.empty()) index.erase(it);
  };
  drop(ids_by_name_, row.name);
  if (std::string owner = OwnerIndexKey(row.labels); !owner.empty()) drop(ids_by_owner_, owner);
}

void ContainerCache::EraseLocked(const std::string& id) {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return;
  UnindexLocked(it->second);
  by_id_.erase(it);
  with_health_.erase(id);
}

ContainerChange ContainerCache::Apply(const Event& event) {
  // "health_status: healthy" → action "health_status", detail "healthy".
  ContainerChange change;
  change.action = event.action;
  if (size_t colon = change.action.find(':'); colon != std::string::npos) {
    change.detail = std::string(absl::StripAsciiWhitespace(change.action.substr(colon + 1)));
    change.action.resize(colon);
  }
  if (event.type != "container" || event.actor_id.empty()) return change;
  absl::MutexLock lock(&mu_);
  if (auto it = by_id_.find(event.actor_id); it != by_id_.end()) {
    change.known = true;
    change.state_before = it->second.state;
    change.health_before = it->second.Health();
  }
  ApplyLocked(event, change);
  if (auto it = by_id_.find(event.actor_id); it != by_id_.end()) {
    change.state_after = it->second.state;
    change.health_after = it->second.Health();
  }
  return change;
}

void ContainerCache::ApplyLocked(const Event& event, const ContainerChange& change) {
  const std::string& action = change.action;
  if (action == "destroy") {
    EraseLocked(event.actor_id);
    return;
  }
  if (!IsStateAction(action)) return;
  auto it = by_id_.find(event.actor_id);
  if (it == by_id_.end()) {
    if (!LabelsMatch(selector_, event.attributes)) return;
    it = by_id_.emplace(event.actor_id, RowFromEvent(event)).first;
  } else {
    UnindexLocked(it->second);  // a rename changes the name
  }
  if (!it->second.Health().empty() || action == "health_status") {
    with_health_.insert(event.actor_id);
  }
  ApplyAction(it->second, action, change.detail, event, with_health_.count(event.actor_id) > 0);
  IndexLocked(it->second);
}

void ContainerCache::Upsert(const ContainerSummary& row) {
  // A container that is not ours (a foreign one holding a member's name) never enters.
  if (row.id.empty() || !LabelsMatch(selector_, row.labels)) return;
  absl::MutexLock lock(&mu_);
  // Names are unique in the engine: a row under the same name is a container this one
  // replaced.
  if (auto same = ids_by_name_.find(row.name); same != ids_by_name_.end()) {
    const std::set<std::string> ids = same->second;  // EraseLocked edits the index
    for (const std::string& id : ids) {
      if (id != row.id) EraseLocked(id);
    }
  }
  if (auto old = by_id_.find(row.id); old != by_id_.end()) UnindexLocked(old->second);
  by_id_[row.id] = row;
  IndexLocked(row);
  if (!row.Health().empty()) with_health_.insert(row.id);
}

void ContainerCache::Erase(const std::string& name_or_id) {
  absl::MutexLock lock(&mu_);
  EraseLocked(FindIdLocked(name_or_id));
}

}  // namespace nxt::docker
