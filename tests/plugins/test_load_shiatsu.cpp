// The shipped shiatsu plugin, loaded through chaird's host and planned through the planner and
// the safety governor (which refuse anything out of range or too fast).
#include <gtest/gtest.h>

#include "technique_properties.hpp"

namespace chaird::test {
namespace {

TEST(TestLoadShiatsu, LoadsAndDescribesItself) {
  auto t = load_shipped("shiatsu");
  ASSERT_TRUE(t.has_value());
  expect_sound_description(*t, "shiatsu");
  const auto& d = t->description;
  expect_number(d, "points", sdk::ParamType::kInteger, "", 2, 12, 5);
  expect_number(d, "hold_fraction", sdk::ParamType::kNumber, "", 0.2, 0.6, 0.4);
  expect_choice(d, "width", {"narrow", "medium", "wide"}, "narrow");
  expect_choice(d, "direction", {"down", "up", "alternate"}, "down");
  expect_requirement(d, "roller.position", true);
  expect_requirement(d, "roller.depth", false);  // a 2D chair presses by width
  expect_requirement(d, "roller.width", false);
  expect_tempo_range(d, 4.0, 30.0, 12.0);
}

TEST(TestLoadShiatsu, PlansWithinLimitsAndEndsCleanly) {
  auto s = plan_step("shiatsu", "back", 90000);
  ASSERT_TRUE(s.has_value());
  expect_ends_cleanly(*s);
  expect_rollers_in_zone(*s);
}

TEST(TestLoadShiatsu, KeepsTheTempo) {
  for (double cpm : {6.0, 12.0, 20.0}) {
    auto s =
        plan_step("shiatsu", "back", 600000, tempo(cpm) + choice_param("direction", "alternate"));
    ASSERT_TRUE(s.has_value());
    expect_tempo_kept(*s, path_of(*s, "roller.depth"), 0.5 * peak_of(*s, "roller.depth"));
  }
}

// Going down point by point, the rollers travel back to the top after every pass; that long
// move delays a press but never ends the pressing.
TEST(TestLoadShiatsu, KeepsPressingAfterEachPassDown) {
  auto s = plan_step("shiatsu", "full_back", 600000, choice_param("direction", "down"));
  ASSERT_TRUE(s.has_value());
  const auto depth = path_of(*s, "roller.depth");
  const int presses = crossings(depth, 0.5 * peak_of(*s, "roller.depth"));
  const double expected = 12.0 * static_cast<double>(s->technique_ms()) / 60000.0;
  EXPECT_GE(presses, 0.75 * expected);
  EXPECT_LE(presses, expected + 1.0);
  std::vector<Corner> last_minute;
  for (const auto& c : depth) {
    if (c.t_ms >= s->step().end_ms - 60000) last_minute.push_back(c);
  }
  EXPECT_GE(crossings(last_minute, 0.5 * peak_of(*s, "roller.depth")), 8);
}

// A step whose length is a whole number of cycles still leaves time to lift the rollers off.
TEST(TestLoadShiatsu, AnyStepLengthPlans) {
  expect_plans_at_any_length(
      "shiatsu", "full_back",
      tempo(30.0) + number_param("hold_fraction", 0.6) + choice_param("direction", "alternate"));
  expect_plans_at_any_length("shiatsu", "back");
}

TEST(TestLoadShiatsu, DepthFollowsIntensity) {
  expect_intensity_monotonic("shiatsu", "lumbar", "roller.depth");
}

TEST(TestLoadShiatsu, StartPoseIsFixedAndTheStepEndsOnTime) {
  auto t = load_shipped("shiatsu");
  ASSERT_TRUE(t.has_value());
  expect_start_pose_and_end(*t, "back");
}

TEST(TestLoadShiatsu, ChairWithoutWidthStillPresses) {
  auto chair = chair_without("roller.width");
  ASSERT_NE(chair, nullptr);
  auto s = plan_step("shiatsu", "back", 60000, choice_param("width", "wide"), chair);
  ASSERT_TRUE(s.has_value());
  EXPECT_TRUE(has_note(*s, "cannot change the roller width"));
  EXPECT_GT(peak_of(*s, "roller.depth"), 3.0);
  expect_ends_cleanly(*s);
}

TEST(TestLoadShiatsu, LiveChangesReplanCleanly) {
  expect_replans("shiatsu", "back");
  expect_replans("shiatsu", "full_back", choice_param("direction", "up"));
}

TEST(TestLoadShiatsu, OnAChairWithoutDepthPressesByClosingTheWidth) {
  expect_presses_by_width_on_a_2d_chair("shiatsu", "back");
}

}  // namespace
}  // namespace chaird::test
