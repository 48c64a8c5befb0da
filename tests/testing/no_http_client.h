// An HttpClient for the tests of kinds that call no service (ContainerSet, GaleraCluster,
// RedisCluster): every call fails with Unavailable, as an unreachable service would, so
// a call nobody expected shows in the round's error instead of passing unseen.
#ifndef NXT_TESTS_TESTING_NO_HTTP_CLIENT_H_
#define NXT_TESTS_TESTING_NO_HTTP_CLIENT_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "controllers/common/http_client.h"

namespace nxt::testing {

class NoHttpClient final : public controllers::HttpClient {
 public:
  absl::StatusOr<controllers::HttpReply> Do(const controllers::HttpCall& call) override {
    return absl::UnavailableError(
        absl::StrCat("no HTTP in this test: ", call.method, " ", call.url));
  }
};

}  // namespace nxt::testing

#endif  // NXT_TESTS_TESTING_NO_HTTP_CLIENT_H_
