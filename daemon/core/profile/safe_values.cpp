#include "profile/safe_values.hpp"

#include <cmath>

namespace chaird {

double safe_target(const ActuatorSpec& a, double current) {
  return a.goes_to_safe_value() ? a.safe_value : current;
}

std::vector<double> safe_values(const ChairModel& chair, std::span<const double> current) {
  std::vector<double> out(current.begin(), current.end());
  for (const auto& a : chair.actuators()) {
    const auto i = static_cast<std::size_t>(a.index);
    out[i] = safe_target(a, current[i]);
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

}  // namespace chaird
