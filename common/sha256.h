// SHA-256 (FIPS 180-4). Used for io.nxt.config-hash: a stable fingerprint of a rendered
// container spec, not for secrets or signatures.
#ifndef NXT_COMMON_SHA256_H_
#define NXT_COMMON_SHA256_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace nxt {

// Incremental hasher. Not thread-safe; one instance per computation. Update may be called
// any number of times; Finish once (afterwards the object must not be reused).
class Sha256 {
 public:
  using Digest = std::array<uint8_t, 32>;

  Sha256();
  void Update(std::string_view data);
  Digest Finish();

 private:
  void Compress(const uint8_t* block);

  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_;
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

// Lower-case hex of the SHA-256 of `data` (64 characters).
std::string Sha256Hex(std::string_view data);
std::string ToHex(const Sha256::Digest& digest);

}  // namespace nxt

#endif  // NXT_COMMON_SHA256_H_
