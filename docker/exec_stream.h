// Demultiplexes the raw stream of a non-TTY exec (or attach): frames of an 8-byte header
// [stream type, 0, 0, 0, size as big-endian uint32] followed by `size` bytes. Type 1 is
// stdout, 2 stderr (0, stdin echo, is dropped). Frames may be split anywhere across Feed
// calls. Each output is capped; bytes beyond the cap are counted and dropped.
// Not thread-safe (one stream, one reader).
#ifndef NXT_DOCKER_EXEC_STREAM_H_
#define NXT_DOCKER_EXEC_STREAM_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace nxt::docker {

inline constexpr size_t kExecOutputCap = 4 * 1024 * 1024;

class ExecStreamDemuxer {
 public:
  explicit ExecStreamDemuxer(size_t cap_per_stream = kExecOutputCap) : cap_(cap_per_stream) {}

  void Feed(const char* data, size_t size);
  void Feed(const std::string& data) { Feed(data.data(), data.size()); }

  const std::string& stdout_text() const { return stdout_; }
  const std::string& stderr_text() const { return stderr_; }
  std::string&& TakeStdout() { return std::move(stdout_); }
  std::string&& TakeStderr() { return std::move(stderr_); }
  // Bytes dropped because a stream hit the cap.
  size_t dropped_bytes() const { return dropped_; }
  // True between frames (false when the stream ended inside a header or payload).
  bool at_frame_boundary() const { return header_len_ == 0 && remaining_ == 0; }

 private:
  void Append(const char* data, size_t size);

  const size_t cap_;
  std::array<unsigned char, 8> header_{};
  size_t header_len_ = 0;
  uint32_t remaining_ = 0;  // payload bytes left in the current frame
  unsigned char stream_ = 0;
  std::string stdout_;
  std::string stderr_;
  size_t dropped_ = 0;
};

// The payload of a `docker logs` body: the frames' bytes of stdout and stderr in the
// order written, or the body as is when it is not multiplexed (a TTY container: its first
// byte is not a stream type 0-2 followed by three zero bytes).
std::string LogPayload(const std::string& body);

}  // namespace nxt::docker

#endif  // NXT_DOCKER_EXEC_STREAM_H_
