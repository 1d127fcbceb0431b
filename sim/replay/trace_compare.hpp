// A replay against its golden trace, as a regression test reads it: the first place, in chair
// time, where the run went somewhere the golden run did not. Values are compared as
// sample-and-hold series within a tolerance per actuator kind, and a small shift in time is no
// difference (the simulator's rounding, a scheduler that ran a tick later).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "replay/replay_trace.hpp"

namespace chaird::sim {

// How far apart run and golden may be and still agree; a value tolerance per actuator kind.
struct TraceTolerances {
  std::int64_t time_ms = 50;
  double position = 2.0;     // mm
  double speed = 5.0;        // rpm
  double pressure = 0.5;     // kPa
  double temperature = 0.5;  // °C
  double level = 0.05;       // a fraction of full
};

struct TraceDifference {
  std::int64_t chair_ms;
  // One line a person reads: "airbag.calf measured 20.00 kPa, golden 12.00 kPa (tolerance 0.50)".
  std::string what;
};

// The kind's tolerance; an unknown kind has none (its values must agree exactly).
double tolerance_for(const TraceTolerances& tolerances, const std::string& kind);

// Nothing when run agrees with golden, or else the earliest difference in chair time:
//  - the actuator lists (ids, in order) differ: at chair_ms 0;
//  - at a chair_ms where either trace has a sample of an actuator, one trace's commanded or
//    measured value there is not within the kind's tolerance of the other's at any time within
//    ±time_ms (checked both ways, so a spike that one trace lacks is found);
//  - the events' (kind, actuator) sequences differ, or a matching pair is more than time_ms
//    apart (texts are not compared);
//  - the end_ms values are more than time_ms apart.
std::optional<TraceDifference> compare_traces(const ReplayTrace& run, const ReplayTrace& golden,
                                              const TraceTolerances& tolerances);

}  // namespace chaird::sim
