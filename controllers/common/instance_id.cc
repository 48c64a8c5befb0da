#include "controllers/common/instance_id.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "controllers/common/owner.h"
#include "reconciler/state_files.h"

namespace nxt::controllers {
namespace {

bool IsInstanceId(const std::string& text) {
  if (text.size() < 8 || text.size() > 64) return false;
  for (char ch : text) {
    if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) return false;
  }
  return true;
}

// Files every start writes, before or without any object: they say nothing of earlier use.
bool IsBookkeeping(const std::filesystem::path& relative) {
  const std::string name = relative.filename().string();
  if (absl::StartsWith(name, ".tmp-")) return true;
  return relative == std::filesystem::path("nxtd.lock") ||
         relative == std::filesystem::path(kInstanceIdFile);
}

// True when an earlier nxtd left any file in `state_dir` (empty directories do not count).
absl::StatusOr<bool> UsedBefore(const std::string& state_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::recursive_directory_iterator it(state_dir, fs::directory_options::none, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec) || IsBookkeeping(fs::relative(it->path(), state_dir, ec))) continue;
    return true;
  }
  if (ec) return absl::InternalError(absl::StrCat("list ", state_dir, ": ", ec.message()));
  return false;
}

}  // namespace

absl::StatusOr<std::string> LoadOrCreateInstanceId(const std::string& state_dir) {
  const std::string path = (std::filesystem::path(state_dir) / kInstanceIdFile).string();
  absl::StatusOr<std::string> text = reconciler::ReadFileToString(path);
  if (text.ok()) {
    std::string id(absl::StripTrailingAsciiWhitespace(*text));
    if (!IsInstanceId(id)) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": not an instance id (8 to 64 lowercase hex digits); restore it from a backup: ",
          "nxtd recognises its containers, networks and volumes by this id"));
    }
    return id;
  }
  if (!absl::IsNotFound(text.status())) return text.status();
  NXT_ASSIGN_OR_RETURN(bool used, UsedBefore(state_dir));
  const std::string id = used ? InstanceIdForStateDir(state_dir) : reconciler::RandomHex(8);
  NXT_RETURN_IF_ERROR(reconciler::WriteFileAtomically(path, absl::StrCat(id, "\n"), 0600));
  return id;
}

}  // namespace nxt::controllers
