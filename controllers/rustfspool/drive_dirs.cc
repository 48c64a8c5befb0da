#include "controllers/rustfspool/drive_dirs.h"

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "controllers/common/host_path.h"
#include "controllers/common/owner.h"
#include "resources/rustfspool.h"

namespace nxt::rustfspool {
namespace {

using controllers::HostPathTarget;

std::string FieldOf(size_t drive) { return absl::StrCat("spec.drives[", drive, "].hostPath"); }

std::string DirOf(const std::string& host_path, const std::string& name, int ordinal) {
  return absl::StrCat(host_path, "/", controllers::ContainerName(name, ordinal));
}

// The first refusal among drive `drive`'s host path and its node directories.
absl::Status CheckDrive(const std::string& host_path, size_t drive, const std::string& name,
                        int nodes, const std::vector<std::string>& roots) {
  const std::string field = FieldOf(drive);
  NXT_RETURN_IF_ERROR(
      controllers::ResolveHostPath(field, host_path, roots, HostPathTarget::kDirectoryOrAbsent)
          .status());
  for (int i = 0; i < nodes; ++i) {
    NXT_RETURN_IF_ERROR(controllers::ResolveHostPath(field, DirOf(host_path, name, i), roots,
                                                     HostPathTarget::kDirectoryOrAbsent)
                            .status());
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<resources::FieldError> DriveDirErrors(const resources::Object& object,
                                                  const std::vector<std::string>& roots) {
  std::vector<resources::FieldError> errors;
  absl::StatusOr<resources::RustFSPoolSpec> spec = resources::DecodeRustFSPoolSpec(object.spec);
  if (!spec.ok()) return errors;
  for (size_t d = 0; d < spec->drive_host_paths.size(); ++d) {
    const std::string& host_path = spec->drive_host_paths[d];
    if (host_path.empty()) continue;
    absl::Status s = CheckDrive(host_path, d, object.metadata.name, spec->nodes, roots);
    if (!s.ok()) errors.push_back(controllers::HostPathFieldError(FieldOf(d), s));
  }
  return errors;
}

absl::Status MakeDriveDirs(const resources::ObjectKey& key, const PoolLayout& layout,
                           const std::vector<std::string>& roots) {
  for (size_t d = 0; d < layout.drive_host_paths.size(); ++d) {
    const std::string& host_path = layout.drive_host_paths[d];
    if (host_path.empty()) continue;
    for (int i = 0; i < layout.nodes; ++i) {
      NXT_RETURN_IF_ERROR(controllers::MakeHostDirectory(FieldOf(d), DirOf(host_path, key.name, i),
                                                         roots, kDriveDirMode)
                              .status());
    }
  }
  return absl::OkStatus();
}

absl::Status VerifyDriveDirs(const resources::ObjectKey& key, const PoolLayout& layout, int ordinal,
                             const std::vector<std::string>& roots) {
  for (size_t d = 0; d < layout.drive_host_paths.size(); ++d) {
    const std::string& host_path = layout.drive_host_paths[d];
    if (host_path.empty()) continue;
    NXT_RETURN_IF_ERROR(controllers::ResolveHostPath(FieldOf(d),
                                                     DirOf(host_path, key.name, ordinal), roots,
                                                     HostPathTarget::kDirectory)
                            .status());
  }
  return absl::OkStatus();
}

}  // namespace nxt::rustfspool
