// A sitter's feedback shapes their next session: each zone they marked too strong in their
// latest sessions is softened where the program works on it, the more often the softer, and
// the kiosk is told why.
#include "api/feedback_softening.hpp"

#include <gtest/gtest.h>

#include "unit_fixtures.hpp"

namespace chaird::unit {
namespace {

store::HistoryRow session(std::vector<std::string> too_strong) {
  store::HistoryRow row;
  row.feedback.too_strong_zones = std::move(too_strong);
  return row;
}

double factor_of(const api::FeedbackSoftening& s, const std::string& zone) {
  for (const auto& z : s.zones)
    if (z.zone == zone) return z.factor;
  return 1.0;
}

TEST(FeedbackSoftening, AZoneMarkedTooStrongIsSoftenedWhereTheProgramWorksOnIt) {
  const auto softening =
      api::soften_from_feedback({session({"lumbar"}), session({}), session({"lumbar", "lumbar"})},
                                *test::reference_chair(), {"back", "neck", "calves"});
  EXPECT_DOUBLE_EQ(factor_of(softening, "back"), 0.8 * 0.8);  // twice: once per session
  EXPECT_DOUBLE_EQ(factor_of(softening, "neck"), 1.0);
  ASSERT_EQ(softening.notes.size(), 1u);
  EXPECT_EQ(softening.notes[0],
            "lumbar work lighter (64%): you marked it too strong twice in your last 3 sessions");
}

TEST(FeedbackSoftening, OnlyTheLatestSessionsCountDownToAFloor) {
  std::vector<store::HistoryRow> rows(api::kFeedbackSessions, session({"shoulders"}));
  rows.push_back(session({"lumbar"}));  // older than the sessions that count
  const auto softening =
      api::soften_from_feedback(rows, *test::reference_chair(), {"shoulders", "lumbar"});
  EXPECT_DOUBLE_EQ(factor_of(softening, "shoulders"), api::kFeedbackFloor);
  EXPECT_DOUBLE_EQ(factor_of(softening, "lumbar"), 1.0);
  ASSERT_EQ(softening.notes.size(), 1u);
  EXPECT_NE(softening.notes[0].find("5 times in your last 5 sessions"), std::string::npos);
}

// What the database holds came from a client once: a zone this chair does not have, or a
// zone the program does not touch, changes nothing and is not told.
TEST(FeedbackSoftening, UnknownOrUntouchedZonesChangeNothing) {
  const auto softening = api::soften_from_feedback(
      {session({"tail", "calves\xff"}), session({"feet"})}, *test::reference_chair(), {"neck"});
  EXPECT_TRUE(softening.zones.empty());
  EXPECT_TRUE(softening.notes.empty());
}

}  // namespace
}  // namespace chaird::unit
