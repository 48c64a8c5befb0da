// A private Docker engine for tests that must restart the engine under nxtd without
// touching the machine's own: its own data root, exec root (and so its own containerd),
// pid file and socket under one temp directory.
//
// Flags: --bridge=none --iptables=false --ip-masq=false, so it never touches the host's
// iptables chains that the main engine owns, plus --default-address-pool 10.213.0.0/16
// (size 24; the pool is a constructor argument) so its networks never overlap the main
// engine's and up to 256 of them fit. Because the main engine
// sets the FORWARD policy to DROP and br_netfilter is on, traffic between two containers
// on one of this engine's bridges would be dropped; AllowForwarding() inserts one
// ACCEPT rule for the pool (removed by the destructor), which is all that user-defined
// bridge networks need here (embedded DNS works without iptables).
//
// Not thread-safe. The destructor stops the engine (SIGTERM, then SIGKILL after 30 s)
// and removes the directory.
#ifndef NXT_TESTS_E2E_PRIVATE_DOCKERD_H_
#define NXT_TESTS_E2E_PRIVATE_DOCKERD_H_

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "docker/curl_docker_client.h"
#include "tests/e2e/subprocess.h"

namespace nxt::e2e {

class PrivateDockerd {
 public:
  static constexpr char kDefaultAddressPool[] = "10.213.0.0/16";

  // `address_pool`: the /16 its networks (/24 each, so up to 256) come from.
  explicit PrivateDockerd(std::string address_pool = kDefaultAddressPool);
  ~PrivateDockerd();
  PrivateDockerd(const PrivateDockerd&) = delete;
  PrivateDockerd& operator=(const PrivateDockerd&) = delete;

  // Starts dockerd on the directory (again, after Stop) and waits until /_ping answers.
  absl::Status Start(absl::Duration timeout = absl::Seconds(60));
  // SIGTERM and wait for exit (its containers are stopped by the engine).
  absl::Status Stop(absl::Duration timeout = absl::Seconds(60));
  // `docker save IMAGE | docker -H <this> load` from the main engine.
  absl::Status LoadImage(const std::string& image);
  // Lets containers on this engine's bridges talk to each other (see above).
  absl::Status AllowForwarding();

  const std::string& socket_path() const { return socket_; }
  docker::CurlDockerClient& client() { return *client_; }
  std::string ReadLog() const;

 private:
  const std::string address_pool_;
  std::string dir_;
  std::string socket_;
  ChildProcess child_;
  std::unique_ptr<docker::CurlDockerClient> client_;
  bool forwarding_rule_ = false;
};

}  // namespace nxt::e2e

#endif  // NXT_TESTS_E2E_PRIVATE_DOCKERD_H_
