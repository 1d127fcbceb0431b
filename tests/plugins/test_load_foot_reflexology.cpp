// The shipped foot_reflexology plugin, loaded through chaird's host and planned through the
// planner and the safety governor.
#include <gtest/gtest.h>

#include "technique_properties.hpp"

namespace chaird::test {
namespace {

double top_speed(const StepPlan& s) {
  return std::max(peak_of(s, "foot_roller"), -lowest_of(s, "foot_roller"));
}

TEST(TestLoadFootReflexology, LoadsAndDescribesItself) {
  auto t = load_shipped("foot_reflexology");
  ASSERT_TRUE(t.has_value());
  expect_sound_description(*t, "foot_reflexology");
  const auto& d = t->description;
  expect_choice(d, "direction", {"forward", "backward", "alternate"}, "alternate");
  expect_number(d, "speed", sdk::ParamType::kNumber, "", 0.3, 1.0, 0.7);
  expect_requirement(d, "foot_roller.*", true);
  expect_requirement(d, "airbag.*", false);
  expect_tempo_range(d, 2.0, 6.0, 4.0);
  EXPECT_EQ(d.zones, std::vector<std::string>{"feet"});
}

TEST(TestLoadFootReflexology, PlansWithinLimitsAndEndsCleanly) {
  auto s = plan_step("foot_reflexology", "feet", 120000);
  ASSERT_TRUE(s.has_value());
  expect_ends_cleanly(*s);
  EXPECT_NEAR(top_speed(*s), 0.7 * 40.0, 1e-9);
  EXPECT_GT(peak_of(*s, "airbag.foot"), 5.0);
}

TEST(TestLoadFootReflexology, KeepsTheTempo) {
  for (const char* direction : {"alternate", "forward"}) {
    for (double cpm : {2.0, 4.0, 6.0}) {
      SCOPED_TRACE(direction);
      auto s = plan_step("foot_reflexology", "feet", 600000,
                         tempo(cpm) + choice_param("direction", direction));
      ASSERT_TRUE(s.has_value());
      expect_tempo_kept(*s, path_of(*s, "foot_roller"), 0.5 * top_speed(*s), true);
      const int turns = crossings(path_of(*s, "foot_roller"), 0.5 * top_speed(*s), true);
      EXPECT_EQ(crossings(path_of(*s, "airbag.foot"), 0.5 * peak_of(*s, "airbag.foot")), turns);
    }
  }
}

TEST(TestLoadFootReflexology, DirectionSetsTheWayTheRollersTurn) {
  auto fwd = plan_step("foot_reflexology", "feet", 60000, choice_param("direction", "forward"));
  auto back = plan_step("foot_reflexology", "feet", 60000, choice_param("direction", "backward"));
  auto both = plan_step("foot_reflexology", "feet", 60000);
  ASSERT_TRUE(fwd && back && both);
  EXPECT_GE(lowest_of(*fwd, "foot_roller"), 0.0);
  EXPECT_LE(peak_of(*back, "foot_roller"), 0.0);
  EXPECT_GT(peak_of(*both, "foot_roller"), 0.0);
  EXPECT_LT(lowest_of(*both, "foot_roller"), 0.0);
}

TEST(TestLoadFootReflexology, PressureFollowsIntensity) {
  expect_intensity_monotonic("foot_reflexology", "feet", "airbag.foot");
}

TEST(TestLoadFootReflexology, WithoutFootAirbagsIntensitySetsTheSpeed) {
  auto chair = chair_without("airbag.foot");
  ASSERT_NE(chair, nullptr);
  auto soft = plan_step("foot_reflexology", "feet", 60000, intensity(0.1), chair);
  auto firm = plan_step("foot_reflexology", "feet", 60000, intensity(0.9), chair);
  ASSERT_TRUE(soft && firm);
  EXPECT_TRUE(has_note(*soft, "no airbags"));
  EXPECT_LT(top_speed(*soft), top_speed(*firm));
  expect_ends_cleanly(*firm);
}

TEST(TestLoadFootReflexology, WorksOnTheFeetOnly) {
  EXPECT_NE(refusal("foot_reflexology", "legs", 60000).find("does not work on zone 'legs'"),
            std::string::npos);
}

TEST(TestLoadFootReflexology, StartPoseIsFixedAndTheStepEndsOnTime) {
  auto t = load_shipped("foot_reflexology");
  ASSERT_TRUE(t.has_value());
  expect_start_pose_and_end(*t, "feet");
}

TEST(TestLoadFootReflexology, AnyStepLengthPlans) {
  expect_plans_at_any_length("foot_reflexology", "feet", tempo(6.0) + intensity(1.0));
  expect_plans_at_any_length("foot_reflexology", "feet", choice_param("direction", "backward"));
}

TEST(TestLoadFootReflexology, LiveChangesReplanCleanly) {
  expect_replans("foot_reflexology", "feet");
}

}  // namespace
}  // namespace chaird::test
