// CurlDockerClient against the real engine (label docker).
#include "docker/curl_docker_client.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "docker/json_codec.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/docker/docker_fixture.h"
#include "tests/testing/status_matchers.h"

namespace nxt::docker {
namespace {

using ::nxt::testing::IsOk;
using ::nxt::testing::StatusIs;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

using CurlDockerClientTest = DockerFixture;

TEST_F(CurlDockerClientTest, NegotiatesTheHighestCommonApiVersion) {
  auto version = client_->Version();
  ASSERT_THAT(version, IsOk());
  auto negotiated = client_->ApiVersion();
  ASSERT_THAT(negotiated, IsOk());
  std::string expected = CompareApiVersions(version->api_version, "1.45") < 0 ? version->api_version
                                                                              : std::string("1.45");
  EXPECT_EQ(*negotiated, expected);
  EXPECT_THAT(client_->Ping(), IsOk());
  // A versioned call works with the negotiated version (the engine refuses newer ones).
  EXPECT_THAT(client_->ListContainers(Selector()), IsOk());
}

TEST_F(CurlDockerClientTest, ContainerLifecycle) {
  ContainerSpec spec = SleeperSpec("life");
  spec.env = {"GREETING=hello"};
  auto id = client_->CreateContainer(spec);
  ASSERT_THAT(id, IsOk());

  auto info = client_->InspectContainer(spec.name);
  ASSERT_THAT(info, IsOk());
  EXPECT_EQ(info->id, *id);
  EXPECT_EQ(info->name, spec.name);
  EXPECT_EQ(info->state, "created");
  EXPECT_EQ(info->image, nxt::testing::TestImage());
  EXPECT_EQ(info->labels.at("io.nxt.role"), "test");

  ASSERT_THAT(client_->StartContainer(spec.name), IsOk());
  EXPECT_THAT(client_->StartContainer(spec.name), IsOk()) << "start of a running container";
  info = client_->InspectContainer(*id);
  ASSERT_THAT(info, IsOk());
  EXPECT_TRUE(info->running);
  EXPECT_GT(info->pid, 0);
  EXPECT_NE(info->started_at, absl::InfinitePast());
  EXPECT_FALSE(info->network_ips.empty());
  // `docker top` lists the processes without an exec.
  auto processes = client_->Top(spec.name);
  ASSERT_THAT(processes, IsOk());
  EXPECT_THAT(*processes, Contains(HasSubstr("sleep 3600")));

  auto rows = client_->ListContainers(Selector());
  ASSERT_THAT(rows, IsOk());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].name, spec.name);
  EXPECT_EQ((*rows)[0].state, "running");
  EXPECT_EQ((*rows)[0].labels.at(kTestRunLabel), prefix_);

