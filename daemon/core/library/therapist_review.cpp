#include "library/therapist_review.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "common/duration_text.hpp"
#include "common/utf8_text.hpp"
#include "timeline/actuator_path.hpp"
#include "timeline/sitter_rules.hpp"

namespace chaird {
namespace {

constexpr std::string_view kLowerNeckDeep = "lower-neck-deep";
constexpr std::string_view kMidlineDeep = "midline-deep";
constexpr std::string_view kIntensityJump = "intensity-jump";
constexpr std::string_view kHeatUntilEnd = "heat-until-end";
constexpr std::string_view kHeatAfterWork = "heat-after-work";
constexpr std::string_view kContraindications = "contraindications";
constexpr std::string_view kGentleStaysGentle = "gentle-stays-gentle";
constexpr std::string_view kParkedRollers = "parked-rollers";
constexpr std::string_view kStrongestRefused = "strongest-refused";

// How often the rollers' path is read within a step, ms: a press lasts seconds.
constexpr std::int64_t kSampleMs = 100;
// The lower neck (C6-C7): the lowest part of the neck and just below the shoulder line, as
// shares of the neck's length above it and of the torso below.
constexpr double kLowerNeckShareOfNeck = 0.3;
constexpr double kLowerNeckShareOfTorso = 0.03;
// Without a neck depth limit in the chair's profile, this share of roller.depth's range.
constexpr double kNeckDepthShare = 0.6;
constexpr double kNeckDepthMidlineShare = 0.5;
// Deep, for work on the spine's midline: more than this share of roller.depth's range, for
// longer than kMidlineDeepMs in one step.
constexpr double kDeepShare = 0.6;
constexpr std::int64_t kMidlineDeepMs = 5'000;
// A rise in intensity bigger than this between neighbouring steps is a jump.
constexpr double kMaxIntensityRise = 0.2;
// Steps further apart than this are not neighbours.
constexpr std::int64_t kNeighbourGapMs = 5'000;
// Heat ends at least this long before the session does.
constexpr std::int64_t kHeatOffBeforeEndMs = 120'000;
// A gentle program stays at or below this intensity at the session's strongest.
constexpr double kGentleMaxIntensity = 0.5;
// Rollers that stop, with nothing else of their step moving, longer than this before the step
// ends are parked. The last few seconds of a step lift the rollers off.
constexpr std::int64_t kMaxParkedMs = 15'000;
constexpr std::int64_t kLiftOffMs = 5'000;
// A reason is read in lint's output and in the file: one short line.
constexpr std::size_t kMaxReasonBytes = 300;

const std::vector<ReviewCheck> kChecks = {
    {kLowerNeckDeep, Severity::kError,
     "a press on the lower neck (C6-C7) deeper than the chair allows on the neck, at the "
     "sitter's highest intensity"},
    {kMidlineDeep, Severity::kWarning,
     "deep work with the rollers at their narrowest, on the spine's midline"},
    {kIntensityJump, Severity::kWarning,
     "intensity rising by more than 0.2 from one step to the next"},
    {kHeatUntilEnd, Severity::kWarning, "heat on within the last two minutes of the session"},
    {kHeatAfterWork, Severity::kWarning,
     "heat that starts after most of the work on its zone is done"},
    {kContraindications, Severity::kWarning,
     "work that needs a contraindication that neither the program nor the rules cover"},
    {kGentleStaysGentle, Severity::kWarning,
     "a gentle program that the sitter's highest intensity makes stronger than 0.5"},
    {kParkedRollers, Severity::kWarning,
     "rollers that stop, with nothing of their step moving, for more than 15 s before it ends "
     "(stretches excepted)"},
    {kStrongestRefused, Severity::kWarning,
     "chaird refuses the program at the highest intensity a sitter can ask for"},
};

struct Finding {
  std::string_view check;
  SourceLocation where;
  std::string step;  // empty: the whole program
  std::string message;
};

Severity severity_of(std::string_view check) {
  for (const auto& c : kChecks)
    if (c.name == check) return c.severity;
  return Severity::kWarning;
}

bool drives(const BoundStep& s, std::optional<ActuatorIndex> a) {
  return a && static_cast<std::size_t>(*a) < s.allowed.size() &&
         s.allowed[static_cast<std::size_t>(*a)] != 0;
}

// A family's actuators: "airbag" is every "airbag.*"; an actuator whose id has no dot
// ("foot_roller", "recline") is a family of its own.
std::vector<ActuatorIndex> family_of(const ChairModel& chair, std::string_view family) {
  std::vector<ActuatorIndex> out = chair.family(family);
  if (const auto exact = chair.find(family)) out.push_back(*exact);
  return out;
}

bool drives_family(const BoundStep& s, const ChairModel& chair, std::string_view family) {
  for (const auto a : family_of(chair, family))
    if (drives(s, a)) return true;
  return false;
}

// Checks whose findings depend on the session around the step (what comes before it, when the
// session ends), not on the step alone: only the program being linted can accept them, not a
// program it includes, whose reason was written for a different place.
bool about_the_session(std::string_view check) {
  return check == kHeatUntilEnd || check == kIntensityJump;
}

// Whether the step's own commands set actuator a above off.
bool works(const Timeline& tl, std::size_t step, ActuatorIndex a, double off) {
  return std::any_of(tl.commands.begin(), tl.commands.end(), [&](const TimelineCommand& c) {
    return c.step == static_cast<std::int32_t>(step) && c.actuator == a && c.value > off;
  });
}

class Review {
 public:
  Review(const ProgramSource& program, const Plan& plan, const ReviewInputs& inputs)
      : program_(program), plan_(plan), inputs_(inputs), chair_(*plan.chair), tl_(plan.timeline) {}

