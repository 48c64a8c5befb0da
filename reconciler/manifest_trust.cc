#include "reconciler/manifest_trust.h"

#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "reconciler/state_files.h"

namespace nxt::reconciler {
namespace {

constexpr char kRecordHeader[] = "# nxtd: the manifest directory the stored objects came from";

std::string Mode(mode_t mode) { return absl::StrFormat("%04o", mode & 07777); }

}  // namespace

std::string UntrustedReason(const struct stat& st, uid_t trusted_uid) {
  if (st.st_uid != 0 && st.st_uid != trusted_uid) {
    return absl::StrCat("is owned by uid ", st.st_uid);
  }
  if ((st.st_mode & S_IWOTH) != 0) {
    return absl::StrCat("is world-writable (mode ", Mode(st.st_mode), ")");
  }
  if ((st.st_mode & S_IWGRP) != 0) {
    return absl::StrCat("is group-writable (mode ", Mode(st.st_mode), ")");
  }
  return "";
}

std::string UntrustedMessage(const std::string& subject, const std::string& why) {
  return absl::StrCat("refused: ", subject, " ", why,
                      "; manifests and every directory holding them must be owned by root or "
                      "nxtd's user and not be group- or world-writable");
}

bool SourceIdentity::SameDirectory(const SourceIdentity& other) const {
  if (real_path != other.real_path || inode != other.inode) {
    return false;
  }
  return device == other.device || (fsid != "0" && fsid == other.fsid);
}

std::string SourceIdentity::ToString() const {
  return absl::StrCat(real_path, " (device ", major(device), ":", minor(device), ", inode ", inode,
                      ")");
}

absl::StatusOr<SourceIdentity> IdentifyDirectory(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    std::string message = absl::StrCat(path, ": ", std::strerror(err));
    return err == ENOENT ? absl::NotFoundError(message) : absl::InternalError(message);
  }
  if (!S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(path, ": not a directory"));
  }
  char resolved[PATH_MAX];
  if (::realpath(path.c_str(), resolved) == nullptr) {
    return absl::InternalError(absl::StrCat("realpath ", path, ": ", std::strerror(errno)));
  }
  SourceIdentity id;
  id.path = path;
  id.real_path = resolved;
  id.device = st.st_dev;
  id.inode = st.st_ino;
  struct statfs fs;
  id.fsid = "0";
  if (::statfs(resolved, &fs) == 0) {
    int words[2];
    static_assert(sizeof(words) == sizeof(fs.f_fsid));
    std::memcpy(words, &fs.f_fsid, sizeof(words));
    if (words[0] != 0 || words[1] != 0) {
      id.fsid = absl::StrFormat("%08x%08x", static_cast<unsigned>(words[0]),
                                static_cast<unsigned>(words[1]));
    }
  }
  return id;
}

std::string SourceRecordPath(const std::string& state_dir) {
  return absl::StrCat(state_dir, "/manifest-source");
}

absl::StatusOr<std::optional<SourceIdentity>> ReadSourceRecord(const std::string& file) {
  absl::StatusOr<std::string> content = ReadFileToString(file);
  if (absl::IsNotFound(content.status())) {
    return std::optional<SourceIdentity>();
  }
  if (!content.ok()) {
    return content.status();
  }
  SourceIdentity id;
  int fields = 0;
  for (absl::string_view line : absl::StrSplit(*content, '\n', absl::SkipEmpty())) {
    if (line[0] == '#') {
      continue;
    }
    std::vector<std::string> kv = absl::StrSplit(line, absl::MaxSplits(' ', 1));
    if (kv.size() != 2) {
      return absl::DataLossError(absl::StrCat(file, ": malformed line: ", std::string(line)));
    }
    const std::string& key = kv[0];
    const std::string& value = kv[1];
    bool ok = true;
    if (key == "path") {
      id.path = value;
    } else if (key == "realpath") {
      id.real_path = value;
    } else if (key == "device") {
      ok = absl::SimpleAtoi(value, &id.device);
    } else if (key == "inode") {
      ok = absl::SimpleAtoi(value, &id.inode);
    } else if (key == "fsid") {
      id.fsid = value;
    } else {
      continue;  // a field of a later version
    }
    if (!ok) {
      return absl::DataLossError(absl::StrCat(file, ": bad ", key, ": ", value));
    }
    ++fields;
  }
  if (fields < 5) {
    return absl::DataLossError(absl::StrCat(file, ": incomplete record"));
  }
  return std::optional<SourceIdentity>(std::move(id));
}

absl::Status WriteSourceRecord(const std::string& file, const SourceIdentity& id) {
  std::string content =
      absl::StrCat(kRecordHeader, "\npath ", id.path, "\nrealpath ", id.real_path, "\ndevice ",
                   id.device, "\ninode ", id.inode, "\nfsid ", id.fsid, "\n");
  return WriteFileAtomically(file, content, 0600);
}

}  // namespace nxt::reconciler
