// The shipped myofascial plugin (slow, sustained, low-load holds with very slow travel), loaded
// through chaird's host and planned through the planner and the safety governor.
#include <gtest/gtest.h>

#include "technique_properties.hpp"

namespace chaird::test {
namespace {

TEST(TestLoadMyofascial, LoadsAndDescribesItself) {
  auto t = load_shipped("myofascial");
  ASSERT_TRUE(t.has_value());
  expect_sound_description(*t, "myofascial");
  const auto& d = t->description;
  expect_number(d, "travel_mm_s", sdk::ParamType::kNumber, "mm/s", 1.0, 8.0, 3.0);
  expect_number(d, "hold_s", sdk::ParamType::kNumber, "s", 15.0, 120.0, 45.0);
  expect_choice(d, "width", {"narrow", "medium", "wide"}, "medium");
  expect_requirement(d, "roller.position", true);
  expect_requirement(d, "roller.depth", false);
  expect_requirement(d, "roller.width", false);
}

// The point of the technique: the rollers creep, never faster than asked, under a load that is
// low and held, easing off between holds, and never stand still for long.
TEST(TestLoadMyofascial, CreepsSlowlyUnderALowSustainedLoad) {
  auto s = plan_step("myofascial", "back", 180000, number_param("travel_mm_s", 3.0));
  ASSERT_TRUE(s.has_value());
  expect_ends_cleanly(*s);
  expect_rollers_in_zone(*s);
  const auto path = technique_path(*s, "roller.position");
  double travelled = 0.0;
  for (std::size_t k = 1; k < path.size(); ++k) {
    const double mm = std::abs(path[k].value - path[k - 1].value);
    const auto ms = static_cast<double>(path[k].t_ms - path[k - 1].t_ms);
    if (mm > 0.0) {
      EXPECT_LE(mm / ms * 1000.0, 3.0 + 1e-6) << "at " << path[k].t_ms << " ms";
    }
    travelled += mm;
  }
  // Within the zone, a tenth in from each end: clear of the neighbours' depth limits.
  const auto span = s->planned.plan->body->span("back");
  const double inset = 0.1 * (span->to_mm - span->from_mm);
  EXPECT_GE(lowest_of(*s, "roller.position"), span->from_mm + inset - 1e-6);
  EXPECT_LE(peak_of(*s, "roller.position"), span->to_mm - inset + 1e-6);
  // Most of the time creeping: 3 mm/s over about three minutes, less sinking and resting.
  EXPECT_GT(travelled, 0.6 * 3.0 * 180.0);
  // Low load: at most half the rollers' 12 mm, even at full intensity.
  auto strong = plan_step("myofascial", "back", 180000, intensity(1.0));
  ASSERT_TRUE(strong.has_value());
  EXPECT_LE(peak_of(*strong, "roller.depth"), 0.5 * 12.0 + 1e-9);
  EXPECT_GT(peak_of(*strong, "roller.depth"), peak_of(*s, "roller.depth") - 1e-9);
  // Eased off between holds: three holds of 45 s in three minutes, each sunk into separately,
  // and a shorter last one in what is left.
  EXPECT_EQ(crossings(path_of(*s, "roller.depth"), 0.5 * peak_of(*s, "roller.depth")), 4);
  EXPECT_LT(idle_before_lift_ms(*s, "roller.position"), 15000);
}

TEST(TestLoadMyofascial, DepthFollowsIntensity) {
  expect_intensity_monotonic("myofascial", "lumbar", "roller.depth");
}

TEST(TestLoadMyofascial, StartPoseIsFixedAndTheStepEndsOnTime) {
  auto t = load_shipped("myofascial");
  ASSERT_TRUE(t.has_value());
  expect_start_pose_and_end(*t, "back");
}

TEST(TestLoadMyofascial, ChairWithoutDepthStillHolds) {
  auto chair = chair_without("roller.depth");
  ASSERT_NE(chair, nullptr);
  auto s = plan_step("myofascial", "back", 60000, "", chair);
  ASSERT_TRUE(s.has_value());
  EXPECT_TRUE(has_note(*s, "no roller.depth"));
  expect_ends_cleanly(*s);
}

TEST(TestLoadMyofascial, AnyStepLengthPlans) {
  expect_plans_at_any_length("myofascial", "upper_back");
}

TEST(TestLoadMyofascial, LiveChangesReplanCleanly) {
  expect_replans("myofascial", "back");
}

}  // namespace
}  // namespace chaird::test