  std::vector<Finding> run() {
    lower_neck(inputs_.strongest ? *inputs_.strongest : plan_);
    midline();
    intensity_jumps();
    heat();
    contraindications();
    gentle_stays_gentle();
    parked_rollers();
    strongest_refused();
    return std::move(found_);
  }

 private:
  // The step as written names it in lint_accepted (a repeat's rounds, "knot (1/2)", are one);
  // a step written without a name is called technique@zone, as lint prints it.
  std::string written_name(std::size_t step) const {
    const auto* written = plan_.steps[step].expanded.step;
    if (written != nullptr && !written->name().empty()) return written->name();
    return tl_.steps[step].technique + "@" + tl_.steps[step].zone;
  }
  void add(std::string_view check, std::size_t step, std::string message) {
    const auto& s = tl_.steps[step];
    found_.push_back(
        {check, s.where, written_name(step), fmt::format("step '{}': {}", s.name, message)});
  }
  void add_program(std::string_view check, SourceLocation where, std::string message) {
    found_.push_back({check, std::move(where), {}, std::move(message)});
  }

  // At the sitter's highest intensity: a person could be hurt there.
  void lower_neck(const Plan& plan) {
    const ChairModel& chair = *plan.chair;
    const Timeline& tl = plan.timeline;
    const auto position = chair.find("roller.position");
    const auto depth = chair.find("roller.depth");
    if (!position || !depth || !plan.body) return;
    const auto width = chair.find("roller.width");
    const ActuatorSpec& d = chair.actuator(*depth);
    const auto& body = plan.body->landmarks();
    const double torso = body.seat_mm - body.shoulder_mm;
    const double neck_from =
        body.shoulder_mm - kLowerNeckShareOfNeck * (body.shoulder_mm - body.neck_top_mm);
    const double neck_to = body.shoulder_mm + kLowerNeckShareOfTorso * torso;
    double neck_max = kNeckDepthShare * d.max;
    double neck_midline_max = kNeckDepthMidlineShare * d.max;
    for (const auto& r : chair.limits().roller_depth()) {
      if (r.region() != "neck") continue;
      neck_max = r.max_depth_mm();
      neck_midline_max = r.max_depth_midline_mm();
    }
    const double midline = chair.limits().midline_width_mm();
    const auto p = path_of(tl, *position);
    const auto z = path_of(tl, *depth);
    const auto w = width ? path_of(tl, *width) : std::vector<PathKnot>{};
    for (std::size_t i = 0; i < plan.steps.size(); ++i) {
      if (!drives(plan.steps[i], depth)) continue;
      const auto& s = tl.steps[i];
      double worst_over = 0.0, worst_mm = 0.0, worst_limit = 0.0;
      bool worst_narrow = false;
      for (std::int64_t t = s.start_ms; t < s.end_ms; t += kSampleMs) {
        const double at = value_on(p, t);
        if (at < neck_from || at > neck_to) continue;
        const double mm = value_on(z, t);
        const bool narrow = width && midline > 0.0 && value_on(w, t) <= midline + 0.5;
        const double limit = narrow ? neck_midline_max : neck_max;
        if (mm - limit > worst_over + 0.05) {
          worst_over = mm - limit;
          worst_mm = mm;
          worst_limit = limit;
          worst_narrow = narrow;
        }
      }
      if (worst_over <= 0.0) continue;
      found_.push_back(
          {kLowerNeckDeep, s.where, written_name(i),
           fmt::format("step '{}': at the sitter's highest intensity ({:.2f}x) the rollers press "
                       "{:.1f} mm deep on the lower neck (C6-C7){}, where the neck takes at "
                       "most {:.1f} mm on this chair; the lower neck is as fragile as the rest "
                       "of it: press below the shoulder line, or shallower",
                       s.name, plan.options.scaling.intensity_scale, worst_mm,
                       worst_narrow ? ", at their narrowest over the spine" : "", worst_limit)});
    }
  }

