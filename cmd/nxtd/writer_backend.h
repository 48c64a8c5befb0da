// Adapts the ManifestWriter (which writes objects into the manifest directory) to the
// local API's ApplyBackend.
#ifndef NXT_CMD_NXTD_WRITER_BACKEND_H_
#define NXT_CMD_NXTD_WRITER_BACKEND_H_

#include <vector>

#include "reconciler/api/api_backend.h"
#include "reconciler/manifest_source.h"
#include "reconciler/manifest_writer.h"

namespace nxt::nxtd {

// `writer` and `source` must outlive this object. Thread-safe as the writer is.
class WriterBackend : public reconciler::api::ApplyBackend {
 public:
  WriterBackend(reconciler::ManifestWriter& writer, const reconciler::ManifestSource& source)
      : writer_(writer), source_(source) {}

  absl::StatusOr<reconciler::api::ApplyReply> Apply(
      const std::vector<reconciler::api::ApplyFile>& files, bool dry_run) override;
  absl::StatusOr<std::vector<reconciler::api::DeleteResult>> Delete(
      const std::vector<resources::ObjectKey>& keys) override;

 private:
  reconciler::ManifestWriter& writer_;
  const reconciler::ManifestSource& source_;
};

// nxtctl source [confirm]: the manifest source's state and the user's confirmation.
// `source` must outlive this object. Thread-safe as the source is.
class SourceBackend : public reconciler::api::SourceControl {
 public:
  explicit SourceBackend(reconciler::ManifestSource& source) : source_(source) {}

  reconciler::api::SourceReport State() const override;
  absl::StatusOr<std::vector<resources::ObjectKey>> Confirm() override;

 private:
  reconciler::ManifestSource& source_;
};

}  // namespace nxt::nxtd

#endif  // NXT_CMD_NXTD_WRITER_BACKEND_H_
