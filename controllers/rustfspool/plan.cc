#include "controllers/rustfspool/plan.h"

#include "absl/strings/str_cat.h"
#include "controllers/rustfspool/s3_client.h"

namespace nxt::rustfspool {

using T = BucketAction::Type;

std::string BucketAction::Describe() const {
  switch (type) {
    case T::kCreate:
      return absl::StrCat("create bucket ", bucket);
    case T::kEnableVersioning:
      return absl::StrCat("enable versioning on bucket ", bucket);
    case T::kSuspendVersioning:
      return absl::StrCat("suspend versioning on bucket ", bucket);
  }
  return bucket;
}

std::vector<BucketAction> PlanBuckets(const std::vector<resources::RustFSBucketSpec>& wanted,
                                      const BucketView& seen) {
  std::vector<BucketAction> out;
  for (const resources::RustFSBucketSpec& b : wanted) {
    auto it = seen.find(b.name);
    if (it == seen.end()) {
      out.push_back({T::kCreate, b.name});
      if (b.versioning) out.push_back({T::kEnableVersioning, b.name});
      continue;
    }
    if (b.versioning && it->second != kVersioningEnabled) {
      out.push_back({T::kEnableVersioning, b.name});
    } else if (!b.versioning && it->second == kVersioningEnabled) {
      out.push_back({T::kSuspendVersioning, b.name});
    }
  }
  return out;
}

bool BucketReady(const resources::RustFSBucketSpec& bucket, const BucketView& seen) {
  auto it = seen.find(bucket.name);
  if (it == seen.end()) return false;
  return bucket.versioning ? it->second == kVersioningEnabled : it->second != kVersioningEnabled;
}

}  // namespace nxt::rustfspool