  // As written: deep work at the rollers' narrowest, on the spine.
  void midline() {
    const auto position = chair_.find("roller.position");
    const auto depth = chair_.find("roller.depth");
    const auto width = chair_.find("roller.width");
    const double midline = chair_.limits().midline_width_mm();
    if (!position || !depth || !width || midline <= 0.0 || !plan_.body) return;
    const ActuatorSpec& d = chair_.actuator(*depth);
    const double deep_mm = d.min + kDeepShare * (d.max - d.min);
    const auto& body = plan_.body->landmarks();
    const auto p = path_of(tl_, *position);
    const auto z = path_of(tl_, *depth);
    const auto w = path_of(tl_, *width);
    for (std::size_t i = 0; i < plan_.steps.size(); ++i) {
      if (!drives(plan_.steps[i], depth)) continue;
      const auto& s = tl_.steps[i];
      std::int64_t narrow_ms = 0;
      double deepest = 0.0;
      for (std::int64_t t = s.start_ms; t < s.end_ms; t += kSampleMs) {
        const double at = value_on(p, t);
        const double mm = value_on(z, t);
        if (value_on(w, t) > midline + 0.5 || at < body.neck_top_mm || at > body.seat_mm ||
            mm <= deep_mm)
          continue;
        narrow_ms += kSampleMs;
        deepest = std::max(deepest, mm);
      }
      if (narrow_ms <= kMidlineDeepMs) continue;
      add(kMidlineDeep, i,
          fmt::format("the rollers press up to {:.1f} mm deep at their narrowest ({:g} mm "
                      "apart), on the spine's midline, for {} s; deep work belongs on the "
                      "muscles beside the spine, not on the bones of it: work wider",
                      deepest, midline, narrow_ms / 1000));
    }
  }

  // Families whose intensity a sitter feels as strength (not heat, not recline).
  static bool feels_strength(std::string_view family) {
    return family == "roller" || family == "airbag" || family == "vibration" ||
           family == "foot_roller";
  }

  void intensity_jumps() {
    std::set<std::string> families;
    for (const auto& a : chair_.actuators()) families.insert(a.id.substr(0, a.id.find('.')));
    std::set<std::size_t> told;
    for (const auto& family : families) {
      if (!feels_strength(family)) continue;
      std::vector<std::size_t> steps;
      for (std::size_t i = 0; i < plan_.steps.size(); ++i)
        if (drives_family(plan_.steps[i], chair_, family)) steps.push_back(i);
      std::stable_sort(steps.begin(), steps.end(), [&](std::size_t a, std::size_t b) {
        return tl_.steps[a].start_ms < tl_.steps[b].start_ms;
      });
      for (std::size_t k = 1; k < steps.size(); ++k) {
        const auto& before = plan_.steps[steps[k - 1]];
        const auto& after = plan_.steps[steps[k]];
        if (after.expanded.start_ms - before.expanded.end_ms > kNeighbourGapMs) continue;
        const double rise = after.base_intensity - before.base_intensity;
        if (rise <= kMaxIntensityRise + 1e-9 || !told.insert(steps[k]).second) continue;
        add(kIntensityJump, steps[k],
            fmt::format("intensity rises from {:.2f} ('{}') to {:.2f} at once; the body guards "
                        "against a sudden change: build up over a step or two, by at most {:g} "
                        "a step",
                        before.base_intensity, before.expanded.name, after.base_intensity,
                        kMaxIntensityRise));
      }
    }
  }

