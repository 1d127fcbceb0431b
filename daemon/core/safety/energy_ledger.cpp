#include "safety/energy_ledger.hpp"

#include <algorithm>

#include "common/time_bound.hpp"

namespace chaird {

double airbag_hold_threshold_kpa(const ChairModel& chair) {
  return chair.limits().max_airbag_kpa() / 2.0;
}

EnergyLedger::EnergyLedger(const ChairModel& chair)
    : chair_(chair),
      heat_was_on_(chair.actuator_count(), false),
      heat_on_(chair.actuator_count()),
      held_since_(chair.actuator_count()),
      below_since_(chair.actuator_count()) {}

void EnergyLedger::record(const Telemetry& sample) {
  const ChairTime from = started_ ? last_ : sample.at;
  // Heat is kept for the longest window any limits may set (a day), not the chair's own: a
  // program, a start or a composition may ask for a longer one, and its governor counts only
  // what falls within its window.
  const ChairDuration window = std::chrono::milliseconds(kDayMs);
  const double hold_threshold = airbag_hold_threshold_kpa(chair_);
  for (const auto& a : chair_.actuators()) {
    const auto i = static_cast<std::size_t>(a.index);
    if (i >= sample.commanded.size()) break;
    const double target = sample.commanded[i];
    if (a.kind == chair::v1::TEMPERATURE) {
      const bool on = target > 0.0;
      auto& spans = heat_on_[i];
      if ((on || heat_was_on_[i]) && sample.at > from) {
        if (!spans.empty() && spans.back().second >= from) {
          spans.back().second = sample.at;
        } else {
          spans.emplace_back(from, sample.at);
        }
      }
      heat_was_on_[i] = on;
      // Forget what has left the window.
      while (!spans.empty() && spans.front().second < sample.at - window)
        spans.erase(spans.begin());
    } else if (a.kind == chair::v1::PRESSURE) {
      if (target > hold_threshold) {
        if (!held_since_[i]) held_since_[i] = sample.at;
        below_since_[i].reset();
      } else if (held_since_[i]) {
        if (!below_since_[i]) below_since_[i] = sample.at;
        if (sample.at - *below_since_[i] >= std::chrono::milliseconds(kMinAirbagBreakMs)) {
          held_since_[i].reset();
          below_since_[i].reset();
        }
      }
    }
  }
  last_ = sample.at;
  started_ = true;
}

void EnergyLedger::restore_heat(
    const std::vector<std::vector<std::pair<ChairTime, ChairTime>>>& earlier) {
  for (std::size_t i = 0; i < earlier.size() && i < heat_on_.size(); ++i) {
    if (chair_.actuator(static_cast<ActuatorIndex>(i)).kind != chair::v1::TEMPERATURE) continue;
    auto& spans = heat_on_[i];
    for (const auto& span : earlier[i]) {
      if (span.second > span.first) spans.push_back(span);
    }
    std::sort(spans.begin(), spans.end());
  }
}

bool EnergyLedger::heating() const {
  return std::any_of(heat_was_on_.begin(), heat_was_on_.end(), [](bool on) { return on; });
}

EnergyHistory EnergyLedger::history() const {
  EnergyHistory h;
  h.at = last_;
  h.heat_on = heat_on_;
  h.held_since = held_since_;  // a bag in a dip too short to count as a break is still held
  h.dipped_at = below_since_;
  return h;
}

}  // namespace chaird
