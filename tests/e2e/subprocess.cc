#include "tests/e2e/subprocess.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"

extern char** environ;

namespace nxt::e2e {
namespace {

constexpr absl::Duration kPollInterval = absl::Milliseconds(5);

// argv/envp as the C arrays exec wants; owns the strings.
class CArgs {
 public:
  explicit CArgs(const std::vector<std::string>& items) : items_(items) {
    for (std::string& s : items_) ptrs_.push_back(s.data());
    ptrs_.push_back(nullptr);
  }
  char** get() { return ptrs_.data(); }

 private:
  std::vector<std::string> items_;
  std::vector<char*> ptrs_;
};

// The inherited environment with `overrides` ("K=V") replacing or adding entries.
std::vector<std::string> MergedEnv(const std::vector<std::string>& overrides) {
  std::vector<std::string> out;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry = *e;
    std::string key = entry.substr(0, entry.find('='));
    bool replaced = false;
    for (const std::string& o : overrides) {
      replaced = replaced || o.substr(0, o.find('=')) == key;
    }
    if (!replaced) out.push_back(std::move(entry));
  }
  out.insert(out.end(), overrides.begin(), overrides.end());
  return out;
}

struct ChildFds {
  int in = -1;
  int out = -1;
  int err = -1;
};

// Forks and execs; in the child only async-signal-safe calls.
absl::StatusOr<pid_t> Spawn(const std::vector<std::string>& argv,
                            const std::vector<std::string>& env, ChildFds fds, int death_signal) {
  if (argv.empty()) return absl::InvalidArgumentError("empty argv");
  CArgs c_argv(argv);
  CArgs c_env(env);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  if (pid == 0) {
    ::setpgid(0, 0);  // own group: a terminal's ^C reaches only the test
    ::prctl(PR_SET_PDEATHSIG, death_signal);
    if (::getppid() != parent) ::_exit(127);
    if (::dup2(fds.in, 0) < 0 || ::dup2(fds.out, 1) < 0 || ::dup2(fds.err, 2) < 0) ::_exit(127);
    ::close_range(3, ~0U, 0);
    ::execvpe(c_argv.get()[0], c_argv.get(), c_env.get());
    ::_exit(127);
  }
  return pid;
}

int OpenOrDie(const std::string& path, int flags) {
  return ::open(path.c_str(), flags | O_CLOEXEC, 0600);
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string TempPath(const char* what) {
  std::string tmpl = absl::StrCat("/tmp/nxt-e2e-", what, "-XXXXXX");
  int fd = ::mkstemp(tmpl.data());
  if (fd >= 0) ::close(fd);
  return tmpl;
}

}  // namespace

int ExitCodeOf(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return -1;
}

absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                         const RunOptions& options) {
  const std::string in_path = TempPath("in");
  const std::string out_path = TempPath("out");
  const std::string err_path = TempPath("err");
  std::ofstream(in_path, std::ios::binary | std::ios::trunc) << options.stdin_text;
  ChildFds fds{OpenOrDie(in_path, O_RDONLY), OpenOrDie(out_path, O_WRONLY | O_TRUNC),
               OpenOrDie(err_path, O_WRONLY | O_TRUNC)};
  absl::StatusOr<pid_t> pid = absl::InternalError("cannot open temp files");
  if (fds.in >= 0 && fds.out >= 0 && fds.err >= 0) {
    pid = Spawn(argv, MergedEnv(options.env), fds, SIGKILL);
  }
  for (int fd : {fds.in, fds.out, fds.err}) {
    if (fd >= 0) ::close(fd);
  }
  absl::StatusOr<CommandResult> result = absl::InternalError("not run");
  if (!pid.ok()) {
    result = pid.status();
  } else {
    const absl::Time deadline = absl::Now() + options.timeout;
    int status = 0;
    pid_t done = 0;
    while ((done = ::waitpid(*pid, &status, WNOHANG)) == 0 && absl::Now() < deadline) {
      absl::SleepFor(kPollInterval);
    }
    if (done == 0) {
      ::kill(*pid, SIGKILL);
      ::waitpid(*pid, &status, 0);
      result = absl::DeadlineExceededError(
          absl::StrCat("timed out after ", absl::FormatDuration(options.timeout), ": ",
                       absl::StrJoin(argv, " "), "\nstderr: ", ReadAll(err_path)));
    } else {
      result = CommandResult{ExitCodeOf(status), ReadAll(out_path), ReadAll(err_path)};
    }
  }
  for (const std::string& p : {in_path, out_path, err_path}) ::unlink(p.c_str());
  return result;
}

ChildProcess::~ChildProcess() { Kill(); }

absl::Status ChildProcess::Start(const std::vector<std::string>& argv, const std::string& log_path,
                                 int death_signal) {
  if (running()) return absl::FailedPreconditionError("already running");
  ChildFds fds{OpenOrDie("/dev/null", O_RDONLY), OpenOrDie(log_path, O_WRONLY | O_CREAT | O_APPEND),
               -1};
  fds.err = fds.out;
  absl::StatusOr<pid_t> pid = absl::InternalError(absl::StrCat("cannot open ", log_path));
  if (fds.in >= 0 && fds.out >= 0) pid = Spawn(argv, MergedEnv({}), fds, death_signal);
  for (int fd : {fds.in, fds.out}) {
    if (fd >= 0) ::close(fd);
  }
  if (!pid.ok()) return pid.status();
  pid_ = *pid;
  return absl::OkStatus();
}

void ChildProcess::Signal(int signal) const {
  if (running()) ::kill(pid_, signal);
}

std::optional<int> ChildProcess::Poll() {
  if (!running()) return std::nullopt;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) != pid_) return std::nullopt;
  pid_ = -1;
  return ExitCodeOf(status);
}

absl::StatusOr<int> ChildProcess::Wait(absl::Duration timeout) {
  if (!running()) return absl::FailedPreconditionError("not running");
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    if (std::optional<int> code = Poll()) return *code;
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("pid ", pid_, " still running after ", absl::FormatDuration(timeout)));
    }
    absl::SleepFor(kPollInterval);
  }
}

void ChildProcess::Kill() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

}  // namespace nxt::e2e
