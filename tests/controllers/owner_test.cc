#include "controllers/common/owner.h"

#include <string>

#include "docker/types.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nxt::controllers {
namespace {

const resources::ObjectKey kKey{"ContainerSet", "default", "web"};

TEST(OwnerTest, OwnerLabelsRoundTripThroughOwnerOf) {
  Labels labels = OwnerLabels(kKey, "member", 3);
  EXPECT_EQ(labels.at(docker::kLabelManagedBy), "nxtd");
  EXPECT_EQ(labels.at(docker::kLabelRole), "member");
  EXPECT_EQ(labels.at(docker::kLabelOrdinal), "3");
  EXPECT_EQ(OwnerOf(labels), kKey);
  EXPECT_EQ(OrdinalOf(labels), 3);
  EXPECT_EQ(OwnerLabels(kKey, "network").count(docker::kLabelOrdinal), 0u);
}

TEST(OwnerTest, ObjectsNotManagedByNxtdHaveNoOwner) {
  Labels labels = OwnerLabels(kKey, "member");
  labels[docker::kLabelManagedBy] = "someone-else";
  EXPECT_EQ(OwnerOf(labels), std::nullopt);
  labels = OwnerLabels(kKey, "member");
  labels.erase(docker::kLabelName);
  EXPECT_EQ(OwnerOf(labels), std::nullopt);
  EXPECT_EQ(OwnerKeyForEvent(docker::Event{}), std::nullopt);
  docker::Event e;
  e.attributes = OwnerLabels(kKey, "member", 0);
  e.attributes["name"] = "web-0";
  EXPECT_EQ(OwnerKeyForEvent(e), kKey);
}

TEST(OwnerTest, OrdinalMustBeAPlainNonNegativeDecimal) {
  auto ordinal = [](const std::string& text) { return OrdinalOf({{docker::kLabelOrdinal, text}}); };
  EXPECT_EQ(ordinal("0"), 0);
  EXPECT_EQ(ordinal("12"), 12);
  EXPECT_EQ(ordinal(""), std::nullopt);
  EXPECT_EQ(ordinal("-1"), std::nullopt);
  EXPECT_EQ(ordinal("01"), std::nullopt);
  EXPECT_EQ(ordinal("+1"), std::nullopt);
  EXPECT_EQ(ordinal("1a"), std::nullopt);
  EXPECT_EQ(ordinal("99999999999"), std::nullopt);
  EXPECT_EQ(OrdinalOf({}), std::nullopt);
}

TEST(OwnerTest, NamesFollowTheHostConventions) {
  EXPECT_EQ(ContainerName("web", 2), "web-2");
  EXPECT_EQ(NetworkName("default", "web"), "nxt-default-web");
  EXPECT_EQ(VolumeName("prod", "db", 0, "data"), "nxt-prod-db-0-data");
  EXPECT_EQ(OwnerSelector(kKey).size(), 4u);
}

TEST(OwnerTest, ConfigHashIgnoresItsOwnLabelButSeesEverythingElse) {
  docker::ContainerSpec spec;
  spec.name = "web-0";
  spec.image = "img";
  spec.labels = OwnerLabels(kKey, "member", 0);
  const std::string base = ConfigHash(spec);
  EXPECT_EQ(base.size(), 64u);
  docker::ContainerSpec labelled = spec;
  labelled.labels[docker::kLabelConfigHash] = "anything";
  EXPECT_EQ(ConfigHash(labelled), base);
  docker::ContainerSpec env = spec;
  env.env = {"A=1"};
  EXPECT_NE(ConfigHash(env), base);
  EXPECT_NE(ConfigHash(spec, {"config file v2"}), base);
  // Length-prefixing: moving a boundary between fields changes the hash.
  docker::ContainerSpec a = spec, b = spec;
  a.cmd = {"ab", "c"};
  b.cmd = {"a", "bc"};
  EXPECT_NE(ConfigHash(a), ConfigHash(b));
}

}  // namespace
}  // namespace nxt::controllers
