#include "docker/exec_stream.h"

#include <string>

#include "gtest/gtest.h"

namespace nxt::docker {
namespace {

std::string Frame(char stream, const std::string& payload) {
  std::string out = {stream, 0, 0, 0};
  uint32_t n = static_cast<uint32_t>(payload.size());
  out.push_back(static_cast<char>(n >> 24));
  out.push_back(static_cast<char>(n >> 16));
  out.push_back(static_cast<char>(n >> 8));
  out.push_back(static_cast<char>(n));
  return out + payload;
}

TEST(ExecStreamDemuxerTest, SplitsStdoutAndStderr) {
  ExecStreamDemuxer d;
  d.Feed(Frame(1, "out1\n") + Frame(2, "err\n") + Frame(1, "out2\n"));
  EXPECT_EQ(d.stdout_text(), "out1\nout2\n");
  EXPECT_EQ(d.stderr_text(), "err\n");
  EXPECT_TRUE(d.at_frame_boundary());
}

TEST(ExecStreamDemuxerTest, FramesSplitAtEveryPossibleChunkBoundary) {
  std::string wire = Frame(1, "hello ") + Frame(2, "oops") + Frame(1, "") + Frame(1, "world");
  for (size_t chunk = 1; chunk <= wire.size(); ++chunk) {
    ExecStreamDemuxer d;
    for (size_t i = 0; i < wire.size(); i += chunk) {
      d.Feed(wire.data() + i, std::min(chunk, wire.size() - i));
    }
    EXPECT_EQ(d.stdout_text(), "hello world") << "chunk " << chunk;
    EXPECT_EQ(d.stderr_text(), "oops") << "chunk " << chunk;
  }
}

TEST(ExecStreamDemuxerTest, PayloadWithZeroBytesAndBigSizes) {
  std::string binary("a\0b\x01\xff", 5);
  std::string big(70000, 'z');  // size needs more than two bytes of the header
  ExecStreamDemuxer d;
  d.Feed(Frame(1, binary) + Frame(2, big));
  EXPECT_EQ(d.stdout_text(), binary);
  EXPECT_EQ(d.stderr_text(), big);
}

TEST(ExecStreamDemuxerTest, CapsEachStreamAndCountsTheRest) {
  ExecStreamDemuxer d(/*cap_per_stream=*/4);
  d.Feed(Frame(1, "abcdef") + Frame(2, "12") + Frame(1, "gh") + Frame(2, "345"));
  EXPECT_EQ(d.stdout_text(), "abcd");
  EXPECT_EQ(d.stderr_text(), "1234");
  EXPECT_EQ(d.dropped_bytes(), 5u);
  EXPECT_TRUE(d.at_frame_boundary());
}

TEST(ExecStreamDemuxerTest, DropsStdinEchoAndReportsATruncatedStream) {
  ExecStreamDemuxer d;
  std::string wire = Frame(0, "typed") + Frame(1, "ok");
  d.Feed(wire.substr(0, wire.size() - 1));
  EXPECT_FALSE(d.at_frame_boundary());
  EXPECT_EQ(d.stdout_text(), "o");
  EXPECT_EQ(d.stderr_text(), "");
}

}  // namespace
}  // namespace nxt::docker
