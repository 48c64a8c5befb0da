// ManifestSource: inotify watches, event handling and the watcher thread.
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "reconciler/manifest_source.h"

namespace nxt::reconciler {
namespace {

// IN_MODIFY on top of the required events: a writer that keeps writing keeps the batch
// waiting (partial writes are never read while they continue).
// IN_ATTRIB: a change of owner or mode may make a file or directory trusted or not.
constexpr uint32_t kWatchMask = IN_CLOSE_WRITE | IN_CREATE | IN_MODIFY | IN_MOVED_TO |
                                IN_MOVED_FROM | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF |
                                IN_ATTRIB | IN_ONLYDIR | IN_DONT_FOLLOW;
// Directories that cannot be listed or watched are tried again this often.
constexpr absl::Duration kRetryBadDirs = absl::Seconds(10);

absl::Duration MaxWait(absl::Duration debounce) {
  return std::max(absl::Seconds(2), 10 * debounce);
}

}  // namespace

ManifestSource::~ManifestSource() {
  Stop();
  absl::MutexLock lock(&mu_);
  if (inotify_fd_ >= 0) {
    ::close(inotify_fd_);
  }
  if (wake_fd_ >= 0) {
    ::close(wake_fd_);
  }
}

absl::Status ManifestSource::Open() {
  absl::MutexLock lock(&mu_);
  if (inotify_fd_ >= 0) {
    return absl::FailedPreconditionError("manifest source already open");
  }
  struct stat st;
  if (::stat(root_.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::NotFoundError(absl::StrCat("manifest directory ", root_, ": ",
                                            errno != 0 ? std::strerror(errno) : "not a directory"));
  }
  char resolved[PATH_MAX];
  real_root_ = ::realpath(root_.c_str(), resolved) != nullptr ? resolved : root_;
  inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_fd_ < 0) {
    return absl::InternalError(absl::StrCat("inotify_init1: ", std::strerror(errno)));
  }
  std::set<resources::ObjectKey> before;
  for (const resources::ObjectPtr& object : store_.List("")) {
    if (object->metadata.deletion_timestamp == absl::InfinitePast()) {
      before.insert(object->Key());
    }
  }
  absl::Status scanned = RescanAllLocked();
  if (!scanned.ok()) {
    return scanned;
  }
  held_reason_ = DecideHold(before);
  PruneUnowned();
  if (!held_.empty()) {
    Log(LogLevel::kWarning, "manifests",
        "objects that no manifest defines are kept, not deleted: nxtctl source confirm deletes "
        "them",
        {{"reason", held_reason_}, {"kept", absl::StrCat(held_.size())}});
  }
  Log(LogLevel::kInfo, "manifests", "watching the manifest directory",
      {{"dir", root_},
       {"files", absl::StrCat(files_.size())},
       {"objects", absl::StrCat(owners_.size())}});
  return absl::OkStatus();
}

absl::Status ManifestSource::Start() {
  absl::Status opened = Open();
  if (!opened.ok()) {
    return opened;
  }
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) {
    return absl::InternalError(absl::StrCat("eventfd: ", std::strerror(errno)));
  }
  thread_ = std::thread([this] { Run(); });
  return absl::OkStatus();
}

void ManifestSource::Stop() {
  if (!thread_.joinable()) {
    return;
  }
  uint64_t one = 1;
  while (::write(wake_fd_, &one, sizeof(one)) < 0 && errno == EINTR) {
  }
  thread_.join();
}

