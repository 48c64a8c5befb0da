#include "controllers/common/network_pool.h"

#include <arpa/inet.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "controllers/common/adoption.h"
#include "reconciler/state_files.h"

namespace nxt::controllers {

// Something a block must not overlap, and how a message names it.
struct NetworkPool::Blocker {
  Ipv4Prefix prefix;
  std::string what;
  bool foreign = false;  // a host route or a network nxt does not manage
};

namespace {

constexpr int kMinPrefix = 8;
constexpr int kMaxPrefix = 29;  // 8 addresses: 5 containers
constexpr uint32_t kRouteUp = 0x1;
constexpr size_t kNamedBlockers = 3;  // how many a refusal lists

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

bool ParseHex(absl::string_view text, uint32_t* out) {
  if (text.empty() || text.size() > 8) return false;
  return absl::SimpleHexAtoi(text, out);
}

bool IsNxtNetwork(const docker::NetworkInfo& n) {
  auto it = n.labels.find(docker::kLabelManagedBy);
  return it != n.labels.end() && it->second == docker::kManagedByValue;
}

std::vector<Ipv4Prefix> SubnetsOf(const docker::NetworkInfo& n) {
  std::vector<Ipv4Prefix> out;
  for (const std::string& s : n.subnets) {
    if (absl::StatusOr<Ipv4Prefix> p = Ipv4Prefix::Parse(s); p.ok()) out.push_back(*p);
  }
  return out;  // IPv6 subnets and anything unreadable are not in an IPv4 pool's way
}

}  // namespace

absl::StatusOr<std::vector<Ipv4Prefix>> ParseNetworkPool(const std::string& flag,
                                                         int prefix_length) {
  if (prefix_length < kMinPrefix || prefix_length > kMaxPrefix) {
    return absl::InvalidArgumentError(absl::StrCat("the block size /", prefix_length, " must be /",
                                                   kMinPrefix, " to /", kMaxPrefix));
  }
  std::vector<std::string> parts;
  if (flag == "auto") {
    parts.assign(std::begin(kAutoNetworkPool), std::end(kAutoNetworkPool));
  } else {
    parts = absl::StrSplit(flag, ',');
  }
  std::vector<Ipv4Prefix> ranges;
  for (const std::string& part : parts) {
    NXT_ASSIGN_OR_RETURN(Ipv4Prefix range, Ipv4Prefix::Parse(part));
    if (range.length > prefix_length) {
      return absl::InvalidArgumentError(absl::StrCat(range.ToString(), " is smaller than one /",
                                                     prefix_length, " block (--network-prefix)"));
    }
    for (const Ipv4Prefix& other : ranges) {
      if (other.Overlaps(range)) {
        return absl::InvalidArgumentError(
            absl::StrCat(range.ToString(), " overlaps ", other.ToString()));
      }
    }
    ranges.push_back(range);
  }
  return ranges;
}

absl::StatusOr<std::vector<HostRoute>> ParseProcNetRoute(const std::string& text) {
  std::vector<HostRoute> routes;
  std::vector<std::string> lines = absl::StrSplit(text, '\n', absl::SkipWhitespace());
  for (size_t i = 1; i < lines.size(); ++i) {  // line 0 is the header
    std::vector<std::string> f =
        absl::StrSplit(lines[i], absl::ByAnyChar(" \t"), absl::SkipEmpty());
    uint32_t destination = 0;
    uint32_t flags = 0;
    uint32_t mask = 0;
    if (f.size() < 8 || !ParseHex(f[1], &destination) || !ParseHex(f[3], &flags) ||
        !ParseHex(f[7], &mask)) {
      return absl::InvalidArgumentError(absl::StrCat("route line ", i + 1, ": ", lines[i]));
    }
    if ((flags & kRouteUp) == 0) continue;
    // The kernel prints the addresses as stored, in network byte order.
    absl::StatusOr<Ipv4Prefix> prefix = Ipv4Prefix::FromMask(ntohl(destination), ntohl(mask));
    if (!prefix.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("route line ", i + 1, ": ", prefix.status().message()));
    }
    routes.push_back(HostRoute{*prefix, f[0]});
  }
  return routes;
}

