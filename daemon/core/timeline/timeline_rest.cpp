#include "timeline/timeline_rest.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "timeline/motion_profile.hpp"

namespace chaird {
namespace {

// The lead-in moves at half an actuator's limits: a sitter coming back to the chair is not
// met at full speed.
constexpr double kLeadInShare = 0.5;
// Below this a difference is rounding, not a move.
constexpr double kSameValue = 1e-9;

std::int64_t ceil_ms(double seconds) {
  return bounded_move_ms(std::ceil(seconds * 1000.0 - 1e-6));
}

}  // namespace

TimelineRest rest_of_timeline(const ChairModel& chair, const Timeline& timeline,
                              std::int64_t from_ms, std::span<const double> current) {
  from_ms = std::clamp<std::int64_t>(from_ms, 0, timeline.duration_ms);
  const std::vector<double> there = timeline.targets_at(from_ms);
  const std::size_t n = chair.actuator_count();

  // The lead-in of each actuator, and the speed its first command after from_ms asks for.
  std::vector<std::int64_t> lead_ms(n, 0);
  std::vector<double> first_slope(n, 0.0);
  std::vector<bool> seen(n, false);
  std::vector<double> value_before = there;
  for (const auto& c : timeline.commands) {
    if (c.reach_ms <= from_ms && c.start_ms < from_ms) continue;
    const auto i = static_cast<std::size_t>(c.actuator);
    if (i >= n || seen[i]) continue;
    seen[i] = true;
    const std::int64_t begin = std::max(c.start_ms, from_ms);
    if (c.reach_ms > begin) {
      first_slope[i] =
          (c.value - value_before[i]) / (static_cast<double>(c.reach_ms - begin) / 1000.0);
    }
  }
  std::int64_t lead_end_ms = 0;
  std::int64_t hold_ms = 0;
  for (const auto& a : chair.actuators()) {
    const auto i = static_cast<std::size_t>(a.index);
    const double delta = i < current.size() ? std::abs(there[i] - current[i]) : 0.0;
    if (delta > kSameValue) {
      std::int64_t ms = 0;
      if (a.max_rate > 0.0) ms = ceil_ms(delta / (kLeadInShare * a.max_rate));
      // From rest, its speed d/T may change by at most accel × T: T >= sqrt(d / accel).
      if (a.max_accel > 0.0)
        ms = std::max(ms, ceil_ms(std::sqrt(delta / (kLeadInShare * a.max_accel))));
      lead_ms[i] = ms;
      lead_end_ms = std::max(lead_end_ms, ms);
    }
    // After the lead-in it rests, long enough to reach the timeline's speed from rest.
    if (a.max_accel > 0.0 && std::abs(first_slope[i]) > kSameValue) {
      hold_ms = std::max(hold_ms, ceil_ms(std::abs(first_slope[i]) / (kLeadInShare * a.max_accel)));
    }
  }
  const std::int64_t lead_in_ms = lead_end_ms + hold_ms;
  const std::int64_t shift_ms = lead_in_ms - from_ms;

  TimelineRest rest;
  rest.lead_in_ms = lead_in_ms;
  Timeline& tl = rest.timeline;
  tl.program_id = timeline.program_id;
  tl.duration_ms = timeline.duration_ms - from_ms + lead_in_ms;
  tl.initial_values.assign(current.begin(), current.end());
  tl.initial_values.resize(n, 0.0);
  tl.regions = timeline.regions;
  tl.condition_changes = timeline.condition_changes;
  for (const auto& a : chair.actuators()) {
    const auto i = static_cast<std::size_t>(a.index);
    if (std::abs(there[i] - tl.initial_values[i]) > kSameValue) {
      tl.commands.push_back({0, lead_ms[i], a.index, -1, there[i], CommandSource::kTransition});
    }
  }
  for (const auto& c : timeline.commands) {
    if (c.reach_ms <= from_ms && c.start_ms < from_ms) continue;
    TimelineCommand moved = c;
    if (c.start_ms < from_ms) {
      // A ramp under way at from_ms goes on from where it had got to.
      moved.start_ms = lead_in_ms;
    } else {
      moved.start_ms = c.start_ms + shift_ms;
    }
    moved.reach_ms = c.reach_ms + shift_ms;
    tl.commands.push_back(moved);
  }
  std::stable_sort(tl.commands.begin(), tl.commands.end(), [](const auto& x, const auto& y) {
    return x.start_ms != y.start_ms ? x.start_ms < y.start_ms : x.actuator < y.actuator;
  });
  tl.steps = timeline.steps;
  for (auto& s : tl.steps) {
    s.start_ms = std::max<std::int64_t>(0, s.start_ms + shift_ms);
    s.end_ms = std::max<std::int64_t>(0, s.end_ms + shift_ms);
  }
  return rest;
}

Timeline splice_from(const Timeline& playing, const Timeline& program, std::int64_t from_ms,
                     std::int64_t shift_ms) {
  Timeline tl;
  tl.program_id = playing.program_id;
  tl.duration_ms = playing.duration_ms;
  tl.initial_values = playing.initial_values;
  tl.regions = playing.regions;
  tl.condition_changes = program.condition_changes;  // the re-plan's, as the governor checked
  for (const auto& c : playing.commands) {
    if (c.start_ms < from_ms) tl.commands.push_back(c);
  }
  const std::size_t kept = tl.commands.size();
  for (const auto& c : program.commands) {
    if (c.start_ms + shift_ms < from_ms) continue;
    TimelineCommand moved = c;
    moved.start_ms += shift_ms;
    moved.reach_ms += shift_ms;
    tl.commands.push_back(moved);
  }
  std::stable_sort(tl.commands.begin() + static_cast<std::ptrdiff_t>(kept), tl.commands.end(),
                   [](const auto& x, const auto& y) {
                     return x.start_ms != y.start_ms ? x.start_ms < y.start_ms
                                                     : x.actuator < y.actuator;
                   });
  tl.steps = program.steps;
  for (auto& s : tl.steps) {
    s.start_ms = std::max<std::int64_t>(0, s.start_ms + shift_ms);
    s.end_ms = std::max<std::int64_t>(0, s.end_ms + shift_ms);
  }
  return tl;
}

}  // namespace chaird