  void heat() {
    // Heat to the end: each heater's last moment on.
    for (const auto& a : chair_.actuators()) {
      if (!a.id.starts_with("heat.")) continue;
      const double off = a.min + 0.5;
      double value = tl_.initial_values[static_cast<std::size_t>(a.index)];
      bool ever_on = value > off;
      std::int64_t last_on_ms = 0;
      std::int32_t by_step = -1;
      for (const auto& c : tl_.commands) {
        if (c.actuator != a.index) continue;
        if (c.value > off) {
          ever_on = true;
          by_step = c.step;
        } else if (value > off) {
          last_on_ms = c.start_ms;
        }
        value = c.value;
      }
      if (value > off) last_on_ms = tl_.duration_ms;
      if (!ever_on || by_step < 0 || tl_.duration_ms - last_on_ms >= kHeatOffBeforeEndMs) continue;
      add(kHeatUntilEnd, static_cast<std::size_t>(by_step),
          fmt::format("{} stays on until {} before the end; the sitter gets up from a hot pad "
                      "with the skin at its warmest: end heat at least {} before the end",
                      a.id, format_mmss(tl_.duration_ms - last_on_ms),
                      format_mmss(kHeatOffBeforeEndMs)));
    }
    // Heat after the work: the first heat step on each zone, against the work on that zone.
    std::set<std::string> zones_heated;
    for (std::size_t i = 0; i < plan_.steps.size(); ++i) {
      const auto& s = plan_.steps[i];
      if (!drives_family(s, chair_, "heat") || !zones_heated.insert(s.zone->name).second) continue;
      std::int64_t before_ms = 0, after_ms = 0;
      for (const auto& w : plan_.steps) {
        if (drives_family(w, chair_, "heat") || !zones_overlap(chair_, w.zone->name, s.zone->name))
          continue;
        const auto from = w.expanded.start_ms, to = w.expanded.end_ms;
        before_ms += std::max<std::int64_t>(0, std::min(to, s.expanded.start_ms) - from);
        after_ms += std::max<std::int64_t>(0, to - std::max(from, s.expanded.start_ms));
      }
      if (before_ms <= after_ms) continue;
      add(kHeatAfterWork, i,
          fmt::format("heat on the {} starts at {}, after {} of the {} of work on it; warmth "
                      "prepares the muscles for the work: start it before the work, or with it",
                      s.zone->name, format_mmss(s.expanded.start_ms), format_mmss(before_ms),
                      format_mmss(before_ms + after_ms)));
    }
  }

  struct Need {
    std::string_view condition;
    std::string_view why;
  };

  // Whether the rules cover a condition for this step: they refuse the program, or refuse or
  // skip the step, for a sitter with the condition.
  bool rules_cover(std::string_view condition, const BoundStep& step) {
    if (inputs_.rules == nullptr) return false;
    auto it = by_condition_.find(condition);
    if (it == by_condition_.end()) {
      std::vector<std::string> ids;
      for (const auto& source : plan_.sources) {
        ids.push_back(source->id());
        for (const auto& phase : source->program.phases())
          if (!phase.from_program().empty()) ids.push_back(phase.from_program());
      }
      if (ids.empty()) ids.push_back(program_.id());
      it = by_condition_
               .emplace(condition,
                        SitterRules(*inputs_.rules, {std::string(condition)}, ids, chair_))
               .first;
    }
    const SitterRules& r = it->second;
    const auto& technique = step.technique->name;
    const auto& zone = step.zone->name;
    return r.program_refusal() != nullptr || r.step_refusal(technique, zone) != nullptr ||
           r.skip_of(technique, zone) != nullptr;
  }