  ASSERT_THAT(client_->StopContainer(spec.name, absl::Seconds(1)), IsOk());
  EXPECT_THAT(client_->StopContainer(spec.name, absl::Seconds(1)), IsOk()) << "already stopped";
  info = client_->InspectContainer(*id);
  ASSERT_THAT(info, IsOk());
  EXPECT_FALSE(info->running);
  EXPECT_EQ(info->state, "exited");
  EXPECT_THAT(client_->KillContainer(spec.name, "SIGKILL"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(client_->Top(spec.name), StatusIs(absl::StatusCode::kFailedPrecondition));

  ASSERT_THAT(client_->RemoveContainer(spec.name, false), IsOk());
  EXPECT_THAT(client_->InspectContainer(*id), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(client_->RemoveContainer(*id, true), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(CurlDockerClientTest, ErrorsMapToCanonicalCodes) {
  EXPECT_THAT(client_->InspectContainer(Name("missing")),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("docker inspect " + Name("missing") + ": HTTP 404: ")));
  EXPECT_THAT(client_->StartContainer(Name("missing")), StatusIs(absl::StatusCode::kNotFound));
  ContainerSpec spec = SleeperSpec("dup");
  ASSERT_THAT(client_->CreateContainer(spec), IsOk());
  EXPECT_THAT(client_->CreateContainer(spec),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("HTTP 409")));
  ContainerSpec bad_image = SleeperSpec("noimage");
  bad_image.image = "nxt/does-not-exist:never";
  EXPECT_THAT(client_->CreateContainer(bad_image), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(client_->InspectImage("nxt/does-not-exist:never"),
              StatusIs(absl::StatusCode::kNotFound));
  // Exec in a container that is not running: a state conflict.
  EXPECT_THAT(client_->Exec(spec.name, {"true"}, absl::Seconds(5)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(CurlDockerClientTest, UnreachableEngineIsUnavailable) {
  CurlDockerClient nowhere({.socket_path = "/nonexistent/docker.sock"});
  EXPECT_THAT(nowhere.Ping(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(nowhere.ListContainers({}), StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(CurlDockerClientTest, InspectImageReadsTagsAndLabels) {
  auto image = client_->InspectImage(nxt::testing::TestImage());
  ASSERT_THAT(image, IsOk());
  EXPECT_THAT(image->repo_tags, Contains(nxt::testing::TestImage()));
  EXPECT_THAT(image->id, HasSubstr("sha256:"));
}

class ExecTest : public DockerFixture {
 protected:
  void SetUp() override {
    DockerFixture::SetUp();
    if (IsSkipped()) return;
    ContainerSpec spec = SleeperSpec("exec");
    ASSERT_THAT(client_->CreateContainer(spec), IsOk());
    ASSERT_THAT(client_->StartContainer(spec.name), IsOk());
    container_ = spec.name;
  }
  std::string container_;
};

TEST_F(ExecTest, CapturesStdoutStderrAndExitCode) {
  auto r = client_->Exec(container_, {"sh", "-c", "echo out; echo err >&2; echo more; exit 3"},
                         absl::Seconds(20));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->stdout_text, "out\nmore\n");
  EXPECT_EQ(r->stderr_text, "err\n");
  EXPECT_EQ(r->exit_code, 3);
}

TEST_F(ExecTest, WritesStdinToTheProcess) {
  std::string secret = "s3cret-password\nsecond line\n";
  auto r = client_->Exec(container_, {"cat"}, absl::Seconds(20), secret);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->stdout_text, secret);
  EXPECT_EQ(r->exit_code, 0);
  // Large stdin while the process writes as much back (no deadlock on full pipes).
  std::string big(3 * 1024 * 1024, 'x');
  r = client_->Exec(container_, {"cat"}, absl::Seconds(30), big);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->stdout_text.size(), big.size());
}

TEST_F(ExecTest, CapsEachStreamAtFourMiB) {
  auto r = client_->Exec(container_, {"sh", "-c", "head -c 5000000 /dev/zero; echo tail >&2"},
                         absl::Seconds(30));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->stdout_text.size(), 4u * 1024 * 1024);
  EXPECT_EQ(r->stderr_text, "tail\n");
  EXPECT_EQ(r->exit_code, 0);
}

TEST_F(ExecTest, TimesOutWithDeadlineExceeded) {
  absl::Time start = absl::Now();
  auto r = client_->Exec(container_, {"sleep", "30"}, absl::Seconds(1));
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST_F(ExecTest, PutFileThenReadItBack) {
  std::string content = "key = value\nbinary \x01\x02 end\n";
  ASSERT_THAT(client_->PutFile(container_, "/etc/nxt-test/sub/app.conf", content, 0640), IsOk());
  auto r = client_->Exec(container_, {"cat", "/etc/nxt-test/sub/app.conf"}, absl::Seconds(20));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->stdout_text, content);
  r = client_->Exec(container_, {"stat", "-c", "%a %u", "/etc/nxt-test/sub/app.conf"},
                    absl::Seconds(20));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->stdout_text, "640 0\n");
  // Overwrite in place.
  ASSERT_THAT(client_->PutFile(container_, "/etc/nxt-test/sub/app.conf", "v2", 0600), IsOk());
  r = client_->Exec(container_, {"cat", "/etc/nxt-test/sub/app.conf"}, absl::Seconds(20));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->stdout_text, "v2");
  EXPECT_THAT(client_->PutFile(container_, "relative/path", "x", 0600),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(CurlDockerClientTest, PutFileWorksBeforeStart) {
  ContainerSpec spec = SleeperSpec("putfile", {"cat", "/run/secrets/token"});
  spec.restart_policy = "no";
  ASSERT_THAT(client_->CreateContainer(spec), IsOk());
  ASSERT_THAT(client_->PutFile(spec.name, "/run/secrets/token", "tok", 0400), IsOk());
  ASSERT_THAT(client_->StartContainer(spec.name), IsOk());
  absl::StatusOr<ContainerInfo> info;
  for (int i = 0; i < 100; ++i) {
    info = client_->InspectContainer(spec.name);
    ASSERT_THAT(info, IsOk());
    if (!info->running) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_FALSE(info->running);
  EXPECT_EQ(info->exit_code, 0) << "cat found the file written before start";
}

TEST_F(CurlDockerClientTest, NetworksAndVolumesAreIdempotent) {
  std::string net = Name("net");
  ASSERT_THAT(client_->CreateNetwork(net, Labels()), IsOk());
  ASSERT_THAT(client_->CreateNetwork(net, Labels()), IsOk()) << "second create is OK";
  auto nets = client_->ListNetworks(Selector());
  ASSERT_THAT(nets, IsOk());
  ASSERT_EQ(nets->size(), 1u);
  EXPECT_EQ((*nets)[0].name, net);
  EXPECT_EQ((*nets)[0].labels.at(kTestRunLabel), prefix_);
  ASSERT_THAT(client_->RemoveNetwork(net), IsOk());
  EXPECT_THAT(client_->RemoveNetwork(net), StatusIs(absl::StatusCode::kNotFound));

  std::string vol = Name("data");
  ASSERT_THAT(client_->CreateVolume(vol, Labels()), IsOk());
  ASSERT_THAT(client_->CreateVolume(vol, Labels()), IsOk());
  auto vols = client_->ListVolumes(Selector());
  ASSERT_THAT(vols, IsOk());
  ASSERT_EQ(vols->size(), 1u);
  EXPECT_EQ((*vols)[0].name, vol);
  EXPECT_FALSE((*vols)[0].mountpoint.empty());
  ASSERT_THAT(client_->RemoveVolume(vol), IsOk());
  EXPECT_THAT(client_->RemoveVolume(vol), StatusIs(absl::StatusCode::kNotFound));
}

// What the network pool (controllers/common/network_pool.h) relies on: the subnet asked
// for is the network's, List and Inspect report it, and the engine refuses an overlap.
TEST_F(CurlDockerClientTest, NetworksTakeTheSubnetGivenAndAnOverlapIsRefused) {
  // A /28 no other test uses (the pool's ranges and Docker's default pools are elsewhere).
  const std::string subnet = "10.231.255.240/28";
  const std::string net = Name("sub");
  ASSERT_THAT(client_->CreateNetwork(net, Labels(), subnet), IsOk());
  absl::StatusOr<NetworkInfo> n = client_->InspectNetwork(net);
  ASSERT_THAT(n, IsOk());
  EXPECT_EQ(n->subnets, std::vector<std::string>{subnet});
  auto nets = client_->ListNetworks(Selector());
  ASSERT_THAT(nets, IsOk());
  ASSERT_EQ(nets->size(), 1u);
  EXPECT_EQ((*nets)[0].subnets, std::vector<std::string>{subnet});
  EXPECT_THAT(client_->CreateNetwork(Name("sub2"), Labels(), "10.231.255.0/24"),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("overlaps")));
  // Without a subnet the engine picks one from its own pools.
  const std::string plain = Name("plain");
  ASSERT_THAT(client_->CreateNetwork(plain, Labels()), IsOk());
  EXPECT_EQ(client_->InspectNetwork(plain)->subnets.size(), 1u);
  ASSERT_THAT(client_->RemoveNetwork(plain), IsOk());
  ASSERT_THAT(client_->RemoveNetwork(net), IsOk());
}

// What adoption (controllers/common/adoption.h) relies on: a create under a taken name
// keeps the existing object and its labels, and inspect answers by exact name only.
TEST_F(CurlDockerClientTest, InspectReadsLabelsByExactNameAndCreateNeverRelabels) {
  std::map<std::string, std::string> first = Labels();
  first["io.nxt.name"] = "first";
  std::map<std::string, std::string> second = Labels();
  second["io.nxt.name"] = "second";

  const std::string net = Name("b--c-a");  // doubled hyphens are valid names
  ASSERT_THAT(client_->CreateNetwork(net, first), IsOk());
  ASSERT_THAT(client_->CreateNetwork(net, second), IsOk());
  absl::StatusOr<NetworkInfo> n = client_->InspectNetwork(net);
  ASSERT_THAT(n, IsOk());
  EXPECT_EQ(n->name, net);
  EXPECT_EQ(n->labels, first);
  EXPECT_THAT(client_->InspectNetwork(n->id.substr(0, 12)),
              StatusIs(absl::StatusCode::kNotFound));  // an id prefix is not a name
  EXPECT_THAT(client_->InspectNetwork(Name("missing")), StatusIs(absl::StatusCode::kNotFound));
  ASSERT_THAT(client_->RemoveNetwork(net), IsOk());

  const std::string vol = Name("b--c-a-0-data");
  ASSERT_THAT(client_->CreateVolume(vol, first), IsOk());
  ASSERT_THAT(client_->CreateVolume(vol, second), IsOk());
  absl::StatusOr<VolumeInfo> v = client_->InspectVolume(vol);
  ASSERT_THAT(v, IsOk());
  EXPECT_EQ(v->name, vol);
  EXPECT_EQ(v->labels, first);
  EXPECT_FALSE(v->mountpoint.empty());
  EXPECT_THAT(client_->InspectVolume(Name("missing")), StatusIs(absl::StatusCode::kNotFound));
  ASSERT_THAT(client_->RemoveVolume(vol), IsOk());
}

TEST_F(CurlDockerClientTest, JoinsNetworksWithAliasesAndMountsVolumes) {
  std::string net1 = Name("n1"), net2 = Name("n2"), vol = Name("v");
  ASSERT_THAT(client_->CreateNetwork(net1, Labels()), IsOk());
  ASSERT_THAT(client_->CreateNetwork(net2, Labels()), IsOk());
  ASSERT_THAT(client_->CreateVolume(vol, Labels()), IsOk());
  ContainerSpec server = SleeperSpec("srv");
  server.networks = {net1, net2};
  server.network_aliases = {"db"};
  server.mounts = {Mount{Mount::Type::kVolume, vol, "/data", false}};
  server.memory_bytes = 64 << 20;
  server.cap_drop = {"NET_RAW"};
  ASSERT_THAT(client_->CreateContainer(server), IsOk());
  ASSERT_THAT(client_->StartContainer(server.name), IsOk());
  auto info = client_->InspectContainer(server.name);
  ASSERT_THAT(info, IsOk());
  EXPECT_EQ(info->network_ips.size(), 2u);
  EXPECT_FALSE(info->network_ips[net2].empty());

  ContainerSpec probe = SleeperSpec("probe");
  probe.networks = {net2};
  ASSERT_THAT(client_->CreateContainer(probe), IsOk());
  ASSERT_THAT(client_->StartContainer(probe.name), IsOk());
  auto r = client_->Exec(probe.name, {"ping", "-c", "1", "-W", "2", "db"}, absl::Seconds(10));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->exit_code, 0) << "alias db resolves on the second network: " << r->stderr_text;
  r = client_->Exec(server.name, {"sh", "-c", "echo x > /data/f && cat /data/f"},
                    absl::Seconds(10));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->stdout_text, "x\n");
}

class RecordingObserver : public RequestObserver {
 public:
  void OnRequest(const std::string& method, const std::string& endpoint, int code,
                 absl::Duration latency) override {
    absl::MutexLock lock(&mu_);
    seen_.push_back(absl::StrCat(method, " ", endpoint, " ", code));
    EXPECT_GE(latency, absl::ZeroDuration());
  }
  std::vector<std::string> seen() {
    absl::MutexLock lock(&mu_);
    return seen_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> seen_ ABSL_GUARDED_BY(mu_);
};

TEST_F(CurlDockerClientTest, ObserverSeesPathTemplatesNeverIds) {
  RecordingObserver observer;
  CurlDockerClient observed(
      {.socket_path = nxt::testing::DockerSocketPath(), .observer = &observer});
  ContainerSpec spec = SleeperSpec("obs");
  auto id = observed.CreateContainer(spec);
  ASSERT_THAT(id, IsOk());
  ASSERT_THAT(observed.StartContainer(*id), IsOk());
  ASSERT_THAT(observed.Exec(spec.name, {"true"}, absl::Seconds(10)), IsOk());
  EXPECT_THAT(observed.InspectContainer(Name("absent")), StatusIs(absl::StatusCode::kNotFound));
  std::vector<std::string> seen = observer.seen();
  EXPECT_THAT(seen, Contains("GET /version 200"));
  EXPECT_THAT(seen, Contains("POST /containers/create 201"));
  EXPECT_THAT(seen, Contains("POST /containers/{id}/start 204"));
  EXPECT_THAT(seen, Contains("POST /containers/{id}/exec 201"));
  EXPECT_THAT(seen, Contains("POST /exec/{id}/start 101"));
  EXPECT_THAT(seen, Contains("GET /exec/{id}/json 200"));
  EXPECT_THAT(seen, Contains("GET /containers/{id}/json 404"));
  for (const std::string& s : seen) {
    EXPECT_THAT(s, Not(HasSubstr(id->substr(0, 12))));
    EXPECT_THAT(s, Not(HasSubstr(prefix_)));
  }
}

int FreeLocalPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string ReadFromLocalPort(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    timeval tv{2, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    char buf[256];
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n > 0) out.assign(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

TEST_F(CurlDockerClientTest, PublishesPortsOnLoopback) {
  int port = FreeLocalPort();
  ContainerSpec spec =
      SleeperSpec("port", {"sh", "-c", "while true; do echo hello | nc -l -p 8080; done"});
  spec.ports = {PortBinding{8080, "tcp", "127.0.0.1", port}};
  ASSERT_THAT(client_->CreateContainer(spec), IsOk());
  ASSERT_THAT(client_->StartContainer(spec.name), IsOk());
  std::string got;
  for (int i = 0; i < 50 && got.empty(); ++i) {
    got = ReadFromLocalPort(port);
    if (got.empty()) absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_EQ(got, "hello\n");
}

}  // namespace
}  // namespace nxt::docker
