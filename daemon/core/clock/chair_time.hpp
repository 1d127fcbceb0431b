// Chair time: the one clock the core, the board and the simulator share. Core code never reads
// the wall clock; it asks a Clock. Production counts from daemon start on the steady clock;
// the simulator and tests count from zero in virtual time.
#pragma once

#include <chrono>
#include <cstdint>

namespace chaird {

struct ChairClockTag {};
using ChairDuration = std::chrono::microseconds;
using ChairTime = std::chrono::time_point<ChairClockTag, ChairDuration>;

inline constexpr ChairTime chair_time_from_ms(std::int64_t ms) {
  return ChairTime(std::chrono::milliseconds(ms));
}
inline constexpr std::int64_t to_ms(ChairTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
inline constexpr std::int64_t to_ms(ChairDuration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

class Clock {
 public:
  virtual ~Clock() = default;
  // Safe to call from any thread.
  virtual ChairTime now() const = 0;
};

}  // namespace chaird
