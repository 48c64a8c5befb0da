// Small file-system helpers of the state layer (FileStore, StateLock, ManifestWriter).
#ifndef NXT_RECONCILER_STATE_FILES_H_
#define NXT_RECONCILER_STATE_FILES_H_

#include <sys/types.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace nxt::reconciler {

// Writes `content` to `path` atomically: a hidden temporary file in the same directory
// (".tmp-<name>-<random>", which the manifest source ignores), fsync, rename over
// `path`, fsync of the directory. The file gets exactly `mode` (umask does not apply).
// Readers see the old or the new content, never a mix. Internal on any I/O error (the
// temporary file is removed).
absl::Status WriteFileAtomically(const std::string& path, const std::string& content, mode_t mode);

// Creates `path` and its missing parents with `mode` (existing ones are left alone).
absl::Status MakeDirs(const std::string& path, mode_t mode);

// The whole content of `path`. NotFound if it does not exist, Internal otherwise.
absl::StatusOr<std::string> ReadFileToString(const std::string& path);

// `bytes` random bytes from the OS CSPRNG (getrandom), hex-encoded (2 * bytes chars).
std::string RandomHex(size_t bytes);

}  // namespace nxt::reconciler

#endif  // NXT_RECONCILER_STATE_FILES_H_
