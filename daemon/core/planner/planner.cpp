#include "planner/planner.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <string_view>

#include "common/duration_text.hpp"
#include "common/utf8_text.hpp"
#include "planner/round_diagnostics.hpp"
#include "planner/sitter_adaptation.hpp"
#include "planner/step_context.hpp"
#include "timeline/motion_profile.hpp"

namespace chaird {
namespace {

// The step may drive a roller actuator (roller.position, roller.depth, ...).
bool drives_rollers(const BoundStep& step, const ChairModel& chair) {
  for (const auto& a : chair.actuators()) {
    if (a.id.rfind("roller.", 0) == 0 && step.allowed[static_cast<std::size_t>(a.index)] != 0)
      return true;
  }
  return false;
}

// Travel is planned a little slower than the limit so that ms rounding never exceeds it.
constexpr double kTravelMargin = 1.05;
constexpr std::int64_t kTravelGrainMs = 10;
// Problems reported per step before the rest are summarised.
constexpr int kMaxProblemsPerStep = 3;

std::int64_t round_up(std::int64_t v, std::int64_t grain) {
  return (v + grain - 1) / grain * grain;
}

std::string format_value(double v, const std::string& unit) {
  return fmt::format("{:.4g}{}{}", v, unit.empty() ? "" : " ", unit);
}

// Plays steps one after another (in start order) against the planned state of the chair.
class Generator {
 public:
  Generator(const ChairModel& chair, const BodyModel& body, const PlannerLimits& limits,
            CallWatch* watch, Timeline& timeline, Diagnostics& d)
      : chair_(chair),
        body_(body),
        limits_(limits),
        watch_(watch),
        timeline_(timeline),
        d_(d),
        value_(timeline.initial_values),
        busy_until_(chair.actuator_count(), 0),
        claimed_by_(chair.actuator_count(), -1) {}

  // Applies commands already decided (a re-plan keeps the past).
  void replay(const std::vector<TimelineCommand>& kept) {
    for (const auto& c : kept) {
      const auto a = static_cast<std::size_t>(c.actuator);
      value_[a] = c.value;
      busy_until_[a] = std::max(busy_until_[a], c.reach_ms);
      claimed_by_[a] = c.step;
    }
  }

  std::int64_t busy_until(ActuatorIndex a) const {
    return busy_until_[static_cast<std::size_t>(a)];
  }

  enum class Result { kPlanned, kTooShort, kFailed };

  // Generates step (timeline step index) for the window [from_ms, to_ms). A re-plan passes the
  // actuators the step drove before from_ms as carried: those it no longer drives are brought
  // to rest as part of its start pose. A window too short for the travel to the start pose is
  // an error, except in a re-plan (carried given), where the caller keeps the step as it was.
  Result run(const BoundStep& step, int index, std::int64_t from_ms, std::int64_t to_ms,
             const std::vector<ActuatorIndex>* carried = nullptr) {
    const std::int64_t window_ms = to_ms - from_ms;
    sdk::StepContext ctx = step_context(step, chair_, body_, value_, window_ms);
    // A sitter's depth cap is where roller.depth ends for the technique.
    std::vector<sdk::ActuatorInfo> capped;
    if (const auto depth = chair_.find("roller.depth"); depth && step.depth_cap_mm > 0.0) {
      capped.assign(ctx.actuators.begin(), ctx.actuators.end());
      auto& a = capped[static_cast<std::size_t>(*depth)];
      a.max = std::max(a.min, std::min(a.max, step.depth_cap_mm));
      ctx.actuators = capped;
    }
    auto generate = [&]() -> std::optional<sdk::StepOutput> {
      auto out = call(step, ctx);
      if (!out || !check(step, *out, ctx)) return std::nullopt;
      if (carried != nullptr) rest_carried(*carried, *out);
      return out;
    };
    auto out = generate();
    if (!out) return Result::kFailed;

    std::int64_t travel_ms = travel_needed(*out);
    if (travel_ms > 0) {
      if (window_ms - travel_ms < limits_.min_technique_ms) {
        if (carried != nullptr) return Result::kTooShort;
        d_.error(step.expanded.where.self(),
                 fmt::format("step '{}' is too short: travelling to its start pose takes {} ms of "
                             "its {} ms",
                             step.expanded.name, travel_ms, window_ms));
        return Result::kFailed;
      }
      // Ask again for the time that is left; the start pose does not depend on the length.
      ctx.duration_ms = window_ms - travel_ms;
      out = generate();
      if (!out) return Result::kFailed;
      const std::int64_t again = travel_needed(*out);
      if (again > travel_ms) {
        d_.error(step.expanded.where.self(),
                 fmt::format("technique '{}' changed its start pose when the step was shortened "
                             "for travel (step '{}')",
                             step.technique->name, step.expanded.name));
        return Result::kFailed;
      }
    }
    if (!claim(step, index, *out, from_ms, to_ms)) return Result::kFailed;
    emit(index, *out, from_ms, travel_ms);
    auto& ts = timeline_.steps[static_cast<std::size_t>(index)];
    ts.transition_ms = travel_ms;
    // A plugin's notes reach statuses and responses: valid UTF-8 only.
    for (auto& note : out->notes) ts.notes.push_back(valid_utf8(note));
    return Result::kPlanned;
  }

