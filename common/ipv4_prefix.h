// IPv4 prefixes ("10.213.0.64/26"): parsing, formatting, overlap. Pure; values.
#ifndef NXT_COMMON_IPV4_PREFIX_H_
#define NXT_COMMON_IPV4_PREFIX_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace nxt {

// A network address and a prefix length; the address has no host bits set.
struct Ipv4Prefix {
  uint32_t address = 0;  // host byte order
  int length = 0;        // 0..32

  // "a.b.c.d/len". InvalidArgument for anything else, and for host bits set
  // ("10.0.0.1/24": the caller meant 10.0.0.0/24 or made a typo; nxt does not guess).
  static absl::StatusOr<Ipv4Prefix> Parse(const std::string& text);
  // From a network address and mask (as /proc/net/route gives them, host byte order);
  // InvalidArgument when the mask is not contiguous.
  static absl::StatusOr<Ipv4Prefix> FromMask(uint32_t address, uint32_t mask);

  std::string ToString() const;
  uint32_t Mask() const { return length == 0 ? 0 : ~uint32_t{0} << (32 - length); }
  // Number of addresses, 2^(32 - length).
  uint64_t Size() const { return uint64_t{1} << (32 - length); }
  uint32_t Last() const { return address | ~Mask(); }
  bool Contains(const Ipv4Prefix& other) const {
    return other.length >= length && (other.address & Mask()) == address;
  }
  bool Overlaps(const Ipv4Prefix& other) const { return Contains(other) || other.Contains(*this); }
  friend bool operator==(const Ipv4Prefix& a, const Ipv4Prefix& b) {
    return a.address == b.address && a.length == b.length;
  }
  friend bool operator!=(const Ipv4Prefix& a, const Ipv4Prefix& b) { return !(a == b); }
  friend bool operator<(const Ipv4Prefix& a, const Ipv4Prefix& b) {
    return a.address != b.address ? a.address < b.address : a.length < b.length;
  }
};

}  // namespace nxt

#endif  // NXT_COMMON_IPV4_PREFIX_H_
