// The shipped tapping plugin, loaded through chaird's host and planned through the planner and
// the safety governor.
#include <gtest/gtest.h>

#include "technique_properties.hpp"

namespace chaird::test {
namespace {

TEST(TestLoadTapping, LoadsAndDescribesItself) {
  auto t = load_shipped("tapping");
  ASSERT_TRUE(t.has_value());
  expect_sound_description(*t, "tapping");
  const auto& d = t->description;
  expect_choice(d, "pattern", {"steady", "pulse", "wave"}, "steady");
  expect_choice(d, "width", {"narrow", "medium", "wide"}, "medium");
  expect_choice(d, "travel", {"walk", "fixed"}, "walk");
  expect_requirement(d, "roller.position", true);
  expect_requirement(d, "roller.tap", true);
  expect_requirement(d, "roller.depth", false);
  expect_requirement(d, "roller.width", false);
  expect_tempo_range(d, 6.0, 40.0, 20.0);
}

TEST(TestLoadTapping, PlansWithinLimitsAndEndsCleanly) {
  for (const char* pattern : {"steady", "pulse", "wave"}) {
    auto s = plan_step("tapping", "thoracic", 120000, choice_param("pattern", pattern));
    ASSERT_TRUE(s.has_value()) << pattern;
    expect_ends_cleanly(*s);
    expect_rollers_in_zone(*s);
  }
}

TEST(TestLoadTapping, KeepsTheTempo) {
  for (const char* pattern : {"pulse", "wave"}) {
    for (double cpm : {6.0, 20.0, 40.0}) {
      SCOPED_TRACE(pattern);
      auto s =
          plan_step("tapping", "full_back", 600000, tempo(cpm) + choice_param("pattern", pattern));
      ASSERT_TRUE(s.has_value());
      // Pulses fall silent between beats; a wave fades to a quarter.
      expect_tempo_kept(*s, path_of(*s, "roller.tap"), 0.6 * peak_of(*s, "roller.tap"));
    }
  }
}

TEST(TestLoadTapping, SteadyDrumsOnWhileWalkingToTheTempo) {
  auto s = plan_step("tapping", "full_back", 600000, tempo(12.0));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(crossings(path_of(*s, "roller.tap"), 0.5 * peak_of(*s, "roller.tap")), 1);
  int moves = 0;
  for (const auto& c : step_commands(*s)) {
    if (c.actuator == *s->chair->find("roller.position") && c.start_ms >= s->technique_start_ms()) {
      ++moves;
    }
  }
  expect_tempo_kept(moves + 1, *s);
}

TEST(TestLoadTapping, IntensityRaisesFrequencyAndDepth) {
  expect_intensity_monotonic("tapping", "scapula", "roller.tap");
  expect_intensity_monotonic("tapping", "scapula", "roller.depth");
}

TEST(TestLoadTapping, StartPoseIsFixedAndTheStepEndsOnTime) {
  auto t = load_shipped("tapping");
  ASSERT_TRUE(t.has_value());
  expect_start_pose_and_end(*t, "upper_back");
}

TEST(TestLoadTapping, ChairWithoutDepthStillTaps) {
  auto chair = chair_without("roller.depth");
  ASSERT_NE(chair, nullptr);
  auto s = plan_step("tapping", "back", 60000, choice_param("pattern", "pulse"), chair);
  ASSERT_TRUE(s.has_value());
  EXPECT_TRUE(has_note(*s, "no roller.depth"));
  EXPECT_GE(crossings(path_of(*s, "roller.tap"), 0.5 * peak_of(*s, "roller.tap")), 15);
  expect_ends_cleanly(*s);
}

TEST(TestLoadTapping, AnyStepLengthPlans) {
  expect_plans_at_any_length("tapping", "lumbar", tempo(40.0) + choice_param("pattern", "pulse"));
  expect_plans_at_any_length("tapping", "glutes", choice_param("pattern", "wave"));
}

TEST(TestLoadTapping, LiveChangesReplanCleanly) {
  expect_replans("tapping", "back", choice_param("pattern", "pulse"));
  expect_replans("tapping", "thighs");
}

}  // namespace
}  // namespace chaird::test
