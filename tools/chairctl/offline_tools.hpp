// `chairctl lint` and `chairctl plan`: the program checks chaird runs, on files, without a
// daemon. They load the same chair profile and the same plugins as chaird would.
#pragma once

#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "planner/planner.hpp"
#include "safety/safety_governor.hpp"

namespace chairctl {

struct OfflineSetup {
  std::string chair_path;
  std::vector<std::string> plugin_dirs;
  // Where include_program finds other programs (the files' own directories are added).
  std::vector<std::string> library_dirs;
  std::int64_t plugin_budget_ms = 200;
  // The contraindication rules lint's review counts as covering a condition (empty: none).
  std::string rules_path;
};

// --plugins replaces the shipped techniques' directory; a maker who meant to add theirs to them
// is told, with how to keep both.
void warn_if_shipped_techniques_left_out(const OfflineSetup& setup, const std::string& shipped_dir,
                                         std::ostream& err);

// Prints every problem as file:line:column: message; returns 1 when any file has errors.
int run_lint(const OfflineSetup& setup, const std::vector<std::string>& files, std::ostream& out,
             std::ostream& err);

enum class PlanFormat { kTable, kJson };
// Prints the governed timeline of one program; returns 1 (and the problems) when it cannot run.
int run_plan(const OfflineSetup& setup, const std::string& file, PlanFormat format,
             const chaird::PlanOptions& options, std::ostream& out, std::ostream& err);

// A program file planned and governed as chaird would, for the replay bench.
struct PlannedProgram {
  std::shared_ptr<const chaird::ChairModel> chair;
  std::shared_ptr<const chaird::SafetyGovernor> governor;
  std::shared_ptr<const chaird::GovernedTimeline> governed;
};
// Nothing (and the problems on err) when the program cannot run on the chair.
std::optional<PlannedProgram> plan_program_file(const OfflineSetup& setup, const std::string& file,
                                                const chaird::PlanOptions& options,
                                                std::ostream& err);

}  // namespace chairctl
