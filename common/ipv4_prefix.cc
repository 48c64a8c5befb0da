#include "common/ipv4_prefix.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace nxt {
namespace {

absl::Status Bad(const std::string& text, const std::string& why) {
  return absl::InvalidArgumentError(
      absl::StrCat("\"", text, "\" is not an IPv4 prefix like 10.213.0.0/16: ", why));
}

// "a.b.c.d" in decimal, each part 0..255 without sign or spaces.
bool ParseAddress(const std::string& text, uint32_t* out) {
  std::vector<std::string> parts = absl::StrSplit(text, '.');
  if (parts.size() != 4) return false;
  uint32_t address = 0;
  for (const std::string& part : parts) {
    if (part.empty() || part.size() > 3 || part.find_first_not_of("0123456789") != part.npos) {
      return false;
    }
    uint32_t octet = 0;
    if (!absl::SimpleAtoi(part, &octet) || octet > 255) return false;
    address = address << 8 | octet;
  }
  *out = address;
  return true;
}

}  // namespace

absl::StatusOr<Ipv4Prefix> Ipv4Prefix::Parse(const std::string& text) {
  std::vector<std::string> halves = absl::StrSplit(text, '/');
  if (halves.size() != 2) return Bad(text, "expected address/length");
  Ipv4Prefix prefix;
  if (!ParseAddress(halves[0], &prefix.address)) return Bad(text, "bad address");
  if (halves[1].empty() || halves[1].size() > 2 ||
      halves[1].find_first_not_of("0123456789") != std::string::npos ||
      !absl::SimpleAtoi(halves[1], &prefix.length) || prefix.length > 32) {
    return Bad(text, "the length must be 0 to 32");
  }
  if ((prefix.address & ~prefix.Mask()) != 0) {
    return Bad(
        text,
        absl::StrCat("host bits are set (the network is ",
                     Ipv4Prefix{prefix.address & prefix.Mask(), prefix.length}.ToString(), ")"));
  }
  return prefix;
}

absl::StatusOr<Ipv4Prefix> Ipv4Prefix::FromMask(uint32_t address, uint32_t mask) {
  int length = 0;
  while (length < 32 && (mask & (uint32_t{1} << (31 - length))) != 0) ++length;
  Ipv4Prefix prefix{address & mask, length};
  if (prefix.Mask() != mask) {
    return absl::InvalidArgumentError(absl::StrFormat("mask %08x is not contiguous", mask));
  }
  return prefix;
}

std::string Ipv4Prefix::ToString() const {
  return absl::StrFormat("%u.%u.%u.%u/%d", address >> 24, (address >> 16) & 0xff,
                         (address >> 8) & 0xff, address & 0xff, length);
}

}  // namespace nxt
