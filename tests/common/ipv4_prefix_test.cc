#include "common/ipv4_prefix.h"

#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace nxt {
namespace {

using ::nxt::testing::StatusIs;
using ::testing::HasSubstr;

Ipv4Prefix P(const std::string& text) {
  absl::StatusOr<Ipv4Prefix> p = Ipv4Prefix::Parse(text);
  EXPECT_TRUE(p.ok()) << text << ": " << p.status();
  return p.value_or(Ipv4Prefix{});
}

TEST(Ipv4PrefixTest, ParsesAndFormatsRoundTrip) {
  for (const char* text : {"10.213.0.0/16", "0.0.0.0/0", "192.0.2.17/32", "10.213.0.64/26"}) {
    EXPECT_EQ(P(text).ToString(), text);
  }
  EXPECT_EQ(P("10.213.0.64/26").address, 0x0ad50040u);
  EXPECT_EQ(P("10.213.0.64/26").Size(), 64u);
  EXPECT_EQ(P("10.213.0.64/26").Last(), 0x0ad5007fu);
}

TEST(Ipv4PrefixTest, RefusesMalformedTextAndHostBits) {
  for (const char* text :
       {"", "10.0.0.0", "10.0.0/8", "10.0.0.0/33", "10.0.0.256/32", "10.0.0.0/-1", "10.0.0.0/8/8",
        " 10.0.0.0/8", "10.0.0.0/+8", "a.b.c.d/8", "10.0.0.0/"}) {
    EXPECT_THAT(Ipv4Prefix::Parse(text), StatusIs(absl::StatusCode::kInvalidArgument)) << text;
  }
  EXPECT_THAT(Ipv4Prefix::Parse("10.0.0.1/24"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("10.0.0.0/24")));
}

TEST(Ipv4PrefixTest, OverlapIsContainmentEitherWay) {
  EXPECT_TRUE(P("10.0.0.0/8").Overlaps(P("10.213.0.64/26")));
  EXPECT_TRUE(P("10.213.0.64/26").Overlaps(P("10.0.0.0/8")));
  EXPECT_TRUE(P("10.213.0.64/26").Overlaps(P("10.213.0.64/26")));
  EXPECT_FALSE(P("10.213.0.64/26").Overlaps(P("10.213.0.128/26")));
  EXPECT_FALSE(P("10.213.0.0/26").Overlaps(P("10.213.0.64/26")));
  EXPECT_TRUE(P("0.0.0.0/0").Overlaps(P("192.0.2.0/24")));
}

TEST(Ipv4PrefixTest, FromMaskNeedsAContiguousMask) {
  absl::StatusOr<Ipv4Prefix> p = Ipv4Prefix::FromMask(0xc0000205u, 0xffffff00u);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->ToString(), "192.0.2.0/24");
  EXPECT_EQ(Ipv4Prefix::FromMask(0, 0)->ToString(), "0.0.0.0/0");
  EXPECT_THAT(Ipv4Prefix::FromMask(0x0a000000u, 0xff00ff00u),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace nxt
