#include "timeline/timeline.hpp"

namespace chaird {

std::vector<double> Timeline::targets_at(std::int64_t t_ms) const {
  std::vector<double> values = initial_values;
  for (const auto& c : commands) {
    if (c.start_ms > t_ms) break;
    const auto i = static_cast<std::size_t>(c.actuator);
    if (c.reach_ms <= t_ms || c.reach_ms == c.start_ms) {
      values[i] = c.value;
    } else {
      // Commands on one actuator never overlap, so values[i] is where this ramp began.
      const double f =
          static_cast<double>(t_ms - c.start_ms) / static_cast<double>(c.reach_ms - c.start_ms);
      values[i] += (c.value - values[i]) * f;
    }
  }
  return values;
}

}  // namespace chaird
