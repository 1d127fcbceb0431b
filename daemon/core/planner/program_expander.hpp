// Unrolls a program into step instances with their times: phases one after another, tracks of
// a phase side by side, repeats expanded, included programs inserted. Enforces the limits that
// keep a hostile or mistaken file from costing unbounded time or memory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/diagnostic.hpp"
#include "common/time_bound.hpp"
#include "program/program_source.hpp"

namespace chaird {

struct ExpansionLimits {
  int max_repeat_depth = 4;
  std::uint32_t max_repeat_count = 1000;
  std::size_t max_steps = 5000;
  int max_include_depth = 4;
  std::int64_t max_step_ms = std::int64_t{30} * 60 * 1000;
  // How far into its phase a step may start: a day, far past any session, and small enough
  // that the sums of starts and durations stay far from overflowing.
  std::int64_t max_start_ms = kDayMs;
  // Phase, track and step names, techniques and zones: each is copied into every step it names.
  std::size_t max_name_bytes = 80;
};

struct ExpandedStep {
  const chair::v1::Step* step = nullptr;  // owned by one of ExpandedProgram::sources
  Locator where;
  std::string name;  // the step's name, or technique@zone, with the repeat round
  std::string phase;
  std::int64_t phase_start_ms = 0;  // where the phase begins, for times told as written
  std::string track;
  std::int64_t start_ms = 0;
  std::int64_t end_ms = 0;
  // The most intensity the technique may be told, whatever the session's scaling (a gentle
  // fill a contraindication rule puts in a skipped step's place); 0: no cap.
  double max_intensity = 0.0;
};

struct ExpandedProgram {
  std::vector<ExpandedStep> steps;  // in expansion order (track by track)
  std::vector<ProgramRef> sources;  // the program and everything it includes
  std::int64_t duration_ms = 0;
};

// Every problem found is added to diagnostics; steps with problems are left out.
ExpandedProgram expand_program(const ProgramRef& program, const ProgramResolver& resolver,
                               const ExpansionLimits& limits, Diagnostics& diagnostics);

std::string phase_label(const chair::v1::Phase& phase);
std::string track_label(const chair::v1::Track& track);

}  // namespace chaird
