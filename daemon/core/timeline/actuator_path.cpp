#include "timeline/actuator_path.hpp"

#include <algorithm>

namespace chaird {

std::vector<PathKnot> path_of(const Timeline& tl, ActuatorIndex a,
                              const std::vector<const TimelineCommand*>& cmds) {
  double value = tl.initial_values[static_cast<std::size_t>(a)];
  std::vector<PathKnot> path{{0, value}};
  for (const TimelineCommand* c : cmds) {
    path.push_back({c->start_ms, value});
    path.push_back({c->reach_ms, c->value});
    value = c->value;
  }
  return path;
}

std::vector<PathKnot> path_of(const Timeline& tl, ActuatorIndex a) {
  std::vector<const TimelineCommand*> cmds;
  for (const auto& c : tl.commands)
    if (c.actuator == a) cmds.push_back(&c);
  return path_of(tl, a, cmds);
}

double value_on(const std::vector<PathKnot>& path, std::int64_t t_ms) {
  const auto after =
      std::upper_bound(path.begin(), path.end(), t_ms,
                       [](std::int64_t t, const PathKnot& k) { return t < k.at_ms; });
  if (after == path.begin()) return path.front().value;
  if (after == path.end()) return path.back().value;
  const PathKnot& b = *after;
  const PathKnot& a = *(after - 1);
  if (b.at_ms == a.at_ms) return a.value;
  const double f = static_cast<double>(t_ms - a.at_ms) / static_cast<double>(b.at_ms - a.at_ms);
  return a.value + f * (b.value - a.value);
}

}  // namespace chaird
