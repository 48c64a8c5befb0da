#include "docker/json_codec.h"

#include <boost/json.hpp>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace nxt::docker {
namespace {

using ::nxt::testing::IsOk;
using ::nxt::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Pair;

namespace json = boost::json;

TEST(JsonCodecTest, DecodesAContainerEvent) {
  // As sent by Engine 20.10 (API 1.41).
  auto e = DecodeEvent(
      R"js({"status":"die","id":"abc123","from":"nxt/testapp:latest","Type":"container",)js"
      R"js("Action":"die","Actor":{"ID":"abc123","Attributes":{"exitCode":"137",)js"
      R"js("image":"nxt/testapp:latest","io.nxt.managed-by":"nxtd","name":"web-0"}},)js"
      R"js("scope":"local","time":1700000000,"timeNano":1700000000123456789})js");
  ASSERT_THAT(e, IsOk());
  EXPECT_EQ(e->type, "container");
  EXPECT_EQ(e->action, "die");
  EXPECT_EQ(e->actor_id, "abc123");
  EXPECT_EQ(e->attributes.at("io.nxt.managed-by"), "nxtd");
  EXPECT_EQ(e->attributes.at("exitCode"), "137");
  EXPECT_EQ(e->time_nano, 1700000000123456789);
}

TEST(JsonCodecTest, EventTimeFallsBackToSecondsAndBadLinesFail) {
  auto e = DecodeEvent(R"js({"Type":"volume","Action":"create","Actor":{"ID":"v"},"time":5})js");
  ASSERT_THAT(e, IsOk());
  EXPECT_EQ(e->time_nano, 5'000'000'000);
  EXPECT_TRUE(e->attributes.empty());
  EXPECT_THAT(DecodeEvent("{not json"), StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(DecodeEvent("[1]"), StatusIs(absl::StatusCode::kInternal));
}

TEST(JsonCodecTest, DecodesTheContainerList) {
  auto rows = DecodeContainerList(
      R"js([{"Id":"1","Names":["/web-0"],"Image":"img","Labels":{"a":"b"},"State":"running",)js"
      R"js("Status":"Up 3 seconds (healthy)","Created":1700000000},)js"
      R"js({"Id":"2","Names":["/web-1"],"Labels":null,"State":"exited","Status":"Exited (0)"}])js");
  ASSERT_THAT(rows, IsOk());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].name, "web-0");
  EXPECT_EQ((*rows)[0].Health(), "healthy");
  EXPECT_EQ((*rows)[0].created, absl::FromUnixSeconds(1700000000));
  EXPECT_THAT((*rows)[0].labels, ElementsAre(Pair("a", "b")));
  EXPECT_EQ((*rows)[1].Health(), "");
  EXPECT_TRUE((*rows)[1].labels.empty());
  EXPECT_THAT(DecodeContainerList("{}"), StatusIs(absl::StatusCode::kInternal));
}

TEST(JsonCodecTest, DecodesInspectWithZeroTimesAsInfinitePast) {
  auto info = DecodeContainerInfo(
      R"js({"Id":"x","Name":"/db-0","RestartCount":2,"Config":{"Image":"mariadb","Labels":{}},)js"
      R"js("State":{"Status":"running","Running":true,"ExitCode":0,"Pid":42,)js"
      R"js("StartedAt":"2026-11-22T02:21:05.123456789Z","FinishedAt":"0001-01-01T00:00:00Z",)js"
      R"js("Health":{"Status":"starting"}},)js"
      R"js("NetworkSettings":{"Networks":{"nxt-default-db":{"IPAddress":"172.18.0.2"}}}})js");
  ASSERT_THAT(info, IsOk());
  EXPECT_EQ(info->name, "db-0");
  EXPECT_EQ(info->health, "starting");
  EXPECT_EQ(info->restart_count, 2);
  EXPECT_EQ(info->pid, 42);
  EXPECT_EQ(info->finished_at, absl::InfinitePast());
  EXPECT_EQ(absl::ToUnixNanos(info->started_at) % 1'000'000'000, 123456789);
  EXPECT_EQ(info->network_ips.at("nxt-default-db"), "172.18.0.2");
}

TEST(JsonCodecTest, DecodesOneNetworkAndOneVolume) {
  auto network = DecodeNetworkInfo(
      R"js({"Name":"nxt-b-c--a","Id":"abc","Labels":{"io.nxt.name":"c-a"},"Driver":"bridge"})js");
  ASSERT_THAT(network, IsOk());
  EXPECT_EQ(network->name, "nxt-b-c--a");
  EXPECT_EQ(network->id, "abc");
  EXPECT_EQ(network->labels.at("io.nxt.name"), "c-a");
  auto volume = DecodeVolumeInfo(
      R"js({"Name":"v","Labels":null,"Mountpoint":"/var/lib/docker/volumes/v/_data"})js");
  ASSERT_THAT(volume, IsOk());
  EXPECT_EQ(volume->name, "v");
  EXPECT_TRUE(volume->labels.empty());
  EXPECT_EQ(volume->mountpoint, "/var/lib/docker/volumes/v/_data");
  EXPECT_FALSE(DecodeVolumeInfo("[]").ok());
  EXPECT_FALSE(DecodeNetworkInfo("not json").ok());
}

TEST(JsonCodecTest, NetworkSubnetsGoOutOnlyWhenAskedAndComeBackFromIpam) {
  EXPECT_EQ(EncodeCreateNetwork("n", {}, "").find("IPAM"), std::string::npos);
  EXPECT_NE(EncodeCreateNetwork("n", {}, "10.224.0.64/26")
                .find(R"js("IPAM":{"Driver":"default","Config":[{"Subnet":"10.224.0.64/26"}]})js"),
            std::string::npos);
  auto network = DecodeNetworkInfo(
      R"js({"Name":"n","Id":"abc","IPAM":{"Driver":"default","Config":[
        {"Subnet":"10.224.0.64/26","Gateway":"10.224.0.65"},{"Subnet":"fd00::/64"}]}})js");
  ASSERT_THAT(network, IsOk());
  EXPECT_THAT(network->subnets, ElementsAre("10.224.0.64/26", "fd00::/64"));
  auto list = DecodeNetworkList(
      R"js([{"Name":"a","Id":"1","IPAM":{"Config":[{"Subnet":"172.17.0.0/16"}]}},
            {"Name":"none","Id":"2","IPAM":{"Config":[]}},{"Name":"host","Id":"3"}])js");
  ASSERT_THAT(list, IsOk());
  ASSERT_EQ(list->size(), 3u);
  EXPECT_THAT((*list)[0].subnets, ElementsAre("172.17.0.0/16"));
  EXPECT_TRUE((*list)[1].subnets.empty());
  EXPECT_TRUE((*list)[2].subnets.empty());
}

