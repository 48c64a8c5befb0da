#include "reconciler/api/manifest_writer_backend.h"

namespace nxt::reconciler::api {

absl::StatusOr<ApplyReply> ManifestWriterBackend::Apply(const std::vector<ApplyFile>& files,
                                                        bool dry_run) {
  std::vector<ManifestFile> manifests;
  manifests.reserve(files.size());
  for (const ApplyFile& f : files) manifests.push_back({f.name, f.content});
  absl::StatusOr<ApplyReport> report = writer_.Apply(manifests, dry_run);
  if (!report.ok()) return report.status();
  ApplyReply reply;
  reply.errors = std::move(report->errors);
  if (!reply.errors.empty()) return reply;
  for (const ObjectOutcome& o : report->objects) reply.results.push_back({o.key, o.outcome});
  return reply;
}

absl::StatusOr<std::vector<DeleteResult>> ManifestWriterBackend::Delete(
    const std::vector<resources::ObjectKey>& keys) {
  std::vector<DeleteResult> results;
  absl::StatusOr<std::vector<std::string>> all = writer_.Delete(keys);
  if (all.ok()) {
    for (const auto& k : keys) results.push_back({k, true});
    return results;
  }
  if (all.status().code() != absl::StatusCode::kNotFound) return all.status();
  // Some keys have no manifest; ManifestWriter changed nothing. Go one by one.
  for (const auto& k : keys) {
    absl::StatusOr<std::vector<std::string>> one = writer_.Delete({k});
    if (!one.ok() && one.status().code() != absl::StatusCode::kNotFound) return one.status();
    results.push_back({k, one.ok()});
  }
  return results;
}

}  // namespace nxt::reconciler::api
