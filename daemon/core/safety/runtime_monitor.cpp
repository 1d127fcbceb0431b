#include "safety/runtime_monitor.hpp"

#include <fmt/format.h>

#include <cmath>

namespace chaird {

RunTimeMonitor::RunTimeMonitor(const ChairModel& chair, MonitorOptions options)
    : chair_(chair), options_(options), watch_(chair.actuator_count()) {}

void RunTimeMonitor::reset() {
  watch_.assign(chair_.actuator_count(), Watch{});
}

bool RunTimeMonitor::supply_too_low(const Telemetry& t) const {
  return std::isfinite(t.supply_v) && t.supply_v < options_.min_supply_v;
}

bool RunTimeMonitor::past_end_of_travel(const ActuatorSpec& a, double measured) const {
  const double margin = options_.travel_margin * (a.max - a.min);
  return measured < a.min - margin || measured > a.max + margin;
}

std::optional<SafetyTrip> RunTimeMonitor::still_present(const Telemetry& t) const {
  // What one sample shows, whichever cause was latched: the board may have missed it, and a
  // reset is a person saying the chair may work again.
  if (t.pinch_detected) {
    return SafetyTrip{chair::v1::PINCH_DETECTED,
                      "the pinch sensor still reports something caught: free it first", t.at};
  }
  if (supply_too_low(t)) {
    return SafetyTrip{chair::v1::SUPPLY_VOLTAGE,
                      fmt::format("the supply is still at {:.1f} V, below the {:.1f} V the motors "
                                  "need",
                                  t.supply_v, options_.min_supply_v),
                      t.at};
  }
  const double max_heat_c = chair_.limits().max_heat_c();
  for (const auto& a : chair_.actuators()) {
    const auto i = static_cast<std::size_t>(a.index);
    if (i >= t.measured.size() || i >= t.commanded.size()) break;
    const double m = t.measured[i];
    const double c = t.commanded[i];
    if (!std::isfinite(m)) {
      return SafetyTrip{chair::v1::SENSOR_FAILURE,
                        fmt::format("{}'s sensor still does not answer", a.id), t.at};
    }
    if (a.kind == chair::v1::PRESSURE && m > c + options_.airbag_gap_kpa) {
      // Still venting after the stop, or a valve stuck shut: either way a foot may be held.
      return SafetyTrip{chair::v1::VALVE_FAILURE,
                        fmt::format("{} still holds {:.1f} kPa (asked {:.1f}): wait for it to "
                                    "vent; if it does not, a valve is stuck shut",
                                    a.id, m, c),
                        t.at};
    }
    if (a.kind == chair::v1::TEMPERATURE && m > max_heat_c + options_.heater_margin_c) {
      return SafetyTrip{chair::v1::OVER_TEMPERATURE,
                        fmt::format("{} is still at {:.1f} °C, above the chair's {:.0f} °C: let "
                                    "it cool",
                                    a.id, m, max_heat_c),
                        t.at};
    }
    if (a.kind == chair::v1::POSITION && past_end_of_travel(a, m)) {
      return SafetyTrip{chair::v1::LIMIT_SWITCH,
                        fmt::format("{} is still at {:.0f} {}, past its end of travel "
                                    "({:.0f}..{:.0f})",
                                    a.id, m, a.unit, a.min, a.max),
                        t.at};
    }
  }
  return std::nullopt;
}

std::optional<SafetyTrip> RunTimeMonitor::check(const Telemetry& t, ChairTime now, bool moving) {
  auto trips = check_all(t, now, moving);
  if (trips.empty()) return std::nullopt;
  return std::move(trips.front());
}

std::vector<SafetyTrip> RunTimeMonitor::check_all(const Telemetry& t, ChairTime now, bool moving) {
  const std::int64_t age_ms = to_ms(now) - to_ms(t.at);
  if (age_ms > options_.stale_ms) {
    // Nothing else in an old sample is worth judging.
    return {SafetyTrip{chair::v1::TELEMETRY_STALE,
                       fmt::format("the chair's last report is {} ms old (at most {} ms): chaird "
                                   "cannot see what the chair does",
                                   age_ms, options_.stale_ms),
                       now}};
  }
  // Every cause, not only the first: a part that fails on every sample must not hide another
  // (two stuck valves hold two limbs).
  std::vector<SafetyTrip> trips;
  if (t.pinch_detected) {
    trips.push_back(SafetyTrip{chair::v1::PINCH_DETECTED,
                               "the pinch sensor reports something caught at a moving part", t.at});
  }
  if (moving && !t.seat_occupied) {
    trips.push_back(
        SafetyTrip{chair::v1::SEAT_EMPTY, "the seat emptied while the chair was working", t.at});
  }
  if (supply_too_low(t)) {
    trips.push_back(
        SafetyTrip{chair::v1::SUPPLY_VOLTAGE,
                   fmt::format("the supply is at {:.1f} V, below the {:.1f} V the motors need",
                               t.supply_v, options_.min_supply_v),
                   t.at});
  }
  for (const auto& a : chair_.actuators()) {
    const auto i = static_cast<std::size_t>(a.index);
    if (i >= t.measured.size() || i >= t.commanded.size() || i >= watch_.size()) break;
    const double m = t.measured[i];
    const double c = t.commanded[i];
    Watch& w = watch_[i];
    if (!std::isfinite(m)) {
      trips.push_back(SafetyTrip{chair::v1::SENSOR_FAILURE,
                                 fmt::format("{}'s sensor stopped answering", a.id), t.at, a.id});
      continue;
    }
    switch (a.kind) {
      case chair::v1::TEMPERATURE: {
        // Cooling after a lower command is slow, never a fault; rising above it is.
        if (m <= c + options_.heater_margin_c) {
          w.above = false;
        } else if (!w.above) {
          w.above = true;
          w.above_from_c = m;
        } else if (m >= w.above_from_c + options_.heater_rise_c) {
          trips.push_back(SafetyTrip{
              chair::v1::HEATER_FAULT,
              c <= a.safe_value
                  ? fmt::format("{} keeps heating while switched off ({:.1f} °C and rising)", a.id,
                                m)
                  : fmt::format("{} heats past its {:.0f} °C command ({:.1f} °C and rising): "
                                "a runaway heater",
                                a.id, c, m),
              t.at, a.id});
        } else {
          w.above_from_c = std::min(w.above_from_c, m);
        }
        break;
      }
      case chair::v1::PRESSURE: {
        // Far from its command, a bag must close on it: a window opens when it is far, and in
        // each window it must have come closer.
        const double gap = c - m;
        if (std::abs(gap) <= options_.airbag_gap_kpa) {
          w.since.reset();
        } else if (!w.since) {
          w.since = t.at;
          w.from = m;
        } else if (to_ms(t.at) - to_ms(*w.since) >= options_.airbag_window_ms) {
          const double closer = gap > 0 ? m - w.from : w.from - m;
          if (closer < options_.airbag_progress_kpa) {
            trips.push_back(SafetyTrip{
                chair::v1::VALVE_FAILURE,
                gap > 0 ? fmt::format("{} does not fill ({:.1f} kPa, asked {:.1f}): a leak, a "
                                      "burst bag or a valve stuck shut",
                                      a.id, m, c)
                        : fmt::format("{} does not vent ({:.1f} kPa, asked {:.1f}): a valve "
                                      "stuck shut holds the air in",
                                      a.id, m, c),
                t.at, a.id});
            break;
          }
          w.since = t.at;
          w.from = m;
        }
        break;
      }
      case chair::v1::POSITION: {
        const double range = a.max - a.min;
        const double margin = options_.travel_margin * range;
        if (past_end_of_travel(a, m)) {
          trips.push_back(
              SafetyTrip{chair::v1::LIMIT_SWITCH,
                         fmt::format("{} is at {:.0f} {}, past its end of travel ({:.0f}..{:.0f}): "
                                     "a missed limit switch",
                                     a.id, m, a.unit, a.min, a.max),
                         t.at, a.id});
          break;
        }
        // Far from its command and not moving: something holds it.
        if (std::abs(c - m) <= std::max(1.0, options_.stall_gap * range)) {
          w.since.reset();
        } else if (!w.since || std::abs(m - w.from) > options_.stall_motion * range) {
          w.since = t.at;
          w.from = m;
        } else if (to_ms(t.at) - to_ms(*w.since) >= options_.stall_window_ms) {
          const bool at_an_end = c <= a.min + margin || c >= a.max - margin;
          trips.push_back(SafetyTrip{
              at_an_end ? chair::v1::LIMIT_SWITCH : chair::v1::OBSTRUCTION,
              at_an_end ? fmt::format("{} stopped {:.0f} {} short of the end of its travel: held "
                                      "by the end stop (a missed limit switch) or obstructed",
                                      a.id, std::abs(c - m), a.unit)
                        : fmt::format("{} has stopped {:.0f} {} from where it should be: stalled "
                                      "or obstructed",
                                      a.id, std::abs(c - m), a.unit),
              t.at, a.id});
          break;
        }
        break;
      }
      default:
        break;
    }
  }
  return trips;
}

}  // namespace chaird
