// Between the energy ledger's chair time and the times kept in chaird's database, for the heat
// each heater gave: chair time starts again at every start of chaird, and the wall clock may
// be set back or jump forward (a board without a clock battery, then NTP). So each stretch is
// kept in both the wall clock and the time since the machine booted: within one boot the boot
// time counts, which no one sets; across a reboot, the wall clock.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "profile/chair_model.hpp"
#include "safety/energy_ledger.hpp"
#include "store/heat_dose_store.hpp"

namespace chaird {

// One moment on both clocks, and which boot the second counts from.
struct MachineTime {
  std::int64_t unix_ms = 0;
  std::int64_t boot_ms = 0;  // CLOCK_BOOTTIME: since the boot, suspend included
  std::string boot_id;       // the kernel's boot id; empty when it cannot be read
};

// Now, on both clocks.
MachineTime machine_now(const std::string& boot_id);
// The kernel's id of this boot, or empty.
std::string read_boot_id();

// The heaters' stretches of a snapshot taken at chair time `history.at`, which was `at`.
std::vector<store::HeatSpan> heat_spans_to_keep(const EnergyHistory& history,
                                                const ChairModel& chair, const MachineTime& at);

struct EarlierHeat {
  // By actuator index, in chair time, each ending by `chair_now` at the latest.
  std::vector<std::vector<std::pair<ChairTime, ChairTime>>> heat_on;
  std::size_t kept = 0;
  // One line for each stored stretch left out, and why.
  std::vector<std::string> left_out;
};

// What an earlier chaird kept, as chair time of this one; the time chaird was down counts as
// machine time. The rows are outside input (another program may have written them): one for
// an actuator the chair has not, or that is no heater, or that ends before it begins, is left
// out and said; one that ends after now (the wall clock set back across a reboot) is taken to
// end now, at its full length, so that it counts in full; only the last day is read.
EarlierHeat earlier_heat(const std::vector<store::HeatSpan>& rows, const ChairModel& chair,
                         ChairTime chair_now, const MachineTime& now);

}  // namespace chaird