void ManifestSource::Run() {
  int inotify_fd;
  {
    absl::MutexLock lock(&mu_);
    inotify_fd = inotify_fd_;
  }
  while (true) {
    pollfd fds[2] = {{inotify_fd, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    int rc = ::poll(fds, 2, NextDueMs());
    if (rc < 0 && errno != EINTR) {
      Log(LogLevel::kError, "manifests", "poll failed", {{"error", std::strerror(errno)}});
      return;
    }
    if (rc > 0 && (fds[1].revents & POLLIN) != 0) {
      return;
    }
    absl::Status status = SyncOnce();
    if (!status.ok()) {
      Log(LogLevel::kError, "manifests", "reading the manifest directory failed",
          {{"error", std::string(status.message())}});
      ::poll(&fds[1], 1, 1000);  // do not spin on a persistent error
    }
  }
}

absl::Time ManifestSource::DueTime() const {
  if (pending_.empty()) {
    return absl::InfiniteFuture();
  }
  absl::Time oldest = absl::InfiniteFuture();
  absl::Time newest = absl::InfinitePast();
  bool open_for_writing = false;
  for (const auto& [file, t] : pending_) {
    oldest = std::min(oldest, t);
    newest = std::max(newest, t);
    open_for_writing = open_for_writing || writing_.count(file) > 0;
  }
  const absl::Time quiet = open_for_writing ? absl::InfiniteFuture() : newest + options_.debounce;
  return std::min(quiet, oldest + MaxWait(options_.debounce));
}

int ManifestSource::NextDueMs() const {
  absl::MutexLock lock(&mu_);
  const absl::Time due = std::min(DueTime(), retry_bad_dirs_at_);
  if (due == absl::InfiniteFuture()) {
    return -1;
  }
  const absl::Duration left = due - clock_.Now();
  if (left <= absl::ZeroDuration()) {
    return 0;
  }
  return static_cast<int>(absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1))));
}

absl::Status ManifestSource::SyncOnce() {
  absl::MutexLock lock(&mu_);
  if (inotify_fd_ < 0) {
    return absl::FailedPreconditionError("manifest source is not open");
  }
  absl::StatusOr<bool> overflow = DrainEvents();
  if (!overflow.ok()) {
    return overflow.status();
  }
  if (*overflow) {
    Log(LogLevel::kWarning, "manifests", "inotify queue overflowed; rescanning everything");
    return RescanAllLocked();
  }
  if (clock_.Now() >= retry_bad_dirs_at_) {
    RetryBadDirs();
  }
  if (pending_.empty()) {
    return absl::OkStatus();
  }
  if (clock_.Now() < DueTime()) {
    return absl::OkStatus();
  }
  std::set<std::string> batch;
  for (const auto& [file, t] : pending_) {
    batch.insert(file);
  }
  pending_.clear();
  ProcessBatch(batch);
  return absl::OkStatus();
}

absl::Status ManifestSource::RescanAll() {
  absl::MutexLock lock(&mu_);
  if (inotify_fd_ < 0) {
    return absl::FailedPreconditionError("manifest source is not open");
  }
  return RescanAllLocked();
}

void ManifestSource::HandleQueueOverflow() {
  absl::Status status = RescanAll();
  if (!status.ok()) {
    Log(LogLevel::kError, "manifests", "rescan after inotify overflow failed",
        {{"error", std::string(status.message())}});
  }
}

absl::Status ManifestSource::RescanAllLocked() {
  // Rebuild the watch table: directories may have moved while events were lost.
  std::map<int, std::string> old = std::move(wd_to_dir_);
  wd_to_dir_.clear();
  dir_to_wd_.clear();
  bad_dirs_.clear();
  std::set<std::string> batch;
  for (std::string& file : WatchTree(root_)) {
    batch.insert(std::move(file));
  }
  if (dir_to_wd_.count(root_) == 0) {
    return absl::InternalError(absl::StrCat("cannot watch ", root_));
  }
  for (const auto& [wd, dir] : old) {
    if (wd_to_dir_.count(wd) == 0) {
      ::inotify_rm_watch(inotify_fd_, wd);
    }
  }
  for (const auto& [file, state] : files_) {
    batch.insert(file);  // so vanished files are noticed
  }
  pending_.clear();
  ProcessBatch(batch);
  return absl::OkStatus();
}

std::vector<std::string> ManifestSource::WatchTree(const std::string& top) {
  std::vector<std::string> files;
  std::vector<std::string> dirs = {top};
  while (!dirs.empty()) {
    const std::string dir = std::move(dirs.back());
    dirs.pop_back();
    (void)WatchDir(dir, dirs, files);
  }
  ScheduleRetry();
  return files;
}

