// The shipped compression plugin, loaded through chaird's host and planned through the planner
// and the safety governor (which refuses a bag kept above half its limit for over a minute).
#include <gtest/gtest.h>

#include "technique_properties.hpp"

namespace chaird::test {
namespace {

// When the step first starts filling a bag.
std::int64_t first_fill(const StepPlan& s, const std::string& bag) {
  const auto index = s.chair->find(bag);
  for (const auto& c : step_commands(s)) {
    if (c.actuator == *index && c.value > 0.0) return c.start_ms;
  }
  ADD_FAILURE() << bag << " never fills";
  return -1;
}

// The longest time a bag's target stays above threshold without a break.
std::int64_t longest_above(const StepPlan& s, const std::string& bag, double threshold) {
  std::int64_t longest = 0;
  std::int64_t since = -1;
  for (const auto& c : path_of(s, bag)) {
    if (c.value > threshold && since < 0) since = c.t_ms;
    if (c.value <= threshold && since >= 0) {
      longest = std::max(longest, c.t_ms - since);
      since = -1;
    }
  }
  return longest;
}

TEST(TestLoadCompression, LoadsAndDescribesItself) {
  auto t = load_shipped("compression");
  ASSERT_TRUE(t.has_value());
  expect_sound_description(*t, "compression");
  const auto& d = t->description;
  expect_choice(d, "pattern", {"auto", "sequential", "together"}, "auto");
  expect_number(d, "hold_s", sdk::ParamType::kNumber, "s", 1.0, 10.0, 3.0);
  expect_requirement(d, "airbag.*", true);
  expect_tempo_range(d, 1.0, 6.0, 3.0);
}

TEST(TestLoadCompression, LegsFillFromTheFeetUp) {
  auto s = plan_step("compression", "legs", 120000);
  ASSERT_TRUE(s.has_value());
  expect_ends_cleanly(*s);
  const std::int64_t foot = first_fill(*s, "airbag.foot");
  const std::int64_t calf = first_fill(*s, "airbag.calf");
  const std::int64_t thigh = first_fill(*s, "airbag.thigh");
  EXPECT_LT(foot, calf);
  EXPECT_LT(calf, thigh);
  // All three are full together before any vents: the wave pushes up, never back down. At the
  // default 3 waves a minute the thigh is full 7.2 s into the wave and venting starts at 10.2 s.
  const std::int64_t t = s->technique_start_ms() + 8000;
  for (const char* bag : {"airbag.foot", "airbag.calf", "airbag.thigh"}) {
    EXPECT_DOUBLE_EQ(value_at(s->timeline(), *s->chair, bag, t), peak_of(*s, bag)) << bag;
  }
}

TEST(TestLoadCompression, OtherZonesSqueezeTogether) {
  auto s = plan_step("compression", "full_back", 120000);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(first_fill(*s, "airbag.shoulder"), first_fill(*s, "airbag.waist"));
  auto seq = plan_step("compression", "legs", 120000, choice_param("pattern", "together"));
  ASSERT_TRUE(seq.has_value());
  EXPECT_EQ(first_fill(*seq, "airbag.foot"), first_fill(*seq, "airbag.thigh"));
}

TEST(TestLoadCompression, KeepsTheTempo) {
  for (double cpm : {1.0, 3.0, 6.0}) {
    auto s = plan_step("compression", "legs", 600000, tempo(cpm));
    ASSERT_TRUE(s.has_value());
    expect_tempo_kept(*s, path_of(*s, "airbag.foot"), 0.5 * peak_of(*s, "airbag.foot"));
    const int waves = crossings(path_of(*s, "airbag.foot"), 0.5 * peak_of(*s, "airbag.foot"));
    EXPECT_EQ(crossings(path_of(*s, "airbag.thigh"), 0.5 * peak_of(*s, "airbag.thigh")), waves);
  }
}

TEST(TestLoadCompression, NoBagStaysFirmForAMinute) {
  auto s = plan_step("compression", "legs", 600000,
                     tempo(1.0) + intensity(1.0) + number_param("hold_s", 10.0));
  ASSERT_TRUE(s.has_value());
  for (const char* bag : {"airbag.foot", "airbag.calf", "airbag.thigh"}) {
    EXPECT_GT(peak_of(*s, bag), 17.5) << bag;
    EXPECT_LT(longest_above(*s, bag, 17.5), 60000) << bag;
  }
}

TEST(TestLoadCompression, EightBagsFitTheFastestWave) {
  auto s = plan_step("compression", "full_body", 120000,
                     tempo(6.0) + intensity(1.0) + choice_param("pattern", "sequential"));
  ASSERT_TRUE(s.has_value());
  EXPECT_LT(first_fill(*s, "airbag.foot"), first_fill(*s, "airbag.neck"));
  expect_ends_cleanly(*s);
}

TEST(TestLoadCompression, PressureFollowsIntensity) {
  expect_intensity_monotonic("compression", "legs", "airbag.calf");
  expect_intensity_monotonic("compression", "arms", "airbag.arm");
}

TEST(TestLoadCompression, RefusesZonesWithoutAirbags) {
  EXPECT_NE(refusal("compression", "thoracic", 60000).find("has no airbag.*"), std::string::npos);
}

TEST(TestLoadCompression, StartPoseIsFixedAndTheStepEndsOnTime) {
  auto t = load_shipped("compression");
  ASSERT_TRUE(t.has_value());
  expect_start_pose_and_end(*t, "legs");
}

TEST(TestLoadCompression, AnyStepLengthPlans) {
  expect_plans_at_any_length("compression", "legs", tempo(6.0) + intensity(1.0));
  expect_plans_at_any_length("compression", "full_body");
}

TEST(TestLoadCompression, LiveChangesReplanCleanly) {
  expect_replans("compression", "legs", tempo(1.0) + intensity(1.0) + number_param("hold_s", 10.0));
  expect_replans("compression", "full_body");
}

}  // namespace
}  // namespace chaird::test
