#include "feedback_softening.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "common/utf8_text.hpp"
#include "timeline/sitter_rules.hpp"

namespace chaird::api {

FeedbackSoftening soften_from_feedback(const std::vector<store::HistoryRow>& newest_first,
                                       const ChairModel& chair,
                                       const std::vector<std::string>& program_zones) {
  // How often each zone was marked, as the composer counts it too.
  const std::map<std::string, int> marks = past_from_history(newest_first, chair).too_strong;
  const std::size_t counted =
      std::min(newest_first.size(), static_cast<std::size_t>(kFeedbackSessions));
  FeedbackSoftening out;
  for (const auto& [marked, count] : marks) {
    const double factor = std::max(kFeedbackFloor, std::pow(kFeedbackStep, count));
    bool touched = false;
    for (const auto& z : program_zones) {
      if (!zones_overlap(chair, marked, z)) continue;
      touched = true;
      auto it = std::find_if(out.zones.begin(), out.zones.end(),
                             [&](const ZoneScale& s) { return s.zone == z; });
      if (it == out.zones.end())
        out.zones.push_back({z, factor});
      else
        it->factor = std::min(it->factor, factor);
    }
    if (!touched) continue;
    const std::string how_often = count == 1   ? std::string("once")
                                  : count == 2 ? std::string("twice")
                                               : fmt::format("{} times", count);
    out.notes.push_back(
        fmt::format("{} work lighter ({:.0f}%): you marked it too strong {} in your last {}",
                    marked, factor * 100.0, how_often,
                    counted == 1 ? std::string("session") : fmt::format("{} sessions", counted)));
  }
  return out;
}

SitterPast past_from_history(const std::vector<store::HistoryRow>& newest_first,
                             const ChairModel& chair) {
  SitterPast past;
  const std::size_t counted =
      std::min(newest_first.size(), static_cast<std::size_t>(kFeedbackSessions));
  for (std::size_t i = 0; i < counted; ++i) {
    const auto& row = newest_first[i];
    auto zones = row.feedback.too_strong_zones;
    std::sort(zones.begin(), zones.end());
    zones.erase(std::unique(zones.begin(), zones.end()), zones.end());
    // Once per session, however often a session names it; zones a chair no longer has (the
    // record may be older than the profile) count for nothing.
    for (const auto& z : zones)
      if (chair.zone(z) != nullptr) ++past.too_strong[z];
    const auto& f = row.feedback;
    if (f.discomfort_before && f.discomfort_after) {
      auto& relief = past.relief[row.start.program_id];
      relief.before += *f.discomfort_before;
      relief.after += *f.discomfort_after;
      ++relief.sessions;
    }
  }
  return past;
}

}  // namespace chaird::api
