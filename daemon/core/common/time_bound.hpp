// The longest time a value from outside may name: a chair profile's time limits, chaird's time
// settings, how far into its phase a step starts, how far from the board's clock a command is
// timed. Past a day a time means nothing on a chair, and bounded by it, every sum of such times
// stays far from overflowing.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace chaird {

inline constexpr std::int64_t kDayMs = std::int64_t{24} * 60 * 60 * 1000;

// What a file's reader is told about a setting over the bound.
inline std::string over_a_day(std::string_view setting, std::int64_t value_ms) {
  return fmt::format("{} must be at most {} ms (a day), got {}", setting, kDayMs, value_ms);
}

}  // namespace chaird