TEST(JsonCodecTest, DecodesTopIntoCommandLines) {
  auto top = DecodeTop(R"js({"Titles":["UID","PID","PPID","C","STIME","TTY","TIME","CMD"],
    "Processes":[["mysql","10","1","0","10:00","?","00:00:01","mariadbd --wsrep-new-cluster"],
                 ["mysql","42","10","0","10:00","?","00:00:00","/bin/bash -ue wsrep_sst_rsync"]]})js");
  ASSERT_THAT(top, IsOk());
  EXPECT_THAT(*top, ElementsAre("mariadbd --wsrep-new-cluster", "/bin/bash -ue wsrep_sst_rsync"));
  auto empty = DecodeTop(R"js({"Titles":["PID","CMD"],"Processes":null})js");
  ASSERT_THAT(empty, IsOk());
  EXPECT_TRUE(empty->empty());
  EXPECT_THAT(DecodeTop(R"js({"Titles":["PID"],"Processes":[]})js"),
              StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(DecodeTop("[]"), StatusIs(absl::StatusCode::kInternal));
}

TEST(JsonCodecTest, EncodesTheCreateBody) {
  ContainerSpec spec;
  spec.name = "web-0";
  spec.image = "img";
  spec.cmd = {"sleep", "1"};
  spec.env = {"A=1"};
  spec.labels = {{"io.nxt.name", "web"}};
  spec.ports = {{80, "tcp", "127.0.0.1", 8080}, {9000, "tcp", "", 0}};
  spec.mounts = {{Mount::Type::kVolume, "vol", "/data", false},
                 {Mount::Type::kBind, "/srv", "/srv", true}};
  spec.networks = {"n1", "n2"};
  spec.network_aliases = {"web"};
  spec.healthcheck =
      Healthcheck{{"CMD", "true"}, absl::Seconds(2), absl::Seconds(1), absl::ZeroDuration(), 3};
  spec.memory_bytes = 1 << 20;
  json::value v = json::parse(EncodeCreateContainer(spec));
  const json::object& host = v.at("HostConfig").as_object();
  EXPECT_EQ(v.at("Cmd").as_array().size(), 2u);
  EXPECT_TRUE(v.at("ExposedPorts").as_object().contains("9000/tcp"));
  EXPECT_EQ(host.at("PortBindings").at("80/tcp").at(0).at("HostIp").as_string(), "127.0.0.1");
  EXPECT_EQ(host.at("PortBindings").at("80/tcp").at(0).at("HostPort").as_string(), "8080");
  EXPECT_FALSE(host.at("PortBindings").as_object().contains("9000/tcp"));
  EXPECT_EQ(host.at("Mounts").at(1).at("Type").as_string(), "bind");
  EXPECT_EQ(host.at("RestartPolicy").at("Name").as_string(), "unless-stopped");
  EXPECT_EQ(host.at("SecurityOpt").at(0).as_string(), "no-new-privileges");
  EXPECT_EQ(host.at("LogConfig").at("Config").at("max-size").as_string(), "10m");
  EXPECT_EQ(host.at("NetworkMode").as_string(), "n1");
  EXPECT_EQ(v.at("NetworkingConfig").at("EndpointsConfig").at("n1").at("Aliases").at(0), "web");
  EXPECT_FALSE(v.at("NetworkingConfig").at("EndpointsConfig").as_object().contains("n2"));
  EXPECT_EQ(v.at("Healthcheck").at("Interval").as_int64(), 2'000'000'000);
  EXPECT_FALSE(v.as_object().contains("Entrypoint")) << "empty: the image's";
}

TEST(EventLineSplitterTest, SplitsLinesAcrossChunksAndSkipsGarbage) {
  std::string wire =
      R"js({"Type":"container","Action":"start","Actor":{"ID":"a"},"timeNano":1})js"
      "\n"
      "not json\n\n"
      R"js({"Type":"container","Action":"die","Actor":{"ID":"a","Attributes":{"exitCode":"0"}}})js"
      "\n"
      R"js({"Type":"container","Action":"destroy")js";  // unfinished
  for (size_t chunk = 1; chunk <= wire.size(); chunk += 7) {
    std::vector<std::string> actions;
    std::function<void(const Event&)> on_event = [&](const Event& e) {
      actions.push_back(e.action);
    };
    EventLineSplitter splitter(on_event);
    for (size_t i = 0; i < wire.size(); i += chunk) {
      splitter.Feed(wire.data() + i, std::min(chunk, wire.size() - i));
    }
    EXPECT_THAT(actions, ElementsAre("start", "die")) << "chunk " << chunk;
    EXPECT_EQ(splitter.pending(), 38u);
  }
}

TEST(JsonCodecTest, EncodesFilters) {
  EXPECT_EQ(EncodeFilters({}, ""), "");
  EXPECT_EQ(EncodeFilters({{"a", "b"}, {"has", ""}}, "container"),
            R"js({"label":["a=b","has"],"type":["container"]})js");
}

TEST(JsonCodecTest, EngineMessageAndVersions) {
  EXPECT_EQ(EngineMessage(R"({"message":"No such container: x"})"), "No such container: x");
  EXPECT_EQ(EngineMessage("  page not found\n"), "page not found");
  EXPECT_LT(CompareApiVersions("1.41", "1.45"), 0);
  EXPECT_GT(CompareApiVersions("1.100", "1.45"), 0);
  EXPECT_EQ(CompareApiVersions("1.45", "1.45"), 0);
}

}  // namespace
}  // namespace nxt::docker
