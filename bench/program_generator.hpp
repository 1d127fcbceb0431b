// Synthetic programs for the benchmarks: as long and as busy as the worst case
// (30 minutes, 200 steps over parallel tracks), built from the shipped techniques.
#pragma once

#include <string>

namespace chaird::bench {

// A 30-minute program: roller steps of 12 s cycling techniques and zones, an air track of
// 45 s compressions, and a heat track, 200 steps in all.
std::string thirty_minute_program();

}  // namespace chaird::bench
