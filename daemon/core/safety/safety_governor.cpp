#include "safety/safety_governor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/duration_text.hpp"
#include "safety/energy_ledger.hpp"
#include "safety/safe_state.hpp"
#include "timeline/actuator_path.hpp"
#include "timeline/motion_profile.hpp"

namespace chaird {
namespace {

// Ramps computed on a ms grid may exceed a limit by rounding; anything beyond this is real.
constexpr double kRateTolerance = 1.02;
constexpr double kAccelTolerance = 1.10;
// Run-time margins over the limits before tripping (sensor noise, thermal overshoot).
constexpr double kPressureTripFactor = 1.10;
constexpr double kHeatTripMarginC = 3.0;
constexpr std::int64_t kSessionOverrunGraceMs = 60'000;
// A pause in heating shorter than this does not end a stretch of it.
constexpr std::int64_t kMinHeatBreakMs = 60'000;
// A motor slower than this (rpm, Hz) is at a stop.
constexpr double kStoppedSpeed = 1e-6;
// Ramps on a ms grid may overshoot a depth limit by rounding; anything beyond this is real.
constexpr double kDepthToleranceMm = 0.05;

SourceLocation where_of(const Timeline& tl, const TimelineCommand& c) {
  return c.step >= 0 ? tl.steps[static_cast<std::size_t>(c.step)].where : SourceLocation{};
}

std::string who_of(const Timeline& tl, const TimelineCommand& c) {
  if (c.step < 0) return "safety";
  const auto& s = tl.steps[static_cast<std::size_t>(c.step)];
  return fmt::format("step '{}' ({})", s.name, s.technique);
}

// The sitter's changes as listed. A change to one step (the planner's "step '<name>': ..."
// lines, one or two for each step a rule or a gentle fill touched) grows with the program:
// the first kMaxListedAdaptations are listed, then one that counts the rest. The others (the
// feedback's notes, an intensity the program holds, the caps on body zones) are few and say
// the most: all of them, in order. The timeline keeps every line.
std::vector<std::string> listed_adaptations(const std::vector<std::string>& changes) {
  const auto of_a_step = [](const std::string& line) { return line.rfind("step '", 0) == 0; };
  const auto steps =
      static_cast<std::size_t>(std::count_if(changes.begin(), changes.end(), of_a_step));
  if (steps <= kMaxListedAdaptations) return changes;
  std::vector<std::string> listed;
  std::size_t step_lines = 0;
  for (const auto& line : changes) {
    if (!of_a_step(line)) {
      listed.push_back(line);
    } else if (++step_lines <= kMaxListedAdaptations) {
      listed.push_back(line);
      if (step_lines == kMaxListedAdaptations) {
        listed.push_back(fmt::format("{} more adaptations for this sitter are not listed",
                                     steps - kMaxListedAdaptations));
      }
    }
  }
  return listed;
}

}  // namespace

SafetyGovernor::SafetyGovernor(std::shared_ptr<const ChairModel> chair, SessionLimits limits)
    : chair_(std::move(chair)), sitter_(std::move(limits.sitter)) {
  max_session_ms_ = chair_->limits().max_session_ms();
  if (limits.max_session_ms > 0) max_session_ms_ = std::min(max_session_ms_, limits.max_session_ms);
}

Expected<std::shared_ptr<const GovernedTimeline>, Diagnostics> SafetyGovernor::review(
    Timeline tl, const EnergyHistory& history) const {
  Diagnostics d;
  std::vector<std::string> adaptations;
  if (tl.initial_values.size() != chair_->actuator_count()) {
    d.error({}, "timeline does not match this chair's actuators");
    return Unexpected{std::move(d)};
  }
  check_commands(tl, history, d);
  check_sitter_rules(tl, d);
  if (d.has_errors()) return Unexpected{std::move(d)};
  // The rules' changes, now checked, come first: they are the sitter's own.
  adaptations = listed_adaptations(tl.condition_changes);
  end_safe(tl, adaptations);
  if (tl.duration_ms > max_session_ms_) {
    d.error({}, fmt::format("the session would last {}; this chair allows at most {}",
                            format_mmss(tl.duration_ms), format_mmss(max_session_ms_)));
    return Unexpected{std::move(d)};
  }
  return std::shared_ptr<const GovernedTimeline>(new GovernedTimeline(
      std::move(tl), std::move(adaptations), chair_, SessionLimits{max_session_ms_, sitter_}));
}

void SafetyGovernor::check_sitter_rules(const Timeline& tl, Diagnostics& d) const {
  if (sitter_ == nullptr || sitter_->empty()) return;
  // Intensity and tempo are what the techniques were told, rounded on the way.
  constexpr double kCapTolerance = 1e-9;
  for (const auto& s : tl.steps) {
    const std::string who = fmt::format("step '{}' ({} on {})", s.name, s.technique, s.zone);
    if (const ConditionRule* r = sitter_->program_refusal()) {
      d.error(s.where, fmt::format("{}: the program must not run: {}", who, r->because()));
      return;
    }
    if (const ConditionRule* r = sitter_->step_refusal(s.technique, s.zone)) {
      d.error(s.where, fmt::format("{}: must not run: {}", who, r->because()));
    } else if (const ConditionRule* skip = sitter_->skip_of(s.technique, s.zone)) {
      d.error(s.where, fmt::format("{}: must be skipped: {}", who, skip->because()));
    }
    if (auto cap = sitter_->intensity_cap(s.technique, s.zone);
        cap && s.intensity > cap->value + kCapTolerance) {
      d.error(s.where, fmt::format("{}: intensity {:.2f} is above {:.2f}: {}", who, s.intensity,
                                   cap->value, cap->rule->because()));
    }
    if (auto cap = sitter_->tempo_cap(s.technique, s.zone);
        cap && s.tempo_cpm > cap->value + kCapTolerance) {
      d.error(s.where, fmt::format("{}: tempo {:.0f} cpm is above {:.0f}: {}", who, s.tempo_cpm,
                                   cap->value, cap->rule->because()));
    }
  }
}

void SafetyGovernor::check_commands(const Timeline& tl, const EnergyHistory& history,
                                    Diagnostics& d) const {
  const auto n = static_cast<ActuatorIndex>(chair_->actuator_count());
  std::vector<std::vector<const TimelineCommand*>> by_actuator(chair_->actuator_count());
  std::int64_t previous_start = 0;
  for (const auto& c : tl.commands) {
    if (c.actuator < 0 || c.actuator >= n) {
      d.error(where_of(tl, c),
              fmt::format("{}: command for unknown actuator #{}", who_of(tl, c), c.actuator));
      continue;
    }
    const ActuatorSpec& a = chair_->actuator(c.actuator);
    if (c.start_ms < previous_start || c.reach_ms < c.start_ms || c.start_ms < 0 ||
        c.reach_ms > tl.duration_ms) {
      d.error(where_of(tl, c),
              fmt::format("{}: {} command at {}..{} ms is out of order or outside "
                          "the session's {} ms",
                          who_of(tl, c), a.id, c.start_ms, c.reach_ms, tl.duration_ms));
      continue;
    }
    previous_start = c.start_ms;
    if (!std::isfinite(c.value) || c.value < a.min || c.value > a.max) {
      d.error(where_of(tl, c),
              fmt::format("{}: {} {} {} is outside the allowed {}..{} {}", who_of(tl, c), a.id,
                          c.value, a.unit, a.min, a.max, a.unit));
      continue;
    }
    by_actuator[static_cast<std::size_t>(c.actuator)].push_back(&c);
  }
  for (ActuatorIndex a = 0; a < n; ++a) {
    check_motion(tl, a, by_actuator[static_cast<std::size_t>(a)], d);
    check_energy(tl, a, by_actuator[static_cast<std::size_t>(a)], history, d);
  }
  check_depth(tl, by_actuator, d);
}

namespace {

// The part [lo, hi] of [0, 1] where a + s (b - a) lies within [from, to]; lo > hi when none.
std::pair<double, double> share_within(double a, double b, double from, double to) {
  if (std::abs(b - a) < 1e-12)
    return a >= from && a <= to ? std::pair{0.0, 1.0} : std::pair{1.0, 0.0};
  const double s1 = (from - a) / (b - a);
  const double s2 = (to - a) / (b - a);
  return {std::max(0.0, std::min(s1, s2)), std::min(1.0, std::max(s1, s2))};
}

}  // namespace

void SafetyGovernor::check_depth(
    const Timeline& tl, const std::vector<std::vector<const TimelineCommand*>>& by_actuator,
    Diagnostics& d) const {
  const auto& limits = chair_->limits();
  const auto depth = chair_->find("roller.depth");
  const auto position = chair_->find("roller.position");
  if (limits.roller_depth_size() == 0 || !depth || !position) return;
  const auto& depth_cmds = by_actuator[static_cast<std::size_t>(*depth)];
  if (tl.regions.empty()) {
    // Only a plan knows where the body is; without it the rollers may only hold or lift off
    // (a cool-down), never press deeper than where the timeline found them.
    double value = tl.initial_values[static_cast<std::size_t>(*depth)];
    for (const TimelineCommand* c : depth_cmds) {
      if (c->value > value + kDepthToleranceMm) {
        d.error(where_of(tl, *c),
                fmt::format("{}: roller.depth presses to {:.3g} mm, but this timeline does not "
                            "say where the sitter's body is, so its depth limits cannot be "
                            "checked",
                            who_of(tl, *c), c->value));
        return;
      }
      value = c->value;
    }
    return;
  }
  const auto width = chair_->find("roller.width");
  const std::vector<PathKnot> p =
      path_of(tl, *position, by_actuator[static_cast<std::size_t>(*position)]);
  const std::vector<PathKnot> z = path_of(tl, *depth, depth_cmds);
  const std::vector<PathKnot> w =
      width ? path_of(tl, *width, by_actuator[static_cast<std::size_t>(*width)])
            : std::vector<PathKnot>{};
  std::vector<std::int64_t> times;
  for (const auto* path : {&p, &z, &w}) {
    for (const PathKnot& k : *path) times.push_back(k.at_ms);
  }
  times.push_back(tl.duration_ms);
  std::sort(times.begin(), times.end());
  times.erase(std::unique(times.begin(), times.end()), times.end());
  const double midline = limits.midline_width_mm();

  // The command that set the depth at t, to place the refusal at its step.
  const auto culprit = [&](std::int64_t t) {
    const TimelineCommand* found = nullptr;
    for (const TimelineCommand* c : depth_cmds) {
      if (c->start_ms > t) break;
      found = c;
    }
    return found;
  };
  const auto refuse = [&](const chair::v1::RollerDepthLimit& limit, std::int64_t t, double depth_mm,
                          double at_mm, bool over_midline) {
    const TimelineCommand none{};
    const TimelineCommand* c = culprit(t);
    const TimelineCommand& at = c != nullptr ? *c : none;
    d.error(
        where_of(tl, at),
        fmt::format("{}: roller.depth reaches {:.1f} mm at {} ms with the rollers at {:.0f} mm, "
                    "{}the {}; this chair allows at most {:.3g} mm there{}",
                    who_of(tl, at), depth_mm, t, at_mm,
                    over_midline ? "narrow over the spine at " : "over ", limit.region(),
                    over_midline ? limit.max_depth_midline_mm() : limit.max_depth_mm(),
                    over_midline ? " with the rollers this narrow" : ""));
  };
  for (const auto& limit : limits.roller_depth()) {
    const auto region = std::find_if(tl.regions.begin(), tl.regions.end(),
                                     [&](const BodyRegion& r) { return r.name == limit.region(); });
    if (region == tl.regions.end()) continue;  // no room for it on this track for this body
    for (std::size_t k = 0; k + 1 < times.size(); ++k) {
      const std::int64_t ta = times[k];
      const std::int64_t tb = times[k + 1];
      const double pa = value_on(p, ta), pb = value_on(p, tb);
      const double za = value_on(z, ta), zb = value_on(z, tb);
      const auto [lo, hi] = share_within(pa, pb, region->from_mm, region->to_mm);
      if (lo > hi) continue;
      const auto t_at = [&](double s) {
        return ta + static_cast<std::int64_t>(std::llround(s * static_cast<double>(tb - ta)));
      };
      const auto depth_at = [&](double s) { return za + s * (zb - za); };
      const auto pos_at = [&](double s) { return pa + s * (pb - pa); };
      // Depth and position are linear here, so the deepest point is at an end.
      const double s_deep = depth_at(lo) >= depth_at(hi) ? lo : hi;
      if (depth_at(s_deep) > limit.max_depth_mm() + kDepthToleranceMm) {
        refuse(limit, t_at(s_deep), depth_at(s_deep), pos_at(s_deep), false);
        break;
      }
      if (midline <= 0.0 || w.empty()) continue;
      const auto [mlo, mhi] = share_within(value_on(w, ta), value_on(w, tb),
                                           -std::numeric_limits<double>::max(), midline);
      const double from = std::max(lo, mlo), to = std::min(hi, mhi);
      if (from > to) continue;
      const double s_narrow = depth_at(from) >= depth_at(to) ? from : to;
      if (depth_at(s_narrow) > limit.max_depth_midline_mm() + kDepthToleranceMm) {
        refuse(limit, t_at(s_narrow), depth_at(s_narrow), pos_at(s_narrow), true);
        break;
      }
    }
  }
}

void SafetyGovernor::check_motion(const Timeline& tl, ActuatorIndex index,
                                  const std::vector<const TimelineCommand*>& cmds,
                                  Diagnostics& d) const {
  const ActuatorSpec& a = chair_->actuator(index);
  double value = tl.initial_values[static_cast<std::size_t>(index)];
  std::int64_t end = 0;
  double last_slope = 0.0;
  double last_seconds = 0.0;
  // A motor that turns both ways must come to a stop, and rest, before it turns the other way.
  const bool two_way = a.kind == chair::v1::SPEED && a.min < 0.0 && a.max > 0.0;
  const std::int64_t rest_ms = chair_->motor_reverse_rest_ms();
  const auto direction = [](double v) {
    return v > kStoppedSpeed ? 1 : v < -kStoppedSpeed ? -1 : 0;
  };
  int turning = direction(value);
  // When the motor came to a stop; long ago when the timeline starts at rest.
  std::optional<std::int64_t> stopped_ms;
  if (turning == 0) stopped_ms = std::numeric_limits<std::int64_t>::min() / 2;
  auto accel_ok = [&](double slope, double seconds) {
    if (a.max_accel <= 0.0) return true;
    const double change = std::abs(slope - last_slope);
    return change <= a.max_accel * std::max(seconds, last_seconds) * kAccelTolerance + 1e-9;
  };
  for (const TimelineCommand* c : cmds) {
    if (c->start_ms < end) {
      d.error(where_of(tl, *c),
              fmt::format("{}: {} gets a new ramp at {} ms while the previous one "
                          "runs until {} ms",
                          who_of(tl, *c), a.id, c->start_ms, end));
      return;
    }
    if (c->start_ms > end) {  // holding still in between
      const double hold_s = static_cast<double>(c->start_ms - end) / 1000.0;
      if (!accel_ok(0.0, hold_s)) {
        d.error(where_of(tl, *c), fmt::format("{}: {} stops from {:.3g} {}/s at {} ms faster than "
                                              "its {} {}/s² allow",
                                              who_of(tl, *c), a.id, std::abs(last_slope), a.unit,
                                              end, a.max_accel, a.unit));
        return;
      }
      last_slope = 0.0;
      last_seconds = hold_s;
    }
    const int to = direction(c->value);
    if (two_way && to != 0 && turning != 0 && to != turning) {
      if (!stopped_ms) {
        d.error(where_of(tl, *c),
                fmt::format("{}: {} turns from {:.3g} to {:.3g} {} at {} ms without stopping; it "
                            "must stop and rest {} ms before it turns the other way",
                            who_of(tl, *c), a.id, value, c->value, a.unit, c->start_ms, rest_ms));
        return;
      }
      if (c->start_ms - *stopped_ms < rest_ms) {
        d.error(where_of(tl, *c),
                fmt::format("{}: {} rests {} ms before it turns the other way at {} ms; it must "
                            "rest {} ms",
                            who_of(tl, *c), a.id, c->start_ms - *stopped_ms, c->start_ms, rest_ms));
        return;
      }
    }
    const double change = c->value - value;
    const double seconds = static_cast<double>(c->reach_ms - c->start_ms) / 1000.0;
    if (std::abs(change) > 1e-9 && a.max_rate > 0.0) {
      const double rate = seconds > 0.0 ? std::abs(change) / seconds : INFINITY;
      if (rate > a.max_rate * kRateTolerance) {
        d.error(where_of(tl, *c),
                fmt::format("{}: {} moves {:.3g} {} in {} ms ({:.3g} {}/s); its limit is {} {}/s",
                            who_of(tl, *c), a.id, std::abs(change), a.unit,
                            c->reach_ms - c->start_ms, rate, a.unit, a.max_rate, a.unit));
        return;
      }
    }
    if (seconds > 0.0) {
      const double slope = change / seconds;
      if (!accel_ok(slope, seconds)) {
        d.error(where_of(tl, *c), fmt::format("{}: {} changes speed by {:.3g} {}/s at {} ms, more "
                                              "than its {} {}/s² allow",
                                              who_of(tl, *c), a.id, std::abs(slope - last_slope),
                                              a.unit, c->start_ms, a.max_accel, a.unit));
        return;
      }
      last_slope = slope;
      last_seconds = seconds;
    }
    value = c->value;
    end = c->reach_ms;
    if (direction(value) == 0) {
      if (!stopped_ms) stopped_ms = c->reach_ms;
    } else {
      turning = direction(value);
      stopped_ms.reset();
    }
  }
}

namespace {

// A stretch during which an output counts as on, in ms of the timeline (history before 0), and
// the command that began it (null when it began before this timeline).
struct OnStretch {
  std::int64_t from_ms = 0;
  std::int64_t to_ms = 0;
  const TimelineCommand* began = nullptr;
};

// The stretches where an actuator's target is above threshold, measured where each ramp crosses
// it (so that a bag venting and refilling at once still shows the seconds it spends below). A
// break shorter than min_break_ms does not end a stretch: switching a heater off and on again
// at once, or dipping a bag for a moment, must not reset a clock. before: the stretch the output
// was in before the timeline began (negative times), still open if it is above threshold now.
std::vector<OnStretch> on_stretches(const Timeline& tl, ActuatorIndex index,
                                    const std::vector<const TimelineCommand*>& cmds,
                                    double threshold, std::int64_t min_break_ms,
                                    std::optional<OnStretch> before) {
  std::vector<OnStretch> out;
  double value = tl.initial_values[static_cast<std::size_t>(index)];
  bool above = value > threshold;
  if (above) {
    out.push_back({before ? before->from_ms : 0, tl.duration_ms, nullptr});
  } else if (before) {
    out.push_back(*before);  // dipped just before: filled again soon, the stretch goes on
  }
  auto crossing = [&](const TimelineCommand& c) {
    if (c.reach_ms == c.start_ms || c.value == value) return c.start_ms;
    const double f = std::clamp((threshold - value) / (c.value - value), 0.0, 1.0);
    return c.start_ms + static_cast<std::int64_t>(
                            std::llround(f * static_cast<double>(c.reach_ms - c.start_ms)));
  };
  for (const TimelineCommand* c : cmds) {
    const bool now_above = c->value > threshold;
    if (now_above && !above) {
      const std::int64_t t = crossing(*c);
      if (!out.empty() && t - out.back().to_ms < min_break_ms) {
        out.back().to_ms = tl.duration_ms;  // the break was too short: the stretch goes on
      } else {
        out.push_back({t, tl.duration_ms, c});
      }
    } else if (!now_above && above) {
      out.back().to_ms = crossing(*c);
    }
    above = now_above;
    value = c->value;
  }
  return out;
}

}  // namespace

void SafetyGovernor::check_energy(const Timeline& tl, ActuatorIndex index,
                                  const std::vector<const TimelineCommand*>& cmds,
                                  const EnergyHistory& history, Diagnostics& d) const {
  const ActuatorSpec& a = chair_->actuator(index);
  const auto i = static_cast<std::size_t>(index);
  const auto relative_ms = [&](ChairTime t) { return to_ms(t - history.at); };
  if (a.kind == chair::v1::PRESSURE) {
    // The hold clock runs on across timelines: a cool-down, a re-plan or a session started
    // during a dip too short to be a break continues it.
    std::optional<OnStretch> before;
    if (i < history.held_since.size() && history.held_since[i]) {
      before =
          OnStretch{std::min<std::int64_t>(0, relative_ms(*history.held_since[i])), 0, nullptr};
      if (i < history.dipped_at.size() && history.dipped_at[i])
        before->to_ms = std::min<std::int64_t>(0, relative_ms(*history.dipped_at[i]));
    }
    const std::int64_t max_ms = chair_->limits().airbag_max_hold_ms();
    for (const auto& stretch : on_stretches(tl, index, cmds, airbag_hold_threshold_kpa(*chair_),
                                            kMinAirbagBreakMs, before)) {
      const std::int64_t held = stretch.to_ms - stretch.from_ms;
      if (held <= max_ms) continue;
      const TimelineCommand none{};
      const TimelineCommand& at = stretch.began != nullptr ? *stretch.began : none;
      d.error(where_of(tl, at),
              fmt::format("{}: {} stays inflated for {} without a break{}; the limit is {}",
                          who_of(tl, at), a.id, format_mmss(held),
                          stretch.from_ms < 0 ? fmt::format(" ({} of it before this plan)",
                                                            format_mmss(-stretch.from_ms))
                                              : "",
                          format_mmss(max_ms)));
      return;
    }
    return;
  }
  if (a.kind != chair::v1::TEMPERATURE) return;

  // Heat: at most heat_max_on_ms within any heat_window_ms, this timeline and the chair's recent
  // past together, so that starting again does not give another full dose of heat.
  const auto& limits = chair_->limits();
  const std::int64_t window = limits.heat_window_ms();
  const std::int64_t max_ms = limits.heat_max_on_ms();
  std::vector<OnStretch> stretches;
  if (i < history.heat_on.size()) {
    for (const auto& [from, to] : history.heat_on[i])
      stretches.push_back({relative_ms(from), std::min<std::int64_t>(0, relative_ms(to)), nullptr});
  }
  const std::size_t planned_from = stretches.size();
  for (const auto& s : on_stretches(tl, index, cmds, 0.0, kMinHeatBreakMs, std::nullopt))
    stretches.push_back(s);
  const auto on_within = [&](std::int64_t end) {
    std::int64_t total = 0;
    for (const auto& s : stretches)
      total +=
          std::max<std::int64_t>(0, std::min(s.to_ms, end) - std::max(s.from_ms, end - window));
    return total;
  };
  for (std::size_t k = planned_from; k < stretches.size(); ++k) {
    // The most heat a window holds is found with its end at the end of a stretch, or its start
    // at the start of one.
    for (const std::int64_t end : {stretches[k].to_ms, stretches[k].from_ms + window}) {
      const std::int64_t total = on_within(end);
      if (total <= max_ms) continue;
      std::int64_t before = 0;
      for (std::size_t h = 0; h < planned_from; ++h)
        before += std::max<std::int64_t>(
            0, std::min(stretches[h].to_ms, end) - std::max(stretches[h].from_ms, end - window));
      const TimelineCommand none{};
      const TimelineCommand& at = stretches[k].began != nullptr ? *stretches[k].began : none;
      d.error(where_of(tl, at),
              fmt::format("{}: {} heats for {} within {}{}; the limit is {} in any {}",
                          who_of(tl, at), a.id, format_mmss(total), format_mmss(window),
                          before > 0 ? fmt::format(", {} of it in earlier sessions: let the "
                                                   "chair rest before heating again",
                                                   format_mmss(before))
                                     : "",
                          format_mmss(max_ms), format_mmss(window)));
      return;
    }
  }
}

void SafetyGovernor::end_safe(Timeline& tl, std::vector<std::string>& adaptations) const {
  const std::vector<double> final = tl.targets_at(tl.duration_ms);
  const std::size_t program_commands = tl.commands.size();
  std::int64_t end = tl.duration_ms;
  for (const auto& a : chair_->actuators()) {
    const double v = final[static_cast<std::size_t>(a.index)];
    const std::int64_t ramp_ms = append_ramp_to_safe(tl, a, v, tl.duration_ms, 0);
    if (ramp_ms == 0) continue;
    end = std::max(end, tl.duration_ms + ramp_ms);
    adaptations.push_back(
        fmt::format("the program leaves {} at {:.3g} {} at its end; the governor "
                    "returns it to {:.3g} {}",
                    a.id, v, a.unit, a.safe_value, a.unit));
  }
  // Each actuator's return was appended whole; the executor plays commands in start order,
  // so interleave them (a later one would otherwise reach the board after its due time).
  std::stable_sort(tl.commands.begin() + static_cast<std::ptrdiff_t>(program_commands),
                   tl.commands.end(), [](const TimelineCommand& x, const TimelineCommand& y) {
                     return x.start_ms != y.start_ms ? x.start_ms < y.start_ms
                                                     : x.actuator < y.actuator;
                   });
  tl.duration_ms = end;
}

double SafetyGovernor::tracking_allowance(const ActuatorSpec& a) const {
  const double range = a.max - a.min;
  return a.unit == "mm" ? std::min(chair_->limits().max_tracking_error_mm(), 0.25 * range)
                        : 0.1 * range;
}

std::optional<SafetyTrip> SafetyGovernor::watch(const Telemetry& t, std::int64_t session_ms) const {
  if (t.faults != kFaultNone) {
    return SafetyTrip{fault_code_of_board(t.faults),
                      t.fault_text.empty() ? "the chair's board reported a fault" : t.fault_text,
                      t.at};
  }
  const auto& limits = chair_->limits();
  for (const auto& a : chair_->actuators()) {
    const auto i = static_cast<std::size_t>(a.index);
    if (i >= t.measured.size()) break;
    const double m = t.measured[i];
    if (a.kind == chair::v1::PRESSURE && m > limits.max_airbag_kpa() * kPressureTripFactor) {
      return SafetyTrip{chair::v1::OVER_PRESSURE,
                        fmt::format("{} measured {:.1f} kPa, over the {:.0f} kPa limit", a.id, m,
                                    limits.max_airbag_kpa()),
                        t.at};
    }
    if (a.kind == chair::v1::TEMPERATURE && m > limits.max_heat_c() + kHeatTripMarginC) {
      return SafetyTrip{chair::v1::OVER_TEMPERATURE,
                        fmt::format("{} measured {:.1f} °C, over the {:.0f} °C limit", a.id, m,
                                    limits.max_heat_c()),
                        t.at};
    }
    if (a.kind == chair::v1::POSITION && i < t.commanded.size()) {
      const double error = std::abs(t.commanded[i] - m);
      if (error > tracking_allowance(a)) {
        return SafetyTrip{chair::v1::OBSTRUCTION,
                          fmt::format("{} is {:.0f} {} from where it should be: stalled or "
                                      "obstructed",
                                      a.id, error, a.unit),
                          t.at};
      }
    }
  }
  if (session_ms > max_session_ms_ + kSessionOverrunGraceMs) {
    return SafetyTrip{
        chair::v1::SESSION_OVERRUN,
        fmt::format("the session ran past its {} maximum", format_mmss(max_session_ms_)), t.at};
  }
  return std::nullopt;
}

}  // namespace chaird
