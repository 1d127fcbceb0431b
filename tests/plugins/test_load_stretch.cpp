// The shipped stretch plugin (segmental stretch over a roller fulcrum), loaded through chaird's
// host and planned through the planner and the safety governor.
#include <gtest/gtest.h>

#include <set>

#include "technique_properties.hpp"

namespace chaird::test {
namespace {

TEST(TestLoadStretch, LoadsAndDescribesItself) {
  auto t = load_shipped("stretch");
  ASSERT_TRUE(t.has_value());
  expect_sound_description(*t, "stretch");
  const auto& d = t->description;
  expect_number(d, "hold_s", sdk::ParamType::kNumber, "s", 2.0, 20.0, 6.0);
  expect_flag(d, "fulcrum", true);
  expect_requirement(d, "recline", true);
  expect_requirement(d, "roller.position", false);
  expect_requirement(d, "roller.depth", false);
  expect_requirement(d, "airbag.*", false);
  expect_requirement(d, "legrest.angle", false);
  expect_tempo_range(d, 1.0, 2.5, 2.0);
  EXPECT_EQ(d.zones, (std::vector<std::string>{"neck", "back", "hips"}));
}

TEST(TestLoadStretch, KeepsTheTempoOnEverySegment) {
  for (const char* zone : {"neck", "back", "hips"}) {
    for (double cpm : {1.0, 2.0, 2.5}) {
      SCOPED_TRACE(zone);
      auto s = plan_step("stretch", zone, 600000, tempo(cpm) + intensity(1.0));
      ASSERT_TRUE(s.has_value());
      expect_ends_cleanly(*s);
      expect_rollers_in_zone(*s);
      expect_tempo_kept(*s, path_of(*s, "recline"), half_tilt(*s));
    }
  }
}

// While the backrest is tilted back, the fulcrum pushes and the airbags hold.
TEST(TestLoadStretch, TheBodyIsHeldWhileItStretches) {
  auto s = plan_step("stretch", "hips", 180000, intensity(0.6));
  ASSERT_TRUE(s.has_value());
  const Timeline& tl = s->timeline();
  const double upright = value_at(tl, *s->chair, "recline", s->technique_start_ms());
  const double legs_up = value_at(tl, *s->chair, "legrest.angle", s->technique_start_ms());
  int tilted = 0;
  for (std::int64_t t = s->technique_start_ms(); t < s->step().end_ms; t += 250) {
    if (value_at(tl, *s->chair, "recline", t) <= upright + 0.5) continue;
    ++tilted;
    EXPECT_GT(value_at(tl, *s->chair, "airbag.seat", t), 5.0) << t;
    EXPECT_GT(value_at(tl, *s->chair, "airbag.thigh", t), 5.0) << t;
    EXPECT_GT(value_at(tl, *s->chair, "roller.depth", t), 2.0) << t;
  }
  EXPECT_GT(tilted, 100);
  // The hips open: the legrest drops as the backrest tilts.
  EXPECT_LT(lowest_of(*s, "legrest.angle"), legs_up - 10.0);
}

TEST(TestLoadStretch, TheBackAlternatesBetweenTwoFulcrums) {
  auto s = plan_step("stretch", "back", 240000);
  ASSERT_TRUE(s.has_value());
  std::set<long> fulcrums;
  for (const auto& c : path_of(*s, "roller.position")) {
    if (c.t_ms >= s->technique_start_ms()) fulcrums.insert(std::lround(c.value));
  }
  EXPECT_EQ(fulcrums.size(), 2u);
  const auto& body = s->planned.plan->body->landmarks();
  EXPECT_GT(*fulcrums.begin(), body.shoulder_mm);
  EXPECT_LT(*fulcrums.rbegin(), body.waist_mm);
}

TEST(TestLoadStretch, IntensityDeepensTheStretch) {
  for (const char* zone : {"neck", "back", "hips"}) {
    expect_intensity_monotonic("stretch", zone, "recline");
    expect_intensity_monotonic("stretch", zone, "roller.depth");
  }
  expect_intensity_monotonic("stretch", "hips", "airbag.seat");
}

TEST(TestLoadStretch, WorksOnNeckBackAndHipsOnly) {
  EXPECT_NE(refusal("stretch", "lumbar", 60000).find("does not work on zone 'lumbar'"),
            std::string::npos);
}

TEST(TestLoadStretch, ChairWithoutDepthOrLegrestStillStretches) {
  auto no_depth = chair_without("roller.depth");
  ASSERT_NE(no_depth, nullptr);
  auto s = plan_step("stretch", "back", 120000, "", no_depth);
  ASSERT_TRUE(s.has_value());
  EXPECT_TRUE(has_note(*s, "without pushing"));
  EXPECT_GE(stretches(*s), 3);
  expect_ends_cleanly(*s);

  auto no_legrest = edited_chair([](chair::v1::ChairProfile& p) {
    remove_actuator(p, "legrest.angle");
    remove_actuator(p, "legrest.extension");
  });
  ASSERT_NE(no_legrest, nullptr);
  auto h = plan_step("stretch", "hips", 120000, "", no_legrest);
  ASSERT_TRUE(h.has_value());
  EXPECT_TRUE(has_note(*h, "recline alone"));
  EXPECT_GE(stretches(*h), 3);
  expect_ends_cleanly(*h);
}

TEST(TestLoadStretch, StartPoseIsFixedAndTheStepEndsOnTime) {
  auto t = load_shipped("stretch");
  ASSERT_TRUE(t.has_value());
  for (const char* zone : {"neck", "back", "hips"}) expect_start_pose_and_end(*t, zone);
}

TEST(TestLoadStretch, AnyStepLengthPlans) {
  for (const char* zone : {"neck", "back", "hips"}) {
    expect_plans_at_any_length("stretch", zone, tempo(2.5) + intensity(1.0));
  }
}

TEST(TestLoadStretch, LiveChangesReplanCleanly) {
  expect_replans("stretch", "hips", intensity(1.0));
  expect_replans("stretch", "back", tempo(1.0));
  expect_replans("stretch", "neck");
}

}  // namespace
}  // namespace chaird::test
