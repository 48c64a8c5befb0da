#include "docker/exec_stream.h"

#include <algorithm>

namespace nxt::docker {

void ExecStreamDemuxer::Feed(const char* data, size_t size) {
  while (size > 0) {
    if (remaining_ == 0) {
      size_t take = std::min(size, header_.size() - header_len_);
      std::copy(data, data + take, header_.begin() + header_len_);
      header_len_ += take;
      data += take;
      size -= take;
      if (header_len_ < header_.size()) return;
      header_len_ = 0;
      stream_ = header_[0];
      remaining_ = (uint32_t{header_[4]} << 24) | (uint32_t{header_[5]} << 16) |
                   (uint32_t{header_[6]} << 8) | uint32_t{header_[7]};
      continue;
    }
    size_t take = std::min<size_t>(size, remaining_);
    Append(data, take);
    remaining_ -= static_cast<uint32_t>(take);
    data += take;
    size -= take;
  }
}

void ExecStreamDemuxer::Append(const char* data, size_t size) {
  std::string* out = nullptr;
  if (stream_ == 1) {
    out = &stdout_;
  } else if (stream_ == 2) {
    out = &stderr_;
  } else {
    return;
  }
  size_t room = cap_ > out->size() ? cap_ - out->size() : 0;
  size_t take = std::min(room, size);
  out->append(data, take);
  dropped_ += size - take;
}

std::string LogPayload(const std::string& body) {
  std::string out;
  size_t at = 0;
  while (at < body.size()) {
    const auto* h = reinterpret_cast<const unsigned char*>(body.data() + at);
    if (body.size() - at < 8 || h[0] > 2 || h[1] != 0 || h[2] != 0 || h[3] != 0) {
      return at == 0 ? body : out;  // not multiplexed, or a cut frame at the end
    }
    const size_t size = (size_t{h[4]} << 24) | (size_t{h[5]} << 16) | (size_t{h[6]} << 8) | h[7];
    at += 8;
    out.append(body, at, std::min(size, body.size() - at));
    at += size;
  }
  return out;
}

}  // namespace nxt::docker
