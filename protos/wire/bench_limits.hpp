// What one SimBench call may ask, shared by the service that enforces it and the clients that
// split a longer request into calls (chairctl advance, the integration tests' helper).
#pragma once

#include <cstdint>

namespace chaird::wire {

// The most chair time one AdvanceClock call moves: a chair that cannot come to rest (axes awake
// past the board's watchdog) costs far more per millisecond than an idle one, and an hour of it
// outlived a client's deadline. More time is more calls.
inline constexpr std::int64_t kMostAdvanceClockMs = 300'000;

}  // namespace chaird::wire
