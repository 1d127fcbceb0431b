// chaird/heat_dose: the heat kept in chaird's database, between chair time and the machine's
// clocks, and stored rows checked as the outside input they are.
#include "heat_dose.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "common/time_bound.hpp"
#include "unit_fixtures.hpp"

namespace chaird {
namespace {

constexpr std::int64_t kNowUnixMs = 1'800'000'000'000;
constexpr std::int64_t kNowBootMs = 7'200'000;  // two hours after the boot

std::size_t i(const char* id) {
  return static_cast<std::size_t>(unit::idx(id));
}

MachineTime at(std::int64_t unix_ms, std::int64_t boot_ms, std::string boot_id = "boot-1") {
  return {unix_ms, boot_ms, std::move(boot_id)};
}

// The lumbar heater on from 100 s to 220 s of chair time, kept at 500 s.
std::vector<store::HeatSpan> kept_at_500_s(const ChairModel& chair, const MachineTime& when) {
  EnergyHistory history;
  history.at = chair_time_from_ms(500'000);
  history.heat_on.resize(chair.actuator_count());
  history.heat_on[i("heat.lumbar")] = {{chair_time_from_ms(100'000), chair_time_from_ms(220'000)}};
  return heat_spans_to_keep(history, chair, when);
}

TEST(HeatDose, WhatIsKeptComesBackAtTheSameAgeInTheNextChairTime) {
  const auto chair = unit::chair();
  const auto kept = kept_at_500_s(*chair, at(kNowUnixMs, kNowBootMs));
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].actuator, "heat.lumbar");
  EXPECT_EQ(kept[0].began_unix_ms, kNowUnixMs - 400'000);
  EXPECT_EQ(kept[0].ended_unix_ms, kNowUnixMs - 280'000);
  EXPECT_EQ(kept[0].boot_id, "boot-1");
  EXPECT_EQ(kept[0].began_boot_ms, kNowBootMs - 400'000);
  EXPECT_EQ(kept[0].ended_boot_ms, kNowBootMs - 280'000);

  // chaird was down for 20 s; the new one's chair time starts at 0.
  const auto earlier = earlier_heat(kept, *chair, chair_time_from_ms(0),
                                    at(kNowUnixMs + 20'000, kNowBootMs + 20'000));
  EXPECT_EQ(earlier.kept, 1u);
  EXPECT_TRUE(earlier.left_out.empty());
  ASSERT_EQ(earlier.heat_on[i("heat.lumbar")].size(), 1u);
  EXPECT_EQ(earlier.heat_on[i("heat.lumbar")][0].first, chair_time_from_ms(-420'000));
  EXPECT_EQ(earlier.heat_on[i("heat.lumbar")][0].second, chair_time_from_ms(-300'000));
}

// A board without a clock battery boots with its wall clock behind, and NTP moves it on later.
// Within one boot the boot clock counts: the wall clock jumping three days forward while
// chaird was down forgets nothing.
TEST(HeatDose, WithinOneBootAWallClockThatJumpedForgetsNothing) {
  const auto chair = unit::chair();
  const auto kept = kept_at_500_s(*chair, at(kNowUnixMs, kNowBootMs));
  const auto earlier = earlier_heat(kept, *chair, chair_time_from_ms(0),
                                    at(kNowUnixMs + 3 * kDayMs, kNowBootMs + 20'000));
  ASSERT_EQ(earlier.heat_on[i("heat.lumbar")].size(), 1u);
  EXPECT_EQ(earlier.heat_on[i("heat.lumbar")][0].second, chair_time_from_ms(-300'000));

  const auto after_a_reboot = earlier_heat(kept, *chair, chair_time_from_ms(0),
                                           at(kNowUnixMs + 3 * kDayMs, 20'000, "boot-2"));
  EXPECT_TRUE(after_a_reboot.heat_on[i("heat.lumbar")].empty())
      << "across a reboot only the wall clock says how long ago";
}

// Across a reboot, a wall clock set back makes kept heat look as if it were still to come: it
// is taken to end now, at its full length.
TEST(HeatDose, HeatAfterNowOnAWallClockSetBackCountsInFull) {
  const auto chair = unit::chair();
  const std::vector<store::HeatSpan> rows = {
      {"heat.lumbar", kNowUnixMs + 600'000, kNowUnixMs + 3'000'000, "boot-1", 1000, 2'401'000},
      {"heat.calf", kNowUnixMs - 60'000, kNowUnixMs + 60'000, "boot-1", 1000, 121'000},
  };
  const auto earlier =
      earlier_heat(rows, *chair, chair_time_from_ms(1000), at(kNowUnixMs, 5000, "boot-2"));
  EXPECT_EQ(earlier.kept, 2u);
  ASSERT_EQ(earlier.heat_on[i("heat.lumbar")].size(), 1u);
  EXPECT_EQ(earlier.heat_on[i("heat.lumbar")][0].first, chair_time_from_ms(1000 - 2'400'000));
  EXPECT_EQ(earlier.heat_on[i("heat.lumbar")][0].second, chair_time_from_ms(1000));
  ASSERT_EQ(earlier.heat_on[i("heat.calf")].size(), 1u);
  EXPECT_EQ(earlier.heat_on[i("heat.calf")][0].first, chair_time_from_ms(1000 - 120'000));
}

TEST(HeatDose, StoredRowsAreCheckedAndABadOneIsLeftOutWithTheReason) {
  const auto chair = unit::chair();
  const std::int64_t lo = std::numeric_limits<std::int64_t>::min();
  const std::int64_t hi = std::numeric_limits<std::int64_t>::max();
  const std::vector<store::HeatSpan> rows = {
      {"heat.nowhere", kNowUnixMs - 1000, kNowUnixMs, "", 0, 0},
      {"airbag.seat", kNowUnixMs - 1000, kNowUnixMs, "", 0, 0},
      {"heat.lumbar", kNowUnixMs, kNowUnixMs - 1000, "", 0, 0},  // ends before it begins
      {"heat.lumbar\x1b[2J", kNowUnixMs - 1000, kNowUnixMs, "", 0, 0},
      {"heat.lumbar", kNowUnixMs - 2 * kDayMs, kNowUnixMs - kDayMs - 1, "", 0,
       0},                                // out of every window
      {"heat.lumbar", lo, hi, "", 0, 0},  // from ever to ever: two days, ending now
      {"heat.calf", 0, 0, "boot-1", lo, hi},
  };
  const auto earlier = earlier_heat(rows, *chair, chair_time_from_ms(1000), at(kNowUnixMs, 5000));
  ASSERT_EQ(earlier.left_out.size(), 4u);
  EXPECT_NE(earlier.left_out[0].find("no such actuator"), std::string::npos);
  EXPECT_NE(earlier.left_out[1].find("not a heater"), std::string::npos);
  EXPECT_NE(earlier.left_out[2].find("ends before it begins"), std::string::npos);
  EXPECT_NE(earlier.left_out[3].find("\\x1b[2J"), std::string::npos) << earlier.left_out[3];
  EXPECT_EQ(earlier.kept, 2u);
  for (const char* heater : {"heat.lumbar", "heat.calf"}) {
    const auto& spans = earlier.heat_on[i(heater)];
    ASSERT_EQ(spans.size(), 1u) << heater;
    EXPECT_EQ(spans[0].second, chair_time_from_ms(1000)) << heater;
    EXPECT_EQ(spans[0].second - spans[0].first, std::chrono::milliseconds(2 * kDayMs)) << heater;
  }
}

}  // namespace
}  // namespace chaird
