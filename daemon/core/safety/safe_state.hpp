// Ramps into the safe state, for timelines: the governor's safe ending and a normal stop's
// cool-down. Where each actuator ends is profile/safe_values.hpp, the one definition the board
// uses too.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "profile/chair_model.hpp"
#include "profile/safe_values.hpp"
#include "timeline/timeline.hpp"

namespace chaird {

// Appends to tl the ramps that take actuator a from `from` to its safe target, starting at
// start_ms, as fast as its rate and acceleration allow but taking at least min_ramp_ms; returns
// how long they take (0 when a is already there).
std::int64_t append_ramp_to_safe(Timeline& tl, const ActuatorSpec& a, double from,
                                 std::int64_t start_ms, std::int64_t min_ramp_ms);

// A normal stop's cool-down: from the chair's current state (what the board steers to), spin motors
// down, vent, switch heat off and retract the roller within the actuators' rates. Travel motors
// are left where the bus's cancel_pending() halted them (it must come first). Takes at least cooldown_ms so that nothing is abrupt, and as
// long as the slowest actuator needs.
Timeline cooldown_timeline(const ChairModel& chair, std::span<const double> current,
                           std::int64_t cooldown_ms);

}  // namespace chaird
