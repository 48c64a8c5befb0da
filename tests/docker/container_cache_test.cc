#include "docker/container_cache.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/mocks/docker/mock_docker_client.h"
#include "tests/testing/status_matchers.h"

namespace nxt::docker {
namespace {

using ::nxt::testing::IsOk;
using ::nxt::testing::StatusIs;
using ::testing::Return;
using ::testing::StrictMock;

ContainerSummary Row(const std::string& id, const std::string& name, const std::string& owner,
                     const std::string& state = "running") {
  ContainerSummary row;
  row.id = id;
  row.name = name;
  row.image = "img";
  row.labels = {{kLabelManagedBy, kManagedByValue}, {kLabelName, owner}};
  row.state = state;
  row.status = state == "running" ? "Up 2 minutes" : "Exited (0) 1 minute ago";
  return row;
}

Event ContainerEvent(const std::string& action, const std::string& id, const std::string& name,
                     std::map<std::string, std::string> extra = {}) {
  Event e;
  e.type = "container";
  e.action = action;
  e.actor_id = id;
  e.attributes = {
      {kLabelManagedBy, kManagedByValue}, {kLabelName, "web"}, {"name", name}, {"image", "img"}};
  e.attributes.insert(extra.begin(), extra.end());
  e.time_nano = 1'700'000'000'000'000'000;
  return e;
}

class ContainerCacheTest : public ::testing::Test {
 protected:
  void SyncWith(std::vector<ContainerSummary> rows) {
    LabelSelector managed = {{kLabelManagedBy, kManagedByValue}};
    EXPECT_CALL(docker_, ListContainers(managed)).WillOnce(Return(rows));
    ASSERT_THAT(cache_.Resync(), IsOk());
  }
  StrictMock<MockDockerClient> docker_;
  ContainerCache cache_{docker_};
};

TEST_F(ContainerCacheTest, ManyLookupsCostOneListCall) {
  std::vector<ContainerSummary> rows;
  for (int i = 0; i < 50; ++i) {
    rows.push_back(
        Row("id" + std::to_string(i), "web-" + std::to_string(i), i < 30 ? "web" : "db"));
  }
  SyncWith(rows);  // StrictMock: any other engine call fails the test
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(cache_.List({{kLabelName, "web"}}).size(), 30u);
    EXPECT_EQ(cache_.List({{kLabelName, "db"}}).size(), 20u);
    for (int i = 0; i < 50; ++i) {
      EXPECT_TRUE(cache_.Get("web-" + std::to_string(i)).has_value());
    }
  }
  EXPECT_EQ(cache_.list_calls(), 1);
  EXPECT_TRUE(cache_.synced());
}

TEST_F(ContainerCacheTest, ListIsSortedAndMatchesLabelPresence) {
  SyncWith({Row("b", "web-1", "web"), Row("a", "web-0", "web")});
  auto rows = cache_.List({{kLabelName, ""}});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].name, "web-0");
  EXPECT_TRUE(cache_.List({{"missing", ""}}).empty());
  EXPECT_EQ(cache_.Get("b")->name, "web-1") << "by id";
  EXPECT_FALSE(cache_.Get("nope").has_value());
}

