// Trigger point: one chosen spot is located with a small sweep at light contact, then pressed
// again and again: a slow ramped press, a long hold while the knot lets go, an equally slow
// release and a short rest. The first presses build up to full depth so the tissue can adapt.
// On a 2D chair the rollers press by closing their width onto the point.
#include <algorithm>
#include <chaird/plugin_sdk.hpp>
#include <cmath>
#include <string>

#include "press_axis.hpp"
#include "width_choice.hpp"

namespace {

using namespace chaird::sdk;

// The locating sweep: this far either side of the point, each leg at least this long.
constexpr double kSweepMm = 15.0;
constexpr std::int64_t kSweepLegMs = 1000;
// Rest at light contact between presses, and the shortest hold worth the name.
constexpr std::int64_t kRestMs = 1500;
constexpr std::int64_t kMinHoldMs = 3000;

class TriggerPoint final : public Technique {
 public:
  TechniqueDescription describe() const override {
    TechniqueDescription d;
    d.name = "trigger_point";
    d.version = "1.0.0";
    d.summary = "Locate a spot, then press slowly, hold long, release slowly; repeated.";
    d.params = {
        ParamSpec::number("position", "", 0.0, 1.0, 0.5,
                          "where the point lies along the zone: 0 its top, 1 its bottom"),
        ParamSpec::number("offset_mm", "mm", -150.0, 150.0, 0.0,
                          "fine adjustment down (+) or up (-) from that position"),
        ParamSpec::number("press_s", "s", 2.0, 10.0, 4.0, "time to press in, and to release"),
        ParamSpec::boolean("locate", true, "sweep lightly around the point before the first press"),
        ParamSpec::boolean("build_up", true, "the first presses go less deep, full by the third"),
        ParamSpec::choice("width", {"narrow", "medium", "wide"}, "narrow",
                          "narrow closes the rollers onto the point (on the spine when the point "
                          "is on it); medium or wide press the muscles either side of the spine"),
    };
    d.actuators = {
        {"roller.position", true, "finds and stays on the point"},
        {"roller.depth", false, "the press"},
        {"roller.width", false,
         "narrows the rollers onto the point; on a chair without roller.depth, the press"},
    };
    d.tempo = {1.0, 6.0, 3.0};  // presses per minute
    return d;
  }

  StepOutput generate(const StepContext& ctx) const override {
    if (!ctx.zone.on_track) {
      throw PluginError("trigger_point needs a zone the rollers reach; '" + ctx.zone.name +
                        "' is not");
    }
    const ActuatorInfo& position = ctx.require("roller.position");
    const chaird::shipped::PressAxis axis = chaird::shipped::press_axis(ctx, "trigger_point");
    const ActuatorInfo& presser = *axis.actuator;
    const ActuatorInfo* width = axis.by_width ? nullptr : ctx.find("roller.width");
    SetpointWriter out(ctx);

    const double from = ctx.zone.from_mm;
    const double to = ctx.zone.to_mm;
    const double point =
        std::clamp(from + ctx.number("position") * (to - from) + ctx.number("offset_mm"), from, to);
    const double light = axis.light;
    const double press = axis.press;

    // Start pose: on the point, light contact, the rollers at the width asked for.
    out.reach(position, 0, point);
    out.reach(presser, 0, light);
    const std::string& w = ctx.choice("width");
    if (axis.by_width) {
      out.note(
          "this chair has no roller.depth: trigger_point presses by closing the rollers' "
          "width onto the point");
    } else if (width != nullptr) {
      out.reach(*width, 0, chaird::shipped::width_for(*width, w));
    } else if (w == "narrow") {
      out.note("this chair cannot narrow the rollers; the press is as wide as they are");
    }

    const std::int64_t period = ctx.period_ms();
    const std::int64_t end_work = ctx.duration_ms - min_ramp_ms(presser, light, axis.lifted);
    const std::int64_t min_press = min_ramp_ms(presser, light, press);
    const auto wanted = static_cast<std::int64_t>(std::llround(1000.0 * ctx.number("press_s")));

    std::int64_t t = 0;
    if (ctx.flag("locate") && end_work >= 4 * kSweepLegMs + 2 * min_press + kMinHoldMs + kRestMs) {
      // Small enough to stay on the same knot; the sweep never leaves the zone.
      const double up = std::max(from, point - kSweepMm);
      const double down = std::min(to, point + kSweepMm);
      out.ramp(position, 0, up, kSweepLegMs);
      out.ramp(position, 0, down, 2 * kSweepLegMs);
      t = out.ramp(position, 0, point, kSweepLegMs);
    }

    std::int64_t presses = 0;
    for (std::int64_t k = 0;; ++k) {
      // On the tempo's grid, unless the locating sweep pushed the first press past it.
      const std::int64_t start = std::max(k * period, t);
      std::int64_t cycle_end =
          std::max((k + 1) * period, start + kRestMs + 2 * min_press + kMinHoldMs);
      // What the last press does not have time for comes off its hold (a shorter last press),
      // rather than leaving the rollers resting on the spot until the step ends.
      cycle_end = std::min(cycle_end, end_work);
      // A brisk tempo shortens the ramps before the hold, never below the motor's limit.
      const std::int64_t ramp =
          std::max(min_press, std::min(wanted, (cycle_end - start - kRestMs - kMinHoldMs) / 2));
      const std::int64_t hold = cycle_end - start - kRestMs - 2 * ramp;
      if (hold < kMinHoldMs) break;
      const double build = ctx.flag("build_up") ? std::min(1.0, (k + 1) / 3.0) : 1.0;
      const std::int64_t in = out.ramp(presser, start, light + build * (press - light), ramp);
      out.hold(presser, in + hold);
      t = out.ramp(presser, in + hold, light, ramp) + kRestMs;
      ++presses;
    }
    if (presses == 0) out.note("the step is too short for a sustained press");
    out.ramp(presser, std::max(out.last_at(presser), end_work), axis.lifted);
    return out.finish();
  }
};

}  // namespace

CHAIRD_TECHNIQUE_PLUGIN(TriggerPoint, "trigger_point", "1.0.0")
