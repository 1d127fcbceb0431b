// Heat: the zone's heaters warm the pad, hold it warm, and switch off by the end of the step.
// Surfaces should feel warm, not hot: the target runs from 36 °C at the lowest intensity to
// 42 °C at the highest, and never above the chair's own limit (the host already narrows the
// heaters' range to it). An optional preheat starts a little warmer so the pad, which warms
// over a minute or more, is comfortable sooner. Heat keeps no rhythm: its tempo is fixed.
#include <algorithm>
#include <chaird/plugin_sdk.hpp>
#include <cmath>
#include <string>

namespace {

using namespace chaird::sdk;

constexpr double kWarmestC = 42.0;
constexpr double kGentlestC = 36.0;
// How much warmer the preheat runs than the target.
constexpr double kPreheatBoostC = 3.0;

class Heat final : public Technique {
 public:
  TechniqueDescription describe() const override {
    TechniqueDescription d;
    d.name = "heat";
    d.version = "1.0.0";
    d.summary = "Warms the zone (36 to 42 °C by intensity), holds, and switches off by the end.";
    d.params = {
        ParamSpec::boolean("preheat", true, "start a little warmer so the pad warms sooner"),
        ParamSpec::number("preheat_s", "s", 0.0, 180.0, 90.0, "how long the preheat lasts"),
        ParamSpec::number("off_before_end_s", "s", 0.0, 600.0, 0.0,
                          "switch off this long before the step ends, at most half the step"),
    };
    d.actuators = {{"heat.*", true, "the zone's heaters"}};
    d.tempo = {0.0, 0.0, 0.0};  // no rhythm: warmth is steady
    return d;
  }

  StepOutput generate(const StepContext& ctx) const override {
    if (ctx.zone.heaters.empty()) {
      throw PluginError("heat needs heaters; zone '" + ctx.zone.name + "' has none");
    }
    SetpointWriter out(ctx);
    // Off early if asked, but the heaters run for at least half the step.
    const std::int64_t off_at = std::max(
        ctx.duration_ms / 2, ctx.duration_ms - static_cast<std::int64_t>(std::llround(
                                                   1000.0 * ctx.number("off_before_end_s"))));
    const std::int64_t preheat_until =
        ctx.flag("preheat")
            ? std::min(off_at,
                       static_cast<std::int64_t>(std::llround(1000.0 * ctx.number("preheat_s"))))
            : 0;
    bool limited = false;
    for (int i : ctx.zone.heaters) {
      const ActuatorInfo& heater = ctx.at(i);
      const double warmest = std::min(kWarmestC, heater.max);
      const double gentlest = std::min(kGentlestC, warmest);
      limited = limited || heater.max < kWarmestC;
      const double target = gentlest + (warmest - gentlest) * std::clamp(ctx.intensity, 0.0, 1.0);
      // Heaters have no rate limit (max_rate 0): the pad's own inertia smooths the steps.
      out.reach(heater, 0,
                preheat_until > 0 ? std::min(heater.max, target + kPreheatBoostC) : target);
      if (preheat_until > 0 && preheat_until < off_at) {
        out.hold(heater, preheat_until);
        out.reach(heater, preheat_until, target);
      }
      out.hold(heater, off_at);
      out.reach(heater, off_at, heater.rest_value);
    }
    if (limited) out.note("this chair's heat limit keeps the zone cooler than 42 °C");
    return out.finish();
  }
};

}  // namespace

CHAIRD_TECHNIQUE_PLUGIN(Heat, "heat", "1.0.0")
