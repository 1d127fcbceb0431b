// A replay trace drawn for a person: one lane per actuator group (in the order the groups first
// appear among the actuators), each actuator normalised to its [min, max] in its lane, measured
// solid and commanded dashed; step starts as labelled vertical lines, injected faults, board
// faults and trips as red markers, the safe state shaded, chair time in m:ss along the bottom.
// Long series are cut to at most kMaxPlotPoints per line, keeping each bucket's minimum and
// maximum, so that a 30-minute trace stays a few MB and a short spike still shows.
#pragma once

#include <cstddef>
#include <string>

#include "replay/replay_trace.hpp"

namespace chaird::sim {

inline constexpr std::size_t kMaxPlotPoints = 1500;

// A standalone SVG document (it starts with "<svg"); the same trace gives the same bytes.
std::string render_trace_svg(const ReplayTrace& trace);

}  // namespace chaird::sim
