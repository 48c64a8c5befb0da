#include "tests/e2e/redis_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "controllers/rediscluster/cluster_state.h"

namespace nxt::e2e {
namespace {

constexpr int kPort = 6379;
// A live node on the local bridge accepts in well under a millisecond; a stopped one's
// address does not answer at all (no ARP reply), so this bounds each try at a dead node.
constexpr absl::Duration kConnectTimeout = absl::Milliseconds(100);

absl::Status Errno(const std::string& what) {
  return absl::UnavailableError(absl::StrCat(what, ": ", std::strerror(errno)));
}

}  // namespace

int RedisKeySlot(const std::string& key) {
  absl::string_view hashed = key;
  const size_t open = key.find('{');
  if (open != std::string::npos) {
    const size_t close = key.find('}', open + 1);
    if (close != std::string::npos && close > open + 1) {
      hashed = absl::string_view(key).substr(open + 1, close - open - 1);
    }
  }
  uint32_t crc = 0;
  for (unsigned char c : hashed) {
    crc ^= static_cast<uint32_t>(c) << 8;
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 0x8000) != 0 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return static_cast<int>(crc % 16384);
}

absl::StatusOr<std::unique_ptr<RespConnection>> RespConnection::Connect(
    const std::string& ip, int port, absl::Duration connect_timeout, absl::Duration io_timeout) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, ip.c_str(), &addr.sin_addr) != 1) {
    return absl::InvalidArgumentError(absl::StrCat("not an IPv4 address: ", ip));
  }
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return Errno("socket");
  const std::string what = absl::StrCat("connect ", ip, ":", port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    if (errno != EINPROGRESS) {
      absl::Status s = Errno(what);
      close(fd);
      return s;
    }
    pollfd p{fd, POLLOUT, 0};
    int error = 0;
    socklen_t len = sizeof(error);
    if (poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(connect_timeout))) != 1 ||
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0 || error != 0) {
      close(fd);
      return absl::UnavailableError(
          absl::StrCat(what, ": ", error != 0 ? std::strerror(error) : "timed out"));
    }
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  timeval tv = absl::ToTimeval(io_timeout);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return std::unique_ptr<RespConnection>(new RespConnection(fd, io_timeout));
}

RespConnection::~RespConnection() { close(fd_); }

