// NodeAdmin's probe paths against a fake SqlLink and the fake Docker client: native when
// a link is set, exec as root before the users exist, and exec for good only when the
// node's address never answers while an exec probe of it succeeds.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "controllers/galeracluster/node_admin.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/fake_docker_client.h"
#include "tests/testing/status_matchers.h"

namespace nxt::galera {
namespace {

using ::nxt::testing::IsOk;

constexpr char kNode[] = "db-0";
constexpr char kStatus[] =
    "wsrep_cluster_status\tPrimary\nwsrep_local_state_comment\tSynced\nwsrep_local_state\t4\n"
    "wsrep_cluster_size\t3\nwsrep_cluster_state_uuid\tu\n";

class FakeLink : public SqlLink {
 public:
  absl::StatusOr<std::string> Query(const std::string& container, const std::string& network,
                                    const std::string& user, const std::string& password,
                                    const std::string& sql, absl::Duration) override {
    ++calls;
    last = absl::StrCat(container, " ", network, " ", user, " ", password, " ", sql);
    return answer;
  }
  absl::StatusOr<std::string> answer = std::string(kStatus);
  int calls = 0;
  std::string last;
};

class NodeAdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetLogLevel(LogLevel::kError);
    docker::ContainerSpec spec;
    spec.name = kNode;
    spec.image = "nxt/mariadb-galera:10.11";
    ASSERT_THAT(docker_.CreateContainer(spec), IsOk());
    ASSERT_THAT(docker_.StartContainer(kNode), IsOk());
    docker_.SetExecHandler([this](const std::string&, const std::vector<std::string>& cmd,
                                  const std::string&) -> std::optional<docker::ExecResult> {
      ++execs_;
      last_exec_ = cmd;
      return exec_answer_;
    });
    options_.link = link_;
  }

  NodeAdmin::ProbeAuth Health() const { return {false, "nxt-db", "secret-pw"}; }

  nxt::testing::FakeDockerClient docker_;
  std::shared_ptr<FakeLink> link_ = std::make_shared<FakeLink>();
  NodeAdmin::Options options_;
  int execs_ = 0;
  std::vector<std::string> last_exec_;
  docker::ExecResult exec_answer_{0, kStatus, ""};
};

TEST_F(NodeAdminTest, ProbesOverTheLinkAsTheHealthUserWithoutExec) {
  NodeAdmin admin(docker_, options_);
  absl::StatusOr<WsrepStatus> w = admin.Probe(kNode, Health());
  ASSERT_THAT(w, IsOk());
  EXPECT_TRUE(w->Ready());
  EXPECT_EQ(w->cluster_size, 3);
  EXPECT_EQ(link_->last, "db-0 nxt-db nxt_health secret-pw SHOW GLOBAL STATUS LIKE 'wsrep_%'");
  EXPECT_EQ(execs_, 0);
  EXPECT_TRUE(admin.Native());
}

TEST_F(NodeAdminTest, RootBeforeTheUsersExistProbesByExecOverTheSocket) {
  NodeAdmin admin(docker_, options_);
  ASSERT_THAT(admin.Probe(kNode, {true, "nxt-db", ""}), IsOk());
  EXPECT_EQ(link_->calls, 0);
  EXPECT_EQ(execs_, 1);
  EXPECT_THAT(last_exec_, ::testing::Contains("--protocol=socket"));
}

TEST_F(NodeAdminTest, RefusedOrRejectedIsTheNodesAnswerAndCostsNoExec) {
  NodeAdmin admin(docker_, options_);
  link_->answer = absl::UnavailableError("db-0 at 10.0.0.2:3306: Connection refused (111)");
  EXPECT_EQ(admin.Probe(kNode, Health()).status().code(), absl::StatusCode::kUnavailable);
  link_->answer = absl::PermissionDeniedError("Access denied for user 'nxt_health'");
  EXPECT_EQ(admin.Probe(kNode, Health()).status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(execs_, 0);
  EXPECT_TRUE(admin.Native());
}

TEST_F(NodeAdminTest, AnAddressThatNeverAnswersWhileExecWorksSwitchesToExecForGood) {
  NodeAdmin admin(docker_, options_);
  link_->answer = absl::DeadlineExceededError("db-0 at 10.0.0.2:3306: timed out (110)");
  absl::StatusOr<WsrepStatus> w = admin.Probe(kNode, Health());
  ASSERT_THAT(w, IsOk());  // the exec probe's answer
  EXPECT_TRUE(w->Ready());
  EXPECT_EQ(execs_, 1);
  EXPECT_FALSE(admin.Native());
  ASSERT_THAT(admin.Probe(kNode, Health()), IsOk());
  EXPECT_EQ(link_->calls, 1);  // not asked again
  EXPECT_EQ(execs_, 2);
}

TEST_F(NodeAdminTest, ATimeoutOfANodeThatIsDownEverywhereKeepsTheNativePath) {
  NodeAdmin admin(docker_, options_);
  link_->answer = absl::DeadlineExceededError("db-0 at 10.0.0.2:3306: timed out (110)");
  exec_answer_ = {1, "", "ERROR 2002 (HY000): Can't connect to local server through socket"};
  EXPECT_FALSE(admin.Probe(kNode, Health()).ok());
  EXPECT_TRUE(admin.Native());
  link_->answer = std::string(kStatus);
  ASSERT_THAT(admin.Probe(kNode, Health()), IsOk());
  EXPECT_EQ(link_->calls, 2);
  EXPECT_EQ(execs_, 1);
}

TEST_F(NodeAdminTest, WithoutALinkEveryProbeIsAnExec) {
  options_.link = nullptr;
  NodeAdmin admin(docker_, options_);
  ASSERT_THAT(admin.Probe(kNode, Health()), IsOk());
  EXPECT_EQ(execs_, 1);
  EXPECT_FALSE(admin.Native());
}

}  // namespace
}  // namespace nxt::galera
