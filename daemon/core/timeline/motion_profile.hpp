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

// The points of a move from one value to another that takes exactly duration_ms, starting and
// ending at rest; duration_ms must be at least min_travel_ms. The first point is at 0 ms
// (the start value is not repeated); the last is {duration_ms, to}.
std::vector<RampPoint> trapezoid_move(double from, double to, std::int64_t duration_ms,
                                      double max_accel);

}  // namespace chaird
