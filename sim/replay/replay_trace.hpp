// What a replay recorded, in memory: the chair's actuators, a row per actuator whenever its
// commanded or measured value moved by more than the trace's resolution, and the events (step
// starts, injected faults, board faults, trips, the safe state). Written as CSV or JSONL
// (trace_io), drawn as SVG (trace_plot), compared against a golden trace (trace_compare).
// Plain data: it knows nothing of the pipeline, so that the readers and writers stand alone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace chaird::sim {

struct TraceActuator {
  std::string id;     // "airbag.calf"
  std::string kind;   // "position", "speed", "pressure", "temperature", "level"
  std::string unit;   // "mm", "rpm", "kPa", "°C", ""
  std::string group;  // the plot lane: "roller", "airbags", "heat", "recline", "other"
  double min = 0.0;
  double max = 1.0;
};

struct TraceSample {
  std::int64_t chair_ms = 0;
  std::int32_t actuator = 0;  // index into ReplayTrace::actuators
  double commanded = 0.0;
  double measured = 0.0;
};

// Event kinds, as written in the trace's event column.
inline constexpr const char* kEventStepStart = "step_start";
inline constexpr const char* kEventFaultInjected = "fault_injected";
inline constexpr const char* kEventFaultEnded = "fault_ended";
inline constexpr const char* kEventBoardFault = "board_fault";  // the board latched a fault
inline constexpr const char* kEventTrip = "trip";               // the host's governor stopped
inline constexpr const char* kEventSafeState = "safe_state";    // every output going safe
inline constexpr const char* kEventEnd = "end";                 // the timeline's end

struct TraceEvent {
  std::int64_t chair_ms = 0;
  std::string kind;      // one of the kEvent* names
  std::string actuator;  // empty when the event is not about one actuator
  std::string text;      // one line, UTF-8, what a person reads
};

struct ReplayTrace {
  std::string program_id;
  std::string chair_id;
  std::vector<TraceActuator> actuators;
  std::vector<TraceSample> samples;  // by chair_ms, then actuator index
  std::vector<TraceEvent> events;    // by chair_ms, in the order they happened
  std::int64_t end_ms = 0;           // the last chair time replayed
};

}  // namespace chaird::sim
