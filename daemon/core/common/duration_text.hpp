// Durations written for the people who read them (a sitter at a kiosk, a chair maker).
#pragma once

#include <cstdint>
#include <string>

namespace chaird {

// "12:30" for durations a sitter reads; rounds to the nearest second.
std::string format_mmss(std::int64_t ms);

}  // namespace chaird
