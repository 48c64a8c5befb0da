#include "controllers/common/owner.h"

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
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

TEST(OwnerTest, HyphenFreeNamesAreUnchangedFromTheFirstScheme) {
  // The quick start's objects keep their networks and volumes (no rename, no recreate).
  for (const char* name : {"web", "worker", "db", "cache", "talk"}) {
    EXPECT_EQ(NetworkName("default", name), absl::StrCat("nxt-default-", name));
    EXPECT_EQ(VolumeName("default", name, 2, "data"), LegacyVolumeName("default", name, 2, "data"));
    EXPECT_EQ(VolumeName("default", name, 2, "data"),
              absl::StrCat("nxt-default-", name, "-2-data"));
  }
}

TEST(OwnerTest, NamespaceAndNameBoundariesNoLongerCollide) {
  EXPECT_EQ(NetworkName("b", "c-a"), "nxt-b-c--a");
  EXPECT_EQ(NetworkName("b-c", "a"), "nxt-b--c-a");
  EXPECT_NE(NetworkName("b", "c-a"), NetworkName("b-c", "a"));
  EXPECT_NE(VolumeName("b", "c-a", 0, "data"), VolumeName("b-c", "a", 0, "data"));
  // The first scheme gave both the same names.
  EXPECT_EQ(LegacyVolumeName("b", "c-a", 0, "data"), LegacyVolumeName("b-c", "a", 0, "data"));
}

TEST(OwnerTest, UserChosenVolumePurposesNoLongerCollide) {
  // Set "a" ordinal 1 volume "2-x" and set "a-1" ordinal 2 volume "x".
  EXPECT_EQ(VolumeName("default", "a", 1, "2-x"), "nxt-default-a-1-2--x");
  EXPECT_EQ(VolumeName("default", "a-1", 2, "x"), "nxt-default-a--1-2-x");
  EXPECT_EQ(LegacyVolumeName("default", "a", 1, "2-x"), LegacyVolumeName("default", "a-1", 2, "x"));
}

TEST(OwnerTest, NamesOfDistinctFieldsAreDistinct) {
  // Every split of short hyphenated DNS labels into (namespace, name, purpose).
  const std::vector<std::string> labels = {"a", "b", "a-b", "b-a", "a-b-a", "a--b", "ab", "1-2"};
  std::map<std::string, std::string> seen;
  for (const std::string& ns : labels) {
    for (const std::string& name : labels) {
      EXPECT_TRUE(seen.emplace(NetworkName(ns, name), ns + "/" + name).second)
          << ns << "/" << name << " and " << seen[NetworkName(ns, name)];
      for (const std::string& purpose : labels) {
        for (int ordinal : {0, 1, 12}) {
          const std::string who = absl::StrCat(ns, "/", name, "/", ordinal, "/", purpose);
          const std::string volume = VolumeName(ns, name, ordinal, purpose);
          EXPECT_TRUE(seen.emplace(volume, who).second) << who << " and " << seen[volume];
          EXPECT_EQ(VolumePurposeOf(volume, ns, name, ordinal), purpose);
        }
      }
    }
  }
}

TEST(OwnerTest, OverlongNamesAreCutWithADigest) {
  const std::string ns(63, 'n');
  std::string name;
  for (int i = 0; i < 31; ++i) name += "a-";
  name += "a";  // 63 characters, 31 of them '-'
  const std::string purpose = name;
  const std::string volume = VolumeName(ns, name, 7, purpose);
  EXPECT_LE(volume.size(), kMaxDockerObjectName);
  EXPECT_THAT(volume, ::testing::HasSubstr("---"));
  EXPECT_NE(volume, VolumeName(ns, name, 8, purpose));
  EXPECT_EQ(VolumePurposeOf(volume, ns, name, 7), std::nullopt);
  // The longest hyphen-free name is not cut.
  const std::string plain(63, 'p');
  EXPECT_EQ(VolumeName(plain, plain, 999999, plain), LegacyVolumeName(plain, plain, 999999, plain));
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
