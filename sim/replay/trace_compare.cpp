#include "replay/trace_compare.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string_view>
#include <vector>

namespace chaird::sim {
namespace {

// "Within 0.50" must hold for 12.50 against 12.00 after both went through decimal text.
constexpr double kSlack = 1e-9;
constexpr std::int64_t kMaxMs = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMinMs = std::numeric_limits<std::int64_t>::min();

// Chair times come from files: a window around INT64_MAX must not overflow.
std::int64_t plus(std::int64_t t, std::int64_t w) {
  return t > kMaxMs - w ? kMaxMs : t + w;
}
std::int64_t minus(std::int64_t t, std::int64_t w) {
  return t < kMinMs + w ? kMinMs : t - w;
}
bool apart(std::int64_t a, std::int64_t b, std::int64_t w) {
  return a > plus(b, w) || b > plus(a, w);
}

// One actuator's samples in time order, one value column at a time.
struct Series {
  std::vector<std::int64_t> chair_ms;
  std::vector<double> commanded;
  std::vector<double> measured;
  const std::vector<double>& values(bool want_measured) const {
    return want_measured ? measured : commanded;
  }
};

std::vector<Series> split_by_actuator(const ReplayTrace& trace) {
  std::vector<const TraceSample*> ordered;
  ordered.reserve(trace.samples.size());
  for (const TraceSample& s : trace.samples) ordered.push_back(&s);
  std::stable_sort(ordered.begin(), ordered.end(), [](const TraceSample* a, const TraceSample* b) {
    return a->chair_ms < b->chair_ms;
  });
  std::vector<Series> out(trace.actuators.size());
  for (const TraceSample* s : ordered) {
    if (s->actuator < 0 || static_cast<std::size_t>(s->actuator) >= out.size()) continue;
    Series& series = out[static_cast<std::size_t>(s->actuator)];
    series.chair_ms.push_back(s->chair_ms);
    series.commanded.push_back(s->commanded);
    series.measured.push_back(s->measured);
  }
  return out;
}

// The value held at chair_ms (the last sample at or before it); none before the first sample.
std::optional<double> held(const Series& s, bool measured, std::int64_t chair_ms) {
  const auto after = std::upper_bound(s.chair_ms.begin(), s.chair_ms.end(), chair_ms);
  if (after == s.chair_ms.begin()) return std::nullopt;
  return s.values(measured)[static_cast<std::size_t>(after - s.chair_ms.begin()) - 1];
}

// Whether the series holds a value within tolerance of target at some time within ±window_ms.
bool reaches(const Series& s, bool measured, std::int64_t chair_ms, std::int64_t window_ms,
             double target, double tolerance) {
  const auto& values = s.values(measured);
  // Equal values agree even where subtraction cannot say so (two infinities, two NaNs).
  const auto near = [&](double v) {
    return v == target || (std::isnan(v) && std::isnan(target)) ||
           std::abs(v - target) <= tolerance + kSlack;
  };
  const auto first =
      std::upper_bound(s.chair_ms.begin(), s.chair_ms.end(), minus(chair_ms, window_ms));
  auto i = static_cast<std::size_t>(first - s.chair_ms.begin());
  if (i > 0 && near(values[i - 1])) return true;  // held when the window opens
  const std::int64_t last = plus(chair_ms, window_ms);
  for (; i < values.size() && s.chair_ms[i] <= last; ++i) {
    if (near(values[i])) return true;
  }
  return false;
}

std::string value_text(std::optional<double> v, const std::string& unit) {
  if (!v) return "no value yet";
  return unit.empty() ? fmt::format("{:.2f}", *v) : fmt::format("{:.2f} {}", *v, unit);
}

// The first chair_ms at which one value column of one actuator disagrees, checked both ways
// at every time either trace has a sample.
std::optional<TraceDifference> first_value_difference(const TraceActuator& a, const Series& run,
                                                      const Series& golden, bool measured,
                                                      double tolerance, std::int64_t window_ms) {
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < run.chair_ms.size() || j < golden.chair_ms.size()) {
    const bool run_next = j == golden.chair_ms.size() ||
                          (i < run.chair_ms.size() && run.chair_ms[i] <= golden.chair_ms[j]);
    const std::int64_t t = run_next ? run.chair_ms[i] : golden.chair_ms[j];
    while (i < run.chair_ms.size() && run.chair_ms[i] == t) ++i;
    while (j < golden.chair_ms.size() && golden.chair_ms[j] == t) ++j;
    const auto r = held(run, measured, t);
    const auto g = held(golden, measured, t);
    const bool run_ok = !r || reaches(golden, measured, t, window_ms, *r, tolerance);
    const bool golden_ok = !g || reaches(run, measured, t, window_ms, *g, tolerance);
    if (run_ok && golden_ok) continue;
    return TraceDifference{t, fmt::format("{} {} {}, golden {} (tolerance {:.2f})", a.id,
                                          measured ? "measured" : "commanded",
                                          value_text(r, a.unit), value_text(g, a.unit), tolerance)};
  }
  return std::nullopt;
}

std::optional<TraceDifference> actuator_list_difference(const ReplayTrace& run,
                                                        const ReplayTrace& golden) {
  const std::size_t n = std::min(run.actuators.size(), golden.actuators.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (run.actuators[i].id != golden.actuators[i].id) {
      return TraceDifference{0, fmt::format("actuator {} is {} in run, {} in golden", i + 1,
                                            run.actuators[i].id, golden.actuators[i].id)};
    }
  }
  if (run.actuators.size() == golden.actuators.size()) return std::nullopt;
  return TraceDifference{0, fmt::format("run has {} actuators, golden {}", run.actuators.size(),
                                        golden.actuators.size())};
}

std::string describe(const TraceEvent& e) {
  return e.actuator.empty() ? e.kind : fmt::format("{} on {}", e.kind, e.actuator);
}

bool same_event(const TraceEvent& a, const TraceEvent& b) {
  return a.kind == b.kind && a.actuator == b.actuator;
}

std::optional<TraceDifference> event_difference(const std::vector<TraceEvent>& run,
                                                const std::vector<TraceEvent>& golden,
                                                std::int64_t window_ms) {
  const std::size_t n = std::min(run.size(), golden.size());
  for (std::size_t i = 0; i < n; ++i) {
    const TraceEvent& r = run[i];
    const TraceEvent& g = golden[i];
    if (same_event(r, g)) {
      if (!apart(r.chair_ms, g.chair_ms, window_ms)) continue;
      return TraceDifference{std::min(r.chair_ms, g.chair_ms),
                             fmt::format("{} at {} ms in run, at {} ms in golden (tolerance {} ms)",
                                         describe(g), r.chair_ms, g.chair_ms, window_ms)};
    }
    // One event missing or extra reads better as that than as every later pair differing.
    if (i + 1 < golden.size() && same_event(r, golden[i + 1])) {
      return TraceDifference{g.chair_ms, fmt::format("golden has {} at {} ms that run lacks",
                                                     describe(g), g.chair_ms)};
    }
    if (i + 1 < run.size() && same_event(run[i + 1], g)) {
      return TraceDifference{r.chair_ms, fmt::format("run has {} at {} ms that golden lacks",
                                                     describe(r), r.chair_ms)};
    }
    return TraceDifference{std::min(r.chair_ms, g.chair_ms),
                           fmt::format("event {}: run has {} at {} ms, golden has {} at {} ms",
                                       i + 1, describe(r), r.chair_ms, describe(g), g.chair_ms)};
  }
  if (golden.size() > n) {
    const TraceEvent& g = golden[n];
    return TraceDifference{
        g.chair_ms, fmt::format("golden has {} at {} ms that run lacks", describe(g), g.chair_ms)};
  }
  if (run.size() > n) {
    const TraceEvent& r = run[n];
    return TraceDifference{
        r.chair_ms, fmt::format("run has {} at {} ms that golden lacks", describe(r), r.chair_ms)};
  }
  return std::nullopt;
}

// Keeps the earlier of two differences; at one chair_ms the one found first.
void keep_earliest(std::optional<TraceDifference>& best, std::optional<TraceDifference> found) {
  if (found && (!best || found->chair_ms < best->chair_ms)) best = std::move(found);
}

}  // namespace

