// gmock DockerClient. Use StrictMock for the collaborator under test, NiceMock elsewhere:
//   ::testing::StrictMock<nxt::docker::MockDockerClient> docker;
//   EXPECT_CALL(docker, ListContainers(_)).WillOnce(Return(rows));
#ifndef NXT_TESTS_MOCKS_DOCKER_MOCK_DOCKER_CLIENT_H_
#define NXT_TESTS_MOCKS_DOCKER_MOCK_DOCKER_CLIENT_H_

#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "docker/docker_client.h"
#include "gmock/gmock.h"

namespace nxt::docker {

class MockDockerClient : public DockerClient {
 public:
  MOCK_METHOD(absl::StatusOr<VersionInfo>, Version, (), (override));
  MOCK_METHOD(absl::Status, Ping, (), (override));
  MOCK_METHOD(absl::StatusOr<std::vector<ContainerSummary>>, ListContainers,
              (const LabelSelector& selector), (override));
  MOCK_METHOD(absl::StatusOr<ContainerInfo>, InspectContainer, (const std::string& id_or_name),
              (override));
  MOCK_METHOD(absl::StatusOr<std::string>, CreateContainer, (const ContainerSpec& spec),
              (override));
  MOCK_METHOD(absl::Status, StartContainer, (const std::string& id_or_name), (override));
  MOCK_METHOD(absl::Status, StopContainer, (const std::string& id_or_name, absl::Duration timeout),
              (override));
  MOCK_METHOD(absl::Status, KillContainer,
              (const std::string& id_or_name, const std::string& signal), (override));
  MOCK_METHOD(absl::Status, SetRestartPolicy,
              (const std::string& id_or_name, const std::string& policy), (override));
  MOCK_METHOD(absl::Status, RemoveContainer, (const std::string& id_or_name, bool force),
              (override));
  MOCK_METHOD(absl::StatusOr<ExecResult>, Exec,
              (const std::string& id_or_name, const std::vector<std::string>& cmd,
               absl::Duration timeout, const std::string& stdin_data),
              (override));
  MOCK_METHOD(absl::Status, PutFile,
              (const std::string& id_or_name, const std::string& path, const std::string& content,
               int mode),
              (override));
  MOCK_METHOD(absl::StatusOr<std::vector<NetworkInfo>>, ListNetworks,
              (const LabelSelector& selector), (override));
  MOCK_METHOD(absl::Status, CreateNetwork,
              (const std::string& name, (const std::map<std::string, std::string>& labels),
               const std::string& subnet),
              (override));
  MOCK_METHOD(absl::Status, RemoveNetwork, (const std::string& name), (override));
  MOCK_METHOD(absl::StatusOr<NetworkInfo>, InspectNetwork, (const std::string& name), (override));
  MOCK_METHOD(absl::StatusOr<std::vector<VolumeInfo>>, ListVolumes, (const LabelSelector& selector),
              (override));
  MOCK_METHOD(absl::Status, CreateVolume,
              (const std::string& name, (const std::map<std::string, std::string>& labels)),
              (override));
  MOCK_METHOD(absl::Status, RemoveVolume, (const std::string& name), (override));
  MOCK_METHOD(absl::StatusOr<VolumeInfo>, InspectVolume, (const std::string& name), (override));
  MOCK_METHOD(absl::StatusOr<ImageInfo>, InspectImage, (const std::string& name), (override));
  MOCK_METHOD(absl::StatusOr<std::vector<std::string>>, Top, (const std::string& id_or_name),
              (override));
  MOCK_METHOD(absl::StatusOr<std::string>, Logs,
              (const std::string& id_or_name, absl::Time since, int tail), (override));
  MOCK_METHOD(absl::Status, StreamEvents,
              (const LabelSelector& selector, const std::string& type, absl::Time since,
               const std::function<void(const Event&)>& on_event, const std::atomic<bool>& stop),
              (override));
};

}  // namespace nxt::docker

#endif  // NXT_TESTS_MOCKS_DOCKER_MOCK_DOCKER_CLIENT_H_
