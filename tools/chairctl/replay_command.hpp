// `chairctl replay`: the engineer's replay bench (docs/simulator.md). Plans a program as chaird
// would, plays it to the chair model in virtual time with the faults of a scenario, and writes
// the trace (CSV and JSONL), a plot (SVG) and a summary; or compares the run with a golden trace.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

#include "offline_tools.hpp"
#include "replay/trace_compare.hpp"

namespace chairctl {

struct ReplayRequest {
  std::string program;  // a program file, or the id of a program in the library
  std::string faults;   // a fault scenario file, or empty
  std::string out_dir;  // empty: replay-<program id> in the working directory
  std::string compare;  // a golden trace, or empty
  std::string scan;     // "shoulder_mm=420,height_cm=172", or empty
  chaird::PlanOptions plan;
  chaird::sim::TraceTolerances tolerances;
};

// 0: replayed (and, with compare, the same as the golden trace); 1: a difference, or the program
// or scenario cannot run; 2: a setup or file problem.
int run_replay(const OfflineSetup& setup, ReplayRequest request, std::ostream& out,
               std::ostream& err);

}  // namespace chairctl
