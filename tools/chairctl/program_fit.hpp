// How a program fits a chair, as `chairctl lint` sums it up for a chair maker: it runs as
// written, it runs with changes (what each technique or the governor changed for this chair),
// or it is refused (the first reason, and library programs with the same focus that run here).
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

#include "library/program_checker.hpp"

namespace chairctl {

enum class Fit { kAsWritten, kWithChanges, kRefused };

struct ProgramFit {
  std::string label;  // the program's id, or its file when it has none
  std::vector<std::string> focus_areas;
  Fit fit = Fit::kAsWritten;
  std::vector<std::string> changes;  // "step 'x': ...", each once
  std::string reason;                // the first problem, when refused
  std::size_t problems = 0;          // errors in all, when refused
};

// program is null when the file could not be read as a program.
ProgramFit assess_fit(const std::string& file, const chaird::ProgramRef& program,
                      const chaird::Expected<chaird::CheckedProgram, chaird::Diagnostics>& checked);

// Programs of the library that run on the chair and share a focus area with the refused one,
// most shared areas first, then by label; at most max_count, never the refused one itself.
std::vector<std::string> alternatives_for(const ProgramFit& refused,
                                          const std::vector<ProgramFit>& library,
                                          std::size_t max_count = 3);

// "on chair 'x' (Name):" and a paragraph per program. library is consulted for refused ones.
void print_fit_summary(const chaird::ChairModel& chair, const std::vector<ProgramFit>& fits,
                       const std::vector<ProgramFit>& library, std::ostream& out);

}  // namespace chairctl