  void contraindications() {
    const auto& m = program_.program.metadata();
    const auto listed = [&](std::string_view c) {
      return std::find(m.contraindications().begin(), m.contraindications().end(), c) !=
             m.contraindications().end();
    };
    // condition -> (what the program does, at which step, why it matters)
    std::map<std::string_view, std::pair<std::string, std::string>> missing;
    const auto need = [&](std::size_t step, std::string_view does, std::initializer_list<Need> n) {
      for (const auto& x : n) {
        if (listed(x.condition) || missing.count(x.condition) != 0 ||
            rules_cover(x.condition, plan_.steps[step]))
          continue;
        missing[x.condition] = {fmt::format("{} (step '{}')", does, tl_.steps[step].name),
                                std::string(x.why)};
      }
    };
    // The airbags that squeeze the thighs and calves, and the heaters of the lower back.
    const auto of_zones = [&](std::initializer_list<std::string_view> zones, bool heaters) {
      std::set<ActuatorIndex> out;
      for (const auto zone : zones) {
        if (const ZoneSpec* z = chair_.zone(zone)) {
          const auto& list = heaters ? z->heaters : z->airbags;
          out.insert(list.begin(), list.end());
        }
      }
      return out;
    };
    const auto leg_airbags = of_zones({"thighs", "calves"}, false);
    const auto back_heaters = of_zones({"lumbar", "sacrum"}, true);
    const auto tap = chair_.find("roller.tap");
    for (std::size_t i = 0; i < plan_.steps.size(); ++i) {
      const auto& s = plan_.steps[i];
      const auto works_any = [&](const std::set<ActuatorIndex>& set, double above_min) {
        return std::any_of(set.begin(), set.end(), [&](ActuatorIndex a) {
          return drives(s, a) && works(tl_, i, a, chair_.actuator(a).min + above_min);
        });
      };
      if (works_any(leg_airbags, 0.5)) {
        need(i, "squeezes the legs",
             {{"thrombosis", "squeezing a leg can move a blood clot"},
              {"postpartum", "the risk of a clot stays raised for weeks after birth"}});
      }
      if (tap && works_any({*tap}, 1e-6)) {
        need(i, "taps",
             {{"anticoagulants", "percussion bruises a sitter on blood thinners"},
              {"postpartum", "no percussion on a body recovering from birth"}});
      }
      if (works_any(back_heaters, 0.5)) {
        need(i, "heats the lower back",
             {{"pregnancy", "heat on the lower back is avoided in pregnancy"},
              {"postpartum", "no heat over a tender pelvis or a caesarean wound"}});
      }
      const auto vibration = family_of(chair_, "vibration");
      if (works_any({vibration.begin(), vibration.end()}, 1e-6)) {
        need(i, "vibrates the seat",
             {{"postpartum", "no vibration under a pelvis recovering from birth"}});
      }
    }
    const Locator meta = program_.locator().nested("metadata");
    for (const auto& [condition, what] : missing) {
      add_program(kContraindications, meta.self(),
                  fmt::format("the program {} but neither lists '{}' in "
                              "metadata.contraindications nor do the contraindication rules "
                              "refuse or skip it: {}",
                              what.first, condition, what.second));
    }
  }

  void gentle_stays_gentle() {
    const auto& m = program_.program.metadata();
    if (m.intensity_class() != chair::v1::GENTLE) return;
    const BoundStep* strongest = nullptr;
    for (const auto& s : plan_.steps) {
      if (drives_family(s, chair_, "heat") && !drives_family(s, chair_, "roller")) continue;
      if (strongest == nullptr || s.base_intensity > strongest->base_intensity) strongest = &s;
    }
    if (strongest == nullptr) return;
    const double at_most = strongest->base_intensity * plan_.max_intensity_scale;
    if (at_most <= kGentleMaxIntensity + 1e-9) return;
    const double keeps = std::floor(kGentleMaxIntensity / strongest->base_intensity * 20.0) / 20.0;
    add_program(kGentleStaysGentle, program_.locator().nested("metadata").at("intensity_class"),
                fmt::format("a gentle program, but at the sitter's {:.2f}x its strongest step "
                            "('{}', {:.2f}) runs at {:.2f}, as strong as a moderate one; set "
                            "metadata.max_intensity_scale to {:.2f} to keep it gentle",
                            plan_.max_intensity_scale, strongest->expanded.name,
                            strongest->base_intensity, at_most, keeps));
  }

