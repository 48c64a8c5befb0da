#include "common/clock.h"

namespace nxt {

RealClock& RealClock::Get() {
  static RealClock* clock = new RealClock();  // never destroyed: used by detached threads
  return *clock;
}

}  // namespace nxt