void ManifestSource::ScheduleRetry() {
  for (const auto& [dir, reason] : bad_dirs_) {
    if (dir_to_wd_.count(dir) == 0 && retry_bad_dirs_at_ == absl::InfiniteFuture()) {
      retry_bad_dirs_at_ = clock_.Now() + kRetryBadDirs;
    }
  }
}

bool ManifestSource::WatchDir(const std::string& dir, std::vector<std::string>& dirs,
                              std::vector<std::string>& files) {
  bad_dirs_.erase(dir);
  // The root itself may be a symlink (to a Git checkout, say); below it, symlinked
  // directories are not followed.
  struct stat st;
  const int stat_rc = dir == root_ ? ::stat(dir.c_str(), &st) : ::lstat(dir.c_str(), &st);
  if (stat_rc != 0) {
    bad_dirs_[dir] = absl::StrCat("cannot stat directory ", dir, ": ", std::strerror(errno),
                                  "; its manifests are not read");
    return false;
  }
  const uint32_t mask = dir == root_ ? kWatchMask & ~IN_DONT_FOLLOW : kWatchMask;
  const int wd = options_.add_watch ? options_.add_watch(inotify_fd_, dir, mask)
                                    : ::inotify_add_watch(inotify_fd_, dir.c_str(), mask);
  if (wd < 0) {
    const int err = errno;
    Log(LogLevel::kWarning, "manifests", "cannot watch directory",
        {{"dir", dir}, {"error", std::strerror(err)}});
    bad_dirs_[dir] =
        absl::StrCat("cannot watch directory ", dir, ": ", std::strerror(err),
                     err == ENOSPC ? " (raise the sysctl fs.inotify.max_user_watches)" : "",
                     "; its manifests are not read until it can be");
  } else {
    if (auto it = wd_to_dir_.find(wd); it != wd_to_dir_.end()) {
      dir_to_wd_.erase(it->second);  // the same directory under its new name
    }
    wd_to_dir_[wd] = dir;
    dir_to_wd_[dir] = wd;
  }
  if (std::string why = UntrustedReason(st, options_.trusted_uid); !why.empty()) {
    bad_dirs_[dir] = UntrustedMessage(absl::StrCat("directory ", dir), why);
  }
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::error_code type_ec;
    const auto type = it->symlink_status(type_ec).type();
    if (type == std::filesystem::file_type::directory) {
      if (!absl::StartsWith(name, ".")) {
        dirs.push_back(it->path().string());
      }
    } else if (resources::IsManifestFileName(name)) {
      files.push_back(it->path().string());
    }
  }
  if (ec) {
    bad_dirs_[dir] = absl::StrCat("cannot list directory ", dir, ": ", ec.message(),
                                  "; its manifests are not read until it can be");
  }
  return bad_dirs_.count(dir) == 0;
}

void ManifestSource::Reevaluate(const std::string& dir) { MarkTreePending(dir, WatchTree(dir)); }

void ManifestSource::MarkTreePending(const std::string& dir,
                                     const std::vector<std::string>& found) {
  for (const std::string& file : found) {
    MarkPending(file);
  }
  for (const auto& [file, state] : files_) {
    if (absl::StartsWith(file, dir + "/")) {
      MarkPending(file);
    }
  }
}

void ManifestSource::RetryBadDirs() {
  retry_bad_dirs_at_ = absl::InfiniteFuture();
  const std::map<std::string, std::string> before = bad_dirs_;
  for (const auto& [dir, reason] : before) {
    if (bad_dirs_.count(dir) == 0 || dir_to_wd_.count(dir) > 0) {
      continue;  // fixed meanwhile, or watched (untrusted: IN_ATTRIB tells when it changes)
    }
    struct stat st;
    if (dir != root_ && ::lstat(dir.c_str(), &st) != 0 && errno == ENOENT) {
      bad_dirs_.erase(dir);  // gone: its files are gone too
      Reevaluate(dir);
      continue;
    }
    const std::vector<std::string> found = WatchTree(dir);
    auto now = bad_dirs_.find(dir);
    if (now == bad_dirs_.end() || now->second != reason) {
      MarkTreePending(dir, found);
    }
  }
  ScheduleRetry();
}

