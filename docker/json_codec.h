// Wire format of the Docker Engine API subset nxt uses: JSON bodies to and from the
// plain types of docker/types.h. Boost.JSON stays inside json_codec.cc; nothing here
// throws. Decoders return Internal for a body that is not the JSON the engine documents.
#ifndef NXT_DOCKER_JSON_CODEC_H_
#define NXT_DOCKER_JSON_CODEC_H_

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "docker/docker_client.h"
#include "docker/types.h"

namespace nxt::docker {

// Request bodies and query parts.
std::string EncodeCreateContainer(const ContainerSpec& spec);
// The `filters` query value: {"label":["k=v","k2"],"type":["container"]}; "" when empty.
std::string EncodeFilters(const LabelSelector& selector, const std::string& type);
std::string EncodeRestartPolicyUpdate(const std::string& policy);
// `subnet` "" leaves IPAM to the engine's default pools.
std::string EncodeCreateNetwork(const std::string& name,
                                const std::map<std::string, std::string>& labels,
                                const std::string& subnet);
std::string EncodeCreateVolume(const std::string& name,
                               const std::map<std::string, std::string>& labels);
std::string EncodeExecCreate(const std::vector<std::string>& cmd, bool attach_stdin);
// Aliases apply on every network the container joins, not only the first.
std::string EncodeNetworkConnect(const std::string& container_id,
                                 const std::vector<std::string>& aliases);

// Response bodies.
absl::StatusOr<VersionInfo> DecodeVersion(const std::string& body);
absl::StatusOr<std::vector<ContainerSummary>> DecodeContainerList(const std::string& body);
absl::StatusOr<ContainerInfo> DecodeContainerInfo(const std::string& body);
absl::StatusOr<std::vector<NetworkInfo>> DecodeNetworkList(const std::string& body);
absl::StatusOr<std::vector<VolumeInfo>> DecodeVolumeList(const std::string& body);
absl::StatusOr<NetworkInfo> DecodeNetworkInfo(const std::string& body);  // one network
absl::StatusOr<VolumeInfo> DecodeVolumeInfo(const std::string& body);    // one volume
absl::StatusOr<ImageInfo> DecodeImageInfo(const std::string& body);
// GET /containers/{id}/top: the CMD column of every row, in order.
absl::StatusOr<std::vector<std::string>> DecodeTop(const std::string& body);
// {"Id": "..."} answers of create calls.
absl::StatusOr<std::string> DecodeId(const std::string& body);
// GET /exec/{id}/json: exit code (-1 while unknown) and whether it still runs.
struct ExecState {
  bool running = false;
  int exit_code = -1;
};
absl::StatusOr<ExecState> DecodeExecState(const std::string& body);
// One line of GET /events.
absl::StatusOr<Event> DecodeEvent(const std::string& line);

// Splits the body of GET /events (one JSON object per line, arriving in arbitrary
// chunks) into Events. Lines that do not decode are skipped. Not thread-safe.
class EventLineSplitter {
 public:
  // `on_event` must outlive this object.
  explicit EventLineSplitter(const std::function<void(const Event&)>& on_event)
      : on_event_(on_event) {}
  void Feed(const char* data, size_t size);
  // Bytes of an unfinished line held back.
  size_t pending() const { return buffer_.size(); }

 private:
  const std::function<void(const Event&)>& on_event_;
  std::string buffer_;
};

// The engine's {"message": "..."} error text, or the trimmed body (first 200 bytes)
// when it is not that JSON.
std::string EngineMessage(const std::string& body);

// "1.41" < "1.45": compares dotted API versions numerically.
int CompareApiVersions(const std::string& a, const std::string& b);

}  // namespace nxt::docker

#endif  // NXT_DOCKER_JSON_CODEC_H_
