// Kneading: the rollers circle at one spot, swelling from a slow turn to full speed and back,
// then walk a few centimetres on and knead again. The swell is the "4D" rhythm of the tempo;
// the rollers' depth (3D chairs) carries the intensity.
#include <algorithm>
#include <chaird/plugin_sdk.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "width_choice.hpp"

namespace {

using namespace chaird::sdk;

// Shares of one cycle: walk to the spot, speed up, knead at full speed, slow down.
constexpr double kWalkEnd = 0.2;
constexpr double kRiseEnd = 0.4;
constexpr double kFallStart = 0.75;
constexpr double kFallEnd = 0.95;
// Between two kneading spots; close enough that no muscle is skipped.
constexpr double kMaxSpacingMm = 40.0;
// A cycle shorter than the fastest tempo cannot hold the speed changes the motor needs.
constexpr std::int64_t kMinCycleMs = 2500;

class Kneading final : public Technique {
 public:
  TechniqueDescription describe() const override {
    TechniqueDescription d;
    d.name = "kneading";
    d.version = "1.0.0";
    d.summary = "Circular kneading that swells to full speed and eases off, spot by spot.";
    d.params = {
        ParamSpec::choice("direction", {"inward", "outward", "alternate"}, "alternate",
                          "way the rollers circle; alternate reverses every cycle"),
        ParamSpec::choice("width", {"narrow", "medium", "wide"}, "medium",
                          "distance between the rollers"),
        ParamSpec::choice("travel", {"walk", "fixed"}, "walk",
                          "walk spot by spot along the zone, or knead its middle"),
        ParamSpec::number("speed", "", 0.3, 1.0, 0.7, "top kneading speed, part of the motor's"),
    };
    d.actuators = {
        {"roller.position", true, "walks from spot to spot"},
        {"roller.knead", true, "the circling (rpm, positive circles inward)"},
        {"roller.depth", false, "how deep the kneading reaches"},
        {"roller.width", false, "narrow or wide kneading"},
    };
    d.tempo = {4.0, 24.0, 10.0};  // kneading swells per minute
    return d;
  }

  StepOutput generate(const StepContext& ctx) const override {
    if (!ctx.zone.on_track) {
      throw PluginError("kneading needs a zone the rollers reach; '" + ctx.zone.name + "' is not");
    }
    const ActuatorInfo& position = ctx.require("roller.position");
    const ActuatorInfo& knead = ctx.require("roller.knead");
    const ActuatorInfo* depth = ctx.find("roller.depth");
    const ActuatorInfo* width = ctx.find("roller.width");
    SetpointWriter out(ctx);

    const std::int64_t period = ctx.period_ms();
    std::string direction = ctx.choice("direction");
    if (knead.min >= 0.0 && direction != "inward") {
      out.note("this chair kneads in one direction only; direction is ignored");
      direction = "inward";
    }
    // Depth carries the intensity; a 2D chair without depth uses the speed instead.
    double top_speed = ctx.number("speed");
    double press = 0.0;
    if (depth != nullptr) {
      press = level(*depth, 0.15 + 0.85 * ctx.intensity);
    } else {
      top_speed *= 0.5 + 0.5 * ctx.intensity;
      out.note("this chair has no roller.depth: intensity sets the kneading speed instead");
    }
    const double inward = top_speed * std::max(0.0, knead.max);
    const double outward = -top_speed * std::max(0.0, -knead.min);
    const bool alternate = direction == "alternate";
    const double steady = direction == "outward" ? outward : inward;
    // Between swells a one-way kneading keeps circling slowly; alternating stops to reverse.
    const double slow = alternate ? 0.0 : 0.3 * steady;

    const ZoneWalk s(
        ctx.zone, ctx.choice("travel") == "walk",
        std::min(kMaxSpacingMm, 0.98 * max_travel(position, std::llround(kWalkEnd * period))));

    const std::int64_t first = s.nearest(ctx.entry_value(position));

    // Start pose: the nearest spot, light contact, chosen width.
    const double light = depth != nullptr ? level(*depth, 0.05) : 0.0;
    out.reach(position, 0, s.at(first));
    if (depth != nullptr) out.reach(*depth, 0, light);
    if (width != nullptr) {
      const std::string& w = ctx.choice("width");
      out.reach(*width, 0, chaird::shipped::width_for(*width, w));
    } else {
      out.note("this chair cannot change the roller width; width is ignored");
    }

    // The kneading motor may still turn from before a re-plan; finish() stops it if nothing else.
    out.reach(knead, 0, out.last(knead));
    // Room at the end to stop circling and then lift off.
    const std::int64_t stop =
        min_ramp_ms(knead, std::max({inward, -outward, std::abs(out.last(knead))}), 0.0);
    const std::int64_t lift = depth != nullptr ? min_ramp_ms(*depth, press, depth->min) : 0;
    const std::int64_t end_work = ctx.duration_ms - stop - lift;
    // Whole cycles only; a step shorter than one cycle gets one squeezed cycle if it can.
    std::int64_t cycles = end_work / period;
    std::int64_t cycle = period;
    if (cycles == 0 && end_work >= kMinCycleMs) {
      cycles = 1;
      cycle = end_work;
    }
    if (cycles == 0) {
      out.note("the step is too short to knead; the rollers only rest at the nearest spot");
    } else if (depth != nullptr) {
      out.ramp(*depth, 0, press);
    }
    for (std::int64_t k = 0; k < cycles; ++k) {
      const std::int64_t t0 = k * cycle;
      auto at = [&](double share) { return t0 + std::llround(share * static_cast<double>(cycle)); };
      const double peak = alternate && k % 2 == 1 ? outward : steady;
      out.ramp(knead, t0, slow);
      out.ramp(position, t0, s.at(first + k), at(kWalkEnd) - t0);
      out.ramp(knead, at(kWalkEnd), peak, at(kRiseEnd) - at(kWalkEnd));
      out.ramp(knead, at(kFallStart), slow, at(kFallEnd) - at(kFallStart));
    }
    // Stop after the last whole cycle and lift off; the rollers wait at the spot to the end.
    const std::int64_t stopped = out.ramp(knead, out.last_at(knead), knead.rest_value);
    if (depth != nullptr) out.ramp(*depth, std::max(out.last_at(*depth), stopped), depth->min);
    return out.finish();
  }
};

}  // namespace

CHAIRD_TECHNIQUE_PLUGIN(Kneading, "kneading", "1.0.0")
