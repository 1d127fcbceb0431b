// profile/limits_tightening: an installation makes the chair's limits stricter, never looser,
// and everything built on the tightened chair sees the stricter ranges.
#include "profile/limits_tightening.hpp"

#include <gtest/gtest.h>

#include "safety/safety_governor.hpp"
#include "unit_fixtures.hpp"

namespace chaird {
namespace {

using unit::HasError;

chair::v1::SafetyLimits parse_limits(const std::string& text) {
  chair::v1::SafetyLimits limits;
  const Diagnostics d = parse_text(text, "limits.textproto", limits, nullptr);
  EXPECT_FALSE(d.has_errors()) << d.to_string();
  return limits;
}

TEST(LimitsTightening, StricterValuesNarrowTheChairEverywhere) {
  const auto chair = unit::chair();
  auto tightened = tighten_limits(*chair,
                                  parse_limits("max_airbag_kpa: 20 max_heat_c: 38 "
                                               "heat_window_ms: 7200000 max_session_ms: 900000 "
                                               "motor_reverse_rest_ms: 500 midline_width_mm: 90 "
                                               "roller_depth { region: \"lumbar\" max_depth_mm: 8 "
                                               "max_depth_midline_mm: 4 }"),
                                  "the configuration", {});
  ASSERT_TRUE(tightened) << tightened.error().to_string();
  const ChairModel& t = **tightened;
  EXPECT_EQ(t.limits().max_airbag_kpa(), 20);
  EXPECT_EQ(t.limits().max_session_ms(), 900000);
  EXPECT_EQ(t.limits().heat_window_ms(), 7200000);
  EXPECT_EQ(t.motor_reverse_rest_ms(), 500);
  EXPECT_EQ(t.limits().midline_width_mm(), 90);
  // The airbags' and heaters' ranges follow, so techniques plan within them.
  EXPECT_EQ(t.actuator(unit::idx("airbag.calf")).max, 20);
  EXPECT_EQ(t.actuator(unit::idx("heat.lumbar")).max, 38);
  // Depth limits are added to the chair's, and the lower one holds where they overlap.
  EXPECT_EQ(t.limits().roller_depth_size(), chair->limits().roller_depth_size() + 1);
  // Unset fields keep the chair's.
  EXPECT_EQ(t.limits().airbag_max_hold_ms(), chair->limits().airbag_max_hold_ms());
  EXPECT_EQ(t.limits().board_lease_ms(), chair->limits().board_lease_ms());

  // The governor on the tightened chair refuses what the maker's chair allowed.
  Timeline tl = unit::blank_timeline(t, 20000);
  unit::add_command(tl, t, 0, 3000, "airbag.waist", 24);
  EXPECT_TRUE(SafetyGovernor(chair, {}).review(tl));
  auto refused = SafetyGovernor(*tightened, {}).review(tl);
  ASSERT_FALSE(refused);
  EXPECT_TRUE(HasError(refused.error(), "airbag.waist 24 kPa is outside the allowed 0..20 kPa"));
}

TEST(LimitsTightening, AStricterValuePastADayIsRefused) {
  // Longer is stricter for a window or a rest, but not without end: the governor adds them up.
  auto endless = tighten_limits(*unit::chair(),
                                parse_limits("heat_window_ms: 9223372036854775807 "
                                             "motor_reverse_rest_ms: 9223372036854775807"),
                                "program 'p'", {});
  ASSERT_FALSE(endless);
  EXPECT_TRUE(HasError(endless.error(),
                       "program 'p': limits.heat_window_ms must be at most 86400000 ms (a day), "
                       "got 9223372036854775807"))
      << endless.error().to_string();
  EXPECT_TRUE(HasError(endless.error(),
                       "program 'p': limits.motor_reverse_rest_ms must be at most 86400000 ms (a "
                       "day), got 9223372036854775807"));
}

TEST(LimitsTightening, LooserValuesAreAllRefusedAndNamed) {
  auto loose = tighten_limits(*unit::chair(),
                              parse_limits("max_airbag_kpa: 45 max_heat_c: 50 "
                                           "heat_window_ms: 60000 motor_reverse_rest_ms: 100 "
                                           "midline_width_mm: 50 max_tracking_error_mm: 80 "
                                           "board_lease_ms: 500 max_session_ms: -5"),
                              "the configuration", {});
  ASSERT_FALSE(loose);
  const Diagnostics& d = loose.error();
  EXPECT_TRUE(HasError(d,
                       "the configuration: limits.max_airbag_kpa 45 kPa would loosen the "
                       "chair's 35 kPa; limits may only be made lower"));
  EXPECT_TRUE(HasError(d, "limits.max_heat_c 50 °C would loosen the chair's 42 °C"));
  EXPECT_TRUE(HasError(d,
                       "limits.heat_window_ms 60000 ms would loosen the chair's 3600000 ms; "
                       "limits may only be made longer or wider"));
  EXPECT_TRUE(HasError(d, "limits.motor_reverse_rest_ms 100 ms would loosen the chair's 250 ms"));
  EXPECT_TRUE(HasError(d, "limits.midline_width_mm 50 mm would loosen the chair's 60 mm"));
  EXPECT_TRUE(HasError(d, "limits.max_tracking_error_mm 80 mm would loosen"));
  EXPECT_TRUE(HasError(d, "limits.max_session_ms -5 ms would loosen"));
  EXPECT_TRUE(HasError(d, "limits.board_lease_ms is the board's own watchdog"));
  EXPECT_EQ(d.error_count(), 8u) << d.to_string();
}

TEST(LimitsTightening, AnAddedDepthLimitIsCheckedLikeTheProfiles) {
  auto bad = tighten_limits(
      *unit::chair(),
      parse_limits("roller_depth { region: \"nape\" max_depth_mm: 4 max_depth_midline_mm: 2 }"),
      "the configuration", {});
  ASSERT_FALSE(bad);
  EXPECT_TRUE(HasError(bad.error(), "the configuration: roller_depth: 'nape' is not a body zone"));
}

}  // namespace
}  // namespace chaird
