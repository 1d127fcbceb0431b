// Tapping: percussion by the tapping motor on the roller carriage. Each cycle of the tempo is
// one beat of a rhythm (a burst, a swell, or a steady drum) while the rollers walk a few
// centimetres along the zone. Intensity raises both the tapping frequency and the contact depth.
#include <algorithm>
#include <chaird/plugin_sdk.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "width_choice.hpp"

namespace {

using namespace chaird::sdk;

// The rollers walk to the next spot during this first share of every cycle.
constexpr double kWalkShare = 0.3;
constexpr double kMaxSpacingMm = 40.0;
// The fastest tempo's cycle: shorter ones cannot hold the tapping motor's speed changes.
constexpr std::int64_t kMinCycleMs = 1500;

class Tapping final : public Technique {
 public:
  TechniqueDescription describe() const override {
    TechniqueDescription d;
    d.name = "tapping";
    d.version = "1.0.0";
    d.summary = "Percussion in a rhythm (steady, pulse or wave) while the rollers walk the zone.";
    d.params = {
        ParamSpec::choice("pattern", {"steady", "pulse", "wave"}, "steady",
                          "steady drumming, bursts with pauses, or a swelling and fading beat"),
        ParamSpec::choice("width", {"narrow", "medium", "wide"}, "medium",
                          "distance between the rollers"),
        ParamSpec::choice("travel", {"walk", "fixed"}, "walk",
                          "walk spot by spot along the zone, or tap its middle"),
    };
    d.actuators = {
        {"roller.position", true, "walks from spot to spot"},
        {"roller.tap", true, "the percussion (Hz)"},
        {"roller.depth", false, "contact of the tapping rollers"},
        {"roller.width", false, "narrow or wide tapping"},
    };
    d.tempo = {6.0, 40.0, 20.0};  // beats of the rhythm per minute
    return d;
  }

  StepOutput generate(const StepContext& ctx) const override {
    if (!ctx.zone.on_track) {
      throw PluginError("tapping needs a zone the rollers reach; '" + ctx.zone.name + "' is not");
    }
    const ActuatorInfo& position = ctx.require("roller.position");
    const ActuatorInfo& tap = ctx.require("roller.tap");
    const ActuatorInfo* depth = ctx.find("roller.depth");
    const ActuatorInfo* width = ctx.find("roller.width");
    SetpointWriter out(ctx);

    const std::int64_t period = ctx.period_ms();
    const std::string& pattern = ctx.choice("pattern");
    // Never below a third of the motor's range: slower taps feel like a fault, not a rhythm.
    const double beat = level(tap, 0.35 + 0.65 * ctx.intensity);
    // Tapping stays at moderate depth: percussion on a deep roller is harsh.
    const double contact = depth != nullptr ? level(*depth, 0.1 + 0.6 * ctx.intensity) : 0.0;
    if (depth == nullptr) {
      out.note("this chair has no roller.depth: intensity sets the tapping frequency only");
    }
    const ZoneWalk s(
        ctx.zone, ctx.choice("travel") == "walk",
        std::min(kMaxSpacingMm, 0.98 * max_travel(position, std::llround(kWalkShare * period))));

    const std::int64_t first = s.nearest(ctx.entry_value(position));

    // Start pose: the nearest spot, light contact, chosen width.
    out.reach(position, 0, s.at(first));
    if (depth != nullptr) out.reach(*depth, 0, level(*depth, 0.05));
    if (width != nullptr) {
      const std::string& w = ctx.choice("width");
      out.reach(*width, 0, chaird::shipped::width_for(*width, w));
    } else {
      out.note("this chair cannot change the roller width; width is ignored");
    }

    // The tapping motor may still run from before a re-plan; it is stopped at the end anyway.
    out.reach(tap, 0, out.last(tap));
    // Room at the end to stop the percussion and then lift off.
    const std::int64_t stop = min_ramp_ms(tap, std::max(beat, out.last(tap)), tap.rest_value);
    const std::int64_t lift = depth != nullptr ? min_ramp_ms(*depth, contact, depth->min) : 0;
    const std::int64_t end_work = ctx.duration_ms - stop - lift;
    std::int64_t cycles = end_work / period;
    std::int64_t cycle = period;
    if (cycles == 0 && end_work >= kMinCycleMs) {
      cycles = 1;
      cycle = end_work;
    }
    if (cycles == 0) {
      out.note("the step is too short to tap; the rollers only rest at the nearest spot");
    } else if (depth != nullptr) {
      out.ramp(*depth, 0, contact);
    }
    for (std::int64_t k = 0; k < cycles; ++k) {
      const std::int64_t t0 = k * cycle;
      auto at = [&](double share) { return t0 + std::llround(share * static_cast<double>(cycle)); };
      out.ramp(position, t0, s.at(first + k), at(kWalkShare) - t0);
      if (pattern == "pulse") {
        // A burst over the first half, silence over the second.
        out.ramp(tap, t0, beat, at(0.2) - t0);
        out.ramp(tap, at(0.5), tap.rest_value, at(0.2) - t0);
      } else if (pattern == "wave") {
        // Swells from a quarter of the beat to full and fades back.
        out.ramp(tap, t0, beat, at(0.5) - t0);
        out.ramp(tap, at(0.5), tap.min + 0.25 * (beat - tap.min), at(0.5) - t0);
      } else {
        out.ramp(tap, t0, beat);
      }
    }
    // Stop after the last whole beat and lift off; the rollers wait at the spot to the end.
    const std::int64_t stopped = out.ramp(tap, out.last_at(tap), tap.rest_value);
    if (depth != nullptr) out.ramp(*depth, std::max(out.last_at(*depth), stopped), depth->min);
    return out.finish();
  }
};

}  // namespace

CHAIRD_TECHNIQUE_PLUGIN(Tapping, "tapping", "1.0.0")
