// The pure parts of a RustFSPool round besides the node plan (controllers/common's
// PlanMembers does the nodes): the bucket plan, and whether a round is done.
//
// Buckets (table-tested):
//   - a bucket of the spec that does not exist is created, then its versioning enabled
//     when the spec asks for it;
//   - an existing bucket whose versioning is not "Enabled" gets it enabled when the spec
//     asks; one whose versioning is "Enabled" gets it suspended when the spec says
//     versioning: false (S3 cannot return a bucket to "never versioned");
//   - buckets that are not in the spec are never touched (nxt never deletes a bucket).
#ifndef NXT_CONTROLLERS_RUSTFSPOOL_PLAN_H_
#define NXT_CONTROLLERS_RUSTFSPOOL_PLAN_H_

#include <map>
#include <string>
#include <vector>

#include "resources/rustfspool.h"

namespace nxt::rustfspool {

// Existing buckets → their versioning status ("Enabled", "Suspended", "").
using BucketView = std::map<std::string, std::string>;

struct BucketAction {
  enum class Type { kCreate, kEnableVersioning, kSuspendVersioning };
  Type type;
  std::string bucket;

  // "create bucket nextcloud", "enable versioning on nextcloud", ...
  std::string Describe() const;
  friend bool operator==(const BucketAction&, const BucketAction&) = default;
};

std::vector<BucketAction> PlanBuckets(const std::vector<resources::RustFSBucketSpec>& wanted,
                                      const BucketView& seen);

// True when `bucket` exists in `seen` with the versioning the spec asks for.
bool BucketReady(const resources::RustFSBucketSpec& bucket, const BucketView& seen);

}  // namespace nxt::rustfspool

#endif  // NXT_CONTROLLERS_RUSTFSPOOL_PLAN_H_
