#include "bench/chaos/redis_chaos.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <map>
#include <memory>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "bench/redis_bench_support.h"
#include "common/status_macros.h"
#include "tests/e2e/e2e_support.h"

namespace nxt::bench::chaos {
namespace {

constexpr int kSlots = 16384;
constexpr int kPort = 6379;

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};

timeval Tv(int ms) { return timeval{ms / 1000, (ms % 1000) * 1000}; }

bool IsIpv4(const std::string& host) {
  return !host.empty() && std::all_of(host.begin(), host.end(), [](char ch) {
    return absl::ascii_isdigit(static_cast<unsigned char>(ch)) || ch == '.';
  });
}

std::string Text(const redisReply* r) {
  return r != nullptr && r->str != nullptr ? std::string(r->str, r->len) : "";
}

// A thread's connections, one per node hostname, authenticated. Not thread-safe.
class Connections {
 public:
  Connections(const RedisTarget& target, int timeout_ms)
      : target_(target),
        timeout_ms_(timeout_ms),
        docker_(e2e::NewDockerClient(target.docker_socket)) {}

  // The connection to `host`, opened on first use; null when it cannot be opened.
  redisContext* Get(const std::string& host) {
    auto it = open_.find(host);
    if (it != open_.end()) {
      return it->second.get();
    }
    std::string address = host;
    if (!IsIpv4(host)) {
      absl::StatusOr<std::string> a = NodeAddress(*docker_, host);
      if (!a.ok()) {
        return nullptr;
      }
      address = *a;
    }
    std::unique_ptr<redisContext, ContextDeleter> c(
        redisConnectWithTimeout(address.c_str(), kPort, Tv(1000)));
    if (c == nullptr || c->err != 0 || redisSetTimeout(c.get(), Tv(timeout_ms_)) != REDIS_OK) {
      return nullptr;
    }
    Reply auth(
        static_cast<redisReply*>(redisCommand(c.get(), "AUTH %s", target_.password.c_str())));
    if (auth == nullptr || auth->type == REDIS_REPLY_ERROR) {
      return nullptr;
    }
    return open_.emplace(host, std::move(c)).first->second.get();
  }

  // Forgets `host`'s connection (after an I/O error its context is unusable).
  void Drop(const std::string& host) { open_.erase(host); }

  // `command` on `host`; null on an I/O error (the connection is dropped then).
  Reply Command(const std::string& host, const std::vector<std::string>& argv) {
    redisContext* c = Get(host);
    if (c == nullptr) {
      return nullptr;
    }
    std::vector<const char*> args;
    std::vector<size_t> lens;
    for (const std::string& a : argv) {
      args.push_back(a.data());
      lens.push_back(a.size());
    }
    Reply r(static_cast<redisReply*>(
        redisCommandArgv(c, static_cast<int>(args.size()), args.data(), lens.data())));
    if (r == nullptr) {
      Drop(host);
    }
    return r;
  }

