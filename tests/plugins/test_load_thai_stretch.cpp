// The shipped thai_stretch plugin, loaded through chaird's host and planned through the planner
// and the safety governor.
#include <gtest/gtest.h>

#include "technique_properties.hpp"

namespace chaird::test {
namespace {

TEST(TestLoadThaiStretch, LoadsAndDescribesItself) {
  auto t = load_shipped("thai_stretch");
  ASSERT_TRUE(t.has_value());
  expect_sound_description(*t, "thai_stretch");
  const auto& d = t->description;
  expect_number(d, "hold_s", sdk::ParamType::kNumber, "s", 2.0, 20.0, 8.0);
  expect_flag(d, "extend", true);
  expect_requirement(d, "recline", true);
  expect_requirement(d, "legrest.angle", true);
  expect_requirement(d, "airbag.*", true);
  expect_requirement(d, "legrest.extension", false);
  expect_tempo_range(d, 1.0, 2.0, 1.5);
  EXPECT_EQ(d.zones, (std::vector<std::string>{"legs", "full_body"}));
}

TEST(TestLoadThaiStretch, KeepsTheTempo) {
  for (double cpm : {1.0, 1.5, 2.0}) {
    auto s = plan_step("thai_stretch", "legs", 600000, tempo(cpm) + intensity(1.0));
    ASSERT_TRUE(s.has_value());
    expect_ends_cleanly(*s);
    expect_tempo_kept(*s, path_of(*s, "recline"), half_tilt(*s));
  }
}

// The legs are never pulled unless the foot and calf airbags hold them; the thigh bag is not
// part of the grip.
TEST(TestLoadThaiStretch, LegsAreHeldWheneverTheyAreStretched) {
  for (const char* zone : {"legs", "full_body"}) {
    SCOPED_TRACE(zone);
    auto s = plan_step("thai_stretch", zone, 180000, intensity(0.7));
    ASSERT_TRUE(s.has_value());
    const Timeline& tl = s->timeline();
    const double upright = value_at(tl, *s->chair, "recline", s->technique_start_ms());
    const double legs_up = value_at(tl, *s->chair, "legrest.angle", s->technique_start_ms());
    int stretched = 0;
    for (std::int64_t t = s->technique_start_ms(); t < s->step().end_ms; t += 250) {
      const bool moving = value_at(tl, *s->chair, "recline", t) > upright + 0.1 ||
                          value_at(tl, *s->chair, "legrest.angle", t) < legs_up - 0.1 ||
                          value_at(tl, *s->chair, "legrest.extension", t) > 0.1;
      if (!moving) continue;
      ++stretched;
      EXPECT_GT(value_at(tl, *s->chair, "airbag.foot", t), 10.0) << t;
      EXPECT_GT(value_at(tl, *s->chair, "airbag.calf", t), 10.0) << t;
    }
    EXPECT_GT(stretched, 200);
    EXPECT_EQ(peak_of(*s, "airbag.thigh"), 0.0);
    EXPECT_EQ(peak_of(*s, "airbag.shoulder"), 0.0);
    EXPECT_GT(peak_of(*s, "legrest.extension"), 40.0);
  }
}

TEST(TestLoadThaiStretch, IntensityDeepensTheStretchAndTheGrip) {
  expect_intensity_monotonic("thai_stretch", "legs", "recline");
  expect_intensity_monotonic("thai_stretch", "legs", "legrest.extension");
  expect_intensity_monotonic("thai_stretch", "legs", "airbag.calf");
}

TEST(TestLoadThaiStretch, ChairWithoutLegrestExtensionStretchesByTheDrop) {
  auto chair = chair_without("legrest.extension");
  ASSERT_NE(chair, nullptr);
  auto s = plan_step("thai_stretch", "legs", 120000, "", chair);
  ASSERT_TRUE(s.has_value());
  EXPECT_TRUE(has_note(*s, "no legrest.extension"));
  EXPECT_GE(stretches(*s), 2);
  expect_ends_cleanly(*s);
}

TEST(TestLoadThaiStretch, NeedsTheLegsAndAGrip) {
  EXPECT_NE(refusal("thai_stretch", "back", 60000).find("does not work on zone 'back'"),
            std::string::npos);
  auto chair = edited_chair([](chair::v1::ChairProfile& p) {
    remove_actuator(p, "airbag.foot");
    remove_actuator(p, "airbag.calf");
  });
  ASSERT_NE(chair, nullptr);
  auto program = parse_program_text(single_step_program("thai_stretch", "legs", 60000), "t");
  ASSERT_TRUE(program);
  auto plan = Planner().plan(*program, {}, chair, shipped_techniques(), {});
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.error().to_string().find("no foot or calf airbags"), std::string::npos);
}

TEST(TestLoadThaiStretch, StartPoseIsFixedAndTheStepEndsOnTime) {
  auto t = load_shipped("thai_stretch");
  ASSERT_TRUE(t.has_value());
  expect_start_pose_and_end(*t, "legs");
}

TEST(TestLoadThaiStretch, AnyStepLengthPlans) {
  expect_plans_at_any_length("thai_stretch", "legs", tempo(2.0) + intensity(1.0),
                             {12000, 30000, 45678, 61250, 183333});
  expect_plans_at_any_length("thai_stretch", "full_body", "", {12000, 60000, 121000});
}

TEST(TestLoadThaiStretch, LiveChangesReplanCleanly) {
  expect_replans("thai_stretch", "legs", tempo(1.0) + intensity(1.0));
  expect_replans("thai_stretch", "full_body");
}

}  // namespace
}  // namespace chaird::test
