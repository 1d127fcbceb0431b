// What the chair's energised outputs have actually done, across sessions, so that limits on
// energy over time cannot be dodged by starting again: heat on-time over the last day (every
// window a heat_window_ms may set), and how long each airbag has been held inflated. Kept from
// telemetry on the dispatch thread, in every state; the governor reviews every timeline against
// a snapshot.
#pragma once

#include <optional>
#include <utility>
#include <vector>

#include "bus/actuator_bus.hpp"
#include "clock/chair_time.hpp"
#include "profile/chair_model.hpp"

namespace chaird {

// A snapshot, taken at `at`. A timeline reviewed against it is taken to start at `at`: it may
// start a little later, which only moves earlier heat further out of the window.
struct EnergyHistory {
  ChairTime at{};
  // By actuator index (heaters): the stretches it was on within the last window, oldest first.
  std::vector<std::vector<std::pair<ChairTime, ChairTime>>> heat_on;
  // By actuator index (airbags): since when it has been held above its hold threshold, if it is.
  std::vector<std::optional<ChairTime>> held_since;
  // By actuator index (airbags held): since when it has been below the threshold, when it is in
  // a dip too short to count as a break (filled again soon, the hold goes on).
  std::vector<std::optional<ChairTime>> dipped_at;
};

class EnergyLedger {
 public:
  explicit EnergyLedger(const ChairModel& chair);

  // Dispatch thread: what the board is steering each actuator to, sample by sample. Between two
  // samples an output counts as on if it was on at either (the conservative reading).
  void record(const Telemetry& sample);
  EnergyHistory history() const;
  // Heat from before this chaird started (kept in its database), by actuator index, in chair
  // time: counted as heat recorded here is. Before the first record().
  void restore_heat(const std::vector<std::vector<std::pair<ChairTime, ChairTime>>>& earlier);
  // Whether the last sample had a heater on.
  bool heating() const;

 private:
  const ChairModel& chair_;
  ChairTime last_{};
  bool started_ = false;
  std::vector<bool> heat_was_on_;
  std::vector<std::vector<std::pair<ChairTime, ChairTime>>> heat_on_;
  std::vector<std::optional<ChairTime>> held_since_;
  std::vector<std::optional<ChairTime>> below_since_;  // a dip too short to count as a break
};

// The threshold above which an airbag counts as held (half of max_airbag_kpa), and the shortest
// dip below it that counts as a break; shared by the ledger and the governor.
double airbag_hold_threshold_kpa(const ChairModel& chair);
constexpr std::int64_t kMinAirbagBreakMs = 2'000;

}  // namespace chaird
