// One way to decide whether a program can run: used by the library at start-up, by
// `chairctl lint` and `chairctl plan`, and by StartSession. It checks the metadata, plans the
// program (plugins run under their time budget), passes the timeline through the safety
// governor and reports every problem found, each at file:line:column.
#pragma once

#include <chrono>
#include <memory>
#include <optional>

#include "common/diagnostic.hpp"
#include "common/expected.hpp"
#include "planner/planner.hpp"
#include "program/program_source.hpp"
#include "safety/safety_governor.hpp"

namespace chaird {

struct CheckedProgram {
  std::shared_ptr<const Plan> plan;
  std::shared_ptr<const GovernedTimeline> governed;
  Diagnostics warnings;
};

struct ProgramCheckContext {
  std::shared_ptr<const ChairModel> chair;
  std::shared_ptr<const TechniqueCatalog> catalog;
  const SafetyGovernor* governor = nullptr;
  ProgramResolver resolver;
  PlannerLimits limits;
  std::chrono::milliseconds plugin_budget{200};
};

// Metadata problems only (id, name, declared length, contraindication names, capabilities).
Diagnostics check_metadata(const ProgramSource& program, const ChairModel& chair);

// energy: what the chair's heaters and airbags did lately (StartSession), so that the governor
// counts it against the limits; empty for a program judged on its own (lint, the library).
// The program's own limits (metadata.limits, refused if looser than the chair's) and then the
// session's (session_limits, checked against the chair by the caller; the stricter value
// holds) tighten the chair it is planned and governed on.
Expected<CheckedProgram, Diagnostics> check_program(
    const ProgramRef& program, const ProgramCheckContext& context, const PlanOptions& options = {},
    const EnergyHistory& energy = {}, const chair::v1::SafetyLimits& session_limits = {});

// A live adjustment's re-plan (Planner::replan) of the rest of a session from from_ms, with
// the techniques on a guarded thread as for a plan: a stuck plugin fails the adjustment, not
// chaird. Not governed: the caller reviews the result against the session's governor. A manual
// session's change of technique or zone comes as a replacement.
Expected<std::shared_ptr<const Plan>, Diagnostics> replan_rest(
    const std::shared_ptr<const Plan>& previous, std::int64_t from_ms, const PlanOptions& options,
    const PlannerLimits& limits, std::chrono::milliseconds plugin_budget,
    std::optional<StepReplacement> replacement = std::nullopt);

}  // namespace chaird
