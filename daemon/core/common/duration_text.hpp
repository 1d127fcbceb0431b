// Durations written for the people who read them (a sitter at a kiosk, a chair maker).
#pragma once

#include <cstdint>
#include <string>

namespace chaird {

// "12:30" for durations a sitter reads; rounds to the nearest second.
std::string format_mmss(std::int64_t ms);
// "0:19.5" for a time within a program as a chair maker wrote it: whole seconds as "m:ss", a
// part of a second kept ("0:19.25"), nothing rounded away.
std::string format_mmss_exact(std::int64_t ms);

}  // namespace chaird
