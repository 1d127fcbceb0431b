#include "planner/sitter_adaptation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>

namespace chaird {
namespace {

struct Interval {
  std::int64_t from_ms = 0;
  std::int64_t to_ms = 0;
};

std::string label(const ExpandedStep& s) {
  return fmt::format("'{}' ({} on {})", s.name, s.step->technique(), s.step->zone());
}

// Removes the time of skipped steps that nothing else runs alongside; returns, for each skipped
// step, whether its time was removed.
std::vector<bool> shorten(ExpandedProgram& expanded, const std::vector<ExpandedStep>& skipped) {
  std::vector<bool> removed(skipped.size(), false);
  // Merged stretches of skipped time, latest first, so that removing one moves only what lies
  // after it.
  std::vector<Interval> stretches;
  for (const auto& s : skipped) stretches.push_back({s.start_ms, s.end_ms});
  std::sort(stretches.begin(), stretches.end(),
            [](const Interval& a, const Interval& b) { return a.from_ms < b.from_ms; });
  std::vector<Interval> merged;
  for (const auto& i : stretches) {
    if (!merged.empty() && i.from_ms <= merged.back().to_ms)
      merged.back().to_ms = std::max(merged.back().to_ms, i.to_ms);
    else
      merged.push_back(i);
  }
  std::vector<Interval> cut;
  for (auto it = merged.rbegin(); it != merged.rend(); ++it) {
    const bool alongside = std::any_of(
        expanded.steps.begin(), expanded.steps.end(),
        [&](const ExpandedStep& s) { return s.start_ms < it->to_ms && s.end_ms > it->from_ms; });
    if (alongside) continue;
    const std::int64_t length = it->to_ms - it->from_ms;
    for (auto& s : expanded.steps) {
      if (s.start_ms >= it->to_ms) {
        s.start_ms -= length;
        s.end_ms -= length;
        if (s.phase_start_ms >= it->to_ms) s.phase_start_ms -= length;
      }
    }
    expanded.duration_ms -= length;
    cut.push_back(*it);
  }
  for (std::size_t k = 0; k < skipped.size(); ++k) {
    removed[k] = std::any_of(cut.begin(), cut.end(), [&](const Interval& i) {
      return skipped[k].start_ms >= i.from_ms && skipped[k].end_ms <= i.to_ms;
    });
  }
  return removed;
}

}  // namespace

void apply_sitter_rules(ExpandedProgram& expanded, const SitterRules& rules,
                        const TechniqueCatalog& catalog, Diagnostics& d,
                        std::vector<std::string>& changes, std::vector<GentleFill>& fills) {
  if (rules.empty()) return;
  if (const ConditionRule* r = rules.program_refusal()) {
    d.error({}, fmt::format("the program must not run for this sitter: {}", r->because()));
    return;
  }
  std::vector<ExpandedStep> kept;
  std::vector<ExpandedStep> to_shorten;
  std::vector<const ConditionRule*> shorten_rules;
  std::vector<std::pair<ExpandedStep, const ConditionRule*>> to_fill;
  for (auto& s : expanded.steps) {
    const std::string& technique = s.step->technique();
    const std::string& zone = s.step->zone();
    if (const ConditionRule* r = rules.step_refusal(technique, zone)) {
      d.error(s.where.self(),
              fmt::format("step {} must not run for this sitter: {}", label(s), r->because()));
      continue;
    }
    const ConditionRule* skip = rules.skip_of(technique, zone);
    if (skip == nullptr) {
      kept.push_back(std::move(s));
      continue;
    }
    switch (skip->gap) {
      case SkipGap::kRest:
        changes.push_back(
            fmt::format("step {} skipped; the chair rests there ({})", label(s), skip->because()));
        break;
      case SkipGap::kShorten:
        to_shorten.push_back(s);
        shorten_rules.push_back(skip);
        break;
      case SkipGap::kGentle:
        to_fill.emplace_back(s, skip);
        break;
    }
  }
  if (d.has_errors()) return;
  expanded.steps = std::move(kept);

  // Gentle work in the gaps: steps of their own, owned by a source the plan keeps.
  if (!to_fill.empty()) {
    auto source = std::make_shared<ProgramSource>();
    auto* track = source->program.add_phases()->add_tracks();
    for (const auto& [s, rule] : to_fill) {
      auto* step = track->add_items()->mutable_step();
      step->set_name(fmt::format("gentle fill for {}", s.name));
      step->set_technique(rule->fill_technique);
      step->set_zone(rule->fill_zone.empty() ? s.step->zone() : rule->fill_zone);
      step->set_duration_ms(s.end_ms - s.start_ms);
      step->set_intensity(rule->fill_intensity);
      // A chair that cannot do the fill rests instead.
      step->set_skip_if_chair_lacks(true);
    }
    for (std::size_t k = 0; k < to_fill.size(); ++k) {
      const auto& [s, rule] = to_fill[k];
      const chair::v1::Step& fill = track->items(static_cast<int>(k)).step();
      if (catalog.find(fill.technique()) == nullptr) {
        changes.push_back(
            fmt::format("step {} skipped; the chair rests there, as the gentle "
                        "fill's technique '{}' is not loaded ({})",
                        label(s), fill.technique(), rule->because()));
        continue;
      }
      // The fill itself must be allowed: the rules may skip or refuse it too.
      if (rules.step_refusal(fill.technique(), fill.zone()) != nullptr ||
          rules.skip_of(fill.technique(), fill.zone()) != nullptr) {
        changes.push_back(
            fmt::format("step {} skipped; the chair rests there, as the gentle "
                        "fill is ruled out too ({})",
                        label(s), rule->because()));
        continue;
      }
      ExpandedStep e = s;
      e.step = &fill;
      e.name = fill.name();
      e.max_intensity = fill.intensity();  // gentle whatever the sitter's own scaling
      expanded.steps.push_back(std::move(e));
      fills.push_back(
          {&fill,
           fmt::format("step {} replaced by gentle {} on {} at intensity {:g} at most ({})",
                       label(s), fill.technique(), fill.zone(), fill.intensity(), rule->because()),
           fmt::format("step {} skipped; the chair rests there, as the gentle {} on {} cannot "
                       "run on this chair or alongside the other work ({})",
                       label(s), fill.technique(), fill.zone(), rule->because())});
    }
    expanded.sources.push_back(std::move(source));
  }

  if (!to_shorten.empty()) {
    const auto removed = shorten(expanded, to_shorten);
    for (std::size_t k = 0; k < to_shorten.size(); ++k) {
      changes.push_back(
          removed[k] ? fmt::format("step {} skipped; the session is {} s shorter ({})",
                                   label(to_shorten[k]),
                                   (to_shorten[k].end_ms - to_shorten[k].start_ms) / 1000,
                                   shorten_rules[k]->because())
                     : fmt::format("step {} skipped; the chair rests there, as other work runs "
                                   "alongside ({})",
                                   label(to_shorten[k]), shorten_rules[k]->because()));
    }
  }
}

}  // namespace chaird
