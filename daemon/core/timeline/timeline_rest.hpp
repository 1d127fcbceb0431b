// The rest of a timeline from a point in it, reached from where the chair is now: what a
// resumed session plays. A short lead-in brings every actuator from its present value back to
// where the timeline had it at that point (within its rate and acceleration limits, then a
// hold so that no motor changes speed faster than it may), and the timeline goes on from
// there exactly as it was planned. The governor checks the result like any timeline.
#pragma once

#include <cstdint>
#include <span>

#include "profile/chair_model.hpp"
#include "timeline/timeline.hpp"

namespace chaird {

struct TimelineRest {
  Timeline timeline;
  // The lead-in: the timeline's from_ms is at lead_in_ms of the rest.
  std::int64_t lead_in_ms = 0;
};

// current: where the chair is steering each actuator now. from_ms is clamped to the timeline.
TimelineRest rest_of_timeline(const ChairModel& chair, const Timeline& timeline,
                              std::int64_t from_ms, std::span<const double> current);

// A live adjustment of what plays: the commands of playing before from_ms, unchanged and in
// their order (they may have reached the board), then those of program (the whole session,
// re-planned, in program time) from from_ms on, moved by shift_ms into playing's time (0 for a
// session that never paused; a resumed session plays its program shift_ms later or earlier).
Timeline splice_from(const Timeline& playing, const Timeline& program, std::int64_t from_ms,
                     std::int64_t shift_ms);

}  // namespace chaird
