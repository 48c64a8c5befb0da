#include "reconciler/state_files.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace nxt::reconciler {
namespace {

absl::Status ErrnoError(const std::string& what, const std::string& path, int err) {
  return absl::InternalError(absl::StrCat(what, " ", path, ": ", std::strerror(err)));
}

absl::Status WriteAll(int fd, const std::string& content, const std::string& path) {
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return ErrnoError("write", path, errno);
    }
    done += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

absl::Status SyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return ErrnoError("open", dir, errno);
  }
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  return rc == 0 ? absl::OkStatus() : ErrnoError("fsync", dir, err);
}

}  // namespace

absl::Status WriteFileAtomically(const std::string& path, const std::string& content, mode_t mode) {
  std::filesystem::path p(path);
  std::string dir = p.parent_path().string();
  if (dir.empty()) {
    dir = ".";
  }
  const std::string tmp = absl::StrCat(dir, "/.tmp-", p.filename().string(), "-", RandomHex(6));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    return ErrnoError("create", tmp, errno);
  }
  absl::Status status = absl::OkStatus();
  if (::fchmod(fd, mode) != 0) {
    status = ErrnoError("chmod", tmp, errno);
  }
  if (status.ok()) {
    status = WriteAll(fd, content, tmp);
  }
  if (status.ok() && ::fsync(fd) != 0) {
    status = ErrnoError("fsync", tmp, errno);
  }
  if (::close(fd) != 0 && status.ok()) {
    status = ErrnoError("close", tmp, errno);
  }
  if (status.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) {
    status = ErrnoError("rename to", path, errno);
  }
  if (!status.ok()) {
    ::unlink(tmp.c_str());
    return status;
  }
  return SyncDirectory(dir);
}

absl::Status MakeDirs(const std::string& path, mode_t mode) {
  std::string prefix;
  std::filesystem::path p(path);
  for (const auto& part : p) {
    prefix = prefix.empty()  ? part.string()
             : prefix == "/" ? "/" + part.string()
                             : prefix + "/" + part.string();
    if (part.empty() || prefix == "/") {
      continue;
    }
    if (::mkdir(prefix.c_str(), mode) != 0 && errno != EEXIST) {
      return ErrnoError("mkdir", prefix, errno);
    }
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::InternalError(absl::StrCat("mkdir ", path, ": not a directory"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadFileToString(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      return absl::NotFoundError(absl::StrCat(path, ": no such file"));
    }
    return ErrnoError("open", path, errno);
  }
  std::string out;
  char buf[16384];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      int err = errno;
      ::close(fd);
      return ErrnoError("read", path, err);
    }
    if (n == 0) {
      break;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

std::string RandomHex(size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  size_t done = 0;
  while (done < bytes) {
    ssize_t n = ::getrandom(buf.data() + done, bytes - done, 0);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      break;  // no getrandom (very old kernel): fall back below
    }
    done += static_cast<size_t>(n);
  }
  if (done < bytes) {
    absl::BitGen gen;  // seeded from the OS entropy source
    for (; done < bytes; ++done) {
      buf[done] = absl::Uniform<unsigned char>(gen);
    }
  }
  return absl::BytesToHexString(std::string(reinterpret_cast<const char*>(buf.data()), buf.size()));
}

}  // namespace nxt::reconciler
