// End to end (issue 12, "bounded input"): the 570 KB alias bomb that once grew
// `nxtctl validate` past 8.5 GB is refused in little memory by nxtctl validate and apply
// and by nxtd's directory watcher, and an API request body over the limit gets 413, with
// nxtd up, small, and the running set untouched.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/testing/temp_dir.h"

namespace nxt::e2e {
namespace {

using ::testing::HasSubstr;

constexpr long kMaxPeakKb = 64 * 1024;
// The refusal, at the 8th alias: 500 KB plus its field path a use, over 4 MiB.
constexpr char kRefusal[] =
    ":19:5: spec.args[7]: document too large: expands to more than 4194304 bytes (aliases "
    "count each time they are used, counting alias *a)";

// The exploit of issue 12: a 500 KB scalar anchored once (line 8) and used 20,000 times
// (spec.args, one alias a line from line 12 on): 570 KB of text, 10 GB once expanded.
std::string AliasBomb(const std::string& ns, const std::string& name) {
  std::string y = absl::StrCat("apiVersion: nxt.io/v1alpha1\nkind: ContainerSet\nmetadata:\n",
                               "  name: ", name, "\n  namespace: ", ns, "\n",
                               "  annotations:\n    note: anchored below\n    big: &a ",
                               std::string(500000, 'x'), "\nspec:\n  image: busybox\n  args:\n");
  for (int i = 0; i < 20000; ++i) {
    y += "  - *a\n";
  }
  return y;
}

struct Measured {
  int exit_code = -1;
  long peak_rss_kb = 0;  // ru_maxrss of the child, from wait4
  std::string output;    // stdout and stderr
};

// Runs `argv` with a 1 GiB address-space cap (a regression fails instead of taking the
// machine) and 60 s of CPU, and measures its peak RSS.
Measured RunMeasured(const std::vector<std::string>& argv, const std::string& output_path) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int out = ::open(output_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  Measured m;
  if (out < 0) return m;
  pid_t pid = ::fork();
  if (pid == 0) {
    struct rlimit as = {1L << 30, 1L << 30};
    struct rlimit cpu = {60, 60};
    ::setrlimit(RLIMIT_AS, &as);
    ::setrlimit(RLIMIT_CPU, &cpu);
    ::dup2(out, 1);
    ::dup2(out, 2);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(out);
  int status = 0;
  struct rusage usage {};
  if (pid > 0 && ::wait4(pid, &status, 0, &usage) == pid) {
    m.exit_code = ExitCodeOf(status);
    m.peak_rss_kb = usage.ru_maxrss;
  }
  std::ifstream in(output_path);
  std::stringstream text;
  text << in.rdbuf();
  m.output = text.str();
  return m;
}

// VmHWM (peak RSS) of a running process, in KB; -1 when unknown.
long PeakRssKbOf(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

TEST(BoundedInputE2eTest, ValidateRefusesTheAliasBombInLittleMemory) {
  nxt::testing::TempDir dir;
  dir.Write("bomb.yaml", AliasBomb("default", "bomb"));
  Measured m = RunMeasured(
      {NxtctlBinary(), "validate", "--socket", dir.Join("none.sock"), "-f", dir.Join("bomb.yaml")},
      dir.Join("out.txt"));
  EXPECT_EQ(m.exit_code, 1) << m.output;
  EXPECT_THAT(m.output, HasSubstr(dir.Join("bomb.yaml") + kRefusal));
  RecordProperty("nxtctl_validate_peak_rss_kb", std::to_string(m.peak_rss_kb));
  EXPECT_GT(m.peak_rss_kb, 0);
  EXPECT_LT(m.peak_rss_kb, kMaxPeakKb) << "nxtctl validate's peak RSS, KB";
}

class BoundedInputDaemonE2eTest : public E2eTest {};

TEST_F(BoundedInputDaemonE2eTest, WatcherAndApplyRefuseTheAliasBombAndNxtdStaysSmall) {
  const std::string web = SetName("web");
  StartNxtd();
  nxtd_->WriteManifest("web.yaml", SetManifest(ns_, web, 1).Yaml());
  WaitRunningMembers(web, 1, absl::Seconds(60));
  const std::map<std::string, std::string> ids = MemberIds(web);
  absl::StatusOr<NamespaceObjects> before = ListNamespace(*docker_, ns_);
  ASSERT_TRUE(before.ok()) << before.status();

  const std::string bomb = SetName("bomb");
  nxtd_->WriteManifest("bomb.yaml", AliasBomb(ns_, bomb));
  const std::string path = nxtd_->manifests_dir() + "/bomb.yaml";
  ASSERT_TRUE(WaitFor([&] { return nxtd_->ReadLog().find(path + kRefusal) != std::string::npos; },
                      absl::Seconds(30)))
      << "the watcher did not report the bomb";
  ASSERT_TRUE(nxtd_->running());
  long peak = PeakRssKbOf(nxtd_->pid());
  RecordProperty("nxtd_peak_rss_kb", std::to_string(peak));
  EXPECT_GT(peak, 0);
  EXPECT_LT(peak, kMaxPeakKb) << "nxtd's peak RSS (VmHWM), KB";

  CommandResult applied = nxtd_->Nxtctl({"apply", "-f", path});
  EXPECT_EQ(applied.exit_code, 1);
  EXPECT_THAT(applied.stderr_text, HasSubstr(path + kRefusal));
  EXPECT_THAT(applied.stderr_text, HasSubstr("nothing was changed"));
  EXPECT_LT(PeakRssKbOf(nxtd_->pid()), kMaxPeakKb) << "after the apply, KB";

  CommandResult get = nxtd_->Nxtctl({"get", "cs", bomb, "-n", ns_});
  EXPECT_NE(get.exit_code, 0) << "the bomb was stored: " << get.stdout_text;
  EXPECT_EQ(MemberIds(web), ids) << "the running set was touched";
  absl::StatusOr<NamespaceObjects> after = ListNamespace(*docker_, ns_);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->containers.size(), before->containers.size());
  EXPECT_EQ(after->volumes, before->volumes);
  EXPECT_EQ(after->networks, before->networks);
}

int ConnectUnix(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Sends `data` until done or the peer stops reading; then reads the answer to the end.
std::string Exchange(int fd, const std::string& head, size_t body_bytes) {
  std::string data = head;
  bool open = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL) >= 0;
  const std::string chunk(1 << 16, 'a');
  for (size_t sent = 0; open && sent < body_bytes; sent += chunk.size()) {
    std::string framed = absl::StrCat(absl::Hex(chunk.size()), "\r\n", chunk, "\r\n");
    open = ::send(fd, framed.data(), framed.size(), MSG_NOSIGNAL) >= 0;
  }
  std::string reply;
  char buffer[4096];
  for (ssize_t n; (n = ::recv(fd, buffer, sizeof(buffer), 0)) > 0;) reply.append(buffer, n);
  return reply;
}

TEST_F(BoundedInputDaemonE2eTest, ApiBodyOverTheLimitGets413AndNxtdKeepsServing) {
  StartNxtd();
  // Announced too large: refused from the headers, nothing of the body read.
  int fd = ConnectUnix(nxtd_->api_socket());
  ASSERT_GE(fd, 0);
  std::string reply =
      Exchange(fd, "POST /v1/apply HTTP/1.1\r\nHost: nxtd\r\nContent-Length: 9437184\r\n\r\n{", 0);
  ::close(fd);
  EXPECT_THAT(reply, ::testing::StartsWith("HTTP/1.1 413"));
  EXPECT_THAT(reply, HasSubstr("RequestTooLarge"));
  EXPECT_THAT(reply, HasSubstr("over the API's limit of 8388608 bytes"));

  // Streamed without a length (chunked, 9 MiB): cut off at the limit.
  fd = ConnectUnix(nxtd_->api_socket());
  ASSERT_GE(fd, 0);
  reply = Exchange(
      fd, "POST /v1/apply HTTP/1.1\r\nHost: nxtd\r\nTransfer-Encoding: chunked\r\n\r\n", 9 << 20);
  ::close(fd);
  EXPECT_THAT(reply, ::testing::StartsWith("HTTP/1.1 413"));

  ASSERT_TRUE(nxtd_->running());
  EXPECT_LT(PeakRssKbOf(nxtd_->pid()), kMaxPeakKb) << "nxtd's peak RSS (VmHWM), KB";
  CommandResult get = nxtd_->Nxtctl({"get", "cs", "-n", ns_});
  EXPECT_EQ(get.exit_code, 0) << get.stderr_text;
}

}  // namespace
}  // namespace nxt::e2e
