// common/duration_text: durations and times as people read and write them.
#include "common/duration_text.hpp"

#include <gtest/gtest.h>

namespace chaird {
namespace {

TEST(DurationText, MinutesAndSecondsRoundToTheSecond) {
  EXPECT_EQ(format_mmss(0), "0:00");
  EXPECT_EQ(format_mmss(1499), "0:01");
  EXPECT_EQ(format_mmss(1500), "0:02");
  EXPECT_EQ(format_mmss(90000), "1:30");
  EXPECT_EQ(format_mmss(1800000), "30:00");
}

TEST(DurationText, ExactMinutesAndSecondsKeepAPartOfASecond) {
  EXPECT_EQ(format_mmss_exact(0), "0:00");
  EXPECT_EQ(format_mmss_exact(20000), "0:20");
  EXPECT_EQ(format_mmss_exact(19500), "0:19.5");
  EXPECT_EQ(format_mmss_exact(61250), "1:01.25");
  EXPECT_EQ(format_mmss_exact(3600001), "60:00.001");
  EXPECT_EQ(format_mmss_exact(-1500), "-0:01.5");
}

}  // namespace
}  // namespace chaird
