#include "program_fit.hpp"

#include <algorithm>
#include <filesystem>
#include <ostream>

namespace chairctl {
namespace {

using namespace chaird;

void add_once(std::vector<std::string>& list, std::string item) {
  if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(std::move(item));
}

std::size_t shared_areas(const ProgramFit& a, const ProgramFit& b) {
  std::size_t n = 0;
  for (const auto& area : a.focus_areas) {
    if (std::find(b.focus_areas.begin(), b.focus_areas.end(), area) != b.focus_areas.end()) ++n;
  }
  return n;
}

}  // namespace

ProgramFit assess_fit(const std::string& file, const ProgramRef& program,
                      const Expected<CheckedProgram, Diagnostics>& checked) {
  ProgramFit fit;
  fit.label = program && !program->id().empty() ? program->id()
                                                : std::filesystem::path(file).filename().string();
  if (program) {
    const auto& areas = program->program.metadata().focus_areas();
    fit.focus_areas.assign(areas.begin(), areas.end());
  }
  if (!checked) {
    fit.fit = Fit::kRefused;
    fit.problems = checked.error().error_count();
    Diagnostics sorted = checked.error();
    sorted.sort();
    for (const auto& item : sorted.items()) {
      if (item.severity == Severity::kError) {
        fit.reason = item.message;
        break;
      }
    }
    return fit;
  }
  // What the techniques adapted and the steps skipped (a repeated step once), then the governor.
  for (const auto& w : checked->plan->warnings.items()) add_once(fit.changes, w.message);
  for (const auto& a : checked->governed->adaptations()) add_once(fit.changes, "governor: " + a);
  fit.fit = fit.changes.empty() ? Fit::kAsWritten : Fit::kWithChanges;
  return fit;
}

std::vector<std::string> alternatives_for(const ProgramFit& refused,
                                          const std::vector<ProgramFit>& library,
                                          std::size_t max_count) {
  std::vector<const ProgramFit*> runs;
  for (const auto& p : library) {
    if (p.fit != Fit::kRefused && p.label != refused.label && shared_areas(refused, p) > 0)
      runs.push_back(&p);
  }
  std::sort(runs.begin(), runs.end(), [&](const ProgramFit* a, const ProgramFit* b) {
    const std::size_t sa = shared_areas(refused, *a);
    const std::size_t sb = shared_areas(refused, *b);
    return sa != sb ? sa > sb : a->label < b->label;
  });
  std::vector<std::string> out;
  for (const ProgramFit* p : runs) {
    if (out.size() == max_count) break;
    out.push_back(p->label);
  }
  return out;
}

void print_fit_summary(const ChairModel& chair, const std::vector<ProgramFit>& fits,
                       const std::vector<ProgramFit>& library, std::ostream& out) {
  out << "on chair '" << chair.profile().id() << "' (" << chair.profile().name() << "):\n";
  for (const auto& f : fits) {
    switch (f.fit) {
      case Fit::kAsWritten:
        out << "  " << f.label << ": runs as written\n";
        break;
      case Fit::kWithChanges:
        out << "  " << f.label << ": runs with changes\n";
        for (const auto& c : f.changes) out << "    " << c << '\n';
        break;
      case Fit::kRefused: {
        out << "  " << f.label << ": refused: " << f.reason;
        if (f.problems > 1) out << " (and " << f.problems - 1 << " more)";
        out << '\n';
        const auto instead = alternatives_for(f, library);
        if (!instead.empty()) {
          out << "    instead, with the same focus:";
          for (std::size_t i = 0; i < instead.size(); ++i)
            out << (i == 0 ? " " : ", ") << instead[i];
          out << '\n';
        } else if (!f.focus_areas.empty()) {
          out << "    no program of the library with the same focus runs on this chair\n";
        }
        break;
      }
    }
  }
}

}  // namespace chairctl
