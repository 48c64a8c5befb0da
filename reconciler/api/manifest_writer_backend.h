// ApplyBackend on top of ManifestWriter: what nxtd serves.
#ifndef NXT_RECONCILER_API_MANIFEST_WRITER_BACKEND_H_
#define NXT_RECONCILER_API_MANIFEST_WRITER_BACKEND_H_

#include "reconciler/api/api_backend.h"
#include "reconciler/manifest_writer.h"

namespace nxt::reconciler::api {

// Thread-safe as ManifestWriter is. `writer` must outlive this object. A key no
// manifest defines is reported deleted=false (the others are still deleted).
class ManifestWriterBackend : public ApplyBackend {
 public:
  explicit ManifestWriterBackend(ManifestWriter& writer) : writer_(writer) {}

  absl::StatusOr<ApplyReply> Apply(const std::vector<ApplyFile>& files, bool dry_run) override;
  absl::StatusOr<std::vector<DeleteResult>> Delete(
      const std::vector<resources::ObjectKey>& keys) override;

 private:
  ManifestWriter& writer_;
};

}  // namespace nxt::reconciler::api

#endif  // NXT_RECONCILER_API_MANIFEST_WRITER_BACKEND_H_
