#include "cmd/nxtd/writer_backend.h"

#include <utility>

#include "common/status_macros.h"

namespace nxt::nxtd {

absl::StatusOr<reconciler::api::ApplyReply> WriterBackend::Apply(
    const std::vector<reconciler::api::ApplyFile>& files, bool dry_run) {
  std::vector<reconciler::ManifestFile> manifests;
  manifests.reserve(files.size());
  for (const auto& file : files) manifests.push_back({file.name, file.content});
  NXT_ASSIGN_OR_RETURN(reconciler::ApplyReport report, writer_.Apply(manifests, dry_run));
  reconciler::api::ApplyReply reply;
  reply.errors = std::move(report.errors);
  for (const auto& object : report.objects) reply.results.push_back({object.key, object.outcome});
  return reply;
}

absl::StatusOr<std::vector<reconciler::api::DeleteResult>> WriterBackend::Delete(
    const std::vector<resources::ObjectKey>& keys) {
  // The writer refuses a batch naming an undefined key; the API reports those per key.
  std::vector<resources::ObjectKey> defined;
  std::vector<reconciler::api::DeleteResult> results;
  for (const auto& key : keys) {
    bool known = source_.FileOf(key).has_value();
    if (known) defined.push_back(key);
    results.push_back({key, known});
  }
  if (!defined.empty()) NXT_RETURN_IF_ERROR(writer_.Delete(defined).status());
  return results;
}

reconciler::api::SourceReport SourceBackend::State() const {
  reconciler::SourceState state = source_.State();
  reconciler::api::SourceReport report;
  report.dir = state.dir;
  if (state.current.has_value()) report.current = state.current->ToString();
  if (state.recorded.has_value()) report.recorded = state.recorded->ToString();
  report.held_reason = std::move(state.held_reason);
  report.held = std::move(state.held);
  return report;
}

absl::StatusOr<std::vector<resources::ObjectKey>> SourceBackend::Confirm() {
  return source_.ConfirmSource();
}

}  // namespace nxt::nxtd
