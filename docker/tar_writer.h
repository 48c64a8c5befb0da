// A minimal POSIX ustar writer for PUT /containers/{id}/archive: one regular file,
// owned by root (uid/gid 0), with the given mode.
#ifndef NXT_DOCKER_TAR_WRITER_H_
#define NXT_DOCKER_TAR_WRITER_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace nxt::docker {

// Returns a complete archive (header, content padded to 512 bytes, two zero blocks)
// holding `name` (a relative path, split into ustar prefix/name when longer than 100
// bytes). InvalidArgument when `name` is empty, absolute, contains "..", or does not fit
// ustar (prefix ≤ 155 bytes, last part ≤ 100), or `mode` is outside 0..07777.
absl::StatusOr<std::string> MakeSingleFileTar(const std::string& name, const std::string& content,
                                              int mode, int64_t mtime_unix = 0);

}  // namespace nxt::docker

#endif  // NXT_DOCKER_TAR_WRITER_H_
