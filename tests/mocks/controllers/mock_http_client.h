// gmock HttpClient, for controllers that probe the services they run:
//   ::testing::NiceMock<nxt::controllers::MockHttpClient> http;
//   ON_CALL(http, Do(_)).WillByDefault(Return(HttpReply{200, "OK"}));
#ifndef NXT_TESTS_MOCKS_CONTROLLERS_MOCK_HTTP_CLIENT_H_
#define NXT_TESTS_MOCKS_CONTROLLERS_MOCK_HTTP_CLIENT_H_

#include "controllers/common/http_client.h"
#include "gmock/gmock.h"

namespace nxt::controllers {

class MockHttpClient : public HttpClient {
 public:
  MOCK_METHOD(absl::StatusOr<HttpReply>, Do, (const HttpCall& call), (override));
};

}  // namespace nxt::controllers

#endif  // NXT_TESTS_MOCKS_CONTROLLERS_MOCK_HTTP_CLIENT_H_