 private:
  std::optional<sdk::StepOutput> call(const BoundStep& step, const sdk::StepContext& ctx) {
    auto what = [&] {
      return fmt::format("technique '{}' (step '{}')", step.technique->name, step.expanded.name);
    };
    std::optional<sdk::StepOutput> out;
    std::string failure;
    if (step.technique->hung->load()) {
      d_.error(
          step.expanded.where.self(),
          fmt::format("{} is disabled: a call into it hung earlier; restart chaird to use it again",
                      what()));
      return std::nullopt;
    }
    if (watch_ != nullptr)
      watch_->enter(step.technique->name, step.expanded.name, step.technique->hung);
    try {
      out = step.technique->technique->generate(ctx);
    } catch (const std::exception& e) {
      failure = fmt::format("{} failed: {}", what(), e.what());
    } catch (...) {
      failure = fmt::format("{} threw a non-standard exception", what());
    }
    if (watch_ != nullptr) {
      if (std::string overrun = watch_->leave(); !overrun.empty() && failure.empty())
        failure = overrun;
    }
    if (!failure.empty()) {
      d_.error(step.expanded.where.self(), failure);
      return std::nullopt;
    }
    return out;
  }

  // Everything a technique returns is checked before it can reach the chair.
  bool check(const BoundStep& step, const sdk::StepOutput& out, const sdk::StepContext& ctx) {
    // Messages are built only for problems: this runs for every plugin call.
    auto who = [&] {
      return fmt::format("technique '{}' (step '{}')", step.technique->name, step.expanded.name);
    };
    auto where = [&] { return step.expanded.where.self(); };
    if (out.setpoints.size() > limits_.max_setpoints_per_step) {
      d_.error(where(), fmt::format("{} returned {} set points; the limit is {}", who(),
                                    out.setpoints.size(), limits_.max_setpoints_per_step));
      return false;
    }
    int problems = 0;
    auto problem = [&](std::string text) {
      if (++problems <= kMaxProblemsPerStep) d_.error(where(), fmt::format("{} {}", who(), text));
    };
    const auto n = static_cast<int>(chair_.actuator_count());
    std::vector<double>& last = scratch_last_;
    last = value_;
    std::vector<std::uint8_t>& touched = scratch_touched_;
    touched.assign(chair_.actuator_count(), 0);
    for (const auto& sp : out.setpoints) {
      if (sp.actuator < 0 || sp.actuator >= n) {
        problem(fmt::format("returned a set point for actuator #{}, which this chair does not have",
                            sp.actuator));
        continue;
      }
      const ActuatorSpec& a = chair_.actuator(sp.actuator);
      if (step.allowed[static_cast<std::size_t>(sp.actuator)] == 0) {
        problem(
            fmt::format("drove {}, which it did not declare for zone '{}'", a.id, step.zone->name));
        continue;
      }
      if (sp.at_ms < 0 || sp.at_ms > ctx.duration_ms) {
        problem(fmt::format("set {} at {} ms, outside the step's {} ms", a.id, sp.at_ms,
                            ctx.duration_ms));
        continue;
      }
      if (!std::isfinite(sp.value)) {
        problem(fmt::format("returned {} for {} at {} ms", sp.value, a.id, sp.at_ms));
        continue;
      }
      if (sp.value < a.min || sp.value > a.max) {
        problem(fmt::format("asked {} for {} at {} ms, outside its range {}..{}",
                            format_value(sp.value, a.unit), a.id, sp.at_ms, a.min, a.max));
        continue;
      }
      if (a.id == "roller.position" && !step.span) {
        // Whatever path bound it, a step without a span on the track has no place for them.
        problem(fmt::format("moved the rollers on zone '{}', which they do not reach for this body",
                            step.zone->name));
        continue;
      }
      if (a.id == "roller.position" && step.span &&
          (sp.value < step.span->from_mm - limits_.zone_margin_mm ||
           sp.value > step.span->to_mm + limits_.zone_margin_mm)) {
        problem(fmt::format(
            "put the roller at {:.0f} mm at {} ms, outside zone '{}' ({:.0f}..{:.0f} mm)", sp.value,
            sp.at_ms, step.zone->name, step.span->from_mm, step.span->to_mm));
        continue;
      }
      last[static_cast<std::size_t>(sp.actuator)] = sp.value;
      touched[static_cast<std::size_t>(sp.actuator)] = 1;
    }
    if (problems == 0) {
      for (const auto& a : chair_.actuators()) {
        const auto i = static_cast<std::size_t>(a.index);
        if (touched[i] != 0 && a.must_rest() && last[i] != a.safe_value) {
          problem(fmt::format("left {} at {} at the end of the step; it must end at {}", a.id,
                              format_value(last[i], a.unit), format_value(a.safe_value, a.unit)));
        }
      }
    }
    if (problems > kMaxProblemsPerStep) {
      const auto more = static_cast<std::size_t>(problems - kMaxProblemsPerStep);
      d_.error(where(), fmt::format("{}: {} more problems like these", who(), more), more);
    }
    return problems == 0;
  }

