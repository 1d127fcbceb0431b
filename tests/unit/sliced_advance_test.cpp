// clock/sliced_advance: a long manual advance lets what arrives meanwhile act at the chair
// time it arrived (an emergency stop pressed during SimBench.AdvanceClock).
#include "clock/sliced_advance.hpp"

#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <future>
#include <optional>
#include <thread>
#include <vector>

#include "unit_fixtures.hpp"

namespace chaird {
namespace {

using unit::ms;

struct Outcome {
  int calls = 0;
  bool whole = false;
  std::int64_t at_ms = -1;
};

SlicedAdvance advance_of(
    unit::VirtualRig& rig, std::int64_t by_ms, std::int64_t slice_ms, Outcome& outcome,
    std::function<bool()> keep_going = [] { return true; }) {
  return {ms(by_ms), ms(slice_ms), std::move(keep_going), [&rig, &outcome](bool whole) {
            ++outcome.calls;
            outcome.whole = whole;
            outcome.at_ms = rig.now_ms();
          }};
}

TEST(SlicedAdvance, ATaskPostedDuringTheAdvanceRunsAtTheChairTimeItArrived) {
  unit::VirtualRig rig;
  std::optional<std::int64_t> stop_ran_at_ms;
  // Five minutes in, a stop is posted to the dispatch thread (from a timer, which runs there).
  rig.clock.call_at(chair_time_from_ms(300'000),
                    [&] { boost::asio::post(rig.io, [&] { stop_ran_at_ms = rig.now_ms(); }); });
  Outcome outcome;
  advance_in_slices(rig.clock, advance_of(rig, 600'000, 100, outcome));
  rig.io.run();

  ASSERT_TRUE(stop_ran_at_ms.has_value());
  EXPECT_GE(*stop_ran_at_ms, 300'000);
  EXPECT_LE(*stop_ran_at_ms, 300'100) << "the stop waited for the rest of the advance";
  EXPECT_EQ(outcome.calls, 1);
  EXPECT_TRUE(outcome.whole);
  EXPECT_EQ(outcome.at_ms, 600'000);
}

TEST(SlicedAdvance, AStopPostedFromAnotherThreadRunsBeforeTheRestOfTheAdvance) {
  unit::VirtualRig rig;
  std::promise<void> reached;
  std::promise<void> posted;
  std::optional<std::int64_t> stop_ran_at_ms;
  // The test holds the advance at 60 s of chair time until the kiosk's thread has posted its
  // stop, so the stop arrives during the advance every time.
  bool held = false;
  rig.clock.call_at(chair_time_from_ms(60'000), [&] {
    held = true;
    reached.set_value();
    posted.get_future().wait();
  });
  std::thread kiosk([&] {
    reached.get_future().wait();
    boost::asio::post(rig.io, [&] { stop_ran_at_ms = rig.now_ms(); });
    posted.set_value();
  });
  Outcome outcome;
  advance_in_slices(rig.clock, advance_of(rig, 3'600'000, 1'000, outcome));
  rig.io.run();
  if (!held) reached.set_value();  // the hold never came: let the kiosk go, and fail below
  kiosk.join();

  ASSERT_TRUE(stop_ran_at_ms.has_value());
  EXPECT_GE(*stop_ran_at_ms, 60'000);
  EXPECT_LE(*stop_ran_at_ms, 61'000) << "the stop waited for the rest of the advance";
  EXPECT_TRUE(outcome.whole);
  EXPECT_EQ(outcome.at_ms, 3'600'000);
}

TEST(SlicedAdvance, StopsAtTheSliceWhereTheCallerGivesUp) {
  unit::VirtualRig rig;
  bool gave_up = false;
  rig.clock.call_at(chair_time_from_ms(250), [&] { gave_up = true; });
  Outcome outcome;
  advance_in_slices(rig.clock, advance_of(rig, 10'000, 100, outcome, [&] { return !gave_up; }));
  rig.io.run();

  EXPECT_EQ(outcome.calls, 1);
  EXPECT_FALSE(outcome.whole);
  EXPECT_EQ(outcome.at_ms, 300) << "the clock went on after the caller gave up";
  EXPECT_EQ(rig.now_ms(), 300);
}

TEST(SlicedAdvance, StepsThroughExactlyTheTimeAskedForAndEveryTimerInOrder) {
  unit::VirtualRig rig;
  std::vector<std::int64_t> ran_at_ms;
  for (std::int64_t t : {1235, 99, 100, 101, 1234, 700}) {
    rig.clock.call_at(chair_time_from_ms(t),
                      [&rig, &ran_at_ms] { ran_at_ms.push_back(rig.now_ms()); });
  }
  Outcome outcome;
  advance_in_slices(rig.clock, advance_of(rig, 1'234, 100, outcome));
  rig.io.run();

  EXPECT_EQ(ran_at_ms, (std::vector<std::int64_t>{99, 100, 101, 700, 1234}));
  EXPECT_TRUE(outcome.whole);
  EXPECT_EQ(outcome.at_ms, 1'234);
  EXPECT_EQ(rig.now_ms(), 1'234);
}

TEST(SlicedAdvance, TwoAdvancesAtOnceEachFinishAndTheirTimesAddUp) {
  unit::VirtualRig rig;
  Outcome first;
  Outcome second;
  advance_in_slices(rig.clock, advance_of(rig, 1'000, 100, first));
  advance_in_slices(rig.clock, advance_of(rig, 500, 100, second));
  rig.io.run();

  EXPECT_TRUE(first.whole);
  EXPECT_TRUE(second.whole);
  EXPECT_EQ(first.calls + second.calls, 2);
  EXPECT_EQ(rig.now_ms(), 1'500);
}

}  // namespace
}  // namespace chaird
