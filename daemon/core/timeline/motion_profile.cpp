#include "timeline/motion_profile.hpp"

#include <algorithm>
#include <cmath>

namespace chaird {
namespace {

// Accelerating and braking are each written as this many linear ramps, so that the change in
// speed from one ramp to the next stays within the acceleration limit.
constexpr int kPiecesPerRamp = 4;

}  // namespace

std::int64_t min_travel_ms(double distance, double max_rate, double max_accel) {
  distance = std::abs(distance);
  if (distance <= 1e-9 || max_rate <= 0.0) return 0;
  double seconds = 0.0;
  if (max_accel <= 0.0) {
    seconds = distance / max_rate;
  } else if (distance >= max_rate * max_rate / max_accel) {
    seconds = distance / max_rate + max_rate / max_accel;
  } else {
    seconds = 2.0 * std::sqrt(distance / max_accel);
  }
  return bounded_move_ms(std::ceil(seconds * 1000.0 - 1e-9));
}

std::int64_t bounded_move_ms(double whole_ms) {
  if (!(whole_ms < static_cast<double>(kLongestMoveMs))) return kLongestMoveMs;
  return whole_ms > 0.0 ? static_cast<std::int64_t>(whole_ms) : 0;
}

std::vector<RampPoint> trapezoid_move(double from, double to, std::int64_t duration_ms,
                                      double max_accel) {
  std::vector<RampPoint> points;
  const double distance = std::abs(to - from);
  const double sign = to >= from ? 1.0 : -1.0;
  const double total_s = static_cast<double>(duration_ms) / 1000.0;
  if (duration_ms <= 0 || distance <= 1e-9) {
    points.push_back({std::max<std::int64_t>(duration_ms, 0), to});
    return points;
  }
  if (max_accel <= 0.0) {
    points.push_back({duration_ms, to});
    return points;
  }
  // Cruise speed that makes the move take exactly total_s with this acceleration:
  // distance = v * (T - v / a)  =>  v = (a T - sqrt(a^2 T^2 - 4 a d)) / 2.
  const double a = max_accel;
  const double disc = std::max(0.0, a * a * total_s * total_s - 4.0 * a * distance);
  const double v = (a * total_s - std::sqrt(disc)) / 2.0;
  const double ramp_s = v / a;
  auto position = [&](double t) {
    double s = 0.0;
    if (t <= ramp_s) {
      s = 0.5 * a * t * t;
    } else if (t <= total_s - ramp_s) {
      s = 0.5 * a * ramp_s * ramp_s + v * (t - ramp_s);
    } else {
      const double left = total_s - t;
      s = distance - 0.5 * a * left * left;
    }
    return from + sign * std::clamp(s, 0.0, distance);
  };
  std::vector<double> times;
  for (int i = 1; i <= kPiecesPerRamp; ++i) times.push_back(ramp_s * i / kPiecesPerRamp);
  for (int i = kPiecesPerRamp - 1; i >= 0; --i)
    times.push_back(total_s - ramp_s * i / kPiecesPerRamp);
  std::int64_t last_ms = 0;
  for (double t : times) {
    const auto ms = std::clamp<std::int64_t>(std::llround(t * 1000.0), 0, duration_ms);
    if (ms <= last_ms && ms != duration_ms) continue;
    if (ms == last_ms && !points.empty()) {
      points.back().value = position(t);
      continue;
    }
    points.push_back({ms, ms == duration_ms ? to : position(static_cast<double>(ms) / 1000.0)});
    last_ms = ms;
  }
  if (points.empty() || points.back().at_ms != duration_ms) points.push_back({duration_ms, to});
  points.back().value = to;
  return points;
}

}  // namespace chaird
