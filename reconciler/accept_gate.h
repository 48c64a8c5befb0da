#ifndef NXT_RECONCILER_ACCEPT_GATE_H_
#define NXT_RECONCILER_ACCEPT_GATE_H_

#include <boost/asio.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <utility>

#include "common/logging.h"

namespace nxt::reconciler {

// The accept loop of a server with a cap on open connections, shared by the metrics
// server and the API server:
//   - one async_accept at a time; each accepted socket goes to `on_accept`, which owns it
//     and counts as one open connection until the server calls Closed() for it;
//   - none while `max_connections` are open: new clients wait in the listen backlog until
//     one closes; "connection limit reached; new clients wait" is logged (under
//     `component`) at most once a minute, since a client that keeps the server full would
//     otherwise flood the log;
//   - on an accept error other than operation_aborted (out of descriptors or similar) it
//     logs "accept failed" and tries again after 100 ms instead of spinning;
//   - once the acceptor is closed or the io_context stopped it stops re-arming: a
//     completion with operation_aborted, or with the acceptor closed, does nothing.
//
// Thread: the io thread only (Start may also run before that thread starts). The acceptor
// and its io_context must outlive the gate; destroy the gate before the io_context (its
// retry timer lives there). Pending handlers refer to the gate, so they must never run
// after it is gone: stop the io_context first, as both servers do.
template <typename Acceptor>
class AcceptGate {
 public:
  using Socket = typename Acceptor::protocol_type::socket;
  using OnAccept = std::function<void(Socket)>;

  AcceptGate(Acceptor& acceptor, size_t max_connections, const char* component, OnAccept on_accept)
      : acceptor_(acceptor),
        retry_timer_(acceptor.get_executor()),
        max_connections_(max_connections),
        component_(component),
        on_accept_(std::move(on_accept)) {}

  AcceptGate(const AcceptGate&) = delete;
  AcceptGate& operator=(const AcceptGate&) = delete;

  // Starts accepting, with no connection open. The acceptor must be listening.
  void Start() {
    open_ = 0;
    accept_pending_ = false;
    MaybeAccept();
  }

  // One connection handed to on_accept has ended; accepts again if it was at the cap.
  void Closed() {
    --open_;
    MaybeAccept();
  }

  // Connections handed to on_accept and not yet Closed().
  size_t open() const { return open_; }

 private:
  void MaybeAccept() {
    if (accept_pending_) return;
    if (open_ >= max_connections_) return LogLimitReached();
    Accept();
  }

  void Accept() {
    accept_pending_ = true;
    acceptor_.async_accept([this](const boost::system::error_code& ec, Socket socket) {
      if (ec == boost::asio::error::operation_aborted || !acceptor_.is_open()) return;
      if (ec) {
        // Out of descriptors or similar: try again shortly instead of spinning.
        Log(LogLevel::kWarning, component_, "accept failed", {{"error", ec.message()}});
        retry_timer_.expires_after(std::chrono::milliseconds(100));
        retry_timer_.async_wait([this](const boost::system::error_code& wait_ec) {
          accept_pending_ = false;
          if (!wait_ec) MaybeAccept();
        });
        return;
      }
      accept_pending_ = false;
      ++open_;
      on_accept_(std::move(socket));
      MaybeAccept();
    });
  }

  // At most once a minute: a client that keeps the server full would flood the log.
  void LogLimitReached() {
    const auto now = std::chrono::steady_clock::now();
    if (last_limit_log_ != std::chrono::steady_clock::time_point{} &&
        now - last_limit_log_ < std::chrono::minutes(1)) {
      return;
    }
    last_limit_log_ = now;
    Log(LogLevel::kWarning, component_, "connection limit reached; new clients wait",
        {{"limit", std::to_string(max_connections_)}});
  }

  Acceptor& acceptor_;
  boost::asio::steady_timer retry_timer_;
  const size_t max_connections_;
  const char* const component_;
  const OnAccept on_accept_;
  size_t open_ = 0;
  bool accept_pending_ = false;  // an async_accept or its retry wait is outstanding
  std::chrono::steady_clock::time_point last_limit_log_{};
};

}  // namespace nxt::reconciler

#endif  // NXT_RECONCILER_ACCEPT_GATE_H_
