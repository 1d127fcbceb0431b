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

// Where each actuator must be in the safe state: its safe value, or for travel motors
// (HALT_IN_PLACE) the value it has now.
std::vector<double> safe_values(const ChairModel& chair, std::span<const double> current);

// True when every actuator that has a safe value is within tolerance of it.
bool is_safe(const ChairModel& chair, std::span<const double> values);

// A normal stop's cool-down: from the chair's current state (what the board steers to), spin motors
// down, vent, switch heat off and retract the roller within the actuators' rates, and halt
// travel motors where they are. Takes at least cooldown_ms so that nothing is abrupt, and as
// long as the slowest actuator needs.
Timeline cooldown_timeline(const ChairModel& chair, std::span<const double> current,
                           std::int64_t cooldown_ms);

}  // namespace chaird
