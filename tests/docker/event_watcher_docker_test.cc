// The events stream, ContainerCache and EventWatcher against real engines (label docker):
// the shared engine for container events, and a private engine the test starts and
// restarts itself to prove reconnect + resync.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "docker/container_cache.h"
#include "docker/event_watcher.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/docker/docker_fixture.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

extern char** environ;

namespace nxt::docker {
namespace {

using ::nxt::testing::IsOk;

// Records events; Wait* poll a predicate over them (bounded).
class EventLog {
 public:
  void Add(const Event& e) {
    absl::MutexLock lock(&mu_);
    events_.push_back(e);
  }
  bool WaitFor(const std::function<bool(const std::vector<Event>&)>& pred,
               absl::Duration timeout = absl::Seconds(20)) {
    absl::Time deadline = absl::Now() + timeout;
    while (true) {
      {
        absl::MutexLock lock(&mu_);
        if (pred(events_)) return true;
      }
      if (absl::Now() > deadline) return false;
      absl::SleepFor(absl::Milliseconds(20));
    }
  }
  static bool Has(const std::vector<Event>& events, const std::string& type,
                  const std::string& action, const std::string& id_or_name) {
    for (const Event& e : events) {
      if (e.type == type && e.action == action &&
          (e.actor_id == id_or_name ||
           (e.attributes.count("name") > 0 && e.attributes.at("name") == id_or_name))) {
        return true;
      }
    }
    return false;
  }
  std::vector<Event> Snapshot() {
    absl::MutexLock lock(&mu_);
    return events_;
  }

