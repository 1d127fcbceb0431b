// The safe state, defined once and used by stop, emergency stop, faults, shutdown, a lost lease
// and a lost board link: airbags vented, heaters off, roller retracted to minimum depth, every
// motor halted. The simulated board and the governor use the same definition.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "planner/timeline.hpp"
#include "profile/chair_model.hpp"

namespace chaird {

// Where one actuator must be in the safe state, coming from current: its safe value (vented,
// off, retracted, spun down), or for a travel motor (HALT_IN_PLACE) where it is now. The one
// definition the governor's safe ending, the cool-down and the simulated board all use.
double safe_target(const ActuatorSpec& a, double current);

// safe_target for every actuator.
std::vector<double> safe_values(const ChairModel& chair, std::span<const double> current);

// Appends to tl the ramps that take actuator a from `from` to its safe target, starting at
// start_ms, as fast as its rate and acceleration allow but taking at least min_ramp_ms; returns
// how long they take (0 when a is already there).
std::int64_t append_ramp_to_safe(Timeline& tl, const ActuatorSpec& a, double from,
                                 std::int64_t start_ms, std::int64_t min_ramp_ms);

// True when every actuator that has a safe value is within tolerance of it.
bool is_safe(const ChairModel& chair, std::span<const double> values);

// A normal stop's cool-down: from the chair's current state (what the board steers to), spin motors
// down, vent, switch heat off and retract the roller within the actuators' rates, and halt
// travel motors where they are. Takes at least cooldown_ms so that nothing is abrupt, and as
// long as the slowest actuator needs.
Timeline cooldown_timeline(const ChairModel& chair, std::span<const double> current,
                           std::int64_t cooldown_ms);

}  // namespace chaird
