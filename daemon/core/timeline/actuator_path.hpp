// An actuator's path through a timeline: where each ramp starts and ends, holding between.
// The governor checks limits along it; lint's review reads what the chair does along it.
#pragma once

#include <cstdint>
#include <vector>

#include "timeline/timeline.hpp"

namespace chaird {

struct PathKnot {
  std::int64_t at_ms = 0;
  double value = 0.0;
};

// cmds: the actuator's commands in time order (a subset of tl.commands).
std::vector<PathKnot> path_of(const Timeline& tl, ActuatorIndex a,
                              const std::vector<const TimelineCommand*>& cmds);
// Every command of actuator a in tl.
std::vector<PathKnot> path_of(const Timeline& tl, ActuatorIndex a);

// Where the path is at t_ms (linear along a ramp).
double value_on(const std::vector<PathKnot>& path, std::int64_t t_ms);

}  // namespace chaird
