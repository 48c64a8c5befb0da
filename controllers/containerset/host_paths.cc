#include "controllers/containerset/host_paths.h"

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "controllers/common/host_path.h"

namespace nxt::containerset {
namespace {

std::string FieldOf(size_t index) { return absl::StrCat("spec.volumes[", index, "].hostPath"); }

absl::Status Verify(const resources::VolumeSpec& volume, size_t index,
                    const std::vector<std::string>& roots) {
  return controllers::ResolveHostPath(FieldOf(index), volume.host_path, roots,
                                      controllers::HostPathTarget::kDirectoryOrFile)
      .status();
}

}  // namespace

absl::Status VerifyHostPaths(const resources::ContainerSetSpec& spec,
                             const std::vector<std::string>& roots) {
  for (size_t i = 0; i < spec.volumes.size(); ++i) {
    if (spec.volumes[i].host_path.empty()) continue;
    if (absl::Status s = Verify(spec.volumes[i], i, roots); !s.ok()) return s;
  }
  return absl::OkStatus();
}

std::vector<resources::FieldError> HostPathErrors(const resources::Object& object,
                                                  const std::vector<std::string>& roots) {
  absl::StatusOr<resources::ContainerSetSpec> spec = resources::DecodeContainerSetSpec(object.spec);
  std::vector<resources::FieldError> errors;
  if (!spec.ok()) return errors;
  for (size_t i = 0; i < spec->volumes.size(); ++i) {
    if (spec->volumes[i].host_path.empty()) continue;
    if (absl::Status s = Verify(spec->volumes[i], i, roots); !s.ok()) {
      errors.push_back(controllers::HostPathFieldError(FieldOf(i), s));
    }
  }
  return errors;
}

}  // namespace nxt::containerset
