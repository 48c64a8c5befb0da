#include "bench/redis_bench_support.h"

#include <array>
#include <cstdlib>
#include <map>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "controllers/common/secret_store.h"
#include "controllers/rediscluster/cluster_state.h"
#include "tests/e2e/e2e_support.h"
#include "tests/e2e/redis_client.h"

namespace nxt::bench {
namespace {

using rediscluster::ClusterNode;
using rediscluster::kClusterSlots;
using rediscluster::NodeView;
using rediscluster::RedisAdmin;

// Node ID → container, asking each container who it is.
absl::StatusOr<std::map<std::string, std::string>> Ids(RedisAdmin& admin,
                                                       const std::vector<std::string>& containers) {
  std::map<std::string, std::string> out;
  for (const std::string& c : containers) {
    NXT_ASSIGN_OR_RETURN(NodeView v, admin.Query(c));
    if (v.Myself() == nullptr) return absl::UnavailableError(absl::StrCat(c, ": no myself line"));
    out[v.Myself()->id] = c;
  }
  return out;
}

absl::StatusOr<int64_t> IntReply(RedisAdmin& admin, const std::string& container,
                                 const std::vector<std::string>& command) {
  NXT_ASSIGN_OR_RETURN(std::string out, admin.Command(container, command));
  int64_t n = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(out), &n)) {
    return absl::InternalError(absl::StrCat(container, ": not an integer reply: ", out));
  }
  return n;
}

int Lines(const std::string& text, absl::string_view line) {
  int n = 0;
  for (absl::string_view l : absl::StrSplit(text, '\n')) n += absl::StripAsciiWhitespace(l) == line;
  return n;
}

}  // namespace

int KeySlot(const std::string& key) { return e2e::RedisKeySlot(key); }

absl::StatusOr<std::string> WaitForPassword(const std::string& state_dir,
                                            const resources::ObjectKey& key, absl::Duration limit) {
  controllers::SecretStore secrets(state_dir);
  std::string password;
  if (!e2e::WaitFor(
          [&] {
            absl::StatusOr<std::string> pw = secrets.Get(key, "password");
            if (pw.ok()) password = *pw;
            return pw.ok();
          },
          limit, absl::Milliseconds(20))) {
    return absl::DeadlineExceededError("nxtd never made the password");
  }
  return password;
}

std::string BenchKey(int i) { return absl::StrCat("key:", i); }

std::string ContainerOf(RedisAdmin& admin, const std::vector<std::string>& containers,
                        const std::string& id) {
  absl::StatusOr<std::map<std::string, std::string>> ids = Ids(admin, containers);
  if (!ids.ok() || ids->count(id) == 0) return "";
  return ids->at(id);
}

absl::StatusOr<int64_t> LoadKeys(docker::DockerClient& docker, RedisAdmin& admin,
                                 const std::vector<std::string>& containers,
                                 const std::string& password, int count) {
  NXT_ASSIGN_OR_RETURN(int64_t slot, IntReply(admin, containers[0], {"CLUSTER", "KEYSLOT", "k"}));
  if (slot != KeySlot("k")) {
    return absl::InternalError(
        absl::StrCat("KeySlot(\"k\") = ", KeySlot("k"), ", Redis says ", slot));
  }
  NXT_ASSIGN_OR_RETURN(NodeView view, admin.Query(containers[0]));
  NXT_ASSIGN_OR_RETURN(auto ids, Ids(admin, containers));
  std::array<std::string, kClusterSlots> owner;
  for (const ClusterNode& n : view.nodes) {
    if (!n.IsMaster() || ids.count(n.id) == 0) continue;
    for (const auto& [from, to] : n.slot_ranges) {
      for (int s = from; s <= to; ++s) owner[static_cast<size_t>(s)] = ids[n.id];
    }
  }
  std::map<std::string, std::string> input;  // master container → redis-cli stdin
  std::map<std::string, int> expected;
  for (int i = 0; i < count; ++i) {
    const std::string key = BenchKey(i);
    const std::string& master = owner[static_cast<size_t>(KeySlot(key))];
    if (master.empty()) return absl::FailedPreconditionError("a slot has no master");
    if (input[master].empty()) input[master] = absl::StrCat(password, "\n");
    absl::StrAppend(&input[master], "SET ", key, " v", i, "\n");
    ++expected[master];
  }
  absl::Mutex mu;
  absl::Status first;
  std::vector<std::thread> threads;
  for (const auto& [master, in] : input) {
    threads.emplace_back([&, master = master, in = in] {
      absl::StatusOr<docker::ExecResult> r =
          docker.Exec(master, {"timeout", "600", "redis-cli", "--askpass"}, absl::Seconds(610), in);
      absl::Status s = r.ok() ? absl::OkStatus() : r.status();
      if (s.ok() && Lines(r->stdout_text, "OK") != expected[master]) {
        s = absl::InternalError(absl::StrCat(master, ": ", Lines(r->stdout_text, "OK"), " of ",
                                             expected[master], " SETs answered OK"));
      }
      absl::MutexLock lock(&mu);
      if (first.ok()) first = s;
    });
  }
  for (std::thread& t : threads) t.join();
  NXT_RETURN_IF_ERROR(first);
  return CountKeys(admin, containers);
}

