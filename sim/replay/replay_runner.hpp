// The replay bench's engine: one governed timeline played by the real executor to the chair
// model, in manual virtual time, with the governor watching telemetry as chaird's session
// manager does, and the chair sampling itself after every model step. What comes out is a
// ReplayTrace: a row per actuator whenever its commanded or reported value moved by the trace's
// resolution, and the events (step starts, injected faults, board faults, trips, the safe state, the end).
// Deterministic: the same inputs give the same trace, byte for byte once written.
#pragma once

#include <memory>
#include <vector>

#include "execution/executor.hpp"
#include "model/injected_fault.hpp"
#include "replay/replay_trace.hpp"
#include "safety/safety_governor.hpp"

namespace chaird::sim {

struct ReplayOptions {
  std::int64_t model_step_us = 1000;  // the chair model at 1 kHz
  // A row is written when a value has moved by this fraction of its actuator's range.
  double resolution_of_range = 0.001;
  // After the end: keep watching while the chair comes to rest...
  std::int64_t settle_ms = 10'000;
  // ...and longer after a trip, to show what a fault still does once the host has stopped (a
  // welded heater heats on until the board's own switch opens).
  std::int64_t settle_after_trip_ms = 60'000;
  ExecutorOptions executor;
};

ReplayTrace replay(std::shared_ptr<const ChairModel> chair,
                   std::shared_ptr<const GovernedTimeline> timeline, const SafetyGovernor& governor,
                   const std::vector<InjectedFault>& faults, const ReplayOptions& options = {});

}  // namespace chaird::sim
