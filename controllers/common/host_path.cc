#include "controllers/common/host_path.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace nxt::controllers {

std::string NormaliseHostPath(const std::string& path) {
  std::string out = std::filesystem::path(path).lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

bool IsUnderRoot(const std::string& path, const std::string& root) {
  std::string p = NormaliseHostPath(path);
  std::string r = NormaliseHostPath(root);
  if (r.empty() || r[0] != '/' || p.empty() || p[0] != '/') return false;
  for (const auto& part : std::filesystem::path(p)) {
    if (part == "..") return false;
  }
  if (r == "/") return true;
  return p == r || (p.size() > r.size() && p.compare(0, r.size(), r) == 0 && p[r.size()] == '/');
}

absl::Status CheckHostPathAllowed(const std::string& field_path, const std::string& host_path,
                                  const std::vector<std::string>& roots) {
  for (const std::string& root : roots) {
    if (IsUnderRoot(host_path, root)) return absl::OkStatus();
  }
  std::string allowed =
      roots.empty() ? std::string("none are configured") : absl::StrJoin(roots, ", ");
  return absl::InvalidArgumentError(absl::StrCat(
      field_path, ": ", host_path, " is not under an allowed host path root (", allowed, ")"));
}

}  // namespace nxt::controllers
