// The shipped kneading plugin, loaded through chaird's host and planned through the planner and
// the safety governor.
#include <gtest/gtest.h>

#include <set>

#include "technique_properties.hpp"

namespace chaird::test {
namespace {

// Largest kneading speed either way.
double top_speed(const StepPlan& s) {
  return std::max(peak_of(s, "roller.knead"), -lowest_of(s, "roller.knead"));
}

TEST(TestLoadKneading, LoadsAndDescribesItself) {
  auto t = load_shipped("kneading");
  ASSERT_TRUE(t.has_value());
  expect_sound_description(*t, "kneading");
  const auto& d = t->description;
  expect_choice(d, "direction", {"inward", "outward", "alternate"}, "alternate");
  expect_choice(d, "width", {"narrow", "medium", "wide"}, "medium");
  expect_choice(d, "travel", {"walk", "fixed"}, "walk");
  expect_number(d, "speed", sdk::ParamType::kNumber, "", 0.3, 1.0, 0.7);
  expect_requirement(d, "roller.position", true);
  expect_requirement(d, "roller.knead", true);
  expect_requirement(d, "roller.depth", false);
  expect_requirement(d, "roller.width", false);
  expect_tempo_range(d, 4.0, 24.0, 10.0);
}

TEST(TestLoadKneading, PlansWithinLimitsAndEndsCleanly) {
  auto s = plan_step("kneading", "back", 120000);
  ASSERT_TRUE(s.has_value());
  expect_ends_cleanly(*s);
  expect_rollers_in_zone(*s);
  EXPECT_NEAR(top_speed(*s), 0.7 * 50.0, 1e-9);
}

TEST(TestLoadKneading, KeepsTheTempo) {
  for (const char* direction : {"alternate", "inward"}) {
    for (double cpm : {4.0, 10.0, 24.0}) {
      auto s = plan_step("kneading", "full_back", 600000,
                         tempo(cpm) + choice_param("direction", direction));
      ASSERT_TRUE(s.has_value());
      expect_tempo_kept(*s, path_of(*s, "roller.knead"), 0.5 * top_speed(*s), true);
    }
  }
}

TEST(TestLoadKneading, DirectionSetsTheWayTheRollersCircle) {
  auto in = plan_step("kneading", "lumbar", 60000, choice_param("direction", "inward"));
  auto out = plan_step("kneading", "lumbar", 60000, choice_param("direction", "outward"));
  auto both = plan_step("kneading", "lumbar", 60000, choice_param("direction", "alternate"));
  ASSERT_TRUE(in && out && both);
  EXPECT_GE(lowest_of(*in, "roller.knead"), 0.0);
  EXPECT_GT(peak_of(*in, "roller.knead"), 0.0);
  EXPECT_LE(peak_of(*out, "roller.knead"), 0.0);
  EXPECT_LT(lowest_of(*out, "roller.knead"), 0.0);
  EXPECT_GT(peak_of(*both, "roller.knead"), 0.0);
  EXPECT_LT(lowest_of(*both, "roller.knead"), 0.0);
}

TEST(TestLoadKneading, WalksTheZoneOrStaysPut) {
  auto walk = plan_step("kneading", "back", 120000);
  auto fixed = plan_step("kneading", "back", 120000, choice_param("travel", "fixed"));
  ASSERT_TRUE(walk && fixed);
  std::set<long> spots;
  for (const auto& c : path_of(*walk, "roller.position")) {
    if (c.t_ms >= walk->technique_start_ms()) spots.insert(std::lround(c.value));
  }
  EXPECT_GE(spots.size(), 8u);
  EXPECT_EQ(peak_of(*fixed, "roller.position"), lowest_of(*fixed, "roller.position"));
}

TEST(TestLoadKneading, DepthFollowsIntensity) {
  expect_intensity_monotonic("kneading", "shoulders", "roller.depth");
}

TEST(TestLoadKneading, StartPoseIsFixedAndTheStepEndsOnTime) {
  auto t = load_shipped("kneading");
  ASSERT_TRUE(t.has_value());
  expect_start_pose_and_end(*t, "lumbar");
}

TEST(TestLoadKneading, ChairWithoutDepthKneadsFasterForMoreIntensity) {
  auto chair = chair_without("roller.depth");
  ASSERT_NE(chair, nullptr);
  auto soft = plan_step("kneading", "back", 60000, intensity(0.1), chair);
  auto firm = plan_step("kneading", "back", 60000, intensity(0.9), chair);
  ASSERT_TRUE(soft && firm);
  EXPECT_TRUE(has_note(*soft, "no roller.depth"));
  EXPECT_LT(top_speed(*soft), top_speed(*firm));
  expect_ends_cleanly(*firm);
}

TEST(TestLoadKneading, AnyStepLengthPlans) {
  expect_plans_at_any_length("kneading", "back", tempo(24.0));
  expect_plans_at_any_length("kneading", "neck", choice_param("direction", "outward"));
}

TEST(TestLoadKneading, LiveChangesReplanCleanly) {
  expect_replans("kneading", "back");
  expect_replans("kneading", "shoulders", choice_param("direction", "inward"));
}

}  // namespace
}  // namespace chaird::test
