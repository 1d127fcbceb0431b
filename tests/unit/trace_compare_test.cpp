// replay/trace_compare: a run against its golden trace, within tolerances in value and time.
#include "replay/trace_compare.hpp"

#include <gtest/gtest.h>

#include <string>

#include "trace_fixtures.hpp"

namespace chaird::sim {
namespace {

using unit::small_trace;

ReplayTrace shifted(ReplayTrace t, std::int64_t by_ms) {
  for (auto& s : t.samples) s.chair_ms += by_ms;
  for (auto& e : t.events) e.chair_ms += by_ms;
  t.end_ms += by_ms;
  return t;
}

TraceSample& sample(ReplayTrace& t, std::int64_t chair_ms, std::int32_t actuator) {
  for (auto& s : t.samples) {
    if (s.chair_ms == chair_ms && s.actuator == actuator) return s;
  }
  ADD_FAILURE() << "no sample of actuator " << actuator << " at " << chair_ms;
  return t.samples.front();
}

constexpr std::int32_t kRollerPosition = 0;
constexpr std::int32_t kAirbagCalf = 2;

TEST(TraceCompare, ATraceEqualsItself) {
  EXPECT_EQ(compare_traces(small_trace(), small_trace(), {}), std::nullopt);
}

TEST(TraceCompare, AShiftOf10msIsNoDifferenceWithin50ms) {
  EXPECT_EQ(compare_traces(shifted(small_trace(), 10), small_trace(), {}), std::nullopt);
  EXPECT_EQ(compare_traces(small_trace(), shifted(small_trace(), 10), {}), std::nullopt);
  TraceTolerances strict;
  strict.time_ms = 5;
  EXPECT_NE(compare_traces(shifted(small_trace(), 10), small_trace(), strict), std::nullopt);
}

TEST(TraceCompare, AValueChangeIsReportedAtItsTimeWithTheActuatorAndBothValues) {
  ReplayTrace run = small_trace();
  sample(run, 2500, kAirbagCalf).measured = 20.0;
  const auto d = compare_traces(run, small_trace(), {});
  ASSERT_TRUE(d);
  EXPECT_EQ(d->chair_ms, 2500);
  EXPECT_EQ(d->what, "airbag.calf measured 20.00 kPa, golden 12.00 kPa (tolerance 0.50)");
}

TEST(TraceCompare, AChangeWithinTheKindsToleranceIsNoDifference) {
  ReplayTrace run = small_trace();
  sample(run, 2500, kAirbagCalf).measured = 12.5;        // pressure: 0.5 kPa
  sample(run, 1200, kRollerPosition).commanded = 352.0;  // position: 2 mm
  EXPECT_EQ(compare_traces(run, small_trace(), {}), std::nullopt);
  sample(run, 1200, kRollerPosition).commanded = 352.5;
  const auto d = compare_traces(run, small_trace(), {});
  ASSERT_TRUE(d);
  EXPECT_EQ(d->what, "roller.position commanded 352.50 mm, golden 350.00 mm (tolerance 2.00)");
}

TEST(TraceCompare, TheEarliestDifferenceInChairTimeIsReported) {
  ReplayTrace run = small_trace();
  sample(run, 3000, kRollerPosition).measured = 100.0;  // the first actuator, later
  sample(run, 1200, kAirbagCalf).commanded = 30.0;      // a later actuator, earlier
  const auto d = compare_traces(run, small_trace(), {});
  ASSERT_TRUE(d);
  EXPECT_EQ(d->chair_ms, 1200);
  EXPECT_EQ(d->what, "airbag.calf commanded 30.00 kPa, golden 12.00 kPa (tolerance 0.50)");
}

TEST(TraceCompare, ASpikeOnlyTheGoldenTraceHasIsFound) {
  ReplayTrace golden = small_trace();
  golden.samples.push_back({3420, kAirbagCalf, 0.0, 30.0});
  golden.samples.push_back({3430, kAirbagCalf, 0.0, 3.5});
  const auto d = compare_traces(small_trace(), golden, {});
  ASSERT_TRUE(d);
  EXPECT_EQ(d->chair_ms, 3420);
  EXPECT_EQ(d->what, "airbag.calf measured 3.50 kPa, golden 30.00 kPa (tolerance 0.50)");
}

TEST(TraceCompare, AMissingEventIsReported) {
  ReplayTrace run = small_trace();
  run.events.erase(run.events.begin() + 2);  // the trip
  const auto d = compare_traces(run, small_trace(), {});
  ASSERT_TRUE(d);
  EXPECT_EQ(d->chair_ms, 3000);
  EXPECT_EQ(d->what, "golden has trip on airbag.calf at 3000 ms that run lacks");

  const auto extra = compare_traces(small_trace(), run, {});
  ASSERT_TRUE(extra);
  EXPECT_EQ(extra->what, "run has trip on airbag.calf at 3000 ms that golden lacks");
}

TEST(TraceCompare, AnEventOutsideTheTimeToleranceIsReportedButItsTextIsNotCompared) {
  ReplayTrace run = small_trace();
  run.events[1].text = "leaking at another rate";
  EXPECT_EQ(compare_traces(run, small_trace(), {}), std::nullopt);
  run.events[1].chair_ms = 1300;
  const auto d = compare_traces(run, small_trace(), {});
  ASSERT_TRUE(d);
  EXPECT_EQ(d->chair_ms, 1200);
  EXPECT_EQ(d->what,
            "fault_injected on airbag.calf at 1300 ms in run, at 1200 ms in golden "
            "(tolerance 50 ms)");
}

TEST(TraceCompare, DifferentActuatorListsDifferAtZero) {
  ReplayTrace run = small_trace();
  std::swap(run.actuators[0], run.actuators[1]);
  const auto d = compare_traces(run, small_trace(), {});
  ASSERT_TRUE(d);
  EXPECT_EQ(d->chair_ms, 0);
  EXPECT_EQ(d->what, "actuator 1 is roller.speed in run, roller.position in golden");

  ReplayTrace fewer = small_trace();
  fewer.actuators.pop_back();
  EXPECT_EQ(compare_traces(fewer, small_trace(), {}).value_or(TraceDifference{0, ""}).what,
            "run has 3 actuators, golden 4");
}

TEST(TraceCompare, AnEndOutsideTheTimeToleranceIsReported) {
  ReplayTrace run = small_trace();
  run.end_ms = 3600;
  const auto d = compare_traces(run, small_trace(), {});
  ASSERT_TRUE(d);
  EXPECT_EQ(d->chair_ms, 3500);
  EXPECT_EQ(d->what, "end_ms 3600 in run, 3500 in golden (tolerance 50 ms)");
}

}  // namespace
}  // namespace chaird::sim
