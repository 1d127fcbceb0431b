// Between the energy ledger's chair time and the database's wall-clock time, for the heat each
// heater gave: chair time starts again at every start of chaird, the wall clock does not.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "profile/chair_model.hpp"
#include "safety/energy_ledger.hpp"
#include "store/heat_dose_store.hpp"

namespace chaird {

// The heaters' stretches of a snapshot taken at chair time `history.at`, which was `unix_at_ms`
// on the wall clock.
std::vector<store::HeatSpan> heat_spans_to_keep(const EnergyHistory& history,
                                                const ChairModel& chair, std::int64_t unix_at_ms);

struct EarlierHeat {
  // By actuator index, in chair time, each ending by `chair_now` at the latest.
  std::vector<std::vector<std::pair<ChairTime, ChairTime>>> heat_on;
  std::size_t kept = 0;
  // One line for each stored stretch left out, and why.
  std::vector<std::string> left_out;
};

// What an earlier chaird kept, as chair time of this one: the time chaird was down counts as
// wall-clock time. The rows are outside input (another program may have written them): one
// for an actuator the chair has not, or that is no heater, or that ends before it begins, is
// left out and said; one that ends after now (a clock set back) ends now, so that it counts in
// full; only the last day is read.
EarlierHeat earlier_heat(const std::vector<store::HeatSpan>& rows, const ChairModel& chair,
                         ChairTime chair_now, std::int64_t unix_now_ms);

}  // namespace chaird
