// What a person reads first after a replay: how long it ran, how hard and hot it got where,
// how far the rollers travelled, how long they worked at depth on each body region, and what
// became of each injected fault.
#pragma once

#include <string>

#include "planner/body_model.hpp"
#include "replay/replay_trace.hpp"

namespace chairctl {

std::string summarize_replay(const chaird::sim::ReplayTrace& trace, const chaird::BodyModel& body);

}  // namespace chairctl
