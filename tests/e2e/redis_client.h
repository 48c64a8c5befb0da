// A small Redis Cluster client for the end-to-end tests and bench_redis: RESP over TCP
// straight to the nodes' addresses on their Docker network (the host reaches its
// bridges), AUTH with the cluster's password, every key sent to the master serving its
// slot as the last CLUSTER NODES read says (MOVED followed once). It stands for an
// application writing through a fault: a write is acknowledged when SET answered OK and
// WAIT 1 <ms> then said a replica has it.
//
//   ClusterWriter w({"172.18.0.2", ...}, password);
//   ClusterWriter::Outcome o = w.Write("k:1", "v1");   // o.written, o.acknowledged
//   absl::StatusOr<std::optional<std::string>> v = w.Read("k:1");
//
// ClusterWriter and RespConnection are not thread-safe (one per thread);
// BackgroundWriter is.
#ifndef NXT_TESTS_E2E_REDIS_CLIENT_H_
#define NXT_TESTS_E2E_REDIS_CLIENT_H_

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace nxt::e2e {

// The Redis Cluster hash slot of `key`: CRC16 (XMODEM) of the key, or of its non-empty
// {hash tag}, modulo 16384.
int RedisKeySlot(const std::string& key);

struct RespReply {
  enum class Type { kStatus, kError, kInteger, kBulk, kNil, kArray };
  Type type = Type::kNil;
  std::string text;  // status, error and bulk replies
  int64_t integer = 0;
  std::vector<RespReply> elements;
};

// One TCP connection to a Redis server. Every call has a deadline; a connection that
// failed once is not used again (the caller makes a new one).
class RespConnection {
 public:
  // Unavailable when the server does not accept within `connect_timeout`.
  static absl::StatusOr<std::unique_ptr<RespConnection>> Connect(const std::string& ip, int port,
                                                                 absl::Duration connect_timeout,
                                                                 absl::Duration io_timeout);
  ~RespConnection();
  RespConnection(const RespConnection&) = delete;
  RespConnection& operator=(const RespConnection&) = delete;

  // Sends one command and reads its reply (an error reply is a reply, not a failure).
  absl::StatusOr<RespReply> Command(const std::vector<std::string>& args);

 private:
  RespConnection(int fd, absl::Duration io_timeout) : fd_(fd), io_timeout_(io_timeout) {}
  absl::StatusOr<std::string> Line();
  absl::StatusOr<RespReply> Read();

  int fd_;
  absl::Duration io_timeout_;
  std::string buffer_;
};

class ClusterWriter {
 public:
  // `seeds`: node IP addresses (port 6379) to read the slot map from.
  ClusterWriter(std::vector<std::string> seeds, std::string password);
  ~ClusterWriter();

  struct Outcome {
    bool written = false;       // SET answered OK
    bool acknowledged = false;  // and WAIT 1 <wait_ms> answered >= 1
    std::string error;          // why not, when not written
  };
  Outcome Write(const std::string& key, const std::string& value, int wait_ms = 1000);
  // GET through the slot's master; nullopt when the key does not exist.
  absl::StatusOr<std::optional<std::string>> Read(const std::string& key);

 private:
  // The slot map from the first seed that answers CLUSTER NODES.
  absl::Status Refresh();
  // An authenticated connection to `ip` (cached); nullptr and `error` when none.
  RespConnection* To(const std::string& ip, std::string* error);
  absl::StatusOr<RespReply> OnMaster(const std::string& key, const std::vector<std::string>& args,
                                     std::string* ip);

  std::vector<std::string> seeds_;
  const std::string password_;
  std::array<std::string, 16384> owner_;      // slot → master IP; "" unknown
  std::map<std::string, std::string> ip_of_;  // announced hostname → IP
  std::map<std::string, std::unique_ptr<RespConnection>> connections_;
  bool mapped_ = false;
};

// Writes k:0, k:1, ... (values v0, v1, ...) through a ClusterWriter on its own thread,
// one after another, each retried every 10 ms until SET answers OK; keeps the keys WAIT
// acknowledged. Mark(t) starts a measurement: WritableAgain() is then the time from `t`
// until a write succeeded after the first one that failed. Thread-safe.
class BackgroundWriter {
 public:
  BackgroundWriter(std::vector<std::string> seeds, std::string password);
  ~BackgroundWriter();  // Stop()

  void Mark(absl::Time t);
  void Stop();
  // Seconds from Mark() until writes succeeded again after a failure; 0 while none
  // failed, or failed and has not succeeded since.
  double WritableAgain() const;
  std::map<std::string, std::string> Acknowledged() const;
  int Written() const;

 private:
  void Run();
  // Whether the write went through.
  bool Record(const ClusterWriter::Outcome& o, const std::string& key, const std::string& value,
              absl::Time now);

  ClusterWriter client_;
  mutable absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time mark_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Time first_failure_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Time recovered_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  int written_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, std::string> acknowledged_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace nxt::e2e

#endif  // NXT_TESTS_E2E_REDIS_CLIENT_H_