  // A re-planned step may drop an actuator it drove before (a bag still full, a motor still
  // spinning): its start pose returns it to rest.
  void rest_carried(const std::vector<ActuatorIndex>& carried, sdk::StepOutput& out) const {
    for (ActuatorIndex a : carried) {
      const ActuatorSpec& spec = chair_.actuator(a);
      const bool driven = std::any_of(out.setpoints.begin(), out.setpoints.end(),
                                      [a](const sdk::Setpoint& sp) { return sp.actuator == a; });
      if (!driven && spec.must_rest() && value_[static_cast<std::size_t>(a)] != spec.safe_value) {
        out.setpoints.push_back({a, 0, spec.safe_value});
      }
    }
  }

  // The start pose: the last value each actuator is given at 0 ms.
  static std::map<ActuatorIndex, double> start_pose(const sdk::StepOutput& out) {
    std::map<ActuatorIndex, double> pose;
    for (const auto& sp : out.setpoints) {
      if (sp.at_ms == 0) pose[sp.actuator] = sp.value;
    }
    return pose;
  }

  std::int64_t travel_needed(const sdk::StepOutput& out) const {
    std::int64_t need = 0;
    for (const auto& [a, v] : start_pose(out)) {
      const ActuatorSpec& spec = chair_.actuator(a);
      const double distance = std::abs(v - value_[static_cast<std::size_t>(a)]);
      if (distance < 1e-9 || spec.max_rate <= 0.0) continue;
      need = std::max(need, min_travel_ms(distance, spec.max_rate / kTravelMargin,
                                          spec.max_accel / kTravelMargin));
    }
    return need == 0 ? 0 : round_up(need, kTravelGrainMs);
  }

