// The layout of a RustFS pool: how many nodes, how many drives each, where each drive
// lives, and the endpoint list RustFS is started with. It is computed once from the spec
// when the pool is first created, recorded in the state directory BEFORE the first node
// starts, and every later render reads it instead of the spec, so the same pool always
// renders identically. A spec whose topology differs from the record is refused: RustFS
// cannot re-lay out the drives of an existing pool, and starting nodes on drives laid out
// for another topology could lose data.
//
// RUSTFS_VOLUMES uses the documented ellipsis form (docs.rustfs.com, MNMD:
// RUSTFS_VOLUMES="http://node{1...4}:9000/data/rustfs{0...3}"): one node →
// "/data{0...D-1}" (or "/data0"), several → "http://<name>-{0...N-1}:9000/data{0...D-1}",
// the identical string on every node.
#ifndef NXT_CONTROLLERS_RUSTFSPOOL_LAYOUT_H_
#define NXT_CONTROLLERS_RUSTFSPOOL_LAYOUT_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "resources/object.h"
#include "resources/rustfspool.h"

namespace nxt::rustfspool {

struct PoolLayout {
  int nodes = 0;
  int drives_per_node = 0;
  // Per drive index: the host directory root ("" = a named volume per node).
  std::vector<std::string> drive_host_paths;
  std::string volumes;                 // RUSTFS_VOLUMES as rendered on every node
  std::vector<std::string> endpoints;  // every drive, expanded (node-major)
  absl::Time recorded_at = absl::InfinitePast();

  // Same topology and endpoints (the time it was recorded aside).
  bool SameTopology(const PoolLayout& other) const;
};

// "/data<d>": where drive d is mounted in every node.
std::string DrivePath(int drive);

// The layout `spec` asks for, for the pool `key` (pure; recorded_at stays unset).
PoolLayout LayoutFor(const resources::ObjectKey& key, const resources::RustFSPoolSpec& spec);

// How `spec` differs from the recorded layout, one "field: reason" line per topology
// field (empty when it matches).
std::vector<std::string> TopologyChanges(const PoolLayout& recorded,
                                         const resources::RustFSPoolSpec& spec);

std::string LayoutToJson(const PoolLayout& layout);
// InvalidArgument when `json` is not a layout record.
absl::StatusOr<PoolLayout> LayoutFromJson(const std::string& json);

// The records, one file per pool: <state_dir>/rustfs/<namespace>/<name>/layout.json
// (0600, in 0700 directories, written atomically). Thread-safe (one file per key; the
// controller never reconciles one key concurrently).
class LayoutStore {
 public:
  explicit LayoutStore(std::string state_dir);

  // nullopt when the pool has no record; Internal on I/O errors or a damaged record
  // (never silently replaced).
  absl::StatusOr<std::optional<PoolLayout>> Load(const resources::ObjectKey& key) const;
  absl::Status Save(const resources::ObjectKey& key, const PoolLayout& layout);
  // Removes the record (only for deletionPolicy: Delete on deletion). OK when absent.
  absl::Status Delete(const resources::ObjectKey& key);

  std::string PathOf(const resources::ObjectKey& key) const;

 private:
  const std::string state_dir_;
};

}  // namespace nxt::rustfspool

#endif  // NXT_CONTROLLERS_RUSTFSPOOL_LAYOUT_H_
