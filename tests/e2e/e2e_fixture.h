// The gtest fixture of the end-to-end tests: a unique namespace per test, a Docker
// client, an nxtd child, and a TearDown that kills nxtd and removes every container,
// network and volume labelled io.nxt.namespace=<ns> whatever the test's outcome (and
// prints the tail of nxtd's log when the test failed).
#ifndef NXT_TESTS_E2E_E2E_FIXTURE_H_
#define NXT_TESTS_E2E_E2E_FIXTURE_H_

#include <boost/json/object.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "docker/curl_docker_client.h"
#include "gtest/gtest.h"
#include "tests/e2e/e2e_support.h"
#include "tests/e2e/nxtd_process.h"

namespace nxt::e2e {

struct ConditionView {
  std::string status;  // "True", "False", "Unknown"; "" when absent
  std::string reason;
  std::string message;
};

class E2eTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // A set name unique to this test ("web" → "web-<ns_ suffix>"): Docker container names
  // are global ("<set>-<ordinal>"), so unique namespaces alone do not keep runs apart.
  std::string SetName(const std::string& base) const { return base + "-" + ns_.substr(4); }

  // Starts nxtd_ (made with `options`) and fails the test if it does not start.
  void StartNxtd(NxtdOptions options = {});

  // Member containers of set `name` in ns_.
  std::map<std::string, docker::ContainerSummary> Members(const std::string& name);
  // True when exactly `n` members exist, named name-0..name-(n-1), all running, and (when
  // `hash` is set) all carrying that config hash.
  bool HasRunningMembers(const std::string& name, int n,
                         const std::optional<std::string>& hash = std::nullopt);
  // Waits for HasRunningMembers; fails the test with the observed members on timeout.
  void WaitRunningMembers(const std::string& name, int n, absl::Duration timeout,
                          const std::optional<std::string>& hash = std::nullopt);
  // name → container id.
  std::map<std::string, std::string> MemberIds(const std::string& name);
  // Container name → id of every container of object `name` in ns_ (any kind), or only
  // those of `role` when it is given.
  std::map<std::string, std::string> ContainerIds(const std::string& name,
                                                  const std::string& role = "");
  // The secrets nxtd generated for object `kind`/ns_/`name`, in the order asked (the test
  // fails on one that does not exist).
  std::vector<std::string> Secrets(const std::string& kind, const std::string& name,
                                   const std::vector<std::string>& secrets);
  // Everything a user or a scraper can see of object `name` (`kind` as nxtctl names it):
  // `docker inspect` and `docker top` (every process's arguments) of its containers,
  // `nxtctl get -o yaml`, the table and `describe`, the metrics and nxtd's log.
  std::string Visible(const std::string& name, const std::string& kind);
  // Fails the test for each secret of `names` (of `kind`, a resources kind) found in
  // Visible(name, short_kind).
  void ExpectSecretsHidden(const std::string& kind, const std::string& short_kind,
                           const std::string& name, const std::vector<std::string>& names);

  // `nxtctl get KIND NAME -n ns_ -o json`, the object with status; empty on error.
  boost::json::object GetObject(const std::string& name, const std::string& kind = "cs");
  static ConditionView Condition(const boost::json::object& object, const std::string& type);
  static int64_t Generation(const boost::json::object& object);
  static int64_t ObservedGeneration(const boost::json::object& object);
  // Ready=True for the current generation.
  bool IsReady(const std::string& name, const std::string& kind = "cs");

  std::string ns_;
  std::unique_ptr<docker::CurlDockerClient> docker_;
  std::unique_ptr<NxtdProcess> nxtd_;
};

}  // namespace nxt::e2e

#endif  // NXT_TESTS_E2E_E2E_FIXTURE_H_
