// Shiatsu: the rollers press at points along the zone, one after another. Each press sinks in,
// holds, and releases before the rollers move on at light contact. On a 2D chair the rollers
// press by closing their width, and hold longer.
#include <algorithm>
#include <chaird/plugin_sdk.hpp>
#include <cmath>

#include "press_axis.hpp"
#include "width_choice.hpp"

namespace {

using namespace chaird::sdk;

class Shiatsu final : public Technique {
 public:
  TechniqueDescription describe() const override {
    TechniqueDescription d;
    d.name = "shiatsu";
    d.version = "1.0.0";
    d.summary = "Roller presses at points along the zone: sink in, hold, release, move on.";
    d.params = {
        ParamSpec::integer("points", "", 2, 12, 5, "pressure points spread along the zone"),
        ParamSpec::number("hold_fraction", "", 0.2, 0.6, 0.4,
                          "part of each cycle spent holding the press"),
        ParamSpec::choice("width", {"narrow", "medium", "wide"}, "narrow",
                          "distance between the rollers"),
        ParamSpec::choice("direction", {"down", "up", "alternate"}, "down", "order of the points"),
    };
    d.actuators = {
        {"roller.position", true, "moves from point to point"},
        {"roller.depth", false, "the press"},
        {"roller.width", false,
         "narrow thumbs or wide palms; on a chair without roller.depth, the press"},
    };
    d.tempo = {4.0, 30.0, 12.0};  // presses per minute
    return d;
  }

  StepOutput generate(const StepContext& ctx) const override {
    const ActuatorInfo& position = ctx.require("roller.position");
    const chaird::shipped::PressAxis axis = chaird::shipped::press_axis(ctx, "shiatsu");
    const ActuatorInfo& presser = *axis.actuator;
    const ActuatorInfo* width = axis.by_width ? nullptr : ctx.find("roller.width");
    SetpointWriter out(ctx);

    const double light = axis.light;
    const double press = axis.press;
    const auto points = static_cast<int>(ctx.integer("points"));
    const double margin = 0.1 * (ctx.zone.to_mm - ctx.zone.from_mm);
    const double top = ctx.zone.from_mm + margin;
    const double bottom = ctx.zone.to_mm - margin;
    auto point = [&](int k) {
      int i = k % points;
      const std::string& dir = ctx.choice("direction");
      if (dir == "up") i = points - 1 - i;
      if (dir == "alternate" && (k / points) % 2 == 1) i = points - 1 - i;
      return top + (bottom - top) * i / (points - 1);
    };

    // Start pose: first point, light contact, chosen width.
    out.reach(position, 0, point(0));
    out.reach(presser, 0, light);
    if (axis.by_width) {
      out.note(
          "this chair has no roller.depth: shiatsu presses by closing the rollers' width "
          "and holds each press half as long again; width is ignored");
    } else if (width != nullptr) {
      const std::string& w = ctx.choice("width");
      out.reach(*width, 0, chaird::shipped::width_for(*width, w));
    } else if (ctx.choice("width") != "narrow") {
      out.note("this chair cannot change the roller width; width is ignored");
    }
    // A pinch is shallower than a press into the back: it makes up for it in time.
    const double hold_fraction = axis.by_width ? std::min(0.8, 1.5 * ctx.number("hold_fraction"))
                                               : ctx.number("hold_fraction");

    const std::int64_t period = ctx.period_ms();
    const std::int64_t sink = min_ramp_ms(presser, light, press);
    // Room at the end to lift the rollers off before the step is over.
    const std::int64_t end_work = ctx.duration_ms - min_ramp_ms(presser, light, axis.lifted);
    std::int64_t t_next = 0;
    for (std::int64_t k = 0;; ++k) {
      // On the tempo's grid, unless a long move (back to the first point) delayed this press.
      const std::int64_t t0 = std::max(k * period, t_next);
      const std::int64_t move =
          k > 0 ? min_ramp_ms(position, point(static_cast<int>(k - 1)), point(static_cast<int>(k)))
                : 0;
      // Such a move stretches its cycle rather than leaving no time to press.
      const std::int64_t t_end =
          std::min(std::max(t0 + period, t0 + move + 2 * sink + period / 4), end_work);
      if (t0 + move + 2 * sink >= t_end) break;  // a step too short for another press
      // Move to the point at light contact (the first cycle starts there).
      std::int64_t t = t0;
      if (k > 0) t = out.ramp(position, t0, point(static_cast<int>(k)));
      // Sink in, hold, release within what is left of the cycle.
      const std::int64_t left = t_end - t;
      const std::int64_t press_ms = std::max(sink, left / 5);
      const std::int64_t hold_ms = std::min(
          static_cast<std::int64_t>(std::llround(period * hold_fraction)), left - 2 * press_ms);
      if (hold_ms <= 0) break;  // a step too short for another press
      t = out.ramp(presser, t, press, press_ms);
      out.hold(presser, t + hold_ms);
      out.ramp(presser, t + hold_ms, light, press_ms);
      t_next = t_end;
    }
    out.ramp(presser, std::max(out.last_at(presser), end_work), axis.lifted);
    return out.finish();
  }
};

}  // namespace

CHAIRD_TECHNIQUE_PLUGIN(Shiatsu, "shiatsu", "1.0.0")
