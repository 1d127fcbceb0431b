#include "planner/step_context.hpp"

namespace chaird {

sdk::StepContext step_context(const BoundStep& step, const ChairModel& chair, const BodyModel& body,
                              std::span<const double> entry, std::int64_t duration_ms) {
  sdk::StepContext ctx;
  ctx.step_name = step.expanded.name;
  ctx.duration_ms = duration_ms;
  ctx.intensity = step.intensity;
  ctx.tempo_cpm = step.tempo_cpm;
  ctx.zone.name = step.zone->name;
  if (step.span) {
    ctx.zone.on_track = true;
    ctx.zone.from_mm = step.span->from_mm;
    ctx.zone.to_mm = step.span->to_mm;
  }
  ctx.zone.airbags = step.zone->airbags;
  ctx.zone.heaters = step.zone->heaters;
  ctx.zone.vibration = step.zone->vibration;
  ctx.zone.foot_rollers = step.zone->foot_rollers;
  ctx.body = body.landmarks();
  ctx.actuators = chair.plugin_view();
  ctx.usable = step.allowed;
  ctx.entry = entry;
  ctx.params = step.params;
  return ctx;
}

}  // namespace chaird
