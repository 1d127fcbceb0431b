// A kiosk fleet's load on chaird's socket, for the real-time benches (bench/load.sh,
// bench/soak.sh): status streams and paced unary calls.
#pragma once

#include <atomic>
#include <string>

namespace chaird::bench {

struct FleetLoadCounts {
  std::atomic<long> statuses{0}, ok{0}, failed{0}, streams_open{0};
};

// `streams` WatchSession streams (every status, every field) and `rps` unary calls a second
// (GetChair, ListPrograms, GetProgram, ListHealthConditions in turn) over the Unix socket, for
// `seconds`; a call that fails counts in failed.
void run_fleet_load(const std::string& socket, int seconds, int streams, int rps,
                    FleetLoadCounts& counts);

}  // namespace chaird::bench
