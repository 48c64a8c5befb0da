// For tests labelled `docker`/`e2e`: they need a real engine. When none answers they
// FAIL, unless NXT_SKIP_DOCKER_TESTS=1 is set (an explicit opt-out), so CI can never
// pass silently without Docker.
#ifndef NXT_TESTS_TESTING_DOCKER_ENV_H_
#define NXT_TESTS_TESTING_DOCKER_ENV_H_

#include <cstdlib>
#include <string>

namespace nxt::testing {

inline std::string DockerSocketPath() {
  const char* s = std::getenv("NXT_DOCKER_SOCKET");
  return s != nullptr ? s : "/var/run/docker.sock";
}

inline bool DockerTestsOptedOut() {
  const char* s = std::getenv("NXT_SKIP_DOCKER_TESTS");
  return s != nullptr && std::string(s) == "1";
}

// The image built by images/ for generic tests (busybox-based, has sh, sleep, nc, httpd).
inline std::string TestImage() {
  const char* s = std::getenv("NXT_TEST_IMAGE");
  return s != nullptr ? s : "nxt/testapp:latest";
}

}  // namespace nxt::testing

// In a test body or SetUp: skip only with the explicit opt-out; otherwise a missing
// engine is a failure reported by the first Docker call.
#define NXT_REQUIRE_DOCKER_OR_OPT_OUT()                                  \
  do {                                                                   \
    if (::nxt::testing::DockerTestsOptedOut()) {                         \
      GTEST_SKIP() << "NXT_SKIP_DOCKER_TESTS=1: Docker tests opted out"; \
    }                                                                    \
  } while (false)

#endif  // NXT_TESTS_TESTING_DOCKER_ENV_H_
