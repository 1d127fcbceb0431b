// The planner's output: one sorted list of timed actuator commands, each with its provenance.
// Times are ms from the start of the session; the executor turns them into chair time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/diagnostic.hpp"
#include "profile/chair_model.hpp"

namespace chaird {

enum class CommandSource : std::uint8_t {
  kTechnique,   // a plugin's setpoint
  kTransition,  // travel inserted by the planner to reach a step's start pose
  kSafety,      // added by the safety governor (safe state at the end, a stop's cool-down)
};

// Ramp actuator from its previous value, starting at start_ms, to value by reach_ms.
struct TimelineCommand {
  std::int64_t start_ms = 0;
  std::int64_t reach_ms = 0;
  ActuatorIndex actuator = -1;
  std::int32_t step = -1;  // index into Timeline::steps, -1 for commands of the governor
  double value = 0.0;
  CommandSource source = CommandSource::kTechnique;
};

// One step instance (repeats expanded) and where it came from.
struct TimelineStep {
  std::string name;
  std::string technique;
  std::string zone;
  std::string phase;
  std::string track;
  SourceLocation where;
  std::int64_t start_ms = 0;
  std::int64_t end_ms = 0;
  // Time taken out of the step's start to travel to its start pose.
  std::int64_t transition_ms = 0;
  double intensity = 0.0;
  double tempo_cpm = 0.0;
  std::vector<std::string> notes;  // what the technique adapted for this chair
};

// Where a body region lies on the roller track for this sitter, for the governor's roller depth
// limits (the planner places it from the scanned body).
struct BodyRegion {
  std::string name;
  double from_mm = 0.0;
  double to_mm = 0.0;
};

struct Timeline {
  std::string program_id;
  std::int64_t duration_ms = 0;
  std::vector<TimelineStep> steps;        // by start time
  std::vector<TimelineCommand> commands;  // by start time, then actuator
  std::vector<double> initial_values;     // each actuator at session start
  // The regions the chair's roller depth limits name, placed for this sitter. A region the
  // body has no room for on this track is left out.
  std::vector<BodyRegion> regions;
  // What was changed for this sitter, each with its reason: their feedback (zones softened)
  // and their health answers (contraindication rules: steps skipped or filled, work
  // softened); the governor reports them once it has checked the timeline against the rules.
  std::vector<std::string> condition_changes;

  // Where each actuator is headed at session time t_ms, from the commands alone.
  std::vector<double> targets_at(std::int64_t t_ms) const;
};

}  // namespace chaird
