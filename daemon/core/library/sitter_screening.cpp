#include "library/sitter_screening.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace chaird {
namespace {

constexpr double kWrittenIntensityDefault = 0.5;  // a step that gives none (docs/programs.md)

void add_once(std::vector<const ConditionRule*>& list, const ConditionRule* r) {
  if (r != nullptr && std::find(list.begin(), list.end(), r) == list.end()) list.push_back(r);
}

void add_once(std::vector<std::string>& list, std::string line) {
  if (std::find(list.begin(), list.end(), line) == list.end()) list.push_back(std::move(line));
}

}  // namespace

std::vector<std::string> program_ids(const ProgramRef& program, const ProgramResolver& resolver) {
  Diagnostics ignored;  // the library checked the program when it was loaded
  std::vector<std::string> ids{program->id()};
  const auto known = [&ids](const std::string& id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
  };
  std::vector<std::string> copied_from;
  const auto add_sources = [&](const ProgramRef& p) {
    for (const auto& source : expand_program(p, resolver, {}, ignored).sources) {
      if (!known(source->id())) ids.push_back(source->id());
      for (const auto& phase : source->program.phases())
        if (!phase.from_program().empty()) copied_from.push_back(phase.from_program());
    }
  };
  add_sources(program);
  // A phase copied from a library program (a composed session) keeps that program's rules, and
  // those of what it includes or copied in turn, as far as the library still holds them.
  while (!copied_from.empty()) {
    const std::string id = copied_from.back();
    copied_from.pop_back();
    if (known(id)) continue;
    ids.push_back(id);
    if (ProgramRef source = resolver ? resolver(id) : nullptr) add_sources(source);
  }
  return ids;
}

std::vector<std::string> zones_worked(const ProgramRef& program, const ProgramResolver& resolver) {
  Diagnostics ignored;  // the library checked the program when it was loaded
  std::vector<std::string> zones;
  for (const auto& s : expand_program(program, resolver, {}, ignored).steps) {
    if (std::find(zones.begin(), zones.end(), s.step->zone()) == zones.end())
      zones.push_back(s.step->zone());
  }
  return zones;
}

SitterVerdict judge_for_sitter(const ProgramRef& program, const ProgramResolver& resolver,
                               const SitterRules& rules, const ChairModel& chair) {
  SitterVerdict verdict;
  if (rules.empty()) return verdict;
  add_once(verdict.refusals, rules.program_refusal());
  Diagnostics ignored;  // the library checked the program when it was loaded
  const ExpandedProgram expanded = expand_program(program, resolver, {}, ignored);
  Timeline outline;  // the steps' techniques and zones, for the caps on the body
  bool any_left = expanded.steps.empty();
  for (const auto& s : expanded.steps) {
    const std::string& technique = s.step->technique();
    const std::string& zone = s.step->zone();
    add_once(verdict.refusals, rules.step_refusal(technique, zone));
    if (const ConditionRule* skip = rules.skip_of(technique, zone)) {
      add_once(verdict.changes,
               fmt::format("skips {} on {} ({})", technique, zone, skip->because()));
      any_left = any_left || skip->gap == SkipGap::kGentle;
      continue;
    }
    any_left = true;
    const double written = s.step->has_intensity() ? s.step->intensity() : kWrittenIntensityDefault;
    if (auto cap = rules.intensity_cap(technique, zone); cap && written > cap->value) {
      add_once(verdict.changes, fmt::format("{} on {} at intensity {:g} at most ({})", technique,
                                            zone, cap->value, cap->rule->because()));
    }
    if (auto cap = rules.tempo_cap(technique, zone);
        cap && s.step->has_tempo_cpm() && s.step->tempo_cpm() > cap->value) {
      add_once(verdict.changes, fmt::format("{} on {} at {:g} cpm at most ({})", technique, zone,
                                            cap->value, cap->rule->because()));
    }
    TimelineStep t;
    t.technique = technique;
    t.zone = zone;
    outline.steps.push_back(std::move(t));
  }
  for (auto& line : describe_body_caps(rules, outline, chair)) add_once(verdict.changes, line);
  verdict.nothing_left = !any_left;
  return verdict;
}

}  // namespace chaird
