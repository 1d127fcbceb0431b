#include "safety/safe_state.hpp"

#include <algorithm>
#include <cmath>

#include "planner/motion_profile.hpp"

namespace chaird {

std::vector<double> safe_values(const ChairModel& chair, std::span<const double> current) {
  std::vector<double> out(current.begin(), current.end());
  for (const auto& a : chair.actuators()) {
    if (a.goes_to_safe_value()) out[static_cast<std::size_t>(a.index)] = a.safe_value;
  }
  return out;
}

bool is_safe(const ChairModel& chair, std::span<const double> values) {
  for (const auto& a : chair.actuators()) {
    if (!a.goes_to_safe_value()) continue;
    const double tolerance = 0.01 * (a.max - a.min);
    if (std::abs(values[static_cast<std::size_t>(a.index)] - a.safe_value) > tolerance)
      return false;
  }
  return true;
}

Timeline cooldown_timeline(const ChairModel& chair, std::span<const double> current,
                           std::int64_t cooldown_ms) {
  Timeline tl;
  tl.program_id = "cool-down";
  tl.initial_values.assign(current.begin(), current.end());
  std::int64_t end = cooldown_ms;
  for (const auto& a : chair.actuators()) {
    const auto i = static_cast<std::size_t>(a.index);
    const double from = current[i];
    if (!a.goes_to_safe_value()) {
      // Halt: hold where it is (any ramp still queued on the board was cancelled).
      tl.commands.push_back({0, 0, a.index, -1, from, CommandSource::kSafety});
      continue;
    }
    if (std::abs(from - a.safe_value) < 1e-9) continue;
    std::int64_t ramp_ms = min_travel_ms(from - a.safe_value, a.max_rate, a.max_accel);
    // Motors spin down over most of the cool-down instead of at their fastest rate.
    if (a.kind == chair::v1::SPEED || a.kind == chair::v1::LEVEL) {
      ramp_ms = std::max(ramp_ms, cooldown_ms / 2);
    }
    ramp_ms = (ramp_ms + 9) / 10 * 10;
    std::int64_t prev = 0;
    for (const auto& p : trapezoid_move(from, a.safe_value, ramp_ms, a.max_accel)) {
      tl.commands.push_back({prev, p.at_ms, a.index, -1, p.value, CommandSource::kSafety});
      prev = p.at_ms;
    }
    end = std::max(end, ramp_ms);
  }
  std::stable_sort(tl.commands.begin(), tl.commands.end(), [](const auto& x, const auto& y) {
    return x.start_ms != y.start_ms ? x.start_ms < y.start_ms : x.actuator < y.actuator;
  });
  tl.duration_ms = end;
  return tl;
}

}  // namespace chaird
