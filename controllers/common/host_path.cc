#include "controllers/common/host_path.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"

namespace nxt::controllers {
namespace {

// Owns one file descriptor (-1: none).
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      if (fd_ >= 0) ::close(fd_);
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// The components of absolute `path` ("" and "." dropped); nullopt when one is "..".
std::optional<std::vector<std::string>> Components(const std::string& path) {
  std::vector<std::string> out;
  for (absl::string_view part : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    if (part == ".") continue;
    if (part == "..") return std::nullopt;
    out.emplace_back(part);
  }
  return out;
}

// openat2 on kernels that have it (5.6+); false after the first ENOSYS.
std::atomic<bool> have_openat2{true};

// Opens the single component `name` of directory `dir` without following a symlink:
// openat2(RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH), or an O_NOFOLLOW openat where openat2 is
// missing. `flags` adds to O_CLOEXEC (O_PATH, or O_RDONLY | O_DIRECTORY). Returns the fd,
// or -errno; a symlink gives -ELOOP.
int OpenComponent(int dir, const std::string& name, int flags) {
  if (have_openat2.load(std::memory_order_relaxed)) {
    struct open_how how;
    std::memset(&how, 0, sizeof(how));
    how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
    how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH;
    long fd = ::syscall(SYS_openat2, dir, name.c_str(), &how, sizeof(how));
    if (fd >= 0) return static_cast<int>(fd);
    if (errno != ENOSYS) return -errno;
    have_openat2.store(false, std::memory_order_relaxed);
  }
  int fd = ::openat(dir, name.c_str(), flags | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return -errno;
  // O_PATH | O_NOFOLLOW opens a symlink itself instead of failing.
  struct stat st;
  if (::fstat(fd, &st) == 0 && S_ISLNK(st.st_mode)) {
    ::close(fd);
    return -ELOOP;
  }
  return fd;
}

// Walks `path` (its `parts`) from "/" as described in the header.
class Walk {
 public:
  Walk(std::string field_path, std::string path, std::vector<std::string> parts, size_t root_parts)
      : field_path_(std::move(field_path)),
        path_(std::move(path)),
        parts_(std::move(parts)),
        root_parts_(root_parts) {}

  // `create`: a missing component below the root is made with `mode`.
  absl::Status Run(HostPathTarget target, bool create, mode_t mode) {
    Fd dir(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (dir.get() < 0) return Internal("open \"/\"", errno);
    for (size_t i = 0; i < parts_.size(); ++i) {
      const std::string& name = parts_[i];
      const bool last = i + 1 == parts_.size();
      int fd = OpenComponent(dir.get(), name, O_PATH);
      if (fd == -ENOENT && i >= root_parts_ && create) {
        NXT_ASSIGN_OR_RETURN(fd, Make(dir.get(), name, mode));
      }
      if (fd == -ENOENT && i >= root_parts_ && target == HostPathTarget::kDirectoryOrAbsent) {
        return absl::OkStatus();  // nothing below can exist either
      }
      if (fd < 0) return Refusal(name, i, -fd);
      Fd next(fd);
      struct stat st;
      if (::fstat(next.get(), &st) != 0) return Internal(Quoted("stat", name), errno);
      if (S_ISDIR(st.st_mode)) {
        dir = std::move(next);
        continue;
      }
      if (last && S_ISREG(st.st_mode) && target == HostPathTarget::kDirectoryOrFile) {
        return absl::OkStatus();
      }
      return Invalid(last && target == HostPathTarget::kDirectoryOrFile
                         ? "is neither a directory nor a regular file"
                         : absl::StrCat("component \"", name, "\" is not a directory"));
    }
    return absl::OkStatus();
  }

 private:
  // mkdirat in `dir`, then the entry opened without following it (a symlink that took
  // its place meanwhile gives -ELOOP) and, when this call made it, given `mode`.
  absl::StatusOr<int> Make(int dir, const std::string& name, mode_t mode) {
    const bool made = ::mkdirat(dir, name.c_str(), mode) == 0;
    if (!made && errno != EEXIST) return Internal(Quoted("mkdir", name), errno);
    int fd = OpenComponent(dir, name, O_RDONLY | O_DIRECTORY);
    if (fd < 0 || !made) return fd;
    if (::fchmod(fd, mode) != 0) {
      const int err = errno;
      ::close(fd);
      return Internal(Quoted("chmod", name), err);
    }
    return fd;
  }

  absl::Status Refusal(const std::string& name, size_t index, int err) {
    switch (err) {
      case ELOOP:
        return Invalid(absl::StrCat("component \"", name, "\" is a symlink; refused"));
      case ENOENT:
        if (index < root_parts_) {
          return Invalid(absl::StrCat("the allowed root ", RootText(), " does not exist"));
        }
        return Invalid(absl::StrCat("component \"", name, "\" does not exist"));
      case ENOTDIR:
        return Invalid(absl::StrCat("component \"", name, "\" is not a directory"));
      case EXDEV:  // RESOLVE_BENEATH: cannot happen for one plain component
        return Invalid(absl::StrCat("component \"", name, "\" leaves its directory; refused"));
      default:
        return Internal(Quoted("open", name), err);
    }
  }

  std::string RootText() const {
    std::vector<std::string> root(parts_.begin(), parts_.begin() + root_parts_);
    return absl::StrCat("/", absl::StrJoin(root, "/"));
  }
  absl::Status Invalid(const std::string& why) const {
    return absl::InvalidArgumentError(absl::StrCat(field_path_, ": ", path_, ": ", why));
  }
  static std::string Quoted(const char* op, const std::string& name) {
    return absl::StrCat(op, " \"", name, "\"");
  }
  absl::Status Internal(const std::string& what, int err) const {
    return absl::InternalError(
        absl::StrCat(field_path_, ": ", path_, ": ", what, ": ", std::strerror(err)));
  }

  const std::string field_path_;
  const std::string path_;
  const std::vector<std::string> parts_;
  const size_t root_parts_;  // leading parts that name the allowed root
};

// The walk of `host_path` under the first root it lies under (lexical check first).
absl::StatusOr<Walk> Plan(const std::string& field_path, const std::string& host_path,
                          const std::vector<std::string>& roots) {
  NXT_RETURN_IF_ERROR(CheckHostPathAllowed(field_path, host_path, roots));
  const std::string path = NormaliseHostPath(host_path);
  std::optional<std::vector<std::string>> parts = Components(path);
  for (const std::string& root : roots) {
    if (!IsUnderRoot(path, root)) continue;
    std::optional<std::vector<std::string>> root_parts = Components(NormaliseHostPath(root));
    if (!parts.has_value() || !root_parts.has_value()) break;
    return Walk(field_path, path, std::move(*parts), root_parts->size());
  }
  return absl::InvalidArgumentError(absl::StrCat(field_path, ": ", host_path, ": refused"));
}

}  // namespace

std::string NormaliseHostPath(const std::string& path) {
  std::string out = std::filesystem::path(path).lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

bool IsUnderRoot(const std::string& path, const std::string& root) {
  if (!Components(path).has_value() || !Components(root).has_value()) return false;
  std::string p = NormaliseHostPath(path);
  std::string r = NormaliseHostPath(root);
  if (r.empty() || r[0] != '/' || p.empty() || p[0] != '/') return false;
  if (r == "/") return true;
  return p == r || (p.size() > r.size() && p.compare(0, r.size(), r) == 0 && p[r.size()] == '/');
}

absl::Status CheckHostPathAllowed(const std::string& field_path, const std::string& host_path,
                                  const std::vector<std::string>& roots) {
  if (host_path.empty() || host_path[0] != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat(field_path, ": ", host_path, ": must be an absolute path"));
  }
  if (!Components(host_path).has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field_path, ": ", host_path, ": a \"..\" component is refused"));
  }
  for (const std::string& root : roots) {
    if (IsUnderRoot(host_path, root)) return absl::OkStatus();
  }
  std::string allowed =
      roots.empty() ? std::string("none are configured") : absl::StrJoin(roots, ", ");
  return absl::InvalidArgumentError(absl::StrCat(
      field_path, ": ", host_path, " is not under an allowed host path root (", allowed, ")"));
}

absl::StatusOr<std::string> ResolveHostPath(const std::string& field_path,
                                            const std::string& host_path,
                                            const std::vector<std::string>& roots,
                                            HostPathTarget target) {
  NXT_ASSIGN_OR_RETURN(Walk walk, Plan(field_path, host_path, roots));
  NXT_RETURN_IF_ERROR(walk.Run(target, /*create=*/false, 0));
  return NormaliseHostPath(host_path);
}

absl::StatusOr<std::string> MakeHostDirectory(const std::string& field_path,
                                              const std::string& host_path,
                                              const std::vector<std::string>& roots, mode_t mode) {
  NXT_ASSIGN_OR_RETURN(Walk walk, Plan(field_path, host_path, roots));
  NXT_RETURN_IF_ERROR(walk.Run(HostPathTarget::kDirectory, /*create=*/true, mode));
  return NormaliseHostPath(host_path);
}

absl::Status CheckHostRoot(const std::string& root) {
  return ResolveHostPath("--allowed-host-paths", root, {root}, HostPathTarget::kDirectory).status();
}

resources::FieldError HostPathFieldError(const std::string& field_path, const absl::Status& error) {
  std::string message(error.message());
  const std::string prefix = field_path + ": ";
  if (absl::StartsWith(message, prefix)) message.erase(0, prefix.size());
  return resources::FieldError{{}, field_path, std::move(message)};
}

void UseOpenat2ForTesting(bool use) { have_openat2.store(use); }

}  // namespace nxt::controllers