absl::StatusOr<RespReply> RespConnection::Command(const std::vector<std::string>& args) {
  std::string out = absl::StrCat("*", args.size(), "\r\n");
  for (const std::string& a : args) absl::StrAppend(&out, "$", a.size(), "\r\n", a, "\r\n");
  for (size_t sent = 0; sent < out.size();) {
    ssize_t n = send(fd_, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return Errno("send");
    sent += static_cast<size_t>(n);
  }
  return Read();
}

absl::StatusOr<std::string> RespConnection::Line() {
  while (true) {
    const size_t end = buffer_.find("\r\n");
    if (end != std::string::npos) {
      std::string line = buffer_.substr(0, end);
      buffer_.erase(0, end + 2);
      return line;
    }
    char chunk[4096];
    ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
    if (n == 0) return absl::UnavailableError("connection closed");
    if (n < 0) return Errno(absl::StrCat("recv (", absl::FormatDuration(io_timeout_), ")"));
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

absl::StatusOr<RespReply> RespConnection::Read() {
  absl::StatusOr<std::string> line = Line();
  if (!line.ok()) return line.status();
  if (line->empty()) return absl::DataLossError("empty RESP line");
  RespReply r;
  const std::string body = line->substr(1);
  int64_t n = 0;
  switch ((*line)[0]) {
    case '+':
      r.type = RespReply::Type::kStatus;
      r.text = body;
      return r;
    case '-':
      r.type = RespReply::Type::kError;
      r.text = body;
      return r;
    case ':':
      r.type = RespReply::Type::kInteger;
      if (!absl::SimpleAtoi(body, &r.integer)) return absl::DataLossError("bad integer reply");
      return r;
    case '$':
      if (!absl::SimpleAtoi(body, &n)) return absl::DataLossError("bad bulk length");
      if (n < 0) return r;  // nil
      while (buffer_.size() < static_cast<size_t>(n) + 2) {
        char chunk[4096];
        ssize_t got = recv(fd_, chunk, sizeof(chunk), 0);
        if (got <= 0) return absl::UnavailableError("bulk reply cut short");
        buffer_.append(chunk, static_cast<size_t>(got));
      }
      r.type = RespReply::Type::kBulk;
      r.text = buffer_.substr(0, static_cast<size_t>(n));
      buffer_.erase(0, static_cast<size_t>(n) + 2);
      return r;
    case '*':
      if (!absl::SimpleAtoi(body, &n)) return absl::DataLossError("bad array length");
      r.type = n < 0 ? RespReply::Type::kNil : RespReply::Type::kArray;
      for (int64_t i = 0; i < n; ++i) {
        absl::StatusOr<RespReply> e = Read();
        if (!e.ok()) return e.status();
        r.elements.push_back(*std::move(e));
      }
      return r;
    default:
      return absl::DataLossError(absl::StrCat("unknown RESP type in: ", *line));
  }
}

ClusterWriter::ClusterWriter(std::vector<std::string> seeds, std::string password)
    : seeds_(std::move(seeds)), password_(std::move(password)) {}

ClusterWriter::~ClusterWriter() = default;

RespConnection* ClusterWriter::To(const std::string& ip, std::string* error) {
  auto it = connections_.find(ip);
  if (it != connections_.end()) return it->second.get();
  absl::StatusOr<std::unique_ptr<RespConnection>> c =
      RespConnection::Connect(ip, kPort, kConnectTimeout, absl::Seconds(3));
  if (!c.ok()) {
    *error = std::string(c.status().message());
    return nullptr;
  }
  absl::StatusOr<RespReply> auth = (*c)->Command({"AUTH", password_});
  if (!auth.ok() || auth->type != RespReply::Type::kStatus) {
    *error = auth.ok() ? auth->text : std::string(auth.status().message());
    return nullptr;
  }
  return connections_.emplace(ip, *std::move(c)).first->second.get();
}

absl::Status ClusterWriter::Refresh() {
  std::string last = "no seed";
  for (const std::string& seed : seeds_) {
    RespConnection* c = To(seed, &last);
    if (c == nullptr) continue;
    absl::StatusOr<RespReply> r = c->Command({"CLUSTER", "NODES"});
    if (!r.ok() || r->type != RespReply::Type::kBulk) {
      connections_.erase(seed);
      last = r.ok() ? r->text : std::string(r.status().message());
      continue;
    }
    absl::StatusOr<std::vector<rediscluster::ClusterNode>> nodes =
        rediscluster::ParseClusterNodes(r->text);
    if (!nodes.ok()) return nodes.status();
    owner_.fill("");
    for (const rediscluster::ClusterNode& n : *nodes) {
      if (!n.hostname.empty() && !n.ip.empty()) ip_of_[n.hostname] = n.ip;
      if (!n.IsMaster() || n.HasFlag("fail")) continue;
      for (const auto& [from, to] : n.slot_ranges) {
        for (int s = from; s <= to; ++s) owner_[static_cast<size_t>(s)] = n.ip;
      }
    }
    mapped_ = true;
    return absl::OkStatus();
  }
  return absl::UnavailableError(absl::StrCat("no node answered CLUSTER NODES: ", last));
}

absl::StatusOr<RespReply> ClusterWriter::OnMaster(const std::string& key,
                                                  const std::vector<std::string>& args,
                                                  std::string* ip) {
  if (!mapped_) {
    if (absl::Status s = Refresh(); !s.ok()) return s;
  }
  const size_t slot = static_cast<size_t>(RedisKeySlot(key));
  for (int attempt = 0; attempt < 2; ++attempt) {
    *ip = owner_[slot];
    std::string error;
    RespConnection* c = ip->empty() ? nullptr : To(*ip, &error);
    if (c == nullptr) {
      mapped_ = false;  // the next call reads the map again
      return absl::UnavailableError(absl::StrCat("slot ", slot, ": ", error));
    }
    absl::StatusOr<RespReply> r = c->Command(args);
    if (!r.ok()) {
      connections_.erase(*ip);
      mapped_ = false;
      return r.status();
    }
    // "MOVED <slot> <host>:<port>": follow once with the host's address.
    if (r->type == RespReply::Type::kError && absl::StartsWith(r->text, "MOVED ")) {
      std::vector<std::string> parts = absl::StrSplit(r->text, ' ');
      std::string host = parts.size() == 3 ? parts[2].substr(0, parts[2].rfind(':')) : "";
      auto known = ip_of_.find(host);
      owner_[slot] = known != ip_of_.end() ? known->second : host;
      continue;
    }
    if (r->type == RespReply::Type::kError) mapped_ = false;
    return r;
  }
  return absl::UnavailableError("redirected twice");
}

ClusterWriter::Outcome ClusterWriter::Write(const std::string& key, const std::string& value,
                                            int wait_ms) {
  Outcome o;
  std::string ip;
  absl::StatusOr<RespReply> set = OnMaster(key, {"SET", key, value}, &ip);
  if (!set.ok() || set->type != RespReply::Type::kStatus || set->text != "OK") {
    o.error = set.ok() ? set->text : std::string(set.status().message());
    return o;
  }
  o.written = true;
  RespConnection* c = To(ip, &o.error);
  if (c == nullptr) return o;
  absl::StatusOr<RespReply> wait = c->Command({"WAIT", "1", absl::StrCat(wait_ms)});
  if (!wait.ok()) {
    connections_.erase(ip);
    o.error = std::string(wait.status().message());
    return o;
  }
  o.acknowledged = wait->type == RespReply::Type::kInteger && wait->integer >= 1;
  return o;
}

absl::StatusOr<std::optional<std::string>> ClusterWriter::Read(const std::string& key) {
  std::string ip;
  absl::StatusOr<RespReply> r = OnMaster(key, {"GET", key}, &ip);
  if (!r.ok()) return r.status();
  if (r->type == RespReply::Type::kError) return absl::UnavailableError(r->text);
  if (r->type == RespReply::Type::kNil) return std::nullopt;
  return r->text;
}

BackgroundWriter::BackgroundWriter(std::vector<std::string> seeds, std::string password)
    : client_(std::move(seeds), std::move(password)), thread_([this] { Run(); }) {}

BackgroundWriter::~BackgroundWriter() { Stop(); }

void BackgroundWriter::Mark(absl::Time t) {
  absl::MutexLock lock(&mu_);
  mark_ = t;
  first_failure_ = recovered_ = absl::InfinitePast();
}

void BackgroundWriter::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

double BackgroundWriter::WritableAgain() const {
  absl::MutexLock lock(&mu_);
  if (recovered_ == absl::InfinitePast()) return 0;
  return absl::ToDoubleSeconds(recovered_ - mark_);
}

std::map<std::string, std::string> BackgroundWriter::Acknowledged() const {
  absl::MutexLock lock(&mu_);
  return acknowledged_;
}

int BackgroundWriter::Written() const {
  absl::MutexLock lock(&mu_);
  return written_;
}

void BackgroundWriter::Run() {
  for (int i = 0;;) {
    {
      absl::MutexLock lock(&mu_);
      if (stop_) return;
    }
    const std::string key = absl::StrCat("k:", i);
    const std::string value = absl::StrCat("v", i);
    if (Record(client_.Write(key, value, 1000), key, value, absl::Now())) {
      ++i;
    } else {
      absl::SleepFor(absl::Milliseconds(10));  // then the same key again
    }
  }
}

bool BackgroundWriter::Record(const ClusterWriter::Outcome& o, const std::string& key,
                              const std::string& value, absl::Time now) {
  absl::MutexLock lock(&mu_);
  if (!o.written) {
    if (mark_ != absl::InfinitePast() && first_failure_ == absl::InfinitePast()) {
      first_failure_ = now;
    }
    return false;
  }
  if (first_failure_ != absl::InfinitePast() && recovered_ == absl::InfinitePast()) {
    recovered_ = now;
  }
  ++written_;
  if (o.acknowledged) acknowledged_[key] = value;
  return true;
}

}  // namespace nxt::e2e
