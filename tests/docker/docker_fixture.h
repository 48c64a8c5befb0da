// A fixture for tests against the real engine: a CurlDockerClient, a unique name
// prefix "nxt-t-<random>" and a label io.nxt.test-run=<prefix> on everything the test
// creates, removed in TearDown (containers, then networks, then volumes) even when the
// test failed. Tests do not use io.nxt.managed-by=nxtd, so daemons under test elsewhere
// never adopt these objects.
#ifndef NXT_TESTS_DOCKER_DOCKER_FIXTURE_H_
#define NXT_TESTS_DOCKER_DOCKER_FIXTURE_H_

#include <cstdlib>
#include <map>
#include <memory>
#include <string>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "docker/curl_docker_client.h"
#include "gtest/gtest.h"
#include "tests/testing/docker_env.h"

namespace nxt::docker {

inline constexpr char kTestRunLabel[] = "io.nxt.test-run";

class DockerFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    NXT_REQUIRE_DOCKER_OR_OPT_OUT();
    absl::BitGen gen;
    prefix_ = absl::StrCat("nxt-t-", absl::Uniform<uint32_t>(gen, 0, 1u << 30));
    client_ = std::make_unique<CurlDockerClient>(
        CurlDockerClient::Options{.socket_path = nxt::testing::DockerSocketPath()});
  }

  void TearDown() override {
    if (client_ == nullptr) return;
    LabelSelector mine = Selector();
    if (auto rows = client_->ListContainers(mine); rows.ok()) {
      for (const auto& c : *rows) client_->RemoveContainer(c.id, true).IgnoreError();
    }
    if (auto rows = client_->ListNetworks(mine); rows.ok()) {
      for (const auto& n : *rows) client_->RemoveNetwork(n.name).IgnoreError();
    }
    if (auto rows = client_->ListVolumes(mine); rows.ok()) {
      for (const auto& v : *rows) client_->RemoveVolume(v.name).IgnoreError();
    }
  }

  std::string Name(const std::string& suffix) const { return absl::StrCat(prefix_, "-", suffix); }
  LabelSelector Selector() const { return {{kTestRunLabel, prefix_}}; }
  std::map<std::string, std::string> Labels() const { return {{kTestRunLabel, prefix_}}; }

  // A busybox container running `sleep 3600` (or `cmd`), labelled for cleanup.
  ContainerSpec SleeperSpec(const std::string& suffix, std::vector<std::string> cmd = {}) const {
    ContainerSpec spec;
    spec.name = Name(suffix);
    spec.image = nxt::testing::TestImage();
    spec.cmd = cmd.empty() ? std::vector<std::string>{"sleep", "3600"} : std::move(cmd);
    spec.labels = Labels();
    spec.labels["io.nxt.role"] = "test";
    return spec;
  }

  std::string prefix_;
  std::unique_ptr<CurlDockerClient> client_;
};

}  // namespace nxt::docker

#endif  // NXT_TESTS_DOCKER_DOCKER_FIXTURE_H_
