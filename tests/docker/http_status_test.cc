#include "docker/http_status.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace nxt::docker {
namespace {

using ::nxt::testing::IsOk;
using ::nxt::testing::StatusIs;

struct Case {
  int http;
  CallKind kind;
  absl::StatusCode want;
};

TEST(HttpStatusTest, MapsEveryCodeTheEngineUses) {
  const Case kCases[] = {
      {200, CallKind::kOther, absl::StatusCode::kOk},
      {201, CallKind::kCreate, absl::StatusCode::kOk},
      {204, CallKind::kOther, absl::StatusCode::kOk},
      {304, CallKind::kOther, absl::StatusCode::kOk},  // already started / stopped
      {400, CallKind::kOther, absl::StatusCode::kInvalidArgument},
      {401, CallKind::kOther, absl::StatusCode::kPermissionDenied},
      {403, CallKind::kOther, absl::StatusCode::kPermissionDenied},
      {404, CallKind::kOther, absl::StatusCode::kNotFound},
      {404, CallKind::kCreate, absl::StatusCode::kNotFound},  // image missing
      {409, CallKind::kCreate, absl::StatusCode::kAlreadyExists},
      {409, CallKind::kOther, absl::StatusCode::kFailedPrecondition},
      {418, CallKind::kOther, absl::StatusCode::kUnknown},
      {500, CallKind::kOther, absl::StatusCode::kUnavailable},
      {503, CallKind::kCreate, absl::StatusCode::kUnavailable},
  };
  for (const Case& c : kCases) {
    EXPECT_EQ(StatusFromHttp(c.http, "msg", "docker x", c.kind).code(), c.want)
        << "HTTP " << c.http;
  }
}

TEST(HttpStatusTest, MessageNamesTheCallTheCodeAndTheEngineText) {
  absl::Status s = StatusFromHttp(409, "container is paused", "docker start web-0");
  EXPECT_EQ(s.message(), "docker start web-0: HTTP 409: container is paused");
  EXPECT_EQ(StatusFromHttp(500, "", "docker ps").message(), "docker ps: HTTP 500");
}

TEST(HttpStatusTest, TransportFailures) {
  EXPECT_THAT(StatusFromTransport(true, "Operation timed out", "docker stop a"),
              StatusIs(absl::StatusCode::kDeadlineExceeded, "docker stop a: Operation timed out"));
  EXPECT_THAT(StatusFromTransport(false, "Couldn't connect", "docker ps"),
              StatusIs(absl::StatusCode::kUnavailable, ::testing::HasSubstr("docker ps: ")));
  EXPECT_THAT(StatusFromHttp(204, "", "x"), IsOk());
}

}  // namespace
}  // namespace nxt::docker
