// The shipped rolling plugin (long Swedish-style strokes), loaded through chaird's host and
// planned through the planner and the safety governor.
#include <gtest/gtest.h>

#include "technique_properties.hpp"

namespace chaird::test {
namespace {

TEST(TestLoadRolling, LoadsAndDescribesItself) {
  auto t = load_shipped("rolling");
  ASSERT_TRUE(t.has_value());
  expect_sound_description(*t, "rolling");
  const auto& d = t->description;
  expect_choice(d, "width", {"narrow", "medium", "wide"}, "wide");
  expect_number(d, "coverage", sdk::ParamType::kNumber, "", 0.5, 1.0, 1.0);
  expect_flag(d, "lighter_return", true);
  expect_requirement(d, "roller.position", true);
  expect_requirement(d, "roller.depth", false);
  expect_requirement(d, "roller.width", false);
  expect_tempo_range(d, 1.0, 12.0, 4.0);
}

TEST(TestLoadRolling, StrokesCoverTheZoneAndEndCleanly) {
  auto s = plan_step("rolling", "back", 120000);
  ASSERT_TRUE(s.has_value());
  expect_ends_cleanly(*s);
  expect_rollers_in_zone(*s);
  const auto span = s->planned.plan->body->span("back");
  ASSERT_TRUE(span.has_value());
  // Full coverage at the default tempo: the strokes reach both ends of the zone.
  EXPECT_NEAR(lowest_of(*s, "roller.position"), span->from_mm, 1.0);
  EXPECT_NEAR(peak_of(*s, "roller.position"), span->to_mm, 1.0);
  // Light to medium: never deeper than about half the roller's depth.
  EXPECT_LE(peak_of(*s, "roller.depth"), 0.6 * 12.0);
}

TEST(TestLoadRolling, KeepsTheTempo) {
  for (double cpm : {2.0, 4.0, 8.0}) {
    auto s = plan_step("rolling", "back", 600000, tempo(cpm));
    ASSERT_TRUE(s.has_value());
    const auto span = s->planned.plan->body->span("back");
    const double middle = 0.5 * (span->from_mm + span->to_mm);
    expect_tempo_kept(*s, path_of(*s, "roller.position"), middle);
  }
}

TEST(TestLoadRolling, FastTempoOnALongZoneShortensTheStroke) {
  auto s = plan_step("rolling", "full_body", 300000, tempo(12.0));
  ASSERT_TRUE(s.has_value());
  EXPECT_TRUE(has_note(*s, "strokes a minute the rollers cover"));
  const auto span = s->planned.plan->body->span("full_body");
  const double middle = 0.5 * (span->from_mm + span->to_mm);
  expect_tempo_kept(*s, path_of(*s, "roller.position"), middle);
  EXPECT_LT(peak_of(*s, "roller.position") - lowest_of(*s, "roller.position"),
            span->to_mm - span->from_mm);
}

// A step that does not hold a whole number of strokes ends with a shorter last stroke, at the
// same pace: the rollers never stand still pressing on one spot (at 1 stroke a minute, a
// dropped last stroke left them still for most of a minute, at the base of the skull on
// full_back).
TEST(TestLoadRolling, TheLastStrokeFitsTheTimeLeftInsteadOfStopping) {
  for (const std::int64_t step_ms : {100000, 150000, 170000}) {
    SCOPED_TRACE(step_ms);
    auto s = plan_step("rolling", "full_back", step_ms, tempo(1.0));
    ASSERT_TRUE(s.has_value());
    expect_ends_cleanly(*s);
    expect_rollers_in_zone(*s);
    // The technique's last move of the rollers ends within a few seconds of the step's end
    // (the lift-off), not a stroke's length before it.
    const auto position = s->chair->find("roller.position");
    std::int64_t last_move_ms = 0;
    double at = s->timeline().initial_values.at(static_cast<std::size_t>(*position));
    for (const auto& c : s->timeline().commands) {
      if (c.actuator != *position || c.source != CommandSource::kTechnique) continue;
      if (std::abs(c.value - at) > 0.5) last_move_ms = c.reach_ms;
      at = c.value;
    }
    EXPECT_GE(last_move_ms, step_ms - 5000);
  }
}

// On a chair whose rollers accelerate slowly, a shorter last stroke that the motor could not
// turn in time is left out rather than run past the step's end.
TEST(TestLoadRolling, AShortLastStrokeKeepsWithinTheMotorsAcceleration) {
  auto slow = edited_chair([](chair::v1::ChairProfile& p) {
    p.mutable_limits()->clear_roller_depth();
    for (auto& a : *p.mutable_actuators())
      if (a.id() == "roller.position") a.set_max_accel(20);
  });
  ASSERT_NE(slow, nullptr);
  for (const std::int64_t step_ms : {61000, 63000, 66000, 71000}) {
    auto s = plan_step("rolling", "back", step_ms, tempo(6.0), slow);
    ASSERT_TRUE(s.has_value()) << step_ms;
    expect_ends_cleanly(*s);
  }
}

TEST(TestLoadRolling, FirmerTowardsTheHeart) {
  auto s = plan_step("rolling", "back", 60000, intensity(0.8));
  ASSERT_TRUE(s.has_value());
  const Timeline& tl = s->timeline();
  const std::int64_t t0 = s->technique_start_ms();
  const std::int64_t cycle = 15000;
  // Middle of the first stroke down (away from the heart) and of the stroke back up.
  const double down = value_at(tl, *s->chair, "roller.depth", t0 + cycle / 4);
  const double up = value_at(tl, *s->chair, "roller.depth", t0 + 3 * cycle / 4);
  EXPECT_LT(down, up);
}

TEST(TestLoadRolling, DepthFollowsIntensity) {
  expect_intensity_monotonic("rolling", "thoracic", "roller.depth");
}

TEST(TestLoadRolling, StartPoseIsFixedAndTheStepEndsOnTime) {
  auto t = load_shipped("rolling");
  ASSERT_TRUE(t.has_value());
  expect_start_pose_and_end(*t, "full_back");
}

TEST(TestLoadRolling, ChairWithoutDepthStillStrokes) {
  auto chair = chair_without("roller.depth");
  ASSERT_NE(chair, nullptr);
  auto s = plan_step("rolling", "back", 60000, "", chair);
  ASSERT_TRUE(s.has_value());
  EXPECT_TRUE(has_note(*s, "no roller.depth"));
  const auto span = s->planned.plan->body->span("back");
  const double middle = 0.5 * (span->from_mm + span->to_mm);
  EXPECT_GE(crossings(path_of(*s, "roller.position"), middle), 3);
  expect_ends_cleanly(*s);
}

TEST(TestLoadRolling, AnyStepLengthPlans) {
  expect_plans_at_any_length("rolling", "full_back");
}

TEST(TestLoadRolling, LiveChangesReplanCleanly) {
  expect_replans("rolling", "full_back");
  expect_replans("rolling", "full_body", tempo(12.0));
}

}  // namespace
}  // namespace chaird::test