TEST_F(ContainerCacheTest, FailedResyncKeepsTheSnapshot) {
  SyncWith({Row("a", "web-0", "web")});
  EXPECT_CALL(docker_, ListContainers).WillOnce(Return(absl::UnavailableError("down")));
  EXPECT_THAT(cache_.Resync(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_TRUE(cache_.Get("web-0").has_value());
  EXPECT_EQ(cache_.list_calls(), 2);
}

TEST_F(ContainerCacheTest, LifecycleEventsMoveTheState) {
  SyncWith({});
  cache_.Apply(ContainerEvent("create", "c1", "web-0"));
  auto row = cache_.Get("web-0");
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->state, "created");
  EXPECT_EQ(row->id, "c1");
  EXPECT_EQ(row->image, "img");
  EXPECT_EQ(row->labels.at(kLabelName), "web");
  EXPECT_EQ(row->labels.count("name"), 0u) << "engine attributes are not labels";
  EXPECT_EQ(row->created, absl::FromUnixNanos(1'700'000'000'000'000'000));

  cache_.Apply(ContainerEvent("start", "c1", "web-0"));
  EXPECT_EQ(cache_.Get("c1")->state, "running");
  cache_.Apply(ContainerEvent("health_status: healthy", "c1", "web-0"));
  EXPECT_EQ(cache_.Get("c1")->Health(), "healthy");
  cache_.Apply(ContainerEvent("pause", "c1", "web-0"));
  EXPECT_EQ(cache_.Get("c1")->state, "paused");
  cache_.Apply(ContainerEvent("unpause", "c1", "web-0"));
  EXPECT_EQ(cache_.Get("c1")->state, "running");
  EXPECT_EQ(cache_.Get("c1")->Health(), "healthy");
  cache_.Apply(ContainerEvent("kill", "c1", "web-0", {{"signal", "15"}}));
  EXPECT_EQ(cache_.Get("c1")->state, "running") << "kill alone changes nothing";
  cache_.Apply(ContainerEvent("die", "c1", "web-0", {{"exitCode", "137"}}));
  EXPECT_EQ(cache_.Get("c1")->state, "exited");
  EXPECT_EQ(cache_.Get("c1")->status, "Exited (137)");
  cache_.Apply(ContainerEvent("stop", "c1", "web-0"));
  EXPECT_EQ(cache_.Get("c1")->status, "Exited (137)");
  cache_.Apply(ContainerEvent("start", "c1", "web-0"));
  EXPECT_EQ(cache_.Get("c1")->Health(), "starting") << "a restart re-runs the health check";
  cache_.Apply(ContainerEvent("rename", "c1", "web-9", {{"oldName", "/web-0"}}));
  EXPECT_FALSE(cache_.Get("web-0").has_value());
  EXPECT_TRUE(cache_.Get("web-9").has_value());
  cache_.Apply(ContainerEvent("destroy", "c1", "web-9"));
  EXPECT_FALSE(cache_.Get("c1").has_value());
}

TEST_F(ContainerCacheTest, IgnoresForeignAndIrrelevantEvents) {
  SyncWith({Row("a", "web-0", "web")});
  Event foreign = ContainerEvent("start", "x", "other");
  foreign.attributes.erase(kLabelManagedBy);
  cache_.Apply(foreign);
  EXPECT_FALSE(cache_.Get("x").has_value());
  Event network = ContainerEvent("create", "n", "net");
  network.type = "network";
  cache_.Apply(network);
  EXPECT_FALSE(cache_.Get("n").has_value());
  cache_.Apply(ContainerEvent("exec_start: sh -c secret", "a", "web-0"));
  EXPECT_EQ(cache_.Get("a")->state, "running");
  cache_.Apply(ContainerEvent("exec_create: sh", "z", "web-5"));
  EXPECT_FALSE(cache_.Get("z").has_value()) << "exec events do not invent rows";
}

TEST_F(ContainerCacheTest, ApplySaysWhatTheEventChanged) {
  SyncWith({Row("a", "web-0", "web")});
  ContainerChange exec = cache_.Apply(ContainerEvent("exec_start: sh -c probe", "a", "web-0"));
  EXPECT_EQ(exec.action, "exec_start");
  EXPECT_EQ(exec.detail, "sh -c probe");
  EXPECT_TRUE(exec.known);
  EXPECT_EQ(exec.state_before, "running");
  EXPECT_EQ(exec.state_after, "running");

  ContainerChange first = cache_.Apply(ContainerEvent("health_status: healthy", "a", "web-0"));
  EXPECT_EQ(first.action, "health_status");
  EXPECT_EQ(first.detail, "healthy");
  EXPECT_EQ(first.health_before, "");
  EXPECT_EQ(first.health_after, "healthy");
  ContainerChange again = cache_.Apply(ContainerEvent("health_status: healthy", "a", "web-0"));
  EXPECT_EQ(again.health_before, "healthy");
  EXPECT_EQ(again.health_after, "healthy");
  ContainerChange sick = cache_.Apply(ContainerEvent("health_status: unhealthy", "a", "web-0"));
  EXPECT_EQ(sick.health_before, "healthy");
  EXPECT_EQ(sick.health_after, "unhealthy");
  EXPECT_EQ(cache_.Get("a")->Health(), "unhealthy") << "the cache still follows health";

  ContainerChange died = cache_.Apply(ContainerEvent("die", "a", "web-0", {{"exitCode", "1"}}));
  EXPECT_EQ(died.state_before, "running");
  EXPECT_EQ(died.state_after, "exited");
  ContainerChange gone = cache_.Apply(ContainerEvent("destroy", "a", "web-0"));
  EXPECT_TRUE(gone.known);
  EXPECT_EQ(gone.state_after, "");
  ContainerChange born = cache_.Apply(ContainerEvent("create", "b", "web-1"));
  EXPECT_FALSE(born.known);
  EXPECT_EQ(born.state_after, "created");
}

TEST_F(ContainerCacheTest, UnknownContainerSeenDuringAGapIsAdded) {
  SyncWith({});
  cache_.Apply(ContainerEvent("start", "c2", "web-1"));
  ASSERT_TRUE(cache_.Get("web-1").has_value());
  EXPECT_EQ(cache_.Get("web-1")->state, "running");
}

TEST_F(ContainerCacheTest, WriteThroughUpsertAndErase) {
  SyncWith({Row("old", "web-0", "web", "exited")});
  cache_.Upsert(Row("new", "web-0", "web"));
  ASSERT_TRUE(cache_.Get("web-0").has_value());
  EXPECT_EQ(cache_.Get("web-0")->id, "new") << "replaces the row of the same name";
  EXPECT_FALSE(cache_.Get("old").has_value());
  cache_.Erase("web-0");
  EXPECT_FALSE(cache_.Get("new").has_value());
  cache_.Erase("never-there");
  EXPECT_TRUE(cache_.List({}).empty());
}

TEST_F(ContainerCacheTest, UpsertIgnoresContainersOutsideTheSelector) {
  SyncWith({});
  ContainerSummary foreign = Row("f", "web-0", "web");
  foreign.labels.erase(kLabelManagedBy);  // a container nxt does not manage, same name
  cache_.Upsert(foreign);
  EXPECT_FALSE(cache_.Get("web-0").has_value());
}

TEST_F(ContainerCacheTest, ResyncReplacesTheSnapshot) {
  SyncWith({Row("a", "web-0", "web")});
  cache_.Upsert(Row("b", "web-1", "web"));
  SyncWith({Row("c", "web-2", "web")});
  auto rows = cache_.List({});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].id, "c");
}

TEST(LabelsMatchTest, Table) {
  std::map<std::string, std::string> labels = {{"a", "1"}, {"b", ""}};
  EXPECT_TRUE(LabelsMatch({}, labels));
  EXPECT_TRUE(LabelsMatch({{"a", "1"}}, labels));
  EXPECT_TRUE(LabelsMatch({{"a", ""}, {"b", ""}}, labels));
  EXPECT_FALSE(LabelsMatch({{"a", "2"}}, labels));
  EXPECT_FALSE(LabelsMatch({{"c", ""}}, labels));
}

}  // namespace
}  // namespace nxt::docker