absl::StatusOr<int64_t> CountKeys(RedisAdmin& admin, const std::vector<std::string>& containers) {
  int64_t total = 0;
  for (const std::string& c : containers) {
    NXT_ASSIGN_OR_RETURN(NodeView v, admin.Query(c));
    if (v.Myself() == nullptr || !v.Myself()->IsMaster()) continue;
    NXT_ASSIGN_OR_RETURN(int64_t n, IntReply(admin, c, {"DBSIZE"}));
    total += n;
  }
  return total;
}

std::string Unhealthy(RedisAdmin& admin, const std::vector<std::string>& containers, int masters) {
  std::vector<NodeView> views;
  for (const std::string& c : containers) {
    absl::StatusOr<NodeView> v = admin.Query(c);
    if (!v.ok()) return absl::StrCat(c, " does not answer: ", v.status().message());
    if (v->info.state != "ok") return absl::StrCat(c, " says cluster_state:", v->info.state);
    if (v->info.slots_ok != kClusterSlots) {
      return absl::StrCat(c, " sees ", v->info.slots_ok, " slots ok");
    }
    if (v->info.known_nodes != static_cast<int>(containers.size())) {
      return absl::StrCat(c, " knows ", v->info.known_nodes, " nodes");
    }
    if (v->OpenSlots() > 0) return absl::StrCat(c, " has open slots");
    views.push_back(*std::move(v));
  }
  const NodeView& table = views[0];
  int serving = 0;
  const int share = kClusterSlots / masters;
  for (const ClusterNode& n : table.nodes) {
    if (n.IsFailing()) return absl::StrCat(n.id.substr(0, 8), " is failing");
    if (!n.IsMaster() || n.SlotCount() == 0) continue;
    ++serving;
    if (std::abs(n.SlotCount() - share) > share / 20) {
      return absl::StrCat("a master serves ", n.SlotCount(), " slots, not about ", share);
    }
    int replicas = 0;
    for (const ClusterNode& r : table.nodes) replicas += r.IsReplica() && r.master_id == n.id;
    if (replicas != 1) return absl::StrCat("a master has ", replicas, " replicas");
  }
  if (serving != masters) return absl::StrCat(serving, " masters serve slots, not ", masters);
  return "";
}

absl::StatusOr<double> WaitHealthy(RedisAdmin& admin, const std::vector<std::string>& containers,
                                   int masters, absl::Time start, absl::Duration timeout) {
  std::string why;
  while (true) {
    why = Unhealthy(admin, containers, masters);
    if (why.empty()) return absl::ToDoubleSeconds(absl::Now() - start);
    if (absl::Now() - start > timeout) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("not healthy after ", absl::FormatDuration(timeout), ": ", why));
}

bool Agreed(RedisAdmin& admin, const std::vector<std::string>& containers) {
  std::vector<NodeView> views;
  for (const std::string& c : containers) {
    absl::StatusOr<NodeView> v = admin.Query(c);
    if (!v.ok() || v->Myself() == nullptr) return false;
    views.push_back(*std::move(v));
  }
  for (const NodeView& v : views) {
    for (const NodeView& other : views) {
      const ClusterNode* known = v.Find(other.Myself()->id);
      if (known == nullptr || known->InHandshake()) return false;
    }
  }
  return true;
}

bool WriteSucceeds(docker::DockerClient& docker, const std::string& via,
                   const std::string& password, const std::string& key) {
  absl::StatusOr<docker::ExecResult> r =
      docker.Exec(via, {"timeout", "2", "redis-cli", "-c", "--askpass"}, absl::Seconds(5),
                  absl::StrCat(password, "\nSET ", key, " probe\n"));
  return r.ok() && Lines(r->stdout_text, "OK") == 1;
}

}  // namespace nxt::bench
