// The planner: program + chair + techniques + session options -> one timeline.
//
// For each step, in time order, it asks the step's technique (a plugin) for setpoints, checks
// them (declared actuators only, finite, in range, inside the step, at rest at its end, the
// roller inside its zone), inserts the travel to the step's start pose within the chair's
// speed and acceleration, and detects two steps driving one actuator at once. The output is
// deterministic: the same inputs give the same timeline, byte for byte.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include "common/diagnostic.hpp"
#include "common/expected.hpp"
#include "planner/body_model.hpp"
#include "planner/program_expander.hpp"
#include "planner/step_binder.hpp"
#include "plugin_host/plugin_call_guard.hpp"
#include "plugin_host/technique_catalog.hpp"
#include "profile/chair_model.hpp"
#include "timeline/timeline.hpp"

namespace chaird {

struct PlanOptions {
  SessionScaling scaling;
  BodyInput body;
  // Where the chair is when the session starts (telemetry); empty means every actuator at home.
  std::vector<double> initial_values;
  // What the session's options change for this sitter and why (their feedback softening a
  // zone): reported first among the plan's adaptations.
  std::vector<std::string> notes;
};

struct PlannerLimits {
  ExpansionLimits expansion;
  // A step keeps at least this long for its technique after travelling to its start pose.
  std::int64_t min_technique_ms = 1000;
  // More setpoints than this from one step is a misbehaving plugin.
  std::size_t max_setpoints_per_step = 100000;
  // How far outside its zone a technique may put the roller, mm.
  double zone_margin_mm = 30.0;
};

struct Plan {
  Timeline timeline;
  // The length the program's steps add up to as written, before the sitter's contraindication
  // rules shortened it.
  std::int64_t written_duration_ms = 0;
  // The lowest metadata.max_intensity_scale of the program and those it includes (1.5 unset):
  // the session's intensity_scale is held there, at the start and at every live adjustment.
  double max_intensity_scale = 1.5;
  // What the sitter asked for, before the hold: a live change of something else (speed, focus)
  // re-plans from it, so that the session goes on saying it holds the sitter's request.
  double asked_intensity_scale = 1.0;
  Diagnostics warnings;
  // What a re-plan needs.
  std::vector<BoundStep> steps;  // same order as timeline.steps
  std::vector<ProgramRef> sources;
  std::shared_ptr<const ChairModel> chair;
  std::shared_ptr<const TechniqueCatalog> catalog;
  std::optional<BodyModel> body;
  PlanOptions options;
};

// A manual session's change of technique or zone (AdjustSession): the step in progress ends
// where the change starts, once its ramps under way have finished, and this step plays the rest
// of the session, from where the chair is.
struct StepReplacement {
  ExpandedStep step;  // replan sets its start and end
  ProgramRef source;  // owns step.step
};

class Planner {
 public:
  explicit Planner(PlannerLimits limits = {}) : limits_(limits) {}

  // Every problem found is reported, not just the first. watch (may be null) times each
  // plugin call.
  Expected<std::shared_ptr<const Plan>, Diagnostics> plan(
      const ProgramRef& program, const ProgramResolver& resolver,
      const std::shared_ptr<const ChairModel>& chair,
      const std::shared_ptr<const TechniqueCatalog>& catalog, const PlanOptions& options,
      CallWatch* watch = nullptr) const;

  // Plans the rest of a running session from from_ms with new options (a live adjustment).
  // Commands that start before from_ms are kept as they are; the step in progress is planned
  // again for what is left of it. With a replacement, only one step may be left from from_ms on
  // (manual mode's), and the replacement takes its place.
  Expected<std::shared_ptr<const Plan>, Diagnostics> replan(
      const Plan& previous, std::int64_t from_ms, const PlanOptions& options,
      CallWatch* watch = nullptr, const StepReplacement* replacement = nullptr) const;

  const PlannerLimits& limits() const { return limits_; }

 private:
  PlannerLimits limits_;
};

}  // namespace chaird