void ManifestSource::UnwatchTree(const std::string& top) {
  for (auto it = dir_to_wd_.begin(); it != dir_to_wd_.end();) {
    if (it->first != top && !absl::StartsWith(it->first, top + "/")) {
      ++it;
      continue;
    }
    ::inotify_rm_watch(inotify_fd_, it->second);
    wd_to_dir_.erase(it->second);
    it = dir_to_wd_.erase(it);
  }
  for (auto it = bad_dirs_.begin(); it != bad_dirs_.end();) {
    const bool under = it->first == top || absl::StartsWith(it->first, top + "/");
    it = under ? bad_dirs_.erase(it) : std::next(it);
  }
}

absl::StatusOr<bool> ManifestSource::DrainEvents() {
  alignas(struct inotify_event) char buf[64 * 1024];
  bool overflow = false;
  while (true) {
    ssize_t n = ::read(inotify_fd_, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (errno == EAGAIN) {
        break;
      }
      return absl::InternalError(absl::StrCat("read inotify: ", std::strerror(errno)));
    }
    if (n == 0) {
      break;
    }
    for (char* p = buf; p < buf + n;) {
      const auto* ev = reinterpret_cast<const struct inotify_event*>(p);
      if ((ev->mask & IN_Q_OVERFLOW) != 0) {
        overflow = true;
      } else {
        HandleEvent(ev->wd, ev->mask, ev->len > 0 ? std::string(ev->name) : "");
      }
      p += sizeof(struct inotify_event) + ev->len;
    }
  }
  return overflow;
}

void ManifestSource::HandleEvent(int wd, uint32_t mask, const std::string& name) {
  auto it = wd_to_dir_.find(wd);
  if (it == wd_to_dir_.end()) {
    return;  // a watch already removed
  }
  const std::string dir = it->second;
  if ((mask & IN_IGNORED) != 0) {
    wd_to_dir_.erase(it);
    dir_to_wd_.erase(dir);
    return;
  }
  if (name.empty()) {
    if ((mask & IN_ATTRIB) != 0 && dir == root_) {
      Reevaluate(root_);  // the root's owner or mode changed
      return;
    }
    if ((mask & (IN_DELETE_SELF | IN_MOVE_SELF)) != 0 && dir == root_) {
      Log(LogLevel::kError, "manifests",
          "the manifest directory was removed or moved; objects are kept as they are",
          {{"dir", root_}});
    }
    return;  // a subdirectory's own removal is handled through its parent's event
  }
  const std::string path = absl::StrCat(dir, "/", name);
  if ((mask & IN_ISDIR) != 0) {
    if (absl::StartsWith(name, ".")) {
      return;
    }
    if ((mask & (IN_MOVED_FROM | IN_DELETE)) != 0) {
      UnwatchTree(path);
      for (const auto& [file, state] : files_) {
        if (absl::StartsWith(file, path + "/")) {
          MarkPending(file);
        }
      }
    }
    if ((mask & (IN_CREATE | IN_MOVED_TO)) != 0) {
      for (const std::string& file : WatchTree(path)) {
        MarkPending(file);
      }
    }
    if ((mask & IN_ATTRIB) != 0) {
      Reevaluate(path);
    }
    return;
  }
  if (resources::IsManifestFileName(name)) {
    if ((mask & IN_CREATE) != 0) {
      writing_.insert(path);  // read once closed (or after the longest wait)
    } else if ((mask & (IN_CLOSE_WRITE | IN_DELETE | IN_MOVED_FROM)) != 0) {
      writing_.erase(path);
    }
    MarkPending(path);
  }
}

void ManifestSource::MarkPending(const std::string& file) { pending_[file] = clock_.Now(); }

}  // namespace nxt::reconciler
