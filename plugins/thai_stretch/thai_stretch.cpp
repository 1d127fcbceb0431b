// Thai stretch: the foot and calf airbags grip the lower legs, then the backrest reclines while
// the legrest drops (and extends, where it can), stretching the front of the hips and the
// spine between the held legs and the back. The stretch holds, everything returns, and only
// then do the airbags let go, so the legs are never pulled without being held.
#include <algorithm>
#include <chaird/plugin_sdk.hpp>
#include <cmath>
#include <string>
#include <vector>

namespace {

using namespace chaird::sdk;

// Slowest fill, move and vent: the sitter should feel a stretch coming, never a jolt.
constexpr std::int64_t kGripMs = 3000;
constexpr std::int64_t kMoveMs = 4000;
// Rest between stretches, and the shortest hold worth the name.
constexpr std::int64_t kRestMs = 2000;
constexpr std::int64_t kMinHoldMs = 2000;

bool grips_legs(const ActuatorInfo& a) {
  const auto dot = a.id.rfind('.');
  const std::string part = a.id.substr(dot + 1);
  return part == "foot" || part == "calf";
}

class ThaiStretch final : public Technique {
 public:
  TechniqueDescription describe() const override {
    TechniqueDescription d;
    d.name = "thai_stretch";
    d.version = "1.0.0";
    d.summary = "Airbags grip feet and calves; the backrest reclines as the legrest drops.";
    d.params = {
        ParamSpec::number("hold_s", "s", 2.0, 20.0, 8.0, "how long each stretch holds"),
        ParamSpec::boolean("extend", true, "also pull the legs by extending the legrest"),
    };
    d.actuators = {
        {"recline", true, "leans the back away from the held legs"},
        {"legrest.angle", true, "drops the legs"},
        {"airbag.*", true, "grip the feet and calves"},
        {"legrest.extension", false, "pulls the legs long"},
    };
    d.tempo = {1.0, 2.0, 1.5};  // stretches per minute
    d.zones = {"legs", "full_body"};
    return d;
  }

  StepOutput generate(const StepContext& ctx) const override {
    const ActuatorInfo& recline = ctx.require("recline");
    const ActuatorInfo& legrest = ctx.require("legrest.angle");
    const ActuatorInfo* extension = ctx.flag("extend") ? ctx.find("legrest.extension") : nullptr;
    std::vector<const ActuatorInfo*> grip;
    for (int i : ctx.zone.airbags) {
      if (grips_legs(ctx.at(i))) grip.push_back(&ctx.at(i));
    }
    if (grip.empty()) {
      throw PluginError("zone '" + ctx.zone.name +
                        "' has no foot or calf airbags to hold the legs during the stretch");
    }
    SetpointWriter out(ctx);
    if (ctx.flag("extend") && extension == nullptr) {
      out.note("this chair has no legrest.extension: the legs are stretched by the drop alone");
    }

    // Angles as shares of each motor's range, so another chair's geometry scales alike.
    const double i = ctx.intensity;
    const double recline_from = level(recline, 0.25);
    const double recline_to = level(recline, 0.25 + 0.15 + 0.25 * i);
    const double legrest_from = level(legrest, 0.55);
    const double legrest_to = level(legrest, 0.55 - 0.2 - 0.3 * i);
    const double pull = extension != nullptr ? level(*extension, 0.3 + 0.5 * i) : 0.0;

    // Start pose: slightly reclined, legs raised onto the legrest, legrest drawn in.
    out.reach(recline, 0, recline_from);
    out.reach(legrest, 0, legrest_from);
    if (extension != nullptr) out.reach(*extension, 0, extension->min);

    std::int64_t grip_ms = kGripMs;
    std::int64_t vent_ms = kGripMs;
    for (const ActuatorInfo* b : grip) {
      grip_ms = std::max(grip_ms, min_ramp_ms(*b, b->rest_value, level(*b, 0.3 + 0.4 * i)));
      vent_ms = std::max(vent_ms, min_ramp_ms(*b, level(*b, 0.3 + 0.4 * i), b->rest_value));
    }
    std::int64_t move_ms = std::max({kMoveMs, min_ramp_ms(recline, recline_from, recline_to),
                                     min_ramp_ms(legrest, legrest_from, legrest_to)});
    if (extension != nullptr) {
      move_ms = std::max(move_ms, min_ramp_ms(*extension, extension->min, pull));
    }
    const std::int64_t fixed = grip_ms + 2 * move_ms + vent_ms + kRestMs;

    const std::int64_t period = ctx.period_ms();
    if (period - fixed < kMinHoldMs) {
      throw PluginError(
          "this chair's motors need " + std::to_string((fixed + kMinHoldMs + 999) / 1000) +
          " s for one stretch; the tempo leaves " + std::to_string(period / 1000) + " s");
    }
    // A re-plan can begin with the legs still gripped: let go first, so that no bag stays firm
    // across the two plans for longer than the chair allows.
    const std::int64_t settled = out.settle(grip);
    // A short step gets one shorter stretch, if it leaves time to hold.
    const auto [cycles, cycle] = fit_cycles(settled, ctx.duration_ms, period, fixed + kMinHoldMs);
    if (cycles == 0) out.note("the step is too short for a stretch");
    const auto wanted_hold = static_cast<std::int64_t>(std::llround(1000.0 * ctx.number("hold_s")));
    for (std::int64_t k = 0; k < cycles; ++k) {
      const std::int64_t t0 = settled + k * cycle;
      const std::int64_t hold = std::min(wanted_hold, cycle - fixed);
      const std::int64_t gripped = t0 + grip_ms;
      const std::int64_t stretched = gripped + move_ms;
      const std::int64_t back = stretched + hold + move_ms;
      for (const ActuatorInfo* b : grip) out.ramp(*b, t0, level(*b, 0.3 + 0.4 * i), grip_ms);
      out.ramp(recline, gripped, recline_to, move_ms);
      out.ramp(legrest, gripped, legrest_to, move_ms);
      if (extension != nullptr) out.ramp(*extension, gripped, pull, move_ms);
      out.ramp(recline, stretched + hold, recline_from, move_ms);
      out.ramp(legrest, stretched + hold, legrest_from, move_ms);
      if (extension != nullptr) out.ramp(*extension, stretched + hold, extension->min, move_ms);
      // Let go only once the legs are back.
      for (const ActuatorInfo* b : grip) out.ramp(*b, back, b->rest_value, vent_ms);
    }
    return out.finish();
  }
};

}  // namespace

CHAIRD_TECHNIQUE_PLUGIN(ThaiStretch, "thai_stretch", "1.0.0")
