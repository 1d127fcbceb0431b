// The shipped swedish_glide plugin (effleurage: light strokes up the body, lifting off to
// return), loaded through chaird's host and planned through the planner and the safety governor.
#include <gtest/gtest.h>

#include "technique_properties.hpp"

namespace chaird::test {
namespace {

TEST(TestLoadSwedishGlide, LoadsAndDescribesItself) {
  auto t = load_shipped("swedish_glide");
  ASSERT_TRUE(t.has_value());
  expect_sound_description(*t, "swedish_glide");
  const auto& d = t->description;
  expect_number(d, "coverage", sdk::ParamType::kNumber, "", 0.5, 1.0, 1.0);
  expect_flag(d, "fan", true);
  expect_requirement(d, "roller.position", true);
  expect_requirement(d, "roller.depth", false);
  expect_requirement(d, "roller.width", false);
  expect_tempo_range(d, 1.0, 6.0, 3.0);
}

// Every stroke in contact runs up the body (towards the heart); the rollers come back down
// lifted clear, and spread wider at the top of the stroke.
TEST(TestLoadSwedishGlide, StrokesRunUpInContactAndReturnLifted) {
  auto s = plan_step("swedish_glide", "back", 120000);
  ASSERT_TRUE(s.has_value());
  expect_ends_cleanly(*s);
  expect_rollers_in_zone(*s);
  const Timeline& tl = s->timeline();
  const double contact = peak_of(*s, "roller.depth");
  ASSERT_GT(contact, 0.0);
  EXPECT_LE(contact, 0.4 * 12.0 + 1e-9);  // light only
  int up = 0;
  for (const auto& c : tl.commands) {
    if (c.source != CommandSource::kTechnique || c.actuator != *s->chair->find("roller.position"))
      continue;
    const double before = value_at(tl, *s->chair, "roller.position", c.start_ms);
    const double depth_mid = value_at(tl, *s->chair, "roller.depth", (c.start_ms + c.reach_ms) / 2);
    if (c.value < before - 1.0) {
      ++up;
      EXPECT_NEAR(depth_mid, contact, 1e-6) << "a stroke up at " << c.start_ms << " ms";
    } else if (c.value > before + 1.0) {
      EXPECT_NEAR(depth_mid, 0.0, 1e-6) << "a return down at " << c.start_ms << " ms";
    }
  }
  EXPECT_NEAR(up, 6, 1);  // 3 strokes a minute for two minutes, less the travel to the start
  EXPECT_GT(peak_of(*s, "roller.width"), lowest_of(*s, "roller.width"));
  EXPECT_LT(idle_before_lift_ms(*s, "roller.position"), 15000);
}

TEST(TestLoadSwedishGlide, KeepsTheTempo) {
  for (double cpm : {2.0, 3.0, 5.0}) {
    auto s = plan_step("swedish_glide", "back", 600000, tempo(cpm));
    ASSERT_TRUE(s.has_value());
    const auto span = s->planned.plan->body->span("back");
    expect_tempo_kept(*s, technique_path(*s, "roller.position"),
                      0.5 * (span->from_mm + span->to_mm));
  }
}

TEST(TestLoadSwedishGlide, DepthFollowsIntensity) {
  expect_intensity_monotonic("swedish_glide", "thoracic", "roller.depth");
}

TEST(TestLoadSwedishGlide, StartPoseIsFixedAndTheStepEndsOnTime) {
  auto t = load_shipped("swedish_glide");
  ASSERT_TRUE(t.has_value());
  expect_start_pose_and_end(*t, "full_back");
}

TEST(TestLoadSwedishGlide, ChairWithoutDepthStillStrokes) {
  auto chair = chair_without("roller.depth");
  ASSERT_NE(chair, nullptr);
  auto s = plan_step("swedish_glide", "back", 60000, "", chair);
  ASSERT_TRUE(s.has_value());
  EXPECT_TRUE(has_note(*s, "no roller.depth"));
  expect_ends_cleanly(*s);
}

TEST(TestLoadSwedishGlide, AnyStepLengthPlans) {
  expect_plans_at_any_length("swedish_glide", "full_back");
}

TEST(TestLoadSwedishGlide, LiveChangesReplanCleanly) {
  expect_replans("swedish_glide", "full_back");
}

}  // namespace
}  // namespace chaird::test
