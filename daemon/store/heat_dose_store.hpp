// The heat each heater gave, kept across chaird's restarts: a crash, the OOM killer or an
// upgrade must not hand a sitter a fresh heat allowance. Stretches are stored in wall-clock
// and boot time (chair time starts again at every start), replaced as a whole at every save.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/expected.hpp"
#include "store/state_database.hpp"

namespace chaird::store {

// A stretch every second of a day, and more: a database with more is read only this far (the
// latest), so that a file another program filled cannot fill chaird's memory.
inline constexpr std::size_t kMaxHeatSpans = 100'000;

struct HeatSpan {
  std::string actuator;  // the heater's id in the chair profile
  std::int64_t began_unix_ms = 0;
  std::int64_t ended_unix_ms = 0;
  // The same times since the machine booted, and which boot (chaird/heat_dose.hpp).
  std::string boot_id;
  std::int64_t began_boot_ms = 0;
  std::int64_t ended_boot_ms = 0;
};

class HeatDoseStore {
 public:
  explicit HeatDoseStore(StateDatabase& db) : db_(db) {}

  // Replaces what is kept with `spans`, in one transaction: a save cut short leaves the last.
  Expected<bool, std::string> replace(const std::vector<HeatSpan>& spans);
  // As stored, unchecked: the database is outside input (heat_dose.hpp checks it).
  Expected<std::vector<HeatSpan>, std::string> all();

 private:
  StateDatabase& db_;
};

}  // namespace chaird::store
