// What a technique is told about one step: built once here, used by the planner and by tests
// that call a technique directly.
#pragma once

#include <chaird/plugin_sdk.hpp>
#include <cstdint>
#include <span>

#include "planner/body_model.hpp"
#include "planner/step_binder.hpp"
#include "profile/chair_model.hpp"

namespace chaird {

// The context views (does not copy) the step's parameters and zone, the chair's actuators and
// entry: all must outlive it.
sdk::StepContext step_context(const BoundStep& step, const ChairModel& chair, const BodyModel& body,
                              std::span<const double> entry, std::int64_t duration_ms);

}  // namespace chaird
