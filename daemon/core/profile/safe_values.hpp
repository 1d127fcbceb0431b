// Where each actuator rests in the safe state: airbags vented, heaters off, roller retracted to
// minimum depth, motors spun down, travel motors halted where they are. Defined once, from the
// chair profile, and used by the safety governor's endings, the cool-down and the board itself.
#pragma once

#include <span>
#include <vector>

#include "profile/chair_model.hpp"

namespace chaird {

// Where one actuator must be in the safe state, coming from current: its safe value (vented,
// off, retracted, spun down), or for a travel motor (HALT_IN_PLACE) where it is now.
double safe_target(const ActuatorSpec& a, double current);

// safe_target for every actuator.
std::vector<double> safe_values(const ChairModel& chair, std::span<const double> current);

// True when every actuator that has a safe value is within tolerance of it.
bool is_safe(const ChairModel& chair, std::span<const double> values);

}  // namespace chaird
