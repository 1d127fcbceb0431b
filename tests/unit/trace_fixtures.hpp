// A small replay trace for the trace_io, trace_plot and trace_compare tests, and a field-by-field
// comparison that names the first field that differs.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <ostream>
#include <string>

#include "replay/replay_trace.hpp"
#include "replay/trace_compare.hpp"

namespace chaird::sim {

// So that a failed expectation prints the difference, not its bytes.
inline void PrintTo(const TraceDifference& d, std::ostream* os) {
  *os << d.chair_ms << " ms: " << d.what;
}

}  // namespace chaird::sim

namespace chaird::unit {

// Four actuators in three groups; a step, an injected fault, a trip and the safe state.
inline sim::ReplayTrace small_trace() {
  sim::ReplayTrace t;
  t.program_id = "quick_relief";
  t.chair_id = "reference-chair";
  t.actuators = {
      {"roller.position", "position", "mm", "roller", 0.0, 600.0},
      {"roller.speed", "speed", "rpm", "roller", 0.0, 60.0},
      {"airbag.calf", "pressure", "kPa", "airbags", 0.0, 40.0},
      {"heat.back", "temperature", "°C", "heat", 20.0, 45.5},
  };
  t.samples = {
      {0, 0, 0.0, 0.0},       {0, 1, 0.0, 0.0},         {0, 2, 0.0, 0.0},
      {0, 3, 20.0, 20.0},     {1200, 0, 350.0, 349.87}, {1200, 2, 12.0, 11.5},
      {2500, 1, 30.0, 29.25}, {2500, 2, 12.0, 12.0},    {3000, 0, 350.0, 350.0},
      {3000, 3, 38.5, 24.75}, {3400, 2, 0.0, 3.5},      {3450, 1, 0.0, 0.0},
  };
  t.events = {
      {0, sim::kEventStepStart, "", "neck-knead: knead on neck"},
      {1200, sim::kEventFaultInjected, "airbag.calf", "leaking: 3.00 kPa/s"},
      {3000, sim::kEventTrip, "airbag.calf", "pressure 12.0 kPa held past its limit"},
      {3000, sim::kEventSafeState, "", "every output going safe"},
      {3500, sim::kEventEnd, "", ""},
  };
  t.end_ms = 3500;
  return t;
}

inline void expect_same_trace(const sim::ReplayTrace& a, const sim::ReplayTrace& b) {
  EXPECT_EQ(a.program_id, b.program_id);
  EXPECT_EQ(a.chair_id, b.chair_id);
  EXPECT_EQ(a.end_ms, b.end_ms);
  ASSERT_EQ(a.actuators.size(), b.actuators.size());
  for (std::size_t i = 0; i < a.actuators.size(); ++i) {
    SCOPED_TRACE("actuator " + std::to_string(i));
    EXPECT_EQ(a.actuators[i].id, b.actuators[i].id);
    EXPECT_EQ(a.actuators[i].kind, b.actuators[i].kind);
    EXPECT_EQ(a.actuators[i].unit, b.actuators[i].unit);
    EXPECT_EQ(a.actuators[i].group, b.actuators[i].group);
    EXPECT_EQ(a.actuators[i].min, b.actuators[i].min);
    EXPECT_EQ(a.actuators[i].max, b.actuators[i].max);
  }
  ASSERT_EQ(a.samples.size(), b.samples.size());
  for (std::size_t i = 0; i < a.samples.size(); ++i) {
    SCOPED_TRACE("sample " + std::to_string(i));
    EXPECT_EQ(a.samples[i].chair_ms, b.samples[i].chair_ms);
    EXPECT_EQ(a.samples[i].actuator, b.samples[i].actuator);
    EXPECT_EQ(a.samples[i].commanded, b.samples[i].commanded);
    EXPECT_EQ(a.samples[i].measured, b.samples[i].measured);
  }
  ASSERT_EQ(a.events.size(), b.events.size());
  for (std::size_t i = 0; i < a.events.size(); ++i) {
    SCOPED_TRACE("event " + std::to_string(i));
    EXPECT_EQ(a.events[i].chair_ms, b.events[i].chair_ms);
    EXPECT_EQ(a.events[i].kind, b.events[i].kind);
    EXPECT_EQ(a.events[i].actuator, b.events[i].actuator);
    EXPECT_EQ(a.events[i].text, b.events[i].text);
  }
}

}  // namespace chaird::unit
