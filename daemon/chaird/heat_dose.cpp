#include "heat_dose.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "common/time_bound.hpp"
#include "common/utf8_text.hpp"

namespace chaird {

std::vector<store::HeatSpan> heat_spans_to_keep(const EnergyHistory& history,
                                                const ChairModel& chair, std::int64_t unix_at_ms) {
  std::vector<store::HeatSpan> out;
  for (std::size_t i = 0; i < history.heat_on.size(); ++i) {
    const auto& id = chair.actuator(static_cast<ActuatorIndex>(i)).id;
    for (const auto& [began, ended] : history.heat_on[i]) {
      out.push_back(
          {id, unix_at_ms - to_ms(history.at - began), unix_at_ms - to_ms(history.at - ended)});
    }
  }
  return out;
}

EarlierHeat earlier_heat(const std::vector<store::HeatSpan>& rows, const ChairModel& chair,
                         ChairTime chair_now, std::int64_t unix_now_ms) {
  EarlierHeat out;
  out.heat_on.resize(chair.actuator_count());
  for (const auto& row : rows) {
    const auto leave_out = [&](std::string_view why) {
      out.left_out.push_back(fmt::format("{} from {} to {} (unix ms): {}", excerpt(row.actuator),
                                         row.began_unix_ms, row.ended_unix_ms, why));
    };
    const auto index = chair.find(row.actuator);
    if (!index) {
      leave_out("the chair has no such actuator");
      continue;
    }
    if (chair.actuator(*index).kind != chair::v1::TEMPERATURE) {
      leave_out("it is not a heater");
      continue;
    }
    if (row.ended_unix_ms < row.began_unix_ms) {
      leave_out("it ends before it begins");
      continue;
    }
    // Ms before now: 0 for a time after now (a clock set back), at most two days (any value a
    // row holds, without overflow).
    const auto age = [&](std::int64_t unix_ms) -> std::int64_t {
      if (unix_ms >= unix_now_ms) return 0;
      if (unix_ms < unix_now_ms - 2 * kDayMs) return 2 * kDayMs;
      return unix_now_ms - unix_ms;
    };
    const std::int64_t ended_ago = age(row.ended_unix_ms);
    const std::int64_t began_ago = std::max(ended_ago, age(row.began_unix_ms));
    if (ended_ago >= kDayMs) continue;  // out of every window
    out.heat_on[static_cast<std::size_t>(*index)].emplace_back(
        chair_now - std::chrono::milliseconds(began_ago),
        chair_now - std::chrono::milliseconds(ended_ago));
    ++out.kept;
  }
  return out;
}

}  // namespace chaird
