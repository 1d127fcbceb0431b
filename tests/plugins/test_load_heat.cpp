// The shipped heat plugin, loaded through chaird's host and planned through the planner and the
// safety governor (which also enforces the chair's 30-minute heat cut-off).
#include <gtest/gtest.h>

#include "technique_properties.hpp"

namespace chaird::test {
namespace {

TEST(TestLoadHeat, LoadsAndDescribesItself) {
  auto t = load_shipped("heat");
  ASSERT_TRUE(t.has_value());
  expect_sound_description(*t, "heat");
  const auto& d = t->description;
  expect_flag(d, "preheat", true);
  expect_number(d, "preheat_s", sdk::ParamType::kNumber, "s", 0.0, 180.0, 90.0);
  expect_number(d, "off_before_end_s", sdk::ParamType::kNumber, "s", 0.0, 600.0, 0.0);
  expect_requirement(d, "heat.*", true);
  expect_tempo_range(d, 0.0, 0.0, 0.0);  // no rhythm
}

TEST(TestLoadHeat, WarmsHoldsAndSwitchesOffByTheEnd) {
  auto s = plan_step("heat", "lumbar", 600000, intensity(0.5));
  ASSERT_TRUE(s.has_value());
  expect_ends_cleanly(*s);
  const Timeline& tl = s->timeline();
  const std::int64_t t0 = s->technique_start_ms();
  // Preheat a little warmer for 90 s, then the target: 39 °C at half intensity.
  EXPECT_DOUBLE_EQ(value_at(tl, *s->chair, "heat.lumbar", t0 + 30000), 42.0);
  EXPECT_DOUBLE_EQ(value_at(tl, *s->chair, "heat.lumbar", t0 + 300000), 39.0);
  EXPECT_DOUBLE_EQ(value_at(tl, *s->chair, "heat.lumbar", s->step().end_ms - 1), 39.0);
  EXPECT_DOUBLE_EQ(value_at(tl, *s->chair, "heat.lumbar", s->step().end_ms), 0.0);
  EXPECT_LE(peak_of(*s, "heat.lumbar"), 42.0);
}

TEST(TestLoadHeat, WarmNotHotAcrossIntensities) {
  auto gentle = plan_step("heat", "lumbar", 120000, intensity(0.0) + flag_param("preheat", false));
  auto warm = plan_step("heat", "lumbar", 120000, intensity(1.0) + flag_param("preheat", false));
  ASSERT_TRUE(gentle && warm);
  EXPECT_DOUBLE_EQ(peak_of(*gentle, "heat.lumbar"), 36.0);
  EXPECT_DOUBLE_EQ(peak_of(*warm, "heat.lumbar"), 42.0);
  expect_intensity_monotonic("heat", "lumbar", "heat.lumbar");
  expect_intensity_monotonic("heat", "calves", "heat.calf", flag_param("preheat", false));
}

TEST(TestLoadHeat, SwitchesOffEarlyWhenAsked) {
  auto s = plan_step("heat", "calves", 600000, number_param("off_before_end_s", 120.0));
  ASSERT_TRUE(s.has_value());
  const Timeline& tl = s->timeline();
  EXPECT_GT(value_at(tl, *s->chair, "heat.calf", s->step().end_ms - 121000), 35.0);
  EXPECT_DOUBLE_EQ(value_at(tl, *s->chair, "heat.calf", s->step().end_ms - 119000), 0.0);
  expect_ends_cleanly(*s);
}

TEST(TestLoadHeat, WarmsEveryHeaterOfTheZone) {
  auto s = plan_step("heat", "full_body", 300000);
  ASSERT_TRUE(s.has_value());
  EXPECT_GT(peak_of(*s, "heat.lumbar"), 35.0);
  EXPECT_GT(peak_of(*s, "heat.calf"), 35.0);
  expect_ends_cleanly(*s);
}

TEST(TestLoadHeat, RefusesZonesWithoutHeatersAndARhythm) {
  EXPECT_NE(refusal("heat", "neck", 60000).find("has no heat.*"), std::string::npos);
  EXPECT_NE(refusal("heat", "lumbar", 60000, tempo(2.0)).find("has no rhythm; leave tempo_cpm out"),
            std::string::npos);
}

TEST(TestLoadHeat, AChairWithALowerLimitStaysBelowIt) {
  auto chair =
      edited_chair([](chair::v1::ChairProfile& p) { p.mutable_limits()->set_max_heat_c(38.0); });
  ASSERT_NE(chair, nullptr);
  auto s = plan_step("heat", "lumbar", 120000, intensity(1.0), chair);
  ASSERT_TRUE(s.has_value());
  EXPECT_DOUBLE_EQ(peak_of(*s, "heat.lumbar"), 38.0);
  EXPECT_TRUE(has_note(*s, "cooler than 42"));
  expect_ends_cleanly(*s);
}

TEST(TestLoadHeat, StartPoseIsFixedAndTheStepEndsOnTime) {
  auto t = load_shipped("heat");
  ASSERT_TRUE(t.has_value());
  expect_start_pose_and_end(*t, "lumbar");
}

TEST(TestLoadHeat, AnyStepLengthPlans) {
  expect_plans_at_any_length("heat", "full_body");
  expect_plans_at_any_length("heat", "lumbar", number_param("off_before_end_s", 600.0));
}

TEST(TestLoadHeat, LiveChangesReplanCleanly) {
  expect_replans("heat", "full_body");
}

}  // namespace
}  // namespace chaird::test