  // A step whose rollers stop before it ends, with nothing of the step moving: the technique
  // ran out of work (a last stroke that did not fit) and the rollers rest on one spot.
  void parked_rollers() {
    const auto position = chair_.find("roller.position");
    if (!position || !plan_.body) return;
    const auto& body = plan_.body->landmarks();
    const auto p = path_of(tl_, *position);
    for (std::size_t i = 0; i < plan_.steps.size(); ++i) {
      const auto& bound = plan_.steps[i];
      // In a stretch the rollers are the fulcrum the body bends over, and the body rests
      // between stretches: stillness there is the technique's.
      if (!drives(bound, position) || drives(bound, chair_.find("recline"))) continue;
      const auto& s = tl_.steps[i];
      // The last moment before the lift-off that anything the step drives moves or turns (a
      // knead or tap motor turns until a command stops it).
      const std::int64_t still_until = s.end_ms - kLiftOffMs;
      std::int64_t busy = s.start_ms;
      std::set<ActuatorIndex> turning;
      std::vector<double> value = tl_.initial_values;
      for (const auto& c : tl_.commands) {
        const double before = std::exchange(value[static_cast<std::size_t>(c.actuator)], c.value);
        if (c.step != static_cast<std::int32_t>(i) || c.start_ms >= still_until) continue;
        if (std::abs(c.value - before) > 0.01) busy = std::max(busy, c.reach_ms);
        if (chair_.actuator(c.actuator).kind != chair::v1::SPEED) continue;
        if (std::abs(c.value) > 1e-6) {
          turning.insert(c.actuator);
        } else {
          turning.erase(c.actuator);
        }
      }
      if (!turning.empty()) busy = s.end_ms;
      if (still_until - busy <= kMaxParkedMs) continue;
      const double at = value_on(p, busy);
      const bool skull = at <= body.neck_top_mm + 15.0;
      add(kParkedRollers, i,
          fmt::format("the rollers stop at {:.0f} mm{} at {} and rest there, with nothing of the "
                      "step moving, for {} s until it ends; a roller that stops is felt as a "
                      "hard lump: keep them working to the end, or end the step sooner",
                      at, skull ? " (the base of the skull)" : "", format_mmss(busy),
                      (s.end_ms - busy) / 1000));
    }
  }

  void strongest_refused() {
    if (inputs_.refused_at_highest.empty()) return;
    add_program(kStrongestRefused, program_.locator().nested("metadata").self(),
                fmt::format("at the highest intensity a sitter can ask for ({:.2f}x) chaird "
                            "refuses this program ({}); it runs up to {:.2f}x: set "
                            "metadata.max_intensity_scale to {:.2f}, so that 'stronger' is held "
                            "there instead of refused",
                            inputs_.highest_scale, inputs_.refused_at_highest,
                            inputs_.strongest_scale, inputs_.strongest_scale));
  }

