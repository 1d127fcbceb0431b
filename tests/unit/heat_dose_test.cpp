// chaird/heat_dose: the heat kept in chaird's database, between chair time and wall-clock time,
// and stored rows checked as the outside input they are.
#include "heat_dose.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "common/time_bound.hpp"
#include "unit_fixtures.hpp"

namespace chaird {
namespace {

constexpr std::int64_t kNowUnixMs = 1'800'000'000'000;

std::size_t i(const char* id) {
  return static_cast<std::size_t>(unit::idx(id));
}

TEST(HeatDose, WhatIsKeptComesBackAtTheSameAgeInTheNextChairTime) {
  const auto chair = unit::chair();
  EnergyHistory history;
  history.at = chair_time_from_ms(500'000);
  history.heat_on.resize(chair->actuator_count());
  history.heat_on[i("heat.lumbar")] = {{chair_time_from_ms(100'000), chair_time_from_ms(220'000)}};
  const auto kept = heat_spans_to_keep(history, *chair, kNowUnixMs);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].actuator, "heat.lumbar");
  EXPECT_EQ(kept[0].began_unix_ms, kNowUnixMs - 400'000);
  EXPECT_EQ(kept[0].ended_unix_ms, kNowUnixMs - 280'000);

  // chaird was down for 20 s; the new one's chair time starts at 0.
  const auto earlier = earlier_heat(kept, *chair, chair_time_from_ms(0), kNowUnixMs + 20'000);
  EXPECT_EQ(earlier.kept, 1u);
  EXPECT_TRUE(earlier.left_out.empty());
  ASSERT_EQ(earlier.heat_on[i("heat.lumbar")].size(), 1u);
  EXPECT_EQ(earlier.heat_on[i("heat.lumbar")][0].first, chair_time_from_ms(-420'000));
  EXPECT_EQ(earlier.heat_on[i("heat.lumbar")][0].second, chair_time_from_ms(-300'000));
}

TEST(HeatDose, StoredRowsAreCheckedAndABadOneIsLeftOutWithTheReason) {
  const auto chair = unit::chair();
  const std::int64_t lo = std::numeric_limits<std::int64_t>::min();
  const std::int64_t hi = std::numeric_limits<std::int64_t>::max();
  const std::vector<store::HeatSpan> rows = {
      {"heat.nowhere", kNowUnixMs - 1000, kNowUnixMs},
      {"airbag.seat", kNowUnixMs - 1000, kNowUnixMs},
      {"heat.lumbar", kNowUnixMs, kNowUnixMs - 1000},  // ends before it begins
      {"heat.lumbar\x1b[2J", kNowUnixMs - 1000, kNowUnixMs},
      {"heat.lumbar", kNowUnixMs - 2 * kDayMs, kNowUnixMs - kDayMs - 1},  // out of every window
      {"heat.lumbar", lo, hi},  // from ever to ever: two days, ending now
      {"heat.calf", kNowUnixMs + 5000, kNowUnixMs + 9000},  // a clock set back: ends now
  };
  const auto earlier = earlier_heat(rows, *chair, chair_time_from_ms(1000), kNowUnixMs);
  ASSERT_EQ(earlier.left_out.size(), 4u);
  EXPECT_NE(earlier.left_out[0].find("no such actuator"), std::string::npos);
  EXPECT_NE(earlier.left_out[1].find("not a heater"), std::string::npos);
  EXPECT_NE(earlier.left_out[2].find("ends before it begins"), std::string::npos);
  EXPECT_NE(earlier.left_out[3].find("\\x1b[2J"), std::string::npos) << earlier.left_out[3];
  EXPECT_EQ(earlier.kept, 2u);
  ASSERT_EQ(earlier.heat_on[i("heat.lumbar")].size(), 1u);
  EXPECT_EQ(earlier.heat_on[i("heat.lumbar")][0].second, chair_time_from_ms(1000));
  EXPECT_GE(
      earlier.heat_on[i("heat.lumbar")][0].second - earlier.heat_on[i("heat.lumbar")][0].first,
      std::chrono::milliseconds(kDayMs));
  ASSERT_EQ(earlier.heat_on[i("heat.calf")].size(), 1u);
  EXPECT_EQ(earlier.heat_on[i("heat.calf")][0].first, chair_time_from_ms(1000));
  EXPECT_EQ(earlier.heat_on[i("heat.calf")][0].second, chair_time_from_ms(1000));
}

}  // namespace
}  // namespace chaird
