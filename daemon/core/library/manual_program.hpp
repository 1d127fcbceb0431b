// Manual mode: the sitter chooses one technique on one body zone and changes it live. chaird
// writes that choice as a one-step program, so that it is planned, governed and watched exactly
// as a program from the library is.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/diagnostic.hpp"
#include "common/expected.hpp"
#include "program/program_source.hpp"

namespace chaird {

inline constexpr std::string_view kManualProgramId = "manual";
inline constexpr std::int64_t kManualDefaultMs = std::int64_t{15} * 60 * 1000;
inline constexpr std::int64_t kManualMinMs = std::int64_t{60} * 1000;
// One step may last at most this long (ExpansionLimits::max_step_ms).
inline constexpr std::int64_t kManualMaxMs = std::int64_t{30} * 60 * 1000;

struct ManualSettings {
  std::string technique;
  std::string zone;
  std::int64_t duration_ms = kManualDefaultMs;
  std::optional<double> intensity;  // 0.05..1; unset: the program default (0.5)
  std::optional<double> tempo_cpm;  // unset: the technique's default
};

// The program "manual" that runs settings; its text names it "manual.textproto" in diagnostics.
// Checks only the syntax: the planner checks the technique, the zone and the chair.
Expected<ProgramRef, Diagnostics> manual_program(const ManualSettings& settings);

// "kneading on shoulders": how statuses, the history and the kiosk name what runs.
std::string manual_label(const ManualSettings& settings);

}  // namespace chaird