  bool claim(const BoundStep& step, int index, const sdk::StepOutput& out, std::int64_t from_ms,
             std::int64_t to_ms) {
    std::vector<ActuatorIndex> used;
    for (const auto& sp : out.setpoints) used.push_back(sp.actuator);
    std::sort(used.begin(), used.end());
    used.erase(std::unique(used.begin(), used.end()), used.end());
    bool ok = true;
    for (ActuatorIndex a : used) {
      const auto i = static_cast<std::size_t>(a);
      if (busy_until_[i] > from_ms && claimed_by_[i] >= 0 && claimed_by_[i] != index) {
        const auto& other = timeline_.steps[static_cast<std::size_t>(claimed_by_[i])];
        // In the phase's own time, as its start_ms are written.
        const std::int64_t phase_ms = step.expanded.phase_start_ms;
        d_.error(step.expanded.where.self(),
                 fmt::format("step '{}' and step '{}' ({}:{}) both drive {} from {} to {} of "
                             "phase '{}'",
                             step.expanded.name, other.name, other.where.file, other.where.line,
                             chair_.actuator(a).id, format_mmss_exact(from_ms - phase_ms),
                             format_mmss_exact(std::min(busy_until_[i], to_ms) - phase_ms),
                             step.expanded.phase));
        ok = false;
      }
    }
    if (!ok) return false;
    for (ActuatorIndex a : used) {
      const auto i = static_cast<std::size_t>(a);
      busy_until_[i] = to_ms;
      claimed_by_[i] = index;
    }
    return true;
  }

  void emit(int index, const sdk::StepOutput& out, std::int64_t from_ms, std::int64_t travel_ms) {
    auto& commands = timeline_.commands;
    const std::int64_t window = from_ms + travel_ms;
    // Travel to the start pose.
    const auto pose = start_pose(out);
    for (const auto& [a, v] : pose) {
      const auto i = static_cast<std::size_t>(a);
      const ActuatorSpec& spec = chair_.actuator(a);
      if (std::abs(v - value_[i]) < 1e-9) continue;
      if (spec.max_rate <= 0.0 || travel_ms == 0) {
        commands.push_back({window, window, a, index, v, CommandSource::kTransition});
      } else {
        std::int64_t prev = 0;
        for (const auto& p :
             trapezoid_move(value_[i], v, travel_ms, spec.max_accel / kTravelMargin)) {
          commands.push_back(
              {from_ms + prev, from_ms + p.at_ms, a, index, p.value, CommandSource::kTransition});
          prev = p.at_ms;
        }
      }
      value_[i] = v;
    }
    // The technique's own ramps, each from where the previous one ended.
    std::vector<std::int64_t> since(chair_.actuator_count(), window);
    for (const auto& sp : out.setpoints) {
      const auto i = static_cast<std::size_t>(sp.actuator);
      if (sp.at_ms == 0) continue;  // part of the start pose
      const std::int64_t at = window + sp.at_ms;
      if (sp.value != value_[i]) {
        commands.push_back({since[i], at, sp.actuator, index, sp.value, CommandSource::kTechnique});
        value_[i] = sp.value;
      }
      since[i] = at;
    }
  }