absl::StatusOr<std::unique_ptr<NetworkPool>> NetworkPool::Open(NetworkPoolOptions options) {
  std::unique_ptr<NetworkPool> pool(new NetworkPool(std::move(options)));
  const std::string& path = pool->options_.state_file;
  if (path.empty() || !std::filesystem::exists(path)) return pool;
  NXT_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  absl::MutexLock lock(&pool->mu_);
  for (size_t i = 0; i < lines.size(); ++i) {
    absl::string_view line = absl::StripAsciiWhitespace(lines[i]);
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f = absl::StrSplit(line, ' ', absl::SkipEmpty());
    absl::StatusOr<Ipv4Prefix> subnet =
        f.size() == 2 ? Ipv4Prefix::Parse(f[1]) : absl::InvalidArgumentError("expected NAME CIDR");
    if (!subnet.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", i + 1, ": ", subnet.status().message()));
    }
    pool->records_[f[0]] = *subnet;
  }
  return pool;
}

absl::StatusOr<std::vector<NetworkPool::Blocker>> NetworkPool::Blockers(
    const std::string& name, const std::vector<docker::NetworkInfo>& engine) {
  std::vector<Blocker> out;
  std::vector<Ipv4Prefix> bridges;  // every engine subnet has a route on its bridge
  for (const docker::NetworkInfo& n : engine) {
    for (const Ipv4Prefix& subnet : SubnetsOf(n)) {
      bridges.push_back(subnet);
      if (n.name == name) continue;
      const bool ours = IsNxtNetwork(n);
      out.push_back({subnet, absl::StrCat("network ", n.name, ours ? "" : " (not nxt's)"), !ours});
    }
  }
  absl::StatusOr<std::string> text = ReadFile(options_.routes_file);
  if (!text.ok()) return absl::UnavailableError(std::string(text.status().message()));
  NXT_ASSIGN_OR_RETURN(std::vector<HostRoute> routes,
                       Annotate(ParseProcNetRoute(*text), options_.routes_file));
  for (const HostRoute& route : routes) {
    if (route.destination.length == 0) continue;  // the default route
    if (std::find(bridges.begin(), bridges.end(), route.destination) != bridges.end()) continue;
    out.push_back({route.destination,
                   absl::StrCat("host route ", route.destination.ToString(), " dev ", route.device),
                   true});
  }
  for (const auto& [other, subnet] : records_) {
    if (other != name) out.push_back({subnet, absl::StrCat("network ", other), false});
  }
  return out;
}

std::optional<Ipv4Prefix> NetworkPool::FirstFree(const std::vector<Blocker>& blockers) const {
  for (const Ipv4Prefix& range : options_.ranges) {
    const uint64_t step = uint64_t{1} << (32 - options_.prefix_length);
    for (uint64_t a = range.address; a <= range.Last(); a += step) {
      const Ipv4Prefix block{static_cast<uint32_t>(a), options_.prefix_length};
      bool taken = false;
      for (const Blocker& b : blockers) {
        if (b.prefix.Overlaps(block)) {
          taken = true;
          // Skip past a blocker larger than a block in one step.
          if (b.prefix.length < block.length) a = uint64_t{b.prefix.Last()} + 1 - step;
          break;
        }
      }
      if (!taken) return block;
    }
  }
  return std::nullopt;
}

absl::Status NetworkPool::NoFreeBlock(const std::vector<Blocker>& blockers) const {
  std::vector<std::string> foreign;
  std::set<Ipv4Prefix> nxt_subnets;  // a record and its network count once
  for (const Blocker& b : blockers) {
    bool in_pool = false;
    for (const Ipv4Prefix& range : options_.ranges) in_pool = in_pool || range.Overlaps(b.prefix);
    if (!in_pool) continue;
    if (!b.foreign) {
      nxt_subnets.insert(b.prefix);
    } else if (foreign.size() < kNamedBlockers) {
      foreign.push_back(b.what);
    }
  }
  const size_t nxt_networks = nxt_subnets.size();
  if (foreign.empty()) {
    return RefusalError(
        kReasonNetworkPoolExhausted,
        absl::StrCat("network pool ", Describe(), " is full: ", nxt_networks,
                     " networks of nxt hold every block; delete objects you no longer need, "
                     "or give nxtd a larger --network-pool (existing networks keep theirs)"));
  }
  return RefusalError(
      kReasonNetworkPoolOverlap,
      absl::StrCat("network pool ", Describe(), " has no free block: ", nxt_networks,
                   " are held by networks of nxt and the rest overlap ",
                   absl::StrJoin(foreign, ", "),
                   foreign.size() == kNamedBlockers ? " and more" : "",
                   "; give nxtd a --network-pool that no host route or other network uses"));
}

