// Rolling: Swedish-style long strokes. The rollers glide down the zone and back up at light to
// medium depth, firmer on the stroke towards the heart (up the track) and lighter on the way
// down, the way a therapist's effleurage pushes blood and lymph back towards the trunk.
#include <algorithm>
#include <chaird/plugin_sdk.hpp>
#include <cmath>
#include <string>

#include "width_choice.hpp"

namespace {

using namespace chaird::sdk;

// A last stroke shorter than this a leg is not worth turning round for.
constexpr std::int64_t kMinLastLegMs = 1500;
// Share of each cycle spent on one leg of the stroke; the rest turns the rollers round.
constexpr double kLegShare = 0.45;

class Rolling final : public Technique {
 public:
  TechniqueDescription describe() const override {
    TechniqueDescription d;
    d.name = "rolling";
    d.version = "1.0.0";
    d.summary =
        "Long gliding strokes down the zone and back, firmer towards the heart, lighter away.";
    d.params = {
        ParamSpec::choice("width", {"narrow", "medium", "wide"}, "wide",
                          "distance between the rollers; wide spreads the stroke like a palm"),
        ParamSpec::number("coverage", "", 0.5, 1.0, 1.0, "part of the zone each stroke covers"),
        ParamSpec::boolean("lighter_return", true,
                           "ease the depth on the stroke away from the heart"),
    };
    d.actuators = {
        {"roller.position", true, "the strokes along the zone"},
        {"roller.depth", false, "light to medium contact"},
        {"roller.width", false, "palm-wide contact"},
    };
    d.tempo = {1.0, 12.0, 4.0};  // strokes (down and back up) per minute
    return d;
  }

  StepOutput generate(const StepContext& ctx) const override {
    if (!ctx.zone.on_track) {
      throw PluginError("rolling needs a zone the rollers reach; '" + ctx.zone.name + "' is not");
    }
    const ActuatorInfo& position = ctx.require("roller.position");
    const ActuatorInfo* depth = ctx.find("roller.depth");
    const ActuatorInfo* width = ctx.find("roller.width");
    SetpointWriter out(ctx);

    const std::int64_t period = ctx.period_ms();
    const auto leg_ms = static_cast<std::int64_t>(std::llround(kLegShare * period));
    // A fast tempo on a long zone gets shorter strokes rather than a faster motor.
    const double span = ctx.zone.to_mm - ctx.zone.from_mm;
    const double wanted = ctx.number("coverage") * span;
    const double stroke = std::min(wanted, 0.98 * max_travel(position, leg_ms));
    if (stroke < wanted - 1.0) {
      out.note("at " + std::to_string(std::llround(ctx.tempo_cpm)) +
               " strokes a minute the rollers cover " + std::to_string(std::llround(stroke)) +
               " mm of the zone's " + std::to_string(std::llround(span)) + " mm");
    }
    const double centre = 0.5 * (ctx.zone.from_mm + ctx.zone.to_mm);
    const double top = centre - 0.5 * stroke;
    const double bottom = centre + 0.5 * stroke;

    // Light to medium only: effleurage warms and spreads, it does not dig.
    double firm = 0.0;
    double light = 0.0;
    if (depth != nullptr) {
      firm = level(*depth, 0.1 + 0.45 * ctx.intensity);
      light = ctx.flag("lighter_return") ? level(*depth, 0.05 + 0.25 * ctx.intensity) : firm;
    } else {
      out.note("this chair has no roller.depth: the strokes keep the rollers' fixed contact");
    }

    // Start at the end of the stroke nearer the rollers (a re-plan carries on from there):
    // normally the top, from where the first leg goes down, lightly.
    const double entry = ctx.entry_value(position);
    const bool down_first = std::abs(entry - top) <= std::abs(entry - bottom);
    const double start = down_first ? top : bottom;
    const double turn = down_first ? bottom : top;
    // Up the track is towards the heart: that leg is the firm one.
    const double there = down_first ? light : firm;
    const double back = down_first ? firm : light;
    out.reach(position, 0, start);
    if (depth != nullptr) out.reach(*depth, 0, there);
    if (width != nullptr) {
      const std::string& w = ctx.choice("width");
      out.reach(*width, 0, chaird::shipped::width_for(*width, w));
    } else {
      out.note("this chair cannot change the roller width; width is ignored");
    }

    // Leave time at the end to lift the rollers off.
    const std::int64_t retract = depth != nullptr ? min_ramp_ms(*depth, firm, depth->min) : 0;
    const std::int64_t end_work = ctx.duration_ms - retract;
    const std::int64_t min_leg = min_ramp_ms(position, top, bottom);
    for (std::int64_t k = 0;; ++k) {
      const std::int64_t t0 = k * period;
      const std::int64_t cycle = std::min(period, end_work - t0);
      const auto leg = static_cast<std::int64_t>(kLegShare * static_cast<double>(cycle));
      // A step shorter than one stroke gets a squeezed stroke. The last stroke of a longer step
      // is a shorter one at the same pace, turning early: rollers that just stopped would
      // rest on one spot, pressing, until the step ends (most of a minute at a slow tempo).
      double goes_to = turn;
      if (cycle < period && k > 0) {
        goes_to = start + (turn - start) * static_cast<double>(cycle) / static_cast<double>(period);
        // Shorter legs at the same pace need quicker turns: within the motor's acceleration.
        if (leg < std::max(kMinLastLegMs, min_ramp_ms(position, start, goes_to))) break;
      } else if (cycle < period && leg < min_leg) {
        break;
      }
      const std::int64_t t1 = t0 + cycle / 2;
      if (depth != nullptr) out.ramp(*depth, t0, there);
      out.ramp(position, t0, goes_to, leg);
      if (depth != nullptr) out.ramp(*depth, t1, back);
      out.ramp(position, t1, start, leg);
      if (cycle < period) break;
    }
    if (depth != nullptr) out.ramp(*depth, std::max(out.last_at(*depth), end_work), depth->min);
    return out.finish();
  }
};

}  // namespace

CHAIRD_TECHNIQUE_PLUGIN(Rolling, "rolling", "1.0.0")