 private:
  const RedisTarget& target_;
  const int timeout_ms_;
  std::unique_ptr<docker::CurlDockerClient> docker_;
  std::map<std::string, std::unique_ptr<redisContext, ContextDeleter>> open_;
};

struct Shard {
  int first = 0;
  int last = 0;
  std::string master;
  std::string replica;  // "" when none
};

// CLUSTER SLOTS through the first node of `target` that answers.
absl::StatusOr<std::vector<Shard>> ReadShards(const RedisTarget& target, Connections& conns) {
  for (const std::string& node : target.nodes) {
    Reply r = conns.Command(node, {"CLUSTER", "SLOTS"});
    if (r == nullptr || r->type != REDIS_REPLY_ARRAY) {
      continue;
    }
    std::vector<Shard> shards;
    for (size_t i = 0; i < r->elements; ++i) {
      const redisReply* e = r->element[i];
      if (e->type != REDIS_REPLY_ARRAY || e->elements < 3) {
        continue;
      }
      Shard s;
      s.first = static_cast<int>(e->element[0]->integer);
      s.last = static_cast<int>(e->element[1]->integer);
      s.master = Text(e->element[2]->element[0]);
      if (e->elements >= 4) {
        s.replica = Text(e->element[3]->element[0]);
      }
      shards.push_back(std::move(s));
    }
    return shards;
  }
  return absl::UnavailableError("no node answered CLUSTER SLOTS");
}

// Slot → master hostname ("" where no master serves it).
std::vector<std::string> SlotOwners(const std::vector<Shard>& shards) {
  std::vector<std::string> owners(kSlots);
  for (const Shard& s : shards) {
    for (int slot = std::max(0, s.first); slot <= std::min(kSlots - 1, s.last); ++slot) {
      owners[static_cast<size_t>(slot)] = s.master;
    }
  }
  return owners;
}

// One writer thread: SET + WAIT through the master of each key's slot.
void WriteKeys(const RedisTarget& target, int writer, int64_t interval_ms, int wait_ms,
               AckLog& acks) {
  Connections conns(target, wait_ms + 2000);
  std::vector<std::string> owners(kSlots);
  int64_t refreshed = 0;
  const std::string prefix = absl::StrCat("c", writer, "-", NowMs(), "-");
  int64_t seq = 0;
  int64_t next_due = NowMs();
  const std::string wait_arg = std::to_string(wait_ms);
  while (SleepUnlessStopped(std::max<int64_t>(0, next_due - NowMs()))) {
    next_due = std::max(next_due + interval_ms, NowMs());
    const std::string key = absl::StrCat(prefix, seq++);
    const int slot = KeySlot(key);
    const std::string& host = owners[static_cast<size_t>(slot)];
    const int64_t start = NowMs();
    Reply set = host.empty() ? nullptr : conns.Command(host, {"SET", key, "v" + key});
    bool acked = false;
    if (set != nullptr && set->type == REDIS_REPLY_STATUS) {
      Reply wait = conns.Command(host, {"WAIT", "1", wait_arg});
      acked = wait != nullptr && wait->type == REDIS_REPLY_INTEGER && wait->integer >= 1;
    }
    if (acked) {
      acks.Append(key, start, NowMs(), slot);
    } else if (set == nullptr || set->type == REDIS_REPLY_ERROR) {
      // A down node, MOVED, CLUSTERDOWN: read the map again (at most every 250 ms).
      if (NowMs() - refreshed >= 250) {
        refreshed = NowMs();
        absl::StatusOr<std::vector<Shard>> shards = ReadShards(target, conns);
        if (shards.ok()) {
          owners = SlotOwners(*shards);
        }
      }
    }
  }
}

// Pipelined GETs of `keys` through `host`; the number missing or wrong. MOVED replies
// go to `moved`.
absl::StatusOr<int64_t> CheckKeysOn(Connections& conns, const std::string& host,
                                    const std::vector<std::string>& keys,
                                    std::vector<std::string>& moved) {
  constexpr size_t kBatch = 500;
  int64_t missing = 0;
  for (size_t begin = 0; begin < keys.size(); begin += kBatch) {
    redisContext* c = conns.Get(host);
    if (c == nullptr) {
      return absl::UnavailableError(absl::StrCat("cannot reach ", host));
    }
    const size_t end = std::min(keys.size(), begin + kBatch);
    for (size_t i = begin; i < end; ++i) {
      redisAppendCommand(c, "GET %b", keys[i].data(), keys[i].size());
    }
    for (size_t i = begin; i < end; ++i) {
      void* raw = nullptr;
      if (redisGetReply(c, &raw) != REDIS_OK) {
        conns.Drop(host);
        return absl::UnavailableError(absl::StrCat("read from ", host, " failed"));
      }
      Reply r(static_cast<redisReply*>(raw));
      if (r->type == REDIS_REPLY_ERROR && absl::StartsWith(Text(r.get()), "MOVED")) {
        moved.push_back(keys[i]);
      } else if (r->type != REDIS_REPLY_STRING || Text(r.get()) != "v" + keys[i]) {
        ++missing;
      }
    }
  }
  return missing;
}

// Field `name` of CLUSTER INFO text, "" when absent.
std::string InfoField(const std::string& info, const std::string& name) {
  for (absl::string_view line : absl::StrSplit(info, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (absl::ConsumePrefix(&line, name + ":")) {
      return std::string(line);
    }
  }
  return "";
}

// The CLUSTER NODES part of RedisUnhealthy.
std::string NodesUnhealthy(const std::string& nodes, size_t total, int masters) {
  std::map<std::string, int> replicas_of;  // master id → connected healthy replicas
  std::vector<std::string> serving;        // ids of masters with slots
  size_t lines = 0;
  for (absl::string_view line : absl::StrSplit(nodes, '\n', absl::SkipEmpty())) {
    std::vector<std::string> f = absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (f.size() < 8) {
      continue;
    }
    ++lines;
    for (const char* bad : {"fail", "fail?", "handshake", "noaddr"}) {
      for (absl::string_view flag : absl::StrSplit(f[2], ',')) {
        if (flag == bad) {
          return absl::StrCat("node ", f[1], " is ", bad);
        }
      }
    }
    if (f[7] != "connected") {
      return absl::StrCat("node ", f[1], " link ", f[7]);
    }
    if (absl::StrContains(f[2], "master") && f.size() > 8) {
      serving.push_back(f[0]);
    } else if (absl::StrContains(f[2], "slave")) {
      ++replicas_of[f[3]];
    }
  }
  if (lines != total) {
    return absl::StrCat(lines, " nodes known, want ", total);
  }
  if (static_cast<int>(serving.size()) != masters) {
    return absl::StrCat(serving.size(), " masters serve slots, want ", masters);
  }
  for (const std::string& id : serving) {
    if (replicas_of[id] < 1) {
      return absl::StrCat("master ", id, " has no replica");
    }
  }
  return "";
}

}  // namespace

int64_t RunRedisWriters(const RedisTarget& target, int writers, double rate, int wait_ms,
                        AckLog& acks) {
  const int64_t interval_ms = std::max<int64_t>(1, static_cast<int64_t>(1000.0 * writers / rate));
  std::vector<std::thread> threads;
  for (int i = 0; i < writers; ++i) {
    threads.emplace_back(WriteKeys, std::cref(target), i, interval_ms, wait_ms, std::ref(acks));
  }
  for (std::thread& t : threads) {
    t.join();
  }
  return acks.count();
}

std::string RedisUnhealthy(const RedisTarget& target, int masters) {
  Connections conns(target, 3000);
  for (const std::string& node : target.nodes) {
    Reply info = conns.Command(node, {"CLUSTER", "INFO"});
    if (info == nullptr || info->type != REDIS_REPLY_STRING) {
      return absl::StrCat(node, " does not answer");
    }
    const std::string text = Text(info.get());
    if (InfoField(text, "cluster_state") != "ok" ||
        InfoField(text, "cluster_slots_ok") != std::to_string(kSlots) ||
        InfoField(text, "cluster_known_nodes") != std::to_string(target.nodes.size())) {
      return absl::StrCat(node, ": state ", InfoField(text, "cluster_state"), ", slots ok ",
                          InfoField(text, "cluster_slots_ok"), ", known nodes ",
                          InfoField(text, "cluster_known_nodes"));
    }
  }
  for (const std::string& node : target.nodes) {
    // A replica still loading or syncing from its master cannot acknowledge WAIT yet.
    Reply repl = conns.Command(node, {"INFO", "replication"});
    const std::string text = Text(repl.get());
    if (InfoField(text, "role") == "slave" && InfoField(text, "master_link_status") != "up") {
      return absl::StrCat(node, ": replication link ", InfoField(text, "master_link_status"));
    }
  }
  Reply nodes = conns.Command(target.nodes[0], {"CLUSTER", "NODES"});
  if (nodes == nullptr || nodes->type != REDIS_REPLY_STRING) {
    return absl::StrCat(target.nodes[0], ": no CLUSTER NODES");
  }
  return NodesUnhealthy(Text(nodes.get()), target.nodes.size(), masters);
}

absl::StatusOr<std::string> RedisShardOf(const RedisTarget& target, int slot) {
  Connections conns(target, 3000);
  NXT_ASSIGN_OR_RETURN(std::vector<Shard> shards, ReadShards(target, conns));
  for (const Shard& s : shards) {
    if (s.first <= slot && slot <= s.last) {
      return absl::StrCat(s.master, " ", s.replica.empty() ? "-" : s.replica, " ", s.first, " ",
                          s.last);
    }
  }
  return absl::NotFoundError(absl::StrCat("no master serves slot ", slot));
}

absl::StatusOr<int64_t> RedisMissing(const RedisTarget& target,
                                     const std::vector<std::string>& keys) {
  Connections conns(target, 10000);
  std::vector<std::string> pending = keys;
  int64_t missing = 0;
  for (int round = 0; round < 3 && !pending.empty(); ++round) {
    NXT_ASSIGN_OR_RETURN(std::vector<Shard> shards, ReadShards(target, conns));
    const std::vector<std::string> owners = SlotOwners(shards);
    std::map<std::string, std::vector<std::string>> by_host;
    for (std::string& key : pending) {
      by_host[owners[static_cast<size_t>(KeySlot(key))]].push_back(std::move(key));
    }
    pending.clear();
    for (const auto& [host, host_keys] : by_host) {
      if (host.empty()) {
        return absl::UnavailableError("some slots have no master");
      }
      NXT_ASSIGN_OR_RETURN(int64_t m, CheckKeysOn(conns, host, host_keys, pending));
      missing += m;
    }
  }
  return missing + static_cast<int64_t>(pending.size());
}

}  // namespace nxt::bench::chaos