  const ChairModel& chair_;
  const BodyModel& body_;
  const PlannerLimits& limits_;
  CallWatch* watch_;
  Timeline& timeline_;
  Diagnostics& d_;
  std::vector<double> value_;
  std::vector<std::int64_t> busy_until_;
  std::vector<int> claimed_by_;
  // Reused by check() for every plugin call.
  std::vector<double> scratch_last_;
  std::vector<std::uint8_t> scratch_touched_;
};

TimelineStep describe(const BoundStep& s) {
  TimelineStep t;
  t.name = s.expanded.name;
  t.technique = s.technique->name;
  t.zone = s.zone->name;
  t.phase = s.expanded.phase;
  t.track = s.expanded.track;
  t.where = s.expanded.where.self();
  t.start_ms = s.expanded.start_ms;
  t.end_ms = s.expanded.end_ms;
  t.intensity = s.intensity;
  t.tempo_cpm = s.tempo_cpm;
  return t;
}

// A manual session's change (StepReplacement) from from_ms on.
void replace_step(Plan& plan, std::size_t replaced, const StepReplacement& replacement,
                  std::int64_t from_ms, Generator& gen, const PlannerLimits& limits,
                  Diagnostics& d) {
  auto& old = plan.steps[replaced];
  const std::int64_t end_ms = old.expanded.end_ms;
  if (end_ms - from_ms < limits.min_technique_ms) {
    d.error({}, fmt::format("too little of the session is left to change what works ({} ms)",
                            std::max<std::int64_t>(0, end_ms - from_ms)));
    return;
  }
  // The old step ends where the new one starts: what it played before stays as it was.
  old.expanded.end_ms = from_ms;
  plan.timeline.steps[replaced].end_ms = from_ms;
  ExpandedStep next = replacement.step;
  next.start_ms = from_ms;
  next.end_ms = end_ms;
  const StepBinder binder(*plan.chair, *plan.catalog, *plan.body);
  auto bound = binder.bind(next, plan.options.scaling, d);
  if (!bound) return;
  // Everything that must rest and is not at rest when the new step starts, and that it does
  // not drive, is brought to rest: the step cut short, and whatever the changes before it left.
  // A manual session has one step at a time, so nothing else drives them.
  bound->rest_first.clear();
  for (const auto& a : plan.chair->actuators())
    if (a.must_rest()) bound->rest_first.push_back(a.index);
  const int index = static_cast<int>(plan.steps.size());
  plan.timeline.steps.push_back(describe(*bound));
  plan.steps.push_back(std::move(*bound));
  plan.sources.push_back(replacement.source);
  if (gen.run(plan.steps.back(), index, from_ms, end_ms, &plan.steps.back().rest_first) ==
      Generator::Result::kTooShort) {
    d.error({}, fmt::format("too little of the session is left to move to where '{}' starts",
                            plan.steps.back().technique->name));
  }
}

void sort_commands(std::vector<TimelineCommand>& commands) {
  std::stable_sort(commands.begin(), commands.end(),
                   [](const TimelineCommand& a, const TimelineCommand& b) {
                     if (a.start_ms != b.start_ms) return a.start_ms < b.start_ms;
                     if (a.actuator != b.actuator) return a.actuator < b.actuator;
                     return a.reach_ms < b.reach_ms;
                   });
}

std::vector<double> initial_values(const ChairModel& chair, const PlanOptions& options,
                                   Diagnostics& d) {
  if (options.initial_values.empty()) return chair.home_values();
  if (options.initial_values.size() != chair.actuator_count()) {
    d.error({}, "initial chair state does not match the chair's actuators");
    return chair.home_values();
  }
  std::vector<double> v = options.initial_values;
  for (const auto& a : chair.actuators()) {
    auto& x = v[static_cast<std::size_t>(a.index)];
    if (!std::isfinite(x)) x = a.home;
    x = std::clamp(x, a.min, a.max);
  }
  return v;
}

SessionScaling clamp_scaling(SessionScaling s) {
  s.intensity_scale =
      std::clamp(std::isfinite(s.intensity_scale) ? s.intensity_scale : 1.0, 0.2, 1.5);
  s.speed_scale = std::clamp(std::isfinite(s.speed_scale) ? s.speed_scale : 1.0, 0.5, 1.5);
  // A zone may only be softened, never made stronger than the session.
  for (auto& z : s.zones) z.factor = std::clamp(std::isfinite(z.factor) ? z.factor : 1.0, 0.3, 1.0);
  return s;
}

// The start of the line that says a program held the session's intensity (a re-plan replaces it).
constexpr std::string_view kHeldIntensity = "intensity held at ";

// Holds the session's intensity at the program's most, and says so in changes when it had to.
void hold_intensity(SessionScaling& scaling, double max_scale, std::vector<std::string>& changes) {
  std::erase_if(changes, [](const std::string& c) { return c.starts_with(kHeldIntensity); });
  if (scaling.intensity_scale <= max_scale) return;
  changes.push_back(
      fmt::format("{}{:.2f}x, asked {:.2f}x: this program is written to stay "
                  "at most that strong",
                  kHeldIntensity, max_scale, scaling.intensity_scale));
  scaling.intensity_scale = max_scale;
}

}  // namespace

Expected<std::shared_ptr<const Plan>, Diagnostics> Planner::plan(
    const ProgramRef& program, const ProgramResolver& resolver,
    const std::shared_ptr<const ChairModel>& chair,
    const std::shared_ptr<const TechniqueCatalog>& catalog, const PlanOptions& options,
    CallWatch* watch) const {
  Diagnostics d;
  auto plan = std::make_shared<Plan>();
  plan->chair = chair;
  plan->catalog = catalog;
  plan->options = options;
  plan->options.scaling = clamp_scaling(options.scaling);

  auto body = BodyModel::resolve(*chair, options.body);
  if (!body) {
    d.error({}, body.error());
    return Unexpected{std::move(d)};
  }
  plan->body = *body;

  ExpandedProgram expanded = expand_program(program, resolver, limits_.expansion, d);
  plan->written_duration_ms = expanded.duration_ms;
  std::vector<std::string> condition_changes = options.notes;
  // An included program's hold holds too: its steps are why it has one.
  for (const auto& source : expanded.sources) {
    const auto& m = source->program.metadata();
    if (m.has_max_intensity_scale() && std::isfinite(m.max_intensity_scale())) {
      plan->max_intensity_scale =
          std::min(plan->max_intensity_scale, std::clamp(m.max_intensity_scale(), 1.0, 1.5));
    }
  }
  plan->asked_intensity_scale = plan->options.scaling.intensity_scale;
  hold_intensity(plan->options.scaling, plan->max_intensity_scale, condition_changes);
  std::vector<GentleFill> fills;
  const bool written_steps = !expanded.steps.empty();
  if (const auto& sitter = plan->options.scaling.sitter)
    apply_sitter_rules(expanded, *sitter, *catalog, d, condition_changes, fills);
  plan->sources = expanded.sources;

  const StepBinder binder(*chair, *catalog, *plan->body);
  std::vector<BoundStep> bound;
  bound.reserve(expanded.steps.size());
  Diagnostics skipped;  // steps marked skip_if_chair_lacks that this chair cannot do
  for (const auto& step : expanded.steps) {
    if (auto b = binder.bind(step, plan->options.scaling, d, &skipped))
      bound.push_back(std::move(*b));
  }
  // Side work alone is no session: a chair that can do none of the steps refuses the program.
  if (bound.empty() && !skipped.empty()) {
    d.error(program->locator().self(),
            fmt::format("nothing is left to play on chair '{}': it lacks what every step needs, "
                        "and each is marked skip_if_chair_lacks",
                        chair->profile().id()));
  }
  // A session of rests is no session: the sitter's rules left nothing of the program.
  if (bound.empty() && written_steps && plan->options.scaling.sitter && !d.has_errors() &&
      skipped.empty()) {
    std::vector<std::string> why;
    for (const auto& r : plan->options.scaling.sitter->rules()) {
      if (r.action == RuleAction::kSkip &&
          std::find(why.begin(), why.end(), r.because()) == why.end())
        why.push_back(r.because());
    }
    d.error(program->locator().self(),
            fmt::format("nothing of this program is left for this sitter: their health answers "
                        "skip every step ({}); choose another program",
                        fmt::join(why, "; ")));
  }
  // A repeated step's problem, found in each round, is told once.
  if (d.has_errors()) return Unexpected{collapse_rounds(d)};

  std::stable_sort(bound.begin(), bound.end(), [](const BoundStep& a, const BoundStep& b) {
    return a.expanded.start_ms < b.expanded.start_ms;
  });
  // Gentle work fills a gap only where nothing else drives its actuators meanwhile (a parallel
  // track's rollers): otherwise the chair rests there.
  for (const auto& fill : fills) {
    const auto it = std::find_if(bound.begin(), bound.end(),
                                 [&](const BoundStep& b) { return b.expanded.step == fill.step; });
    if (it == bound.end()) continue;
    const bool clash = std::any_of(bound.begin(), bound.end(), [&](const BoundStep& other) {
      if (&other == &*it || other.expanded.start_ms >= it->expanded.end_ms ||
          other.expanded.end_ms <= it->expanded.start_ms)
        return false;
      for (std::size_t a = 0; a < other.allowed.size() && a < it->allowed.size(); ++a)
        if (other.allowed[a] != 0 && it->allowed[a] != 0) return true;
      return false;
    });
    if (clash) bound.erase(it);
  }

  Timeline& tl = plan->timeline;
  tl.program_id = program->id();
  tl.duration_ms = expanded.duration_ms;
  tl.initial_values = initial_values(*chair, options, d);
  tl.regions = plan->body->depth_regions(*chair);
  tl.steps.reserve(bound.size());
  for (const auto& s : bound) tl.steps.push_back(describe(s));

  for (const auto& fill : fills) {
    const bool runs = std::any_of(bound.begin(), bound.end(),
                                  [&](const BoundStep& b) { return b.expanded.step == fill.step; });
    condition_changes.push_back(runs ? fill.filled : fill.rested);  // rests: cannot, or clashes
  }
  // What the sitter's rules lowered, step by step, and the caps their body zones got.
  for (const auto& s : bound) {
    if (s.intensity_before_rules > 0.0) {
      const auto cap = plan->options.scaling.sitter->intensity_cap(s.technique->name, s.zone->name);
      condition_changes.push_back(fmt::format("step '{}': intensity {:.2f} lowered to {:.2f} ({})",
                                              s.expanded.name, s.intensity_before_rules,
                                              s.intensity, cap->rule->because()));
    }
    if (s.tempo_before_rules > 0.0) {
      const auto cap = plan->options.scaling.sitter->tempo_cap(s.technique->name, s.zone->name);
      condition_changes.push_back(fmt::format("step '{}': tempo {:.0f} cpm lowered to {:.0f} ({})",
                                              s.expanded.name, s.tempo_before_rules, s.tempo_cpm,
                                              cap->rule->because()));
    }
  }
  if (const auto& sitter = plan->options.scaling.sitter) {
    for (auto& line : describe_body_caps(*sitter, tl, *chair)) condition_changes.push_back(line);
  }
  tl.condition_changes = std::move(condition_changes);

  Generator gen(*chair, *plan->body, limits_, watch, tl, d);
  for (std::size_t i = 0; i < bound.size(); ++i) {
    (void)gen.run(bound[i], static_cast<int>(i), bound[i].expanded.start_ms,
                  bound[i].expanded.end_ms);
  }
  if (d.has_errors()) return Unexpected{collapse_rounds(d)};
  sort_commands(tl.commands);
  Diagnostics notes;
  for (const auto& s : tl.steps) {
    for (const auto& note : s.notes)
      notes.warning(s.where, fmt::format("step '{}': {}", s.name, note));
  }
  notes.append(skipped);
  plan->warnings = collapse_rounds(notes);
  plan->steps = std::move(bound);
  return std::shared_ptr<const Plan>(std::move(plan));
}

Expected<std::shared_ptr<const Plan>, Diagnostics> Planner::replan(
    const Plan& previous, std::int64_t from_ms, const PlanOptions& options, CallWatch* watch,
    const StepReplacement* replacement) const {
  Diagnostics d;
  auto plan = std::make_shared<Plan>();
  plan->chair = previous.chair;
  plan->catalog = previous.catalog;
  plan->sources = previous.sources;
  plan->options = options;
  plan->options.scaling = clamp_scaling(options.scaling);
  plan->options.initial_values = previous.options.initial_values;
  plan->max_intensity_scale = previous.max_intensity_scale;
  plan->asked_intensity_scale = plan->options.scaling.intensity_scale;
  std::vector<std::string> condition_changes = previous.timeline.condition_changes;
  hold_intensity(plan->options.scaling, plan->max_intensity_scale, condition_changes);
  auto body = BodyModel::resolve(*plan->chair, options.body);
  if (!body) {
    d.error({}, body.error());
    return Unexpected{std::move(d)};
  }
  plan->body = *body;
  plan->steps = previous.steps;
  for (auto& s : plan->steps) {
    if (s.zone->roller) s.span = plan->body->span(s.zone->name);
    StepBinder::scale(s, plan->options.scaling, *plan->body);
    // A new body can put a zone out of the rollers' reach (a taller sitter's thighs beyond a
    // short track): a step still to come that drives the rollers there has nowhere to work.
    if (s.expanded.end_ms <= from_ms || s.span || !drives_rollers(s, *plan->chair)) continue;
    d.error(s.expanded.where.at("zone"),
            fmt::format("step '{}': zone '{}' lies beyond the end of this chair's track for this "
                        "body",
                        s.expanded.name, s.zone->name));
  }
  if (d.has_errors()) return Unexpected{std::move(d)};
  Timeline& tl = plan->timeline;
  const Timeline& old = previous.timeline;
  tl.program_id = old.program_id;
  tl.duration_ms = old.duration_ms;
  tl.initial_values = old.initial_values;
  tl.regions = plan->body->depth_regions(*plan->chair);
  tl.steps = old.steps;
  tl.condition_changes = std::move(condition_changes);

  // The step a replacement takes over: the only one not over by from_ms, and under way then.
  std::optional<std::size_t> replaced;
  if (replacement != nullptr) {
    // An earlier change that has not begun yet (the step it cut still finishing its ramps) is
    // itself replaced: nothing of it has been kept.
    std::optional<std::int64_t> popped_end;
    while (plan->steps.size() > 1 && !plan->steps.back().rest_first.empty() &&
           plan->steps.back().expanded.start_ms >= from_ms) {
      popped_end = plan->steps.back().expanded.end_ms;
      plan->steps.pop_back();
      tl.steps.pop_back();
    }
    int left = 0;
    for (std::size_t i = 0; i < plan->steps.size(); ++i) {
      if (plan->steps[i].expanded.end_ms <= from_ms) continue;
      ++left;
      replaced = i;
    }
    if (left != 1 || plan->steps[*replaced].expanded.start_ms >= from_ms) {
      d.error({},
              "only a manual session's technique and zone can be changed (this session has "
              "more than one step ahead)");
      return Unexpected{std::move(d)};
    }
    // The step that change had cut runs to where it did again, until this change cuts it.
    if (popped_end) {
      plan->steps[*replaced].expanded.end_ms = *popped_end;
      tl.steps[*replaced].end_ms = *popped_end;
    }
  }
  tl.commands.reserve(old.commands.size());

  // Steps in progress at from_ms are planned again for what is left of them, after whatever
  // ramp of theirs is still under way.
  std::vector<std::int64_t> resume(plan->steps.size(), 0);
  std::vector<std::vector<ActuatorIndex>> carried(plan->steps.size());
  for (const auto& c : old.commands) {
    if (c.start_ms >= from_ms) continue;
    tl.commands.push_back(c);
    if (c.step >= 0) {
      const auto k = static_cast<std::size_t>(c.step);
      resume[k] = std::max(resume[k], c.reach_ms);
      if (std::find(carried[k].begin(), carried[k].end(), c.actuator) == carried[k].end()) {
        carried[k].push_back(c.actuator);
      }
    }
  }
  Generator gen(*plan->chair, *plan->body, limits_, watch, tl, d);
  gen.replay(tl.commands);
  for (std::size_t i = 0; i < plan->steps.size(); ++i) {
    const auto& s = plan->steps[i];
    if (s.expanded.end_ms <= from_ms || (replaced && i == *replaced)) continue;
    auto& ts = tl.steps[i];
    const bool in_progress = s.expanded.start_ms < from_ms;
    const std::int64_t from = std::max({s.expanded.start_ms, from_ms, resume[i]});
    bool keep = in_progress && s.expanded.end_ms - from < limits_.min_technique_ms;
    if (!keep) {
      // What it must bring to rest: what it drove so far, and what a step it replaced left.
      std::vector<ActuatorIndex> to_rest = s.rest_first;
      if (in_progress) to_rest.insert(to_rest.end(), carried[i].begin(), carried[i].end());
      const bool resting = in_progress || !s.rest_first.empty();
      const auto result =
          gen.run(s, static_cast<int>(i), from, s.expanded.end_ms, resting ? &to_rest : nullptr);
      keep = result == Generator::Result::kTooShort;
      if (result == Generator::Result::kPlanned) {
        ts.intensity = s.intensity;
        ts.tempo_cpm = s.tempo_cpm;
      }
    }
    if (keep) {
      // Too little left to plan again: the rest of the step plays as it was planned.
      std::vector<TimelineCommand> rest;
      for (const auto& c : old.commands) {
        if (c.start_ms >= from_ms && c.step == static_cast<int>(i)) rest.push_back(c);
      }
      gen.replay(rest);
      tl.commands.insert(tl.commands.end(), rest.begin(), rest.end());
    }
  }
  if (replaced)
    replace_step(*plan, *replaced, *replacement, std::max(from_ms, resume[*replaced]), gen, limits_,
                 d);
  if (d.has_errors()) return Unexpected{std::move(d)};
  sort_commands(tl.commands);
  return std::shared_ptr<const Plan>(std::move(plan));
}

}  // namespace chaird