double tolerance_for(const TraceTolerances& tolerances, const std::string& kind) {
  if (kind == "position") return tolerances.position;
  if (kind == "speed") return tolerances.speed;
  if (kind == "pressure") return tolerances.pressure;
  if (kind == "temperature") return tolerances.temperature;
  if (kind == "level") return tolerances.level;
  return 0.0;
}

std::optional<TraceDifference> compare_traces(const ReplayTrace& run, const ReplayTrace& golden,
                                              const TraceTolerances& tolerances) {
  if (auto d = actuator_list_difference(run, golden)) return d;
  const std::int64_t window_ms = std::max<std::int64_t>(tolerances.time_ms, 0);
  const auto run_series = split_by_actuator(run);
  const auto golden_series = split_by_actuator(golden);
  std::optional<TraceDifference> earliest;
  for (std::size_t i = 0; i < golden.actuators.size(); ++i) {
    const TraceActuator& a = golden.actuators[i];
    const double tolerance = tolerance_for(tolerances, a.kind);
    for (const bool measured : {false, true}) {
      keep_earliest(earliest, first_value_difference(a, run_series[i], golden_series[i], measured,
                                                     tolerance, window_ms));
    }
  }
  keep_earliest(earliest, event_difference(run.events, golden.events, window_ms));
  if (apart(run.end_ms, golden.end_ms, window_ms)) {
    keep_earliest(earliest, TraceDifference{std::min(run.end_ms, golden.end_ms),
                                            fmt::format("end_ms {} in run, {} in golden "
                                                        "(tolerance {} ms)",
                                                        run.end_ms, golden.end_ms, window_ms)});
  }
  return earliest;
}

}  // namespace chaird::sim