 private:
  absl::Mutex mu_;
  std::vector<Event> events_ ABSL_GUARDED_BY(mu_);
};

bool Eventually(const std::function<bool()>& pred, absl::Duration timeout = absl::Seconds(20)) {
  absl::Time deadline = absl::Now() + timeout;
  while (!pred()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return true;
}

using EventsTest = DockerFixture;

TEST_F(EventsTest, StreamSeesStartDieDestroyWithLabels) {
  EventLog log;
  std::atomic<bool> stop{false};
  absl::Status stream_status;
  std::thread streamer([&] {
    stream_status = client_->StreamEvents(
        Selector(), "container", absl::Now() - absl::Seconds(1),
        [&](const Event& e) { log.Add(e); }, stop);
  });
  // Stops and joins the streamer on every exit path (an ASSERT must not leave it).
  struct Joiner {
    std::atomic<bool>& stop;
    std::thread& thread;
    ~Joiner() {
      stop = true;
      if (thread.joinable()) thread.join();
    }
  } joiner{stop, streamer};
  ContainerSpec spec = SleeperSpec("ev");
  spec.restart_policy = "no";
  auto id = client_->CreateContainer(spec);
  ASSERT_THAT(id, IsOk());
  ASSERT_THAT(client_->StartContainer(*id), IsOk());
  ASSERT_THAT(client_->RemoveContainer(*id, /*force=*/true), IsOk());
  bool seen = log.WaitFor([&](const std::vector<Event>& events) {
    return EventLog::Has(events, "container", "start", *id) &&
           EventLog::Has(events, "container", "die", *id) &&
           EventLog::Has(events, "container", "destroy", *id);
  });
  absl::Time before = absl::Now();
  stop = true;
  streamer.join();
  EXPECT_LT(absl::Now() - before, absl::Seconds(1)) << "stop is seen within 500 ms";
  EXPECT_THAT(stream_status, IsOk());
  ASSERT_TRUE(seen);
  for (const Event& e : log.Snapshot()) {
    EXPECT_EQ(e.attributes.at(kTestRunLabel), prefix_) << "only labelled events: " << e.action;
    EXPECT_GT(e.time_nano, 0);
  }
  Event start;
  for (const Event& e : log.Snapshot()) {
    if (e.action == "start") start = e;
  }
  EXPECT_EQ(start.attributes.at("name"), spec.name);
  EXPECT_EQ(start.attributes.at("io.nxt.role"), "test");
}

TEST_F(EventsTest, WatcherKeepsTheCacheRightAfterCliRemove) {
  ContainerCache cache(*client_, Selector());
  EventLog log;
  int64_t resyncs = 0;
  EventWatcher watcher(*client_, cache, {.selector = Selector()},
                       {.on_event = [&](const Event& e, const ContainerChange&) { log.Add(e); },
                        .on_resync = [&] { ++resyncs; }});
  watcher.Start();
  ASSERT_TRUE(Eventually([&] { return watcher.connected(); }));

  ContainerSpec spec = SleeperSpec("cli");
  auto id = client_->CreateContainer(spec);
  ASSERT_THAT(id, IsOk());
  ASSERT_THAT(client_->StartContainer(*id), IsOk());
  ASSERT_TRUE(Eventually([&] {
    auto row = cache.Get(spec.name);
    return row.has_value() && row->state == "running";
  })) << "create + start arrive through events";
  EXPECT_EQ(cache.Get(spec.name)->labels.at(kTestRunLabel), prefix_);

  std::string cmd = "docker rm -f " + spec.name + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_TRUE(Eventually([&] { return !cache.Get(spec.name).has_value(); }));
  EXPECT_TRUE(log.WaitFor([&](const std::vector<Event>& events) {
    return EventLog::Has(events, "container", "destroy", *id);
  }));
  watcher.Stop();
  EXPECT_EQ(cache.list_calls(), 1) << "events, not lists, kept the cache right";
  EXPECT_EQ(resyncs, 1);
}

// A private dockerd in a temp dir (DEPENDENCIES.md), in its own network namespace:
// with --bridge=none, Engine 20.10 deletes the interface named docker0 at start-up
// (removeDefaultBridgeInterface), which in the host namespace would be the shared
// engine's bridge. The socket is a file, reachable from the host namespace. The test
// makes no containers there, only volumes.
class PrivateEngine {
 public:
  explicit PrivateEngine(std::string dir) : dir_(std::move(dir)) {}
  ~PrivateEngine() { Stop(); }
  std::string socket() const { return dir_ + "/docker.sock"; }

  bool Start() {
    std::string log = dir_ + "/dockerd.log";
    std::vector<std::string> args = {"unshare",
                                     "--net",
                                     "--",
                                     "dockerd",
                                     "--data-root=" + dir_ + "/data",
                                     "--exec-root=" + dir_ + "/exec",
                                     "--pidfile=" + dir_ + "/pid",
                                     "-H",
                                     "unix://" + socket(),
                                     "--bridge=none",
                                     "--iptables=false",
                                     "--ip-masq=false"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    int rc = posix_spawnp(&pid_, "unshare", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
      pid_ = -1;
      return false;
    }
    CurlDockerClient probe({.socket_path = socket()});
    return Eventually([&] { return probe.Ping().ok(); }, absl::Seconds(30));
  }

  void Stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  const std::string dir_;
  pid_t pid_ = -1;
};

TEST(PrivateEngineTest, WatcherReconnectsAndResyncsAfterEngineRestart) {
  NXT_REQUIRE_DOCKER_OR_OPT_OUT();
  if (std::system("command -v dockerd unshare >/dev/null 2>&1") != 0 || ::geteuid() != 0) {
    GTEST_SKIP() << "needs dockerd, unshare and root to start a private engine";
  }
  const bool had_docker0 = std::filesystem::exists("/sys/class/net/docker0");
  nxt::testing::TempDir dir;
  PrivateEngine engine(dir.path());
  ASSERT_TRUE(engine.Start()) << "private dockerd did not answer; see " << dir.Join("dockerd.log");
  CurlDockerClient client({.socket_path = engine.socket()});
  ContainerCache cache(client, {{kTestRunLabel, "private"}});
  EventLog log;
  EventWatcher watcher(client, cache,
                       {.selector = {},
                        .event_type = "volume",
                        .backoff_min = absl::Milliseconds(50),
                        .backoff_max = absl::Milliseconds(500)},
                       {.on_event = [&](const Event& e, const ContainerChange&) { log.Add(e); }});
  watcher.Start();
  ASSERT_TRUE(Eventually([&] { return watcher.connected(); }));
  ASSERT_THAT(client.CreateVolume("nxt-t-before", {}), IsOk());
  ASSERT_TRUE(log.WaitFor([](const std::vector<Event>& events) {
    return EventLog::Has(events, "volume", "create", "nxt-t-before");
  }));

  engine.Stop();
  EXPECT_TRUE(Eventually([&] { return !watcher.connected(); }));
  ASSERT_TRUE(engine.Start());
  ASSERT_TRUE(Eventually([&] { return watcher.connected() && watcher.resyncs() >= 2; }))
      << "reconnected after the restart";
  ASSERT_THAT(client.CreateVolume("nxt-t-after", {}), IsOk());
  EXPECT_TRUE(log.WaitFor([](const std::vector<Event>& events) {
    return EventLog::Has(events, "volume", "create", "nxt-t-after");
  }));
  EXPECT_GE(cache.list_calls(), 2);
  watcher.Stop();
  EXPECT_THAT(client.RemoveVolume("nxt-t-before"), IsOk());
  EXPECT_THAT(client.RemoveVolume("nxt-t-after"), IsOk());
  engine.Stop();
  EXPECT_EQ(std::filesystem::exists("/sys/class/net/docker0"), had_docker0)
      << "the private engine must leave the shared engine's bridge alone";
}

}  // namespace
}  // namespace nxt::docker
