#include "controllers/rediscluster/hiredis_node_link.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <memory>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "controllers/rediscluster/render.h"

namespace nxt::rediscluster {
namespace {

constexpr absl::Duration kMaxConnectTimeout = absl::Seconds(1);

struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
using Context = std::unique_ptr<redisContext, ContextDeleter>;

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

timeval Tv(absl::Duration d) { return absl::ToTimeval(std::max(d, absl::Milliseconds(1))); }

std::string Text(const redisReply& r) {
  switch (r.type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      return std::string(r.str, r.len);
    case REDIS_REPLY_INTEGER:
      return absl::StrCat(r.integer);
    case REDIS_REPLY_ARRAY: {
      std::vector<std::string> lines;
      for (size_t i = 0; i < r.elements; ++i) lines.push_back(Text(*r.element[i]));
      return absl::StrJoin(lines, "\n");
    }
    default:
      return "";
  }
}

// How one attempt at an address ended.
struct Attempt {
  absl::StatusOr<std::vector<std::string>> replies = std::vector<std::string>{};
  bool reached = false;  // the right node answered at that address
};

absl::Status Unavailable(const std::string& where, const std::string& why) {
  return absl::UnavailableError(absl::StrCat(where, ": ", why));
}

// Sends `commands` pipelined and reads one reply each; `replies` gets their text. The
// first error reply is returned as a status (Unavailable when the node is busy or
// refuses the password). Never puts the commands' arguments into an error.
absl::Status Pipeline(redisContext* c, const std::string& where,
                      const std::vector<std::vector<std::string>>& commands,
                      std::vector<std::string>* replies) {
  for (const std::vector<std::string>& command : commands) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const std::string& a : command) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    if (redisAppendCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data()) !=
        REDIS_OK) {
      return Unavailable(where, c->errstr);
    }
  }
  absl::Status first;
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(c, &raw) != REDIS_OK || raw == nullptr) {
      return Unavailable(where, c->err == REDIS_ERR_IO ? "no reply in time" : c->errstr);
    }
    Reply reply(static_cast<redisReply*>(raw));
    std::string text = Text(*reply);
    if (reply->type == REDIS_REPLY_ERROR && first.ok()) {
      const bool busy = absl::StartsWith(text, "LOADING") || absl::StartsWith(text, "MASTERDOWN") ||
                        absl::StartsWith(text, "TRYAGAIN") || absl::StartsWith(text, "NOAUTH") ||
                        absl::StartsWith(text, "WRONGPASS") ||
                        absl::StrContains(text, "invalid password");
      const std::string message = absl::StrCat(where, ": ", text);
      first = busy ? absl::UnavailableError(message) : absl::FailedPreconditionError(message);
    }
    replies->push_back(std::move(text));
  }
  return first;
}

Attempt RunAt(const std::string& ip, const std::string& container, const std::string& password,
              const std::vector<std::vector<std::string>>& commands, absl::Duration timeout) {
  Attempt out;
  const std::string where = absl::StrCat(container, " at ", ip, ":", kRedisPort);
  Context c(
      redisConnectWithTimeout(ip.c_str(), kRedisPort, Tv(std::min(timeout, kMaxConnectTimeout))));
  if (c == nullptr || c->err != 0) {
    out.replies = Unavailable(where, c == nullptr ? "out of memory" : c->errstr);
    return out;
  }
  if (redisSetTimeout(c.get(), Tv(timeout)) != REDIS_OK) {
    out.replies = Unavailable(where, c->errstr);
    return out;
  }
  // AUTH and the identity check in one round trip; the commands only once the server is
  // known to be `container`.
  std::vector<std::vector<std::string>> hello;
  if (!password.empty()) hello.push_back({"AUTH", password});
  hello.push_back({"CONFIG", "GET", "cluster-announce-hostname"});
  std::vector<std::string> greeting;
  if (absl::Status s = Pipeline(c.get(), where, hello, &greeting); !s.ok()) {
    out.replies = s;
    return out;
  }
  absl::string_view hostname = greeting.back();
  if (!absl::ConsumePrefix(&hostname, "cluster-announce-hostname\n") || hostname != container) {
    out.replies = Unavailable(
        where, absl::StrCat("another node answers (hostname \"", std::string(hostname), "\")"));
    return out;
  }
  out.reached = true;
  std::vector<std::string> replies;
  absl::Status s = Pipeline(c.get(), where, commands, &replies);
  out.replies = s.ok() ? absl::StatusOr<std::vector<std::string>>(std::move(replies)) : s;
  return out;
}

}  // namespace

HiredisNodeLink::HiredisNodeLink(docker::DockerClient& docker) : addresses_(docker) {}

absl::StatusOr<std::vector<std::string>> HiredisNodeLink::Run(
    const std::string& container, const std::string& network, const std::string& password,
    const std::vector<std::vector<std::string>>& commands, absl::Duration timeout) {
  const std::optional<std::string> kept = addresses_.Kept(container);
  std::string ip;
  if (kept.has_value()) {
    ip = *kept;
  } else {
    absl::StatusOr<std::string> looked_up = addresses_.LookUp(container, network);
    if (!looked_up.ok()) return looked_up.status();
    ip = *looked_up;
  }
  Attempt attempt = RunAt(ip, container, password, commands, timeout);
  if (attempt.reached || !kept.has_value()) return std::move(attempt.replies);
  // The kept address did not lead to the node: it may have restarted with another one.
  absl::StatusOr<std::string> fresh = addresses_.LookUp(container, network);
  if (!fresh.ok() || *fresh == ip) return std::move(attempt.replies);
  return std::move(RunAt(*fresh, container, password, commands, timeout).replies);
}

}  // namespace nxt::rediscluster