  const ProgramSource& program_;
  const Plan& plan_;
  const ReviewInputs& inputs_;
  const ChairModel& chair_;
  const Timeline& tl_;
  std::vector<Finding> found_;
  std::map<std::string_view, SitterRules, std::less<>> by_condition_;
};

}  // namespace

const std::vector<ReviewCheck>& review_checks() {
  return kChecks;
}

ReviewInputs plan_at_highest(const ProgramRef& program, const ProgramCheckContext& context,
                             const Plan& as_written) {
  ReviewInputs in;
  in.highest_scale = as_written.max_intensity_scale;
  // In steps of 0.05 down to the intensity as written, which lint has checked already.
  const auto steps = static_cast<int>(std::floor((in.highest_scale - 1.0) / 0.05 + 1e-9));
  for (int k = 0; k <= steps; ++k) {
    const double scale = in.highest_scale - 0.05 * k;
    if (scale <= 1.0 + 1e-9) break;
    PlanOptions options;
    options.scaling.intensity_scale = scale;
    auto checked = check_program(program, context, options);
    if (checked) {
      in.strongest = checked->plan;
      in.strongest_scale = scale;
      return in;
    }
    if (in.refused_at_highest.empty()) in.refused_at_highest = checked.error().first_error();
  }
  return in;
}

ReviewResult review_program(const ProgramSource& program, const Plan& plan,
                            const ReviewInputs& inputs) {
  ReviewResult result;
  Diagnostics& d = result.findings;
  std::vector<Finding> found = Review(program, plan, inputs).run();

  struct Acceptance {
    const chair::v1::LintAcceptance* accepted;
    std::string file;
    Locator at;
    bool used = false;
  };
  std::vector<Acceptance> acceptances;
  std::set<std::string> seen_files;
  std::vector<ProgramRef> sources = plan.sources;
  if (sources.empty() || sources.front()->source.path != program.source.path)
    sources.insert(sources.begin(), std::shared_ptr<const ProgramSource>(
                                        std::shared_ptr<const ProgramSource>{}, &program));
  std::string known;
  for (const auto& c : kChecks) known += (known.empty() ? "" : ", ") + std::string(c.name);
  for (const auto& source : sources) {
    if (!seen_files.insert(source->source.path).second) continue;
    const auto& m = source->program.metadata();
    const Locator meta = source->locator().nested("metadata");
    for (int k = 0; k < m.lint_accepted_size(); ++k) {
      const auto& a = m.lint_accepted(k);
      const Locator at = meta.nested("lint_accepted", k);
      const bool mine = source->source.path == program.source.path;
      const auto check = std::find_if(kChecks.begin(), kChecks.end(),
                                      [&](const ReviewCheck& c) { return c.name == a.check(); });
      if (check == kChecks.end()) {
        if (mine)
          d.error(at.at("check"), fmt::format("lint_accepted: unknown check {} (known: {})",
                                              excerpt(a.check()), known));
        continue;
      }
      if (check->severity == Severity::kError) {
        if (mine)
          d.error(at.at("check"),
                  fmt::format("lint_accepted: '{}' is where a person could be hurt and cannot be "
                              "accepted; change the program",
                              check->name));
        continue;
      }
      if (a.reason().empty() || !one_plain_line(a.reason()) ||
          a.reason().size() > kMaxReasonBytes) {
        if (mine)
          d.error(a.reason().empty() ? at.self() : at.at("reason"),
                  fmt::format("lint_accepted '{}': give the reason a therapist would accept, in "
                              "one line of at most {} bytes (no control or text-direction "
                              "characters)",
                              check->name, kMaxReasonBytes));
        continue;
      }
      acceptances.push_back({&a, source->source.path, at});
    }
  }
  for (const auto& f : found) {
    // An acceptance holds in its own file, and for a finding about the session around a step
    // only in the program being linted. Every acceptance that matches is used.
    bool accepted = false;
    for (auto& a : acceptances) {
      const std::string& where = about_the_session(f.check) ? program.source.path : f.where.file;
      if (a.file != where || a.accepted->check() != f.check ||
          (!a.accepted->step().empty() && a.accepted->step() != f.step))
        continue;
      a.used = true;
      accepted = severity_of(f.check) == Severity::kWarning;
    }
    if (accepted) {
      ++result.accepted;
      continue;
    }
    const std::string text = fmt::format("{} [{}]", f.message, f.check);
    if (severity_of(f.check) == Severity::kError) {
      d.error(f.where, text);
    } else {
      d.warning(f.where, text);
    }
  }
  for (const auto& a : acceptances) {
    if (a.used || a.file != program.source.path) continue;
    d.warning(a.at.self(),
              fmt::format("lint_accepted '{}'{} matches nothing the review finds on this chair; "
                          "remove it if the program changed",
                          a.accepted->check(),
                          a.accepted->step().empty()
                              ? std::string()
                              : fmt::format(" for step {}", excerpt(a.accepted->step()))));
  }
  return result;
}

}  // namespace chaird
