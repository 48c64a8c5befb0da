// Where the networks nxt creates get their subnets. Docker's default address pools hold
// about 31 bridge networks, and nxt makes one per object, so nxt hands out subnets itself:
// blocks of one size (`prefix_length`, /26 by default: 61 containers) carved, first fit,
// out of the pool's ranges (--network-pool). A block is never one that overlaps a host
// route (/proc/net/route, read at every allocation; the default route and the bridges of
// the engine's own networks aside) or a subnet of any network the engine has (read by the
// caller at every allocation), so a pool that overlaps something loses those blocks only.
//
// Each allocation is recorded by network name in `state_file` (written atomically, mode
// 0600, before Allocate returns), so a network removed by hand comes back with the same
// subnet, and a restarted nxtd knows what it gave out. A record is dropped by Release
// (nxt removed the network), when it now overlaps something it must not (it is then
// replaced), or, when the pool is full, if its network no longer exists.
//
// Refusals are FailedPrecondition carrying a reason (adoption.h's ConflictReason), so
// the object goes Stalled with it: kReasonNetworkPoolExhausted when every block is held by
// a network of nxt, kReasonNetworkPoolOverlap when blocks were lost to host routes or to
// networks nxt does not manage. Thread-safe.
#ifndef NXT_CONTROLLERS_COMMON_NETWORK_POOL_H_
#define NXT_CONTROLLERS_COMMON_NETWORK_POOL_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/ipv4_prefix.h"
#include "docker/types.h"

namespace nxt::controllers {

inline constexpr char kReasonNetworkPoolExhausted[] = "NetworkPoolExhausted";
inline constexpr char kReasonNetworkPoolOverlap[] = "NetworkPoolOverlap";

// --network-pool=auto: these ranges, searched in this order. None is one of Docker's
// default pools (172.17-31.0.0/16, 192.168.0.0/16), so the engine's own choices for other
// users' networks and nxt's never compete for the same addresses.
inline constexpr const char* kAutoNetworkPool[] = {"10.224.0.0/16", "10.225.0.0/16",
                                                   "172.16.0.0/16"};
inline constexpr int kDefaultNetworkPrefix = 26;
inline constexpr char kNetworkPoolFile[] = "network-subnets";

// "auto", or comma-separated IPv4 prefixes ("10.50.0.0/16,10.51.0.0/17"), each at least
// as large as a block of `prefix_length` (8 to 29), none overlapping another.
// InvalidArgument with a one-line reason otherwise.
absl::StatusOr<std::vector<Ipv4Prefix>> ParseNetworkPool(const std::string& flag,
                                                         int prefix_length);

struct HostRoute {
  Ipv4Prefix destination;
  std::string device;
};

// The routes that are up in the text of /proc/net/route (header line first; addresses in
// the kernel's byte order). InvalidArgument on a line it cannot read.
absl::StatusOr<std::vector<HostRoute>> ParseProcNetRoute(const std::string& text);

struct NetworkPoolOptions {
  std::vector<Ipv4Prefix> ranges;  // ParseNetworkPool
  int prefix_length = kDefaultNetworkPrefix;
  std::string state_file;  // "" keeps the records in memory only
  std::string routes_file = "/proc/net/route";
};

class NetworkPool {
 public:
  // Reads `state_file` when it exists (InvalidArgument naming the line when it is not
  // what Save wrote); nothing is written until something is allocated.
  static absl::StatusOr<std::unique_ptr<NetworkPool>> Open(NetworkPoolOptions options);

  // The subnet for network `name`, which does not exist yet: its recorded one when that
  // still lies in the pool and overlaps nothing, else the first free block (recorded
  // before returning).
  // `engine` is every network the engine has now (ListNetworks with no filter); networks
  // labelled io.nxt.managed-by=nxtd are nxt's. Unavailable when the routes file cannot be
  // read or the record cannot be written; FailedPrecondition with a reason when no block
  // is free (see the class comment).
  absl::StatusOr<Ipv4Prefix> Allocate(const std::string& name,
                                      const std::vector<docker::NetworkInfo>& engine);
  // Records `subnet` for the existing network `name` when it lies in the pool (so a lost
  // state file is rebuilt as networks are met); does nothing otherwise.
  absl::Status Adopt(const std::string& name, const Ipv4Prefix& subnet);
  // Forgets `name`'s subnet (nxt removed the network). OK when there is none.
  absl::Status Release(const std::string& name);

  std::optional<Ipv4Prefix> Recorded(const std::string& name) const;
  std::map<std::string, Ipv4Prefix> Records() const;
  const NetworkPoolOptions& options() const { return options_; }
  // "10.213.0.0/16,10.214.0.0/16 in /26 blocks", for logs and messages.
  std::string Describe() const;

 private:
  struct Blocker;
  explicit NetworkPool(NetworkPoolOptions options) : options_(std::move(options)) {}

  absl::StatusOr<std::vector<Blocker>> Blockers(const std::string& name,
                                                const std::vector<docker::NetworkInfo>& engine)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool InPool(const Ipv4Prefix& subnet) const;
  std::optional<Ipv4Prefix> FirstFree(const std::vector<Blocker>& blockers) const;
  absl::Status NoFreeBlock(const std::vector<Blocker>& blockers) const;
  bool ReclaimStale(const std::string& name, const std::vector<docker::NetworkInfo>& engine)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Save() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const NetworkPoolOptions options_;
  mutable absl::Mutex mu_;
  std::map<std::string, Ipv4Prefix> records_ ABSL_GUARDED_BY(mu_);
};

}  // namespace nxt::controllers

#endif  // NXT_CONTROLLERS_COMMON_NETWORK_POOL_H_
