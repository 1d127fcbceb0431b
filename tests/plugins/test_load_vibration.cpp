// The shipped vibration plugin, loaded through chaird's host and planned through the planner and
// the safety governor.
#include <gtest/gtest.h>

#include "technique_properties.hpp"

namespace chaird::test {
namespace {

TEST(TestLoadVibration, LoadsAndDescribesItself) {
  auto t = load_shipped("vibration");
  ASSERT_TRUE(t.has_value());
  expect_sound_description(*t, "vibration");
  const auto& d = t->description;
  expect_choice(d, "pattern", {"steady", "pulse", "wave"}, "wave");
  expect_requirement(d, "vibration.*", true);
  expect_tempo_range(d, 6.0, 40.0, 20.0);
}

TEST(TestLoadVibration, PlansWithinLimitsAndEndsCleanly) {
  for (const char* pattern : {"steady", "pulse", "wave"}) {
    for (const char* zone : {"seat", "glutes", "hips", "full_body"}) {
      auto s = plan_step("vibration", zone, 90000, choice_param("pattern", pattern));
      ASSERT_TRUE(s.has_value()) << pattern << " on " << zone;
      expect_ends_cleanly(*s);
      EXPECT_GT(peak_of(*s, "vibration.seat"), 0.2);
    }
  }
}

TEST(TestLoadVibration, KeepsTheTempo) {
  for (const char* pattern : {"pulse", "wave"}) {
    for (double cpm : {6.0, 20.0, 40.0}) {
      SCOPED_TRACE(pattern);
      auto s =
          plan_step("vibration", "seat", 600000, tempo(cpm) + choice_param("pattern", pattern));
      ASSERT_TRUE(s.has_value());
      expect_tempo_kept(*s, path_of(*s, "vibration.seat"), 0.6 * peak_of(*s, "vibration.seat"));
    }
  }
}

TEST(TestLoadVibration, SteadyHoldsOneLevel) {
  auto s =
      plan_step("vibration", "glutes", 120000, choice_param("pattern", "steady") + intensity(0.5));
  ASSERT_TRUE(s.has_value());
  EXPECT_DOUBLE_EQ(peak_of(*s, "vibration.seat"), 0.6);
  EXPECT_EQ(crossings(path_of(*s, "vibration.seat"), 0.3), 1);
  EXPECT_DOUBLE_EQ(value_at(s->timeline(), *s->chair, "vibration.seat", s->step().end_ms - 1000),
                   0.6);
}

TEST(TestLoadVibration, LevelFollowsIntensity) {
  for (const char* pattern : {"steady", "pulse", "wave"}) {
    expect_intensity_monotonic("vibration", "seat", "vibration.seat",
                               choice_param("pattern", pattern));
  }
}

TEST(TestLoadVibration, RefusesZonesWithoutVibration) {
  EXPECT_NE(refusal("vibration", "lumbar", 60000).find("has no vibration.*"), std::string::npos);
}

TEST(TestLoadVibration, StartPoseIsFixedAndTheStepEndsOnTime) {
  auto t = load_shipped("vibration");
  ASSERT_TRUE(t.has_value());
  expect_start_pose_and_end(*t, "hips");
}

TEST(TestLoadVibration, AnyStepLengthPlans) {
  for (const char* pattern : {"steady", "pulse", "wave"}) {
    expect_plans_at_any_length("vibration", "seat", tempo(40.0) + choice_param("pattern", pattern));
  }
  expect_plans_at_any_length("vibration", "seat", "", {1200, 1500, 2000, 2600});
}

TEST(TestLoadVibration, LiveChangesReplanCleanly) {
  expect_replans("vibration", "seat");
  expect_replans("vibration", "hips", choice_param("pattern", "steady"));
}

}  // namespace
}  // namespace chaird::test
