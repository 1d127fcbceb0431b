// Travel between steps that keeps within an actuator's maximum speed and acceleration:
// a trapezoidal speed profile (accelerate, cruise, brake), written as short linear ramps.
#pragma once

#include <cstdint>
#include <vector>

namespace chaird {

struct RampPoint {
  std::int64_t at_ms = 0;  // from the start of the move
  double value = 0.0;
};

// Shortest time (ms, rounded up) to travel distance with this speed and acceleration limit
// (max_accel 0 means unlimited acceleration, max_rate 0 means instant).
std::int64_t min_travel_ms(double distance, double max_rate, double max_accel);

// The longest move: a year. A longer one comes from a value no actuator reaches (a board's
// garbage, a speed limit of next to nothing), and its time must still be a number to add to.
inline constexpr std::int64_t kLongestMoveMs = std::int64_t{365} * 24 * 60 * 60 * 1000;

// A time in whole milliseconds (already rounded) as an integer, from 0 to kLongestMoveMs (NaN:
// the longest); casting a double past int64_t's range is undefined.
std::int64_t bounded_move_ms(double whole_ms);

// The points of a move from one value to another that takes exactly duration_ms, starting and
// ending at rest; duration_ms must be at least min_travel_ms. The first point is at 0 ms
// (the start value is not repeated); the last is {duration_ms, to}.
std::vector<RampPoint> trapezoid_move(double from, double to, std::int64_t duration_ms,
                                      double max_accel);

}  // namespace chaird