bool NetworkPool::ReclaimStale(const std::string& name,
                               const std::vector<docker::NetworkInfo>& engine) {
  bool dropped = false;
  for (auto it = records_.begin(); it != records_.end();) {
    bool exists = it->first == name;
    for (const docker::NetworkInfo& n : engine) exists = exists || n.name == it->first;
    if (exists) {
      ++it;
    } else {
      it = records_.erase(it);
      dropped = true;
    }
  }
  return dropped;
}

absl::StatusOr<Ipv4Prefix> NetworkPool::Allocate(const std::string& name,
                                                 const std::vector<docker::NetworkInfo>& engine) {
  absl::MutexLock lock(&mu_);
  NXT_ASSIGN_OR_RETURN(std::vector<Blocker> blockers, Blockers(name, engine));
  if (auto it = records_.find(name); it != records_.end()) {
    bool usable = InPool(it->second);  // not when --network-pool moved away from it
    for (const Blocker& b : blockers) usable = usable && !b.prefix.Overlaps(it->second);
    if (usable) return it->second;
    records_.erase(it);  // something took its place meanwhile: a new block
  }
  std::optional<Ipv4Prefix> block = FirstFree(blockers);
  if (!block.has_value() && ReclaimStale(name, engine)) {
    NXT_ASSIGN_OR_RETURN(blockers, Blockers(name, engine));
    block = FirstFree(blockers);
  }
  if (!block.has_value()) return NoFreeBlock(blockers);
  records_[name] = *block;
  if (absl::Status saved = Save(); !saved.ok()) {
    records_.erase(name);
    return saved;
  }
  return *block;
}

absl::Status NetworkPool::Adopt(const std::string& name, const Ipv4Prefix& subnet) {
  absl::MutexLock lock(&mu_);
  auto it = records_.find(name);
  if (!InPool(subnet) || (it != records_.end() && it->second == subnet)) return absl::OkStatus();
  records_[name] = subnet;
  return Save();
}

absl::Status NetworkPool::Release(const std::string& name) {
  absl::MutexLock lock(&mu_);
  if (records_.erase(name) == 0) return absl::OkStatus();
  return Save();
}

bool NetworkPool::InPool(const Ipv4Prefix& subnet) const {
  for (const Ipv4Prefix& range : options_.ranges) {
    if (range.Contains(subnet)) return true;
  }
  return false;
}

std::optional<Ipv4Prefix> NetworkPool::Recorded(const std::string& name) const {
  absl::MutexLock lock(&mu_);
  auto it = records_.find(name);
  if (it == records_.end()) return std::nullopt;
  return it->second;
}

std::map<std::string, Ipv4Prefix> NetworkPool::Records() const {
  absl::MutexLock lock(&mu_);
  return records_;
}

std::string NetworkPool::Describe() const {
  std::vector<std::string> ranges;
  for (const Ipv4Prefix& r : options_.ranges) ranges.push_back(r.ToString());
  return absl::StrCat(absl::StrJoin(ranges, ","), " in /", options_.prefix_length, " blocks");
}

absl::Status NetworkPool::Save() {
  if (options_.state_file.empty()) return absl::OkStatus();
  std::string text =
      "# nxtd: the subnet it gave each network it created (NAME CIDR); see "
      "controllers/common/network_pool.h\n";
  for (const auto& [name, subnet] : records_)
    absl::StrAppend(&text, name, " ", subnet.ToString(), "\n");
  absl::Status s = reconciler::WriteFileAtomically(options_.state_file, text, 0600);
  if (s.ok()) return s;
  return absl::UnavailableError(absl::StrCat("record network subnets: ", s.message()));
}

}  // namespace nxt::controllers
