// Tightening a chair's safety limits: an installation's configuration (and, later, a program or
// a session) may make a limit stricter, never looser. The result is a new chair model, so that
// the planner, the techniques and the governor all see the stricter ranges.
#pragma once

#include <memory>
#include <string>

#include "chair/v1/chair_profile.pb.h"
#include "common/diagnostic.hpp"
#include "common/expected.hpp"
#include "profile/chair_model.hpp"

namespace chaird {

// The chair with tighter applied: every field tighter sets must be at least as strict as the
// chair's (smaller for maxima, longer for heat_window_ms, motor_reverse_rest_ms and
// midline_width_mm); roller_depth entries are added to the chair's (the lowest limit holds where
// they overlap). A looser value, or board_lease_ms (the board's own watchdog, fixed by the
// chair), is refused: each with who said it ("the configuration"), located at where.
enum class LooserLimit {
  kRefuse,        // a looser value is a mistake: say so (configuration, programs, requests)
  kKeepStricter,  // the stricter of the two holds (a session's limits on top of a program's)
};

Expected<std::shared_ptr<const ChairModel>, Diagnostics> tighten_limits(
    const ChairModel& chair, const chair::v1::SafetyLimits& tighter, const std::string& who,
    const SourceLocation& where, LooserLimit looser = LooserLimit::kRefuse);

// True when limits sets any field.
bool sets_any_limit(const chair::v1::SafetyLimits& limits);

}  // namespace chaird
