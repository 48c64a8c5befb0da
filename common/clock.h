// Time is injected: everything that waits or stamps reads a Clock.
#ifndef NXT_COMMON_CLOCK_H_
#define NXT_COMMON_CLOCK_H_

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace nxt {

// A source of the current time. Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

// The wall clock. Stateless; one instance can be shared by everything.
class RealClock : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
  static RealClock& Get();
};

}  // namespace nxt

#endif  // NXT_COMMON_CLOCK_H_
