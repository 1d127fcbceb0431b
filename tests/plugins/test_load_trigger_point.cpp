// The shipped trigger_point plugin, loaded through chaird's host and planned through the
// planner and the safety governor.
#include <gtest/gtest.h>

#include "technique_properties.hpp"

namespace chaird::test {
namespace {

// The depth of each press in turn (the top of every rise).
std::vector<double> press_depths(const StepPlan& s) {
  std::vector<double> out;
  const auto depth = path_of(s, "roller.depth");
  for (std::size_t i = 1; i + 1 < depth.size(); ++i) {
    if (depth[i].value > depth[i - 1].value && depth[i + 1].value >= depth[i].value &&
        depth[i].t_ms > s.technique_start_ms()) {
      out.push_back(depth[i].value);
    }
  }
  return out;
}

TEST(TestLoadTriggerPoint, LoadsAndDescribesItself) {
  auto t = load_shipped("trigger_point");
  ASSERT_TRUE(t.has_value());
  expect_sound_description(*t, "trigger_point");
  const auto& d = t->description;
  expect_number(d, "position", sdk::ParamType::kNumber, "", 0.0, 1.0, 0.5);
  expect_number(d, "offset_mm", sdk::ParamType::kNumber, "mm", -150.0, 150.0, 0.0);
  expect_number(d, "press_s", sdk::ParamType::kNumber, "s", 2.0, 10.0, 4.0);
  expect_flag(d, "locate", true);
  expect_flag(d, "build_up", true);
  expect_choice(d, "width", {"narrow", "medium", "wide"}, "narrow");
  expect_requirement(d, "roller.position", true);
  expect_requirement(d, "roller.depth", false);  // a 2D chair presses by width
  expect_requirement(d, "roller.width", false);
  expect_tempo_range(d, 1.0, 6.0, 3.0);
}

TEST(TestLoadTriggerPoint, PressesWhereItIsTold) {
  auto s = plan_step("trigger_point", "back", 120000,
                     number_param("position", 0.25) + number_param("offset_mm", 40.0));
  ASSERT_TRUE(s.has_value());
  expect_ends_cleanly(*s);
  expect_rollers_in_zone(*s);
  const auto span = s->planned.plan->body->span("back");
  const double point = span->from_mm + 0.25 * (span->to_mm - span->from_mm) + 40.0;
  const double peak = peak_of(*s, "roller.depth");
  for (const auto& c : path_of(*s, "roller.depth")) {
    if (c.value == peak) {
      EXPECT_NEAR(value_at(s->timeline(), *s->chair, "roller.position", c.t_ms), point, 1e-6);
    }
  }
  // The locating sweep: 15 mm either side before the first press, at light contact.
  EXPECT_NEAR(lowest_of(*s, "roller.position"), point - 15.0, 1e-6);
  EXPECT_NEAR(peak_of(*s, "roller.position"), point + 15.0, 1e-6);
  // Narrow rollers focus the press.
  EXPECT_DOUBLE_EQ(peak_of(*s, "roller.width"), 60.0);
}

// A point on the back is pressed beside the spine, not on it, when the program says so.
TEST(TestLoadTriggerPoint, AWiderSettingPressesBesideTheSpine) {
  for (const auto& [width, mm] : {std::pair{"medium", 100.0}, std::pair{"wide", 140.0}}) {
    auto s = plan_step("trigger_point", "back", 120000, choice_param("width", width));
    ASSERT_TRUE(s.has_value());
    expect_ends_cleanly(*s);
    EXPECT_DOUBLE_EQ(peak_of(*s, "roller.width"), mm) << width;
    EXPECT_DOUBLE_EQ(lowest_of(*s, "roller.width"), mm) << width;
  }
}

TEST(TestLoadTriggerPoint, BuildsUpToFullDepthAndHoldsLong) {
  auto s = plan_step("trigger_point", "lumbar", 180000, intensity(0.8));
  ASSERT_TRUE(s.has_value());
  const auto presses = press_depths(*s);
  ASSERT_GE(presses.size(), 5u);
  EXPECT_LT(presses[0], presses[1]);
  EXPECT_LT(presses[1], presses[2]);
  EXPECT_DOUBLE_EQ(presses[2], presses[4]);
  const auto depth = path_of(*s, "roller.depth");
  for (std::size_t i = 1; i < depth.size(); ++i) {
    if (depth[i].value == depth[i - 1].value && depth[i].value > 1.0) {
      EXPECT_GE(depth[i].t_ms - depth[i - 1].t_ms, 3000) << "a hold is too short";
    }
    if (depth[i].value > depth[i - 1].value + 1.0) {
      EXPECT_GE(depth[i].t_ms - depth[i - 1].t_ms, 2000) << "a press comes on too fast";
    }
  }
  auto flat =
      plan_step("trigger_point", "lumbar", 180000, intensity(0.8) + flag_param("build_up", false));
  ASSERT_TRUE(flat.has_value());
  EXPECT_DOUBLE_EQ(press_depths(*flat).front(), peak_of(*flat, "roller.depth"));
}

TEST(TestLoadTriggerPoint, KeepsTheTempo) {
  for (double cpm : {1.0, 3.0, 6.0}) {
    auto s = plan_step("trigger_point", "shoulders", 600000, tempo(cpm));
    ASSERT_TRUE(s.has_value());
    // Low enough to count the gentler first presses of the build-up too.
    expect_tempo_kept(*s, path_of(*s, "roller.depth"), 0.3 * peak_of(*s, "roller.depth"));
  }
}

TEST(TestLoadTriggerPoint, DepthFollowsIntensity) {
  expect_intensity_monotonic("trigger_point", "scapula", "roller.depth");
}

TEST(TestLoadTriggerPoint, StartPoseIsFixedAndTheStepEndsOnTime) {
  auto t = load_shipped("trigger_point");
  ASSERT_TRUE(t.has_value());
  expect_start_pose_and_end(*t, "thoracic");
}

TEST(TestLoadTriggerPoint, ChairWithoutWidthStillPresses) {
  auto chair = chair_without("roller.width");
  ASSERT_NE(chair, nullptr);
  auto s = plan_step("trigger_point", "lumbar", 90000, "", chair);
  ASSERT_TRUE(s.has_value());
  EXPECT_TRUE(has_note(*s, "cannot narrow the rollers"));
  EXPECT_GE(press_depths(*s).size(), 3u);
  expect_ends_cleanly(*s);
}

TEST(TestLoadTriggerPoint, AnyStepLengthPlans) {
  expect_plans_at_any_length("trigger_point", "neck", tempo(6.0) + intensity(1.0));
  // The far end of the thighs is a long way from the rollers' home: steps leave time to get there.
  expect_plans_at_any_length("trigger_point", "thighs", number_param("position", 1.0),
                             {12000, 20000, 45678, 61250, 183333});
}

TEST(TestLoadTriggerPoint, LiveChangesReplanCleanly) {
  expect_replans("trigger_point", "lumbar");
}

TEST(TestLoadTriggerPoint, OnAChairWithoutDepthPressesByClosingTheWidth) {
  expect_presses_by_width_on_a_2d_chair("trigger_point", "lumbar");
}

// A step that does not hold a whole number of presses ends with a shorter last press, not
// with the rollers resting on the spot for most of a press (felt as a hard lump).
TEST(TestLoadTriggerPoint, TheLastPressFitsTheTimeLeftInsteadOfStopping) {
  for (const std::int64_t step_ms : {75000, 88000, 110000, 131000}) {
    SCOPED_TRACE(step_ms);
    auto s = plan_step("trigger_point", "back", step_ms);
    ASSERT_TRUE(s.has_value());
    expect_ends_cleanly(*s);
    EXPECT_LT(idle_before_lift_ms(*s, "roller.depth"), 7000);
  }
}

}  // namespace
}  // namespace chaird::test
