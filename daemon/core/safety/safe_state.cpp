#include "safety/safe_state.hpp"

#include <algorithm>
#include <cmath>

#include "timeline/motion_profile.hpp"

namespace chaird {

std::int64_t append_ramp_to_safe(Timeline& tl, const ActuatorSpec& a, double from,
                                 std::int64_t start_ms, std::int64_t min_ramp_ms) {
  const double to = safe_target(a, from);
  if (std::abs(from - to) < 1e-9) return 0;
  std::int64_t ramp_ms = std::max(min_travel_ms(from - to, a.max_rate, a.max_accel), min_ramp_ms);
  ramp_ms = std::max<std::int64_t>(10, (ramp_ms + 9) / 10 * 10);  // on the 10 ms grid
  std::int64_t prev = 0;
  for (const auto& p : trapezoid_move(from, to, ramp_ms, a.max_accel)) {
    tl.commands.push_back(
        {start_ms + prev, start_ms + p.at_ms, a.index, -1, p.value, CommandSource::kSafety});
    prev = p.at_ms;
  }
  return ramp_ms;
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
    // A travel motor gets no command: the Cancel before the cool-down halted it where it can
    // brake. `from` is only the board's last report, taken before the Cancel reached it (a
    // link's telemetry is up to a frame old), and holding it there would send a moving roller
    // back by what it travelled since, while the cool-down retracts it.
    if (!a.goes_to_safe_value()) continue;
    // Motors spin down over most of the cool-down instead of at their fastest rate.
    const bool motor = a.kind == chair::v1::SPEED || a.kind == chair::v1::LEVEL;
    end = std::max(end, append_ramp_to_safe(tl, a, from, 0, motor ? cooldown_ms / 2 : 0));
  }
  std::stable_sort(tl.commands.begin(), tl.commands.end(), [](const auto& x, const auto& y) {
    return x.start_ms != y.start_ms ? x.start_ms < y.start_ms : x.actuator < y.actuator;
  });
  tl.duration_ms = end;
  return tl;
}

}  // namespace chaird
