// One nxtd per state directory.
#ifndef NXT_RECONCILER_STATE_LOCK_H_
#define NXT_RECONCILER_STATE_LOCK_H_

#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"

namespace nxt::reconciler {

// An exclusive flock(2) on <state_dir>/nxtd.lock, held for the object's lifetime
// (released by the destructor, or by the kernel when the process dies, so a SIGKILLed
// nxtd never leaves a stale lock). The holder's pid is written into the file so the
// next one can name it. The descriptor is O_CLOEXEC: children never inherit the lock.
// flock locks belong to the open file description, so a second Acquire in the same
// process fails too.
class StateLock {
 public:
  // Creates state_dir (0700) if missing. FailedPrecondition "another nxtd (pid N) holds
  // <path>" when the lock is held; Internal on I/O errors.
  static absl::StatusOr<std::unique_ptr<StateLock>> Acquire(const std::string& state_dir);

  ~StateLock();
  StateLock(const StateLock&) = delete;
  StateLock& operator=(const StateLock&) = delete;

  const std::string& path() const { return path_; }

 private:
  StateLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}

  const int fd_;
  const std::string path_;
};

}  // namespace nxt::reconciler

#endif  // NXT_RECONCILER_STATE_LOCK_H_
