#include "docker/tar_writer.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace nxt::docker {
namespace {

constexpr size_t kBlock = 512;

// Writes `value` as zero-padded octal with a trailing NUL into field [offset, offset+width).
void PutOctal(std::string& header, size_t offset, size_t width, uint64_t value) {
  // width-1 digits, most significant first, then the NUL already in place.
  for (size_t i = width - 1; i > 0; --i) {
    header[offset + i - 1] = static_cast<char>('0' + (value & 7));
    value >>= 3;
  }
}

void PutString(std::string& header, size_t offset, size_t width, const std::string& value) {
  std::memcpy(header.data() + offset, value.data(), std::min(width, value.size()));
}

absl::Status SplitUstarName(const std::string& path, std::string* prefix, std::string* name) {
  if (path.size() <= 100) {
    *name = path;
    return absl::OkStatus();
  }
  // Split at a '/' so that the prefix fits 155 bytes and the rest 100.
  for (size_t i = path.size() - 1; i > 0; --i) {
    if (path[i] != '/') continue;
    if (i <= 155 && path.size() - i - 1 <= 100) {
      *prefix = path.substr(0, i);
      *name = path.substr(i + 1);
      return absl::OkStatus();
    }
  }
  return absl::InvalidArgumentError(absl::StrCat("tar: path too long for ustar: ", path));
}

}  // namespace

absl::StatusOr<std::string> MakeSingleFileTar(const std::string& name, const std::string& content,
                                              int mode, int64_t mtime_unix) {
  if (name.empty() || name.front() == '/' || name.back() == '/') {
    return absl::InvalidArgumentError(absl::StrCat("tar: bad file name \"", name, "\""));
  }
  for (absl::string_view part : absl::StrSplit(name, '/')) {
    if (part.empty() || part == "..") {
      return absl::InvalidArgumentError(absl::StrCat("tar: bad file name \"", name, "\""));
    }
  }
  if (mode < 0 || mode > 07777) {
    return absl::InvalidArgumentError(absl::StrCat("tar: bad mode ", mode));
  }
  std::string prefix, short_name;
  if (absl::Status s = SplitUstarName(name, &prefix, &short_name); !s.ok()) return s;

  std::string header(kBlock, '\0');
  PutString(header, 0, 100, short_name);
  PutOctal(header, 100, 8, static_cast<uint64_t>(mode));
  PutOctal(header, 108, 8, 0);  // uid
  PutOctal(header, 116, 8, 0);  // gid
  PutOctal(header, 124, 12, content.size());
  PutOctal(header, 136, 12, static_cast<uint64_t>(mtime_unix < 0 ? 0 : mtime_unix));
  header[156] = '0';  // regular file
  PutString(header, 257, 6, std::string("ustar\0", 6));
  PutString(header, 263, 2, "00");
  PutString(header, 265, 32, "root");
  PutString(header, 297, 32, "root");
  PutString(header, 345, 155, prefix);
  // The checksum is computed with its own field as spaces.
  std::memset(header.data() + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : header) sum += c;
  PutOctal(header, 148, 7, sum);  // six digits and a NUL; the space at 155 stays
  header[154] = '\0';

  std::string out = std::move(header);
  out += content;
  out.append((kBlock - content.size() % kBlock) % kBlock, '\0');
  out.append(2 * kBlock, '\0');
  return out;
}

}  // namespace nxt::docker
