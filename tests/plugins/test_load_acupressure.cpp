// The shipped acupressure plugin, loaded through chaird's host and planned through the planner
// and the safety governor.
#include <gtest/gtest.h>

#include <set>

#include "technique_properties.hpp"

namespace chaird::test {
namespace {

// Where the rollers stand while the depth is at its peak, rounded to 0.1 mm.
std::set<long> pressed_positions(const StepPlan& s) {
  std::set<long> out;
  const double peak = peak_of(s, "roller.depth");
  for (const auto& c : path_of(s, "roller.depth")) {
    if (c.value == peak) {
      out.insert(std::lround(10.0 * value_at(s.timeline(), *s.chair, "roller.position", c.t_ms)));
    }
  }
  return out;
}

TEST(TestLoadAcupressure, LoadsAndDescribesItself) {
  auto t = load_shipped("acupressure");
  ASSERT_TRUE(t.has_value());
  expect_sound_description(*t, "acupressure");
  const auto& d = t->description;
  expect_choice(d, "points", {"all", "neck_shoulder", "upper_back", "lower_back", "hip_leg"},
                "all");
  expect_number(d, "sink_s", sdk::ParamType::kNumber, "s", 1.0, 6.0, 3.0);
  expect_choice(d, "width", {"narrow", "medium", "wide"}, "narrow");
  expect_requirement(d, "roller.position", true);
  expect_requirement(d, "roller.depth", false);  // a 2D chair presses by width
  expect_requirement(d, "roller.width", false);
  expect_tempo_range(d, 2.0, 8.0, 4.0);
}

TEST(TestLoadAcupressure, PlansWithinLimitsAndEndsCleanly) {
  auto s = plan_step("acupressure", "full_body", 300000);
  ASSERT_TRUE(s.has_value());
  expect_ends_cleanly(*s);
  expect_rollers_in_zone(*s);
}

TEST(TestLoadAcupressure, KeepsTheTempo) {
  for (double cpm : {2.0, 4.0, 8.0}) {
    auto s = plan_step("acupressure", "full_back", 600000, tempo(cpm));
    ASSERT_TRUE(s.has_value());
    expect_tempo_kept(*s, path_of(*s, "roller.depth"), 0.5 * peak_of(*s, "roller.depth"));
  }
}

// The lower-back set on the back zone: BL18, BL20, BL23 and BL25, with BL23 just above the
// waist (L3) and BL25 below it.
TEST(TestLoadAcupressure, PressesTheNamedPointsOfTheZone) {
  auto s = plan_step("acupressure", "back", 300000, choice_param("points", "lower_back"));
  ASSERT_TRUE(s.has_value());
  const auto points = pressed_positions(*s);
  ASSERT_EQ(points.size(), 4u);
  const double waist = s->planned.plan->body->landmarks().waist_mm;
  const double bl23 = static_cast<double>(*std::next(points.begin(), 2)) / 10.0;
  const double bl25 = static_cast<double>(*std::next(points.begin(), 3)) / 10.0;
  EXPECT_GT(bl23, waist - 50.0);
  EXPECT_LT(bl23, waist);
  EXPECT_GT(bl25, waist);
  // The same set on the lumbar zone keeps only the points inside it.
  auto lumbar = plan_step("acupressure", "lumbar", 300000, choice_param("points", "lower_back"));
  ASSERT_TRUE(lumbar.has_value());
  EXPECT_EQ(pressed_positions(*lumbar).size(), 2u);
}

TEST(TestLoadAcupressure, PointsFollowTheBodyScan) {
  PlanOptions tall;
  tall.body.scanned_shoulder_mm = 180.0;
  auto a = plan_text(single_step_program("acupressure", "back", 120000), {});
  auto b = plan_text(single_step_program("acupressure", "back", 120000), tall);
  ASSERT_TRUE(a && b);
  StepPlan sa{a->plan->chair, *a};
  StepPlan sb{b->plan->chair, *b};
  EXPECT_NE(pressed_positions(sa), pressed_positions(sb));
}

TEST(TestLoadAcupressure, SinksSlowlyAndHoldsLong) {
  auto s = plan_step("acupressure", "thoracic", 180000, intensity(0.8));
  ASSERT_TRUE(s.has_value());
  const auto depth = path_of(*s, "roller.depth");
  const double peak = peak_of(*s, "roller.depth");
  int holds = 0;
  for (std::size_t i = 1; i < depth.size(); ++i) {
    if (depth[i].value == peak && depth[i - 1].value < peak) {
      EXPECT_GE(depth[i].t_ms - depth[i - 1].t_ms, 2900) << "a press sinks in too fast";
    }
    if (depth[i].value == peak && depth[i - 1].value == peak) {
      EXPECT_GE(depth[i].t_ms - depth[i - 1].t_ms, 2000) << "a hold is too short";
      ++holds;
    }
    if (depth[i].value < peak && depth[i - 1].value == peak) {
      EXPECT_GE(depth[i].t_ms - depth[i - 1].t_ms, 2900) << "a press lets go too fast";
    }
  }
  EXPECT_GE(holds, 10);
}

TEST(TestLoadAcupressure, RefusesASetWithNoPointInTheZone) {
  EXPECT_NE(refusal("acupressure", "neck", 60000, choice_param("points", "lower_back"))
                .find("no acupressure point of set 'lower_back' lies within zone 'neck'"),
            std::string::npos);
}

TEST(TestLoadAcupressure, DepthFollowsIntensity) {
  expect_intensity_monotonic("acupressure", "upper_back", "roller.depth");
}

TEST(TestLoadAcupressure, StartPoseIsFixedAndTheStepEndsOnTime) {
  auto t = load_shipped("acupressure");
  ASSERT_TRUE(t.has_value());
  expect_start_pose_and_end(*t, "full_body");
}

TEST(TestLoadAcupressure, ChairWithoutWidthStillPresses) {
  auto chair = chair_without("roller.width");
  ASSERT_NE(chair, nullptr);
  auto s = plan_step("acupressure", "lumbar", 60000, "", chair);
  ASSERT_TRUE(s.has_value());
  EXPECT_TRUE(has_note(*s, "cannot change the roller width"));
  EXPECT_GE(crossings(path_of(*s, "roller.depth"), 0.5 * peak_of(*s, "roller.depth")), 3);
  expect_ends_cleanly(*s);
}

TEST(TestLoadAcupressure, AnyStepLengthPlans) {
  expect_plans_at_any_length("acupressure", "full_body", tempo(8.0));
  expect_plans_at_any_length("acupressure", "glutes");
}

TEST(TestLoadAcupressure, LiveChangesReplanCleanly) {
  expect_replans("acupressure", "full_body");
}

TEST(TestLoadAcupressure, OnAChairWithoutDepthPressesByClosingTheWidth) {
  expect_presses_by_width_on_a_2d_chair("acupressure", "back");
}

// A step that does not hold a whole number of presses ends with a shorter last press, not
// with the rollers resting on the spot for most of a press (felt as a hard lump).
TEST(TestLoadAcupressure, TheLastPressFitsTheTimeLeftInsteadOfStopping) {
  for (const std::int64_t step_ms : {75000, 88000, 110000, 131000}) {
    SCOPED_TRACE(step_ms);
    auto s = plan_step("acupressure", "back", step_ms);
    ASSERT_TRUE(s.has_value());
    expect_ends_cleanly(*s);
    EXPECT_LT(idle_before_lift_ms(*s, "roller.depth"), 7000);
  }
}

}  // namespace
}  // namespace chaird::test
