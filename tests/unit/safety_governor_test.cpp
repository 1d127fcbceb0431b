// safety/safety_governor: reviewing hand-built timelines against the chair's limits, adapting
// unsafe endings, and the run-time watch over telemetry.
#include "safety/safety_governor.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "safety/safe_state.hpp"
#include "unit_fixtures.hpp"

namespace chaird {
namespace {

using unit::add_command;
using unit::blank_timeline;
using unit::Contains;
using unit::HasError;
using unit::idx;

class SafetyGovernorTest : public ::testing::Test {
 protected:
  std::shared_ptr<const ChairModel> chair_ = unit::chair();
  SafetyGovernor governor_{chair_, {}};

  Timeline timeline(std::int64_t duration_ms) const { return blank_timeline(*chair_, duration_ms); }
  void add(Timeline& tl, std::int64_t start, std::int64_t reach, const char* id,
           double value) const {
    add_command(tl, *chair_, start, reach, id, value);
  }
  Diagnostics refusal(Timeline tl) const {
    auto governed = governor_.review(std::move(tl));
    if (governed) {
      ADD_FAILURE() << "the timeline was accepted";
      return {};
    }
    return governed.error();
  }
  // A good session: the roller moves down and back at its limits, a bag fills and vents.
  Timeline good() const {
    Timeline tl = timeline(20000);
    add(tl, 0, 1000, "roller.position", 220);     // 120 mm/s from rest: 120 mm/s^2 over 1 s
    add(tl, 1000, 3000, "airbag.waist", 16);      // 8 kPa/s
    add(tl, 2000, 3000, "roller.position", 100);  // back at 120 mm/s after a second's hold
    add(tl, 5000, 7000, "airbag.waist", 0);
    add(tl, 8000, 10000, "roller.depth", 6);  // 3 mm/s
    add(tl, 12000, 14000, "roller.depth", 0);
    unit::sort_commands(tl);
    return tl;
  }
  Telemetry normal_sample() const {
    Telemetry t;
    t.at = chair_time_from_ms(1000);
    t.commanded = chair_->home_values();
    t.measured = chair_->home_values();
    t.measured[static_cast<std::size_t>(idx("heat.lumbar"))] = 22.0;  // room temperature
    t.measured[static_cast<std::size_t>(idx("heat.calf"))] = 22.0;
    return t;
  }
};

TEST_F(SafetyGovernorTest, AcceptsAGoodTimelineUnchanged) {
  const Timeline tl = good();
  auto governed = governor_.review(tl);
  ASSERT_TRUE(governed) << governed.error().to_string();
  EXPECT_TRUE((*governed)->adaptations().empty());
  EXPECT_EQ((*governed)->timeline().duration_ms, 20000);
  EXPECT_EQ((*governed)->timeline().commands.size(), tl.commands.size());
  EXPECT_EQ(governor_.max_session_ms(), 1800000);
}

TEST_F(SafetyGovernorTest, RefusesValuesOutsideTheRange) {
  Timeline tl = timeline(20000);
  add(tl, 0, 5000, "airbag.neck", 38);  // the bag goes to 40, the chair's limit is 35
  const Diagnostics d = refusal(tl);
  EXPECT_TRUE(HasError(d, "airbag.neck 38 kPa is outside the allowed 0..35 kPa"));

  Timeline nan = timeline(20000);
  add(nan, 0, 5000, "roller.depth", std::numeric_limits<double>::quiet_NaN());
  EXPECT_TRUE(HasError(refusal(nan), "roller.depth nan mm is outside"));

  Timeline negative = timeline(20000);
  add(negative, 0, 5000, "roller.tap", -1);
  EXPECT_TRUE(HasError(refusal(negative), "roller.tap -1 Hz is outside the allowed 0..10 Hz"));

  Timeline unknown = timeline(20000);
  unknown.commands.push_back({0, 0, 99, -1, 0.0, CommandSource::kTechnique});
  EXPECT_TRUE(HasError(refusal(unknown), "command for unknown actuator #99"));

  Timeline late = timeline(20000);
  add(late, 19000, 21000, "roller.depth", 1);
  EXPECT_TRUE(HasError(refusal(late), "outside the session's 20000 ms"));

  Timeline wrong_size = timeline(20000);
  wrong_size.initial_values.pop_back();
  EXPECT_TRUE(HasError(refusal(wrong_size), "does not match this chair's actuators"));
}

TEST_F(SafetyGovernorTest, RefusesRampsFasterThanTheActuatorsRate) {
  Timeline tl = timeline(20000);
  add(tl, 0, 1000, "roller.position", 700);  // 600 mm/s; the limit is 120
  const Diagnostics d = refusal(tl);
  EXPECT_TRUE(
      HasError(d, "roller.position moves 600 mm in 1000 ms (600 mm/s); its limit is 120 mm/s"));
  // A jump (no ramp at all) is infinitely fast.
  Timeline jump = timeline(20000);
  add(jump, 1000, 1000, "airbag.calf", 10);
  EXPECT_TRUE(HasError(refusal(jump), "airbag.calf moves 10 kPa in 0 ms"));
  // Just within the tolerance for ms rounding is fine; beyond it is not.
  Timeline edge = timeline(20000);
  add(edge, 0, 2500, "airbag.calf", 20.3);  // 8.12 kPa/s, 1.5 % over
  EXPECT_TRUE(governor_.review(edge));
  Timeline over = timeline(20000);
  add(over, 0, 2500, "airbag.calf", 21);  // 8.4 kPa/s, 5 % over
  EXPECT_TRUE(HasError(refusal(over), "its limit is 8 kPa/s"));
}

TEST_F(SafetyGovernorTest, RefusesOverlappingRampsOnOneActuator) {
  Timeline tl = timeline(20000);
  add(tl, 0, 2000, "roller.depth", 6);
  add(tl, 1000, 3000, "roller.depth", 2);
  const Diagnostics d = refusal(tl);
  EXPECT_TRUE(HasError(
      d, "roller.depth gets a new ramp at 1000 ms while the previous one runs until 2000 ms"));
  // Commands out of time order are refused too.
  Timeline unordered = timeline(20000);
  add(unordered, 5000, 6000, "roller.depth", 6);
  add(unordered, 1000, 2000, "roller.knead", 10);
  EXPECT_TRUE(HasError(refusal(unordered), "out of order"));
}

TEST_F(SafetyGovernorTest, RefusesAccelerationBeyondTheLimit) {
  // 12 mm in 100 ms from rest: 120 mm/s reached at once (400 mm/s^2 allows 40 in 0.1 s).
  Timeline start = timeline(20000);
  add(start, 0, 100, "roller.position", 112);
  EXPECT_TRUE(HasError(refusal(start), "roller.position changes speed by 120 mm/s at 0 ms"));
  // The change of speed is judged over the longer of two neighbouring ramps (the SDK's rule),
  // so these cruise at 120 mm/s in a 100 ms piece before doing something abrupt.
  // A reversal with no pause: +120 then -120 mm/s.
  Timeline reverse = timeline(20000);
  add(reverse, 0, 1000, "roller.position", 220);
  add(reverse, 1000, 1100, "roller.position", 232);
  add(reverse, 1100, 1200, "roller.position", 220);
  EXPECT_TRUE(HasError(refusal(reverse), "changes speed by 240 mm/s at 1100 ms"));
  // Stopping dead, with only a short hold before the next ramp.
  Timeline stop = timeline(20000);
  add(stop, 0, 1000, "roller.position", 220);
  add(stop, 1000, 1100, "roller.position", 232);
  add(stop, 1150, 2150, "roller.position", 352);
  EXPECT_TRUE(HasError(refusal(stop), "stops from 120 mm/s at 1100 ms faster than"));
  // The same moves with room to brake are fine.
  Timeline smooth = timeline(20000);
  add(smooth, 0, 1000, "roller.position", 220);
  add(smooth, 1000, 1100, "roller.position", 232);
  add(smooth, 1100, 1400, "roller.position", 250);  // 60 mm/s: 60 over 0.3 s is 200 mm/s^2
  add(smooth, 2400, 3400, "roller.position", 150);
  EXPECT_TRUE(governor_.review(smooth));
  // Actuators without an acceleration limit are not checked.
  Timeline speed = timeline(20000);
  add(speed, 0, 100, "roller.knead", 10);
  add(speed, 100, 200, "roller.knead", 0);
  EXPECT_TRUE(governor_.review(speed));
}

TEST_F(SafetyGovernorTest, RefusesAMotorThatReversesWithoutStoppingAndResting) {
  // Straight from +30 to -20 rpm.
  Timeline swap = timeline(20000);
  add(swap, 0, 1000, "roller.knead", 30);
  add(swap, 2000, 2500, "roller.knead", -20);
  EXPECT_TRUE(HasError(refusal(swap),
                       "roller.knead turns from 30 to -20 rpm at 2000 ms without "
                       "stopping; it must stop and rest 250 ms"));
  // Stopped, but only for 100 ms of the 250 ms the chair asks.
  Timeline hasty = timeline(20000);
  add(hasty, 0, 1000, "roller.knead", 30);
  add(hasty, 2000, 2300, "roller.knead", 0);
  add(hasty, 2400, 2600, "roller.knead", -20);
  EXPECT_TRUE(HasError(refusal(hasty),
                       "roller.knead rests 100 ms before it turns the other way "
                       "at 2400 ms; it must rest 250 ms"));
  // Resting long enough is fine, and so is slowing down and speeding up the same way.
  Timeline rested = timeline(20000);
  add(rested, 0, 1000, "roller.knead", 30);
  add(rested, 2000, 2300, "roller.knead", 0);
  add(rested, 2550, 2750, "roller.knead", -20);
  add(rested, 3000, 3200, "roller.knead", -5);
  add(rested, 3200, 3500, "roller.knead", -30);
  add(rested, 4000, 4300, "roller.knead", 0);
  EXPECT_TRUE(governor_.review(rested));
  // A timeline that starts with the motor turning counts from there (a re-plan mid-circle).
  Timeline carried = timeline(20000);
  carried.initial_values[static_cast<std::size_t>(idx("foot_roller"))] = 20;
  add(carried, 0, 1000, "foot_roller", -20);
  EXPECT_TRUE(HasError(refusal(carried), "foot_roller turns from 20 to -20 rpm at 0 ms"));
  // A profile may ask for a longer rest; a looser value than the default is its to choose.
  auto slow = unit::chair_variant({{"motor_reverse_rest_ms: 250", "motor_reverse_rest_ms: 1000"}});
  ASSERT_TRUE(slow);
  EXPECT_EQ(slow->motor_reverse_rest_ms(), 1000);
  const SafetyGovernor patient(slow, {});
  auto refused = patient.review(rested);
  ASSERT_FALSE(refused);
  EXPECT_TRUE(HasError(refused.error(),
                       "rests 250 ms before it turns the other way at 2550 ms; "
                       "it must rest 1000 ms"));
}

// The default body on the reference chair: neck 124..230 mm, lumbar 537..686 mm along the track.
TEST_F(SafetyGovernorTest, RefusesRollerDepthBeyondItsBodyRegionsLimit) {
  // 8 mm into the neck; the chair allows 7.5 there.
  Timeline neck = timeline(20000);
  add(neck, 0, 2000, "roller.position", 180);
  add(neck, 3000, 4000, "roller.depth", 8);
  EXPECT_TRUE(HasError(refusal(neck),
                       "roller.depth reaches 8.0 mm at 4000 ms with the rollers "
                       "at 180 mm, over the neck; this chair allows at most 7.5 mm "
                       "there"));
  Timeline gentle_neck = timeline(20000);
  add(gentle_neck, 0, 2000, "roller.position", 180);
  add(gentle_neck, 3000, 4000, "roller.depth", 7.5);
  EXPECT_TRUE(governor_.review(gentle_neck));

  // 10 mm on the lumbar muscles is fine; with the rollers narrowed onto the spine it is not.
  Timeline lumbar = timeline(20000);
  add(lumbar, 0, 5000, "roller.position", 600);
  add(lumbar, 6000, 7000, "roller.depth", 10);
  EXPECT_TRUE(governor_.review(lumbar));
  Timeline narrow = lumbar;
  add(narrow, 8000, 9000, "roller.width", 60);
  EXPECT_TRUE(HasError(refusal(narrow),
                       "roller.depth reaches 10.0 mm at 9000 ms with the rollers "
                       "at 600 mm, narrow over the spine at the lumbar; this "
                       "chair allows at most 9 mm there with the rollers this "
                       "narrow"));

  // Travelling up the back while pressing: fine until the rollers reach the neck.
  Timeline travel = lumbar;
  add(travel, 8000, 13000, "roller.position", 180);
  EXPECT_TRUE(HasError(refusal(travel),
                       "roller.depth reaches 10.0 mm at 12405 ms with the "
                       "rollers at 230 mm, over the neck"));

  // A timeline that does not say where the body is cannot press at all.
  Timeline blind = lumbar;
  blind.regions.clear();
  EXPECT_TRUE(HasError(refusal(blind), "does not say where the sitter's body is"));
}

TEST_F(SafetyGovernorTest, RefusesHeatBeyondTheCutOffWithinItsWindow) {
  // A chair with a 10-minute heat cut-off (in any hour), so that the session limit stays out of
  // the way.
  auto chair = unit::chair_variant({{"heat_max_on_ms: 1800000", "heat_max_on_ms: 600000"}});
  ASSERT_NE(chair, nullptr);
  const SafetyGovernor governor(chair, {});
  Timeline on = blank_timeline(*chair, 900000);
  add_command(on, *chair, 1000, 1000, "heat.lumbar", 40);
  add_command(on, *chair, 700000, 700000, "heat.lumbar", 0);
  auto refused = governor.review(on);
  ASSERT_FALSE(refused);
  EXPECT_TRUE(HasError(refused.error(),
                       "heat.lumbar heats for 11:39 within 60:00; the limit is 10:00 in any 60:00"))
      << refused.error().to_string();

  // A break does not reset the count: what counts is the heat within the window.
  Timeline breaks = blank_timeline(*chair, 900000);
  add_command(breaks, *chair, 1000, 1000, "heat.lumbar", 40);
  add_command(breaks, *chair, 500000, 500000, "heat.lumbar", 0);
  add_command(breaks, *chair, 560000, 560000, "heat.lumbar", 38);
  add_command(breaks, *chair, 800000, 800000, "heat.lumbar", 0);
  EXPECT_TRUE(HasError(governor.review(breaks).error(), "heat.lumbar heats for 12:19 within"));

  // Heat that has left the window no longer counts: with a 20-minute window, 8 minutes on, 12
  // off and 8 on again is never more than 8 minutes in any 20.
  auto short_window = unit::chair_variant({{"heat_max_on_ms: 1800000", "heat_max_on_ms: 600000"},
                                           {"heat_window_ms: 3600000", "heat_window_ms: 1200000"}});
  ASSERT_NE(short_window, nullptr);
  Timeline spaced = blank_timeline(*short_window, 1800000);
  add_command(spaced, *short_window, 0, 0, "heat.lumbar", 40);
  add_command(spaced, *short_window, 480000, 480000, "heat.lumbar", 0);
  add_command(spaced, *short_window, 1200000, 1200000, "heat.lumbar", 40);
  add_command(spaced, *short_window, 1680000, 1680000, "heat.lumbar", 0);
  auto accepted = SafetyGovernor(short_window, {}).review(spaced);
  EXPECT_TRUE(accepted) << accepted.error().to_string();

  // Heat still on at the end counts until the end.
  Timeline end = blank_timeline(*chair, 700000);
  add_command(end, *chair, 0, 0, "heat.calf", 40);
  EXPECT_TRUE(HasError(governor.review(end).error(), "heat.calf heats for 11:40"));
}

// Back to back: heat from an earlier session counts, so starting again right after one does
// not give another full dose.
TEST_F(SafetyGovernorTest, HeatFromEarlierSessionsCountsAgainstTheCutOff) {
  const auto lumbar = static_cast<std::size_t>(idx("heat.lumbar"));
  Timeline twenty = timeline(1200000);  // 20 minutes of lumbar heat
  add(twenty, 0, 0, "heat.lumbar", 40);
  add(twenty, 1200000, 1200000, "heat.lumbar", 0);
  EXPECT_TRUE(governor_.review(twenty));  // alone: within the 30-minute cut-off

  EnergyHistory history;
  history.at = chair_time_from_ms(10'000'000);
  history.heat_on.resize(chair_->actuator_count());
  history.heat_on[lumbar] = {{chair_time_from_ms(10'000'000 - 1'260'000),
                              chair_time_from_ms(10'000'000 - 60'000)}};  // 20 min, ended 1 min ago
  auto refused = governor_.review(twenty, history);
  ASSERT_FALSE(refused);
  EXPECT_TRUE(HasError(refused.error(),
                       "heat.lumbar heats for 40:00 within 60:00, 20:00 of it in earlier sessions"))
      << refused.error().to_string();
  EXPECT_TRUE(HasError(refused.error(), "the limit is 30:00 in any 60:00"));

  // An hour later, that heat has left the window.
  history.at = chair_time_from_ms(10'000'000 + 3'600'000);
  EXPECT_TRUE(governor_.review(twenty, history));
  // Another heater's history does not count against this one.
  history.at = chair_time_from_ms(10'000'000);
  std::swap(history.heat_on[lumbar], history.heat_on[static_cast<std::size_t>(idx("heat.calf"))]);
  EXPECT_TRUE(governor_.review(twenty, history));
}

// The hold clock runs on from one timeline to the next (a cool-down, a re-plan): a bag already
// held for 58 s may not be held for 5 s more.
TEST_F(SafetyGovernorTest, AnAirbagsHoldCarriesOverFromTheTimelineBefore) {
  const auto thigh = static_cast<std::size_t>(idx("airbag.thigh"));
  Timeline tl = timeline(20000);
  tl.initial_values[thigh] = 20;
  add(tl, 5000, 7500, "airbag.thigh", 0);
  EXPECT_TRUE(governor_.review(tl));  // on its own: 5.3 s

  EnergyHistory history;
  history.at = chair_time_from_ms(100000);
  history.held_since.resize(chair_->actuator_count());
  history.held_since[thigh] = chair_time_from_ms(100000 - 58000);
  auto refused = governor_.review(tl, history);
  ASSERT_FALSE(refused);
  EXPECT_TRUE(HasError(refused.error(),
                       "airbag.thigh stays inflated for 1:03 without a break "
                       "(0:58 of it before this plan); the limit is 1:00"))
      << refused.error().to_string();
  // A dip too short to be a break does not restart the clock either: the bag dipped below the
  // threshold 0.1 s before this plan, which fills it again at once.
  Timeline refill = timeline(20000);
  refill.initial_values[thigh] = 15;
  add(refill, 0, 625, "airbag.thigh", 20);
  add(refill, 10000, 12500, "airbag.thigh", 0);
  EXPECT_TRUE(governor_.review(refill));  // on its own: 10 s
  EnergyHistory dipped = history;
  dipped.dipped_at.resize(chair_->actuator_count());
  dipped.dipped_at[thigh] = chair_time_from_ms(100000 - 100);
  auto refilled = governor_.review(refill, dipped);
  ASSERT_FALSE(refilled);
  EXPECT_TRUE(HasError(refilled.error(), "airbag.thigh stays inflated for 1:08 without a break"))
      << refilled.error().to_string();
  // Vented at once, it passes.
  Timeline vent = timeline(20000);
  vent.initial_values[thigh] = 20;
  add(vent, 0, 2500, "airbag.thigh", 0);
  EXPECT_TRUE(governor_.review(vent, history));
}

TEST_F(SafetyGovernorTest, RefusesAnAirbagHeldFirmForTooLong) {
  // Above half of 35 kPa for longer than a minute.
  Timeline tl = timeline(120000);
  add(tl, 0, 2500, "airbag.thigh", 20);
  add(tl, 70000, 72500, "airbag.thigh", 0);
  // Measured between the moments the ramps cross 17.5 kPa: 2.19 s to 70.31 s.
  EXPECT_TRUE(HasError(refusal(tl),
                       "airbag.thigh stays inflated for 1:08 without a break; the limit is 1:00"));

  // Soft (below half) for as long as it likes.
  Timeline soft = timeline(120000);
  add(soft, 0, 2000, "airbag.thigh", 16);
  add(soft, 100000, 102000, "airbag.thigh", 0);
  EXPECT_TRUE(governor_.review(soft));
  // Firm, but vented in time.
  Timeline brief = timeline(120000);
  add(brief, 0, 2500, "airbag.thigh", 20);
  add(brief, 50000, 52500, "airbag.thigh", 0);
  EXPECT_TRUE(governor_.review(brief));
}

TEST_F(SafetyGovernorTest, AMomentaryBreakDoesNotResetTheAirbagOrHeatClock) {
  // Vented for only a second between two 40 s holds: one hold of about 80 s.
  Timeline bag = timeline(120000);
  add(bag, 0, 2500, "airbag.thigh", 20);
  add(bag, 40000, 40300, "airbag.thigh", 0);
  add(bag, 41000, 41300, "airbag.thigh", 20);
  add(bag, 81000, 83500, "airbag.thigh", 0);
  EXPECT_TRUE(HasError(refusal(bag), "airbag.thigh stays inflated for 1:19"));
  // A real break (the bag empties for several seconds) does reset it.
  Timeline rested = timeline(120000);
  add(rested, 0, 2500, "airbag.thigh", 20);
  add(rested, 40000, 42500, "airbag.thigh", 0);
  add(rested, 50000, 52500, "airbag.thigh", 20);
  add(rested, 90000, 92500, "airbag.thigh", 0);
  EXPECT_TRUE(governor_.review(rested));

  // Heat split into steps with no pause is one stretch of heating against the 30-minute cut-off.
  Timeline heat = timeline(1800000);
  add(heat, 0, 0, "heat.lumbar", 40);
  add(heat, 900000, 900000, "heat.lumbar", 0);
  add(heat, 900000, 900000, "heat.lumbar", 40);  // same instant: switched off and on again
  add(heat, 1799000, 1799000, "heat.lumbar", 0);
  EXPECT_TRUE(governor_.review(heat));  // 29:59 in all: within the cut-off
  SafetyGovernor strict(
      unit::chair_variant({{"heat_max_on_ms: 1800000", "heat_max_on_ms: 600000"}}),
      SessionLimits{});
  auto refused = strict.review(heat);
  ASSERT_FALSE(refused);
  EXPECT_TRUE(HasError(refused.error(),
                       "heat.lumbar heats for 29:59 within 60:00; the limit is "
                       "10:00 in any 60:00"));
}

TEST_F(SafetyGovernorTest, RefusesSessionsLongerThanTheChairOrTheSessionAllows) {
  auto too_long = governor_.review(timeline(1800001));
  ASSERT_FALSE(too_long);
  EXPECT_TRUE(HasError(too_long.error(), "this chair allows at most 30:00"));
  EXPECT_TRUE(governor_.review(timeline(1800000)));

  const SafetyGovernor tight(chair_, SessionLimits{60000, nullptr});
  EXPECT_EQ(tight.max_session_ms(), 60000);
  auto refused = tight.review(timeline(90000));
  ASSERT_FALSE(refused);
  EXPECT_TRUE(
      HasError(refused.error(), "the session would last 1:30; this chair allows at most 1:00"));
  EXPECT_TRUE(tight.review(timeline(60000)));

  // Session limits only tighten.
  const SafetyGovernor loose(chair_, SessionLimits{3600000, nullptr});
  EXPECT_EQ(loose.max_session_ms(), 1800000);
  EXPECT_FALSE(loose.review(timeline(2000000)));
}

// The sitter's adaptations to single steps are listed up to a bound (they go into every status);
// the others, and what the governor itself changed, always.
TEST_F(SafetyGovernorTest, ListsFiftyStepAdaptationsAndAllOthers) {
  Timeline tl = timeline(10000);
  tl.condition_changes.push_back("shoulders work lighter (80%)");
  for (int i = 0; i < 120; ++i)
    tl.condition_changes.push_back(fmt::format("step 'knead {}': intensity 0.80 lowered", i));
  tl.condition_changes.push_back("intensity held at 1.20: the program allows no more");
  add(tl, 0, 1000, "roller.depth", 6);
  unit::sort_commands(tl);
  auto governed = governor_.review(tl);
  ASSERT_TRUE(governed) << governed.error().to_string();
  const auto& notes = (*governed)->adaptations();
  ASSERT_EQ(notes.size(), 1 + kMaxListedAdaptations + 1 + 1 + 1);
  EXPECT_EQ(notes[0], "shoulders work lighter (80%)");
  EXPECT_EQ(notes[1], "step 'knead 0': intensity 0.80 lowered");
  EXPECT_EQ(notes[kMaxListedAdaptations],
            fmt::format("step 'knead {}': intensity 0.80 lowered", kMaxListedAdaptations - 1));
  EXPECT_EQ(notes[kMaxListedAdaptations + 1], "70 more adaptations for this sitter are not listed");
  EXPECT_EQ(notes[kMaxListedAdaptations + 2], "intensity held at 1.20: the program allows no more");
  EXPECT_TRUE(Contains(notes.back(), "roller.depth at 6 mm at its end; the governor returns it"));
  EXPECT_EQ((*governed)->timeline().condition_changes.size(), 122u);  // kept whole
}

TEST_F(SafetyGovernorTest, AdaptsATimelineThatEndsUnsafe) {
  Timeline tl = timeline(10000);
  add(tl, 0, 1000, "roller.depth", 6);
  add(tl, 0, 1000, "roller.knead", 30);
  add(tl, 0, 2500, "airbag.waist", 20);
  add(tl, 0, 0, "heat.lumbar", 40);
  unit::sort_commands(tl);
  auto governed = governor_.review(tl);
  ASSERT_TRUE(governed) << governed.error().to_string();
  const Timeline& out = (*governed)->timeline();
  const auto& notes = (*governed)->adaptations();
  ASSERT_EQ(notes.size(), 4u);
  EXPECT_TRUE(Contains(
      notes[0],
      "the program leaves roller.depth at 6 mm at its end; the governor returns it to 0 mm"));
  EXPECT_TRUE(Contains(notes[1], "roller.knead at 30 rpm"));
  EXPECT_TRUE(Contains(notes[2], "airbag.waist at 20 kPa"));
  EXPECT_TRUE(Contains(notes[3], "heat.lumbar at 40"));
  // The added commands are the governor's, after the program's end, within the rates.
  EXPECT_GT(out.duration_ms, 10000);
  EXPECT_LE(out.duration_ms, 10000 + 2500 + 10);  // the bag vents at 8 kPa/s: 2.5 s
  for (std::size_t i = tl.commands.size(); i < out.commands.size(); ++i) {
    EXPECT_EQ(out.commands[i].source, CommandSource::kSafety);
    EXPECT_EQ(out.commands[i].step, -1);
    EXPECT_GE(out.commands[i].start_ms, 10000);
  }
  EXPECT_TRUE(is_safe(*chair_, out.targets_at(out.duration_ms)));
  // The adapted timeline passes the governor as it is.
  auto again = governor_.review(out);
  ASSERT_TRUE(again) << again.error().to_string();
  EXPECT_TRUE((*again)->adaptations().empty());
}

// The trip's reason, or "" when the sample does not trip.
std::string reason_of(const std::optional<SafetyTrip>& trip) {
  return trip ? trip->reason : std::string();
}

TEST_F(SafetyGovernorTest, WatchIsSilentOnANormalSample) {
  EXPECT_EQ(reason_of(governor_.watch(normal_sample(), 5000)), "");
  EXPECT_EQ(reason_of(governor_.watch(normal_sample(), -1)), "");
  // Following a little behind a moving target is normal.
  Telemetry moving = normal_sample();
  moving.commanded[static_cast<std::size_t>(idx("roller.position"))] = 400;
  moving.measured[static_cast<std::size_t>(idx("roller.position"))] = 390;
  EXPECT_EQ(reason_of(governor_.watch(moving, 5000)), "");
}

TEST_F(SafetyGovernorTest, WatchTripsOnBoardFaults) {
  Telemetry t = normal_sample();
  t.faults = kFaultLeaseExpired;
  t.fault_text = "the host did not refresh the board";
  EXPECT_EQ(reason_of(governor_.watch(t, 5000)), "the host did not refresh the board");
  EXPECT_EQ(governor_.watch(t, 5000)->code, chair::v1::LEASE_EXPIRED);
  t.fault_text.clear();
  EXPECT_EQ(reason_of(governor_.watch(t, 5000)), "the chair's board reported a fault");
  t.faults = kFaultObstruction | kFaultLeaseExpired;
  EXPECT_EQ(governor_.watch(t, 5000)->code, chair::v1::OBSTRUCTION);
}

TEST_F(SafetyGovernorTest, WatchTripsOnOverPressureAndOverTemperature) {
  Telemetry pressure = normal_sample();
  pressure.measured[static_cast<std::size_t>(idx("airbag.calf"))] = 39.0;
  EXPECT_EQ(governor_.watch(pressure, 5000)->code, chair::v1::OVER_PRESSURE);
  EXPECT_TRUE(Contains(reason_of(governor_.watch(pressure, 5000)),
                       "airbag.calf measured 39.0 kPa, over the 35 kPa limit"));
  pressure.measured[static_cast<std::size_t>(idx("airbag.calf"))] =
      36.0;  // within the sensor margin
  EXPECT_EQ(reason_of(governor_.watch(pressure, 5000)), "");

  Telemetry heat = normal_sample();
  heat.measured[static_cast<std::size_t>(idx("heat.calf"))] = 46.0;
  EXPECT_EQ(governor_.watch(heat, 5000)->code, chair::v1::OVER_TEMPERATURE);
  EXPECT_TRUE(Contains(reason_of(governor_.watch(heat, 5000)),
                       "heat.calf measured 46.0 °C, over the 42 °C limit"));
  heat.measured[static_cast<std::size_t>(idx("heat.calf"))] = 44.0;
  EXPECT_EQ(reason_of(governor_.watch(heat, 5000)), "");
}

TEST_F(SafetyGovernorTest, WatchTripsOnAStall) {
  Telemetry t = normal_sample();
  t.commanded[static_cast<std::size_t>(idx("roller.position"))] = 500;
  t.measured[static_cast<std::size_t>(idx("roller.position"))] = 420;
  EXPECT_EQ(governor_.watch(t, 5000)->code, chair::v1::OBSTRUCTION);
  EXPECT_TRUE(Contains(reason_of(governor_.watch(t, 5000)),
                       "roller.position is 80 mm from where it should be: stalled or obstructed"));
  // In degrees: a tenth of the range.
  Telemetry recline = normal_sample();
  recline.commanded[static_cast<std::size_t>(idx("recline"))] = 140;
  recline.measured[static_cast<std::size_t>(idx("recline"))] = 130;
  EXPECT_TRUE(Contains(reason_of(governor_.watch(recline, 5000)),
                       "recline is 10 deg from where it should be"));
}

TEST_F(SafetyGovernorTest, WatchTripsOnSessionOverrun) {
  EXPECT_EQ(reason_of(governor_.watch(normal_sample(), 1800000 + 60000)), "");
  EXPECT_TRUE(Contains(reason_of(governor_.watch(normal_sample(), 1800000 + 60001)),
                       "the session ran past its 30:00 maximum"));
  EXPECT_EQ(governor_.watch(normal_sample(), 1800000 + 60001)->code, chair::v1::SESSION_OVERRUN);
  const SafetyGovernor tight(chair_, SessionLimits{60000, nullptr});
  EXPECT_TRUE(
      Contains(reason_of(tight.watch(normal_sample(), 130000)), "ran past its 1:00 maximum"));
}

}  // namespace
}  // namespace chaird
