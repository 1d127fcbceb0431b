// What a sitter's feedback changes in their next session: a zone they marked too strong in
// their recent sessions is softened, the more the more often they marked it, and the kiosk is
// told why (docs/persistence.md).
#pragma once

#include <string>
#include <vector>

#include "library/session_composer.hpp"
#include "planner/step_binder.hpp"
#include "profile/chair_model.hpp"
#include "store/session_history_store.hpp"

namespace chaird::api {

// How many of a sitter's latest sessions their feedback counts from.
inline constexpr int kFeedbackSessions = 5;
// Each mark softens a zone by this factor, down to kFeedbackFloor.
inline constexpr double kFeedbackStep = 0.8;
inline constexpr double kFeedbackFloor = 0.5;

struct FeedbackSoftening {
  std::vector<ZoneScale> zones;    // per zone of the chair the program works on
  std::vector<std::string> notes;  // one per zone the sitter marked, as the kiosk shows it
};

// newest_first: the sitter's sessions, newest first (only the first kFeedbackSessions count);
// program_zones: the zones the program's steps work on. A marked zone softens every zone of
// the program that overlaps it on this chair; a mark on a zone the program does not touch
// changes nothing and is not told.
FeedbackSoftening soften_from_feedback(const std::vector<store::HistoryRow>& newest_first,
                                       const ChairModel& chair,
                                       const std::vector<std::string>& program_zones);

// What the composer weighs from the same sessions: each zone marked too strong, once per
// session, and per program the discomfort before and after where the sitter gave both.
SitterPast past_from_history(const std::vector<store::HistoryRow>& newest_first,
                             const ChairModel& chair);

}  // namespace chaird::api
