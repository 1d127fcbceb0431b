#include "replay_summary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

namespace chairctl {
namespace {

using chaird::sim::ReplayTrace;
using chaird::sim::TraceEvent;

// Rollers work "at depth" beyond a quarter of their depth range.
constexpr double kAtDepthFraction = 0.25;

std::string clock_text(std::int64_t ms) {
  const std::int64_t tenths = std::max<std::int64_t>(0, ms) / 100;
  return fmt::format("{}:{:02}.{}", tenths / 600, (tenths / 10) % 60, tenths % 10);
}

int index_of(const ReplayTrace& trace, std::string_view id) {
  for (std::size_t i = 0; i < trace.actuators.size(); ++i) {
    if (trace.actuators[i].id == id) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

std::string summarize_replay(const ReplayTrace& trace, const chaird::BodyModel& body) {
  std::string s;
  s += fmt::format("program {} on chair {}\n", trace.program_id, trace.chair_id);

  std::int64_t first_step_ms = -1;
  std::int64_t stopped_ms = -1;
  std::string how;
  for (const auto& e : trace.events) {
    if (e.kind == chaird::sim::kEventStepStart && first_step_ms < 0) first_step_ms = e.chair_ms;
    if (stopped_ms < 0 && (e.kind == chaird::sim::kEventEnd || e.kind == chaird::sim::kEventTrip)) {
      stopped_ms = e.chair_ms;
      how = e.kind == chaird::sim::kEventEnd ? "ran to its end" : "stopped by a trip: " + e.text;
    }
  }
  if (first_step_ms < 0) first_step_ms = 0;
  if (stopped_ms < 0) {
    stopped_ms = trace.end_ms;
    how = "did not finish within the replay";
  }
  s += fmt::format("duration     {} ({}), replayed to chair time {}\n",
                   clock_text(stopped_ms - first_step_ms), how, clock_text(trace.end_ms));

  // Peaks, travel, and time at depth, from the sample-and-hold series.
  std::vector<double> peak(trace.actuators.size(), -1e300);
  const int position = index_of(trace, "roller.position");
  const int depth = index_of(trace, "roller.depth");
  double travel_mm = 0.0;
  std::optional<double> last_position;
  std::optional<double> current_position;
  std::optional<double> current_depth;
  std::int64_t last_ms = 0;
  std::map<std::string, std::int64_t> at_depth_ms;
  const double depth_threshold =
      depth >= 0 ? trace.actuators[static_cast<std::size_t>(depth)].min +
                       kAtDepthFraction * (trace.actuators[static_cast<std::size_t>(depth)].max -
                                           trace.actuators[static_cast<std::size_t>(depth)].min)
                 : 0.0;
  const auto credit_depth = [&](std::int64_t until_ms) {
    if (!current_position || !current_depth || *current_depth < depth_threshold) return;
    for (const auto& zone : chaird::BodyModel::track_zones()) {
      const auto span = body.span(zone);
      if (span && *current_position >= span->from_mm && *current_position < span->to_mm) {
        at_depth_ms[zone] += until_ms - last_ms;
        break;
      }
    }
  };
  for (const auto& row : trace.samples) {
    if (row.chair_ms != last_ms) {
      credit_depth(row.chair_ms);
      last_ms = row.chair_ms;
    }
    auto& p = peak[static_cast<std::size_t>(row.actuator)];
    p = std::max(p, row.measured);
    if (row.actuator == position) {
      if (last_position) travel_mm += std::abs(row.measured - *last_position);
      last_position = row.measured;
      current_position = row.measured;
    }
    if (row.actuator == depth) current_depth = row.measured;
  }
  credit_depth(trace.end_ms);

  for (std::size_t i = 0; i < trace.actuators.size(); ++i) {
    const auto& a = trace.actuators[i];
    if (a.kind != "pressure" && a.kind != "temperature") continue;
    if (peak[i] < -1e299) continue;
    s += fmt::format("peak         {:<18} {:7.1f} {}\n", a.id, peak[i], a.unit);
  }
  if (position >= 0) s += fmt::format("roller travel {:.0f} mm\n", travel_mm);
  if (!at_depth_ms.empty()) {
    s += "at depth     ";
    bool first = true;
    for (const auto& zone : chaird::BodyModel::track_zones()) {
      const auto it = at_depth_ms.find(zone);
      if (it == at_depth_ms.end() || it->second == 0) continue;
      s += fmt::format("{}{} {}", first ? "" : ", ", zone, clock_text(it->second));
      first = false;
    }
    s += "\n";
  }

  // Each injected fault and how it ended; then what stopped the chair, with the fault that
  // most recently began before it (a cause is for the engineer to judge, not the summary).
  const TraceEvent* latest_fault = nullptr;
  std::string stops;
  for (std::size_t i = 0; i < trace.events.size(); ++i) {
    const TraceEvent& e = trace.events[i];
    if (e.kind == chaird::sim::kEventFaultInjected) {
      latest_fault = &e;
      std::string ended = "still present at the end";
      for (std::size_t j = i + 1; j < trace.events.size(); ++j) {
        if (trace.events[j].kind == chaird::sim::kEventFaultEnded &&
            trace.events[j].text == e.text) {
          ended = "ended at " + clock_text(trace.events[j].chair_ms);
          break;
        }
      }
      s += fmt::format("fault        at {}: {}; {}\n", clock_text(e.chair_ms), e.text, ended);
    }
    if (e.kind == chaird::sim::kEventBoardFault || e.kind == chaird::sim::kEventTrip) {
      const std::string after =
          latest_fault == nullptr
              ? std::string()
              : fmt::format(" (+{} ms after the fault at {})", e.chair_ms - latest_fault->chair_ms,
                            clock_text(latest_fault->chair_ms));
      stops += fmt::format("{} at {}{}: {}\n",
                           e.kind == chaird::sim::kEventTrip ? "host trip  " : "board fault",
                           clock_text(e.chair_ms), after, e.text);
    }
  }
  s += stops;
  return s;
}

}  // namespace chairctl
