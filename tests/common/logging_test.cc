#include "common/logging.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nxt {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;

TEST(LoggingTest, TextLineQuotesValuesWithSpaces) {
  std::string line = FormatLogLine(LogFormat::kText, LogLevel::kInfo, "cs", "created",
                                   {{"name", "web-0"}, {"msg", "a b"}});
  EXPECT_THAT(line, HasSubstr(" info cs: created name=web-0 msg=\"a b\""));
  EXPECT_THAT(line, EndsWith("\n"));
}

TEST(LoggingTest, JsonLineEscapes) {
  std::string line =
      FormatLogLine(LogFormat::kJson, LogLevel::kError, "api", "bad \"x\"\n", {{"k", "v"}});
  EXPECT_THAT(line, HasSubstr("\"level\":\"error\",\"component\":\"api\""));
  EXPECT_THAT(line, HasSubstr("\"msg\":\"bad \\\"x\\\"\\n\",\"k\":\"v\"}"));
}

TEST(LoggingTest, ParsesLevelsAndFormats) {
  LogLevel level;
  EXPECT_TRUE(ParseLogLevel("debug", &level));
  EXPECT_EQ(level, LogLevel::kDebug);
  EXPECT_FALSE(ParseLogLevel("loud", &level));
  LogFormat format;
  EXPECT_TRUE(ParseLogFormat("json", &format));
  EXPECT_EQ(format, LogFormat::kJson);
  EXPECT_FALSE(ParseLogFormat("xml", &format));
}

}  // namespace
}  // namespace nxt
