// Acupressure: long, sustained presses at named points placed from the sitter's body scan, not
// at fixed track positions. The rollers run either side of the spine, so the points are those
// of the inner bladder line and a few neighbours the rollers reach. Each press sinks in slowly,
// holds for several seconds and lets go just as slowly. On a 2D chair the rollers press by
// closing their width onto each point.
#include <algorithm>
#include <chaird/plugin_sdk.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "press_axis.hpp"
#include "width_choice.hpp"

namespace {

using namespace chaird::sdk;

struct Point {
  const char* name;
  const char* set;
  double (*at)(const BodyLandmarks&);
};

// Vertebral levels interpolated between landmarks: T1 at the shoulder line, T7 at the lower
// tips of the shoulder blades, L3 at the waist, L5/S1 at the top of the sacrum.
double thoracic(const BodyLandmarks& b, double t) {
  if (t <= 7.0) return b.shoulder_mm + (b.scapula_low_mm - b.shoulder_mm) * (t - 1.0) / 6.0;
  return b.scapula_low_mm + (b.waist_mm - b.scapula_low_mm) * (t - 7.0) / 8.0;
}
double lumbar(const BodyLandmarks& b, double l) {
  if (l <= 3.0) return thoracic(b, 12.0 + l);
  return b.waist_mm + (b.sacrum_top_mm - b.waist_mm) * (l - 3.0) / 2.5;
}

// Top to bottom. The knee crease (BL40) lies beyond the end of an L-track, so it is not here.
const Point kPoints[] = {
    // GB20: in the hollows just below the base of the skull.
    {"gb20", "neck_shoulder",
     [](const BodyLandmarks& b) { return b.neck_top_mm + 0.1 * (b.shoulder_mm - b.neck_top_mm); }},
    // GB21: the shoulder well, on the shoulder line.
    {"gb21", "neck_shoulder", [](const BodyLandmarks& b) { return b.shoulder_mm; }},
    {"bl13", "upper_back", [](const BodyLandmarks& b) { return thoracic(b, 3.0); }},
    {"bl15", "upper_back", [](const BodyLandmarks& b) { return thoracic(b, 5.0); }},
    {"bl17", "upper_back", [](const BodyLandmarks& b) { return thoracic(b, 7.0); }},
    {"bl18", "lower_back", [](const BodyLandmarks& b) { return thoracic(b, 9.0); }},
    {"bl20", "lower_back", [](const BodyLandmarks& b) { return thoracic(b, 11.0); }},
    // BL23: level with the second lumbar vertebra, the "kidney" point.
    {"bl23", "lower_back", [](const BodyLandmarks& b) { return lumbar(b, 2.0); }},
    {"bl25", "lower_back", [](const BodyLandmarks& b) { return lumbar(b, 4.0); }},
    // BL32: the second sacral foramen, halfway down the sacrum.
    {"bl32", "hip_leg",
     [](const BodyLandmarks& b) { return b.sacrum_top_mm + 0.5 * (b.seat_mm - b.sacrum_top_mm); }},
    // BL36: the middle of the gluteal fold, where the thigh begins under the seat.
    {"bl36", "hip_leg",
     [](const BodyLandmarks& b) { return b.seat_mm + 0.4 * (b.thigh_mid_mm - b.seat_mm); }},
    // BL37: the middle of the back of the thigh.
    {"bl37", "hip_leg", [](const BodyLandmarks& b) { return b.thigh_mid_mm; }},
};

// Shortest hold that still counts as sustained pressure.
constexpr std::int64_t kMinHoldMs = 2000;

class Acupressure final : public Technique {
 public:
  TechniqueDescription describe() const override {
    TechniqueDescription d;
    d.name = "acupressure";
    d.version = "1.0.0";
    d.summary = "Slow, sustained presses at named points placed from the body scan.";
    d.params = {
        ParamSpec::choice("points", {"all", "neck_shoulder", "upper_back", "lower_back", "hip_leg"},
                          "all", "which points to press; only those within the zone are used"),
        ParamSpec::number("sink_s", "s", 1.0, 6.0, 3.0, "time to sink in, and again to let go"),
        ParamSpec::choice("width", {"narrow", "medium", "wide"}, "narrow",
                          "distance between the rollers; narrow presses like thumbs"),
    };
    d.actuators = {
        {"roller.position", true, "moves from point to point"},
        {"roller.depth", false, "the sustained press"},
        {"roller.width", false,
         "thumb-like narrow contact; on a chair without roller.depth, the press"},
    };
    d.tempo = {2.0, 8.0, 4.0};  // points pressed per minute
    return d;
  }

  StepOutput generate(const StepContext& ctx) const override {
    if (!ctx.zone.on_track) {
      throw PluginError("acupressure needs a zone the rollers reach; '" + ctx.zone.name +
                        "' is not");
    }
    const ActuatorInfo& position = ctx.require("roller.position");
    const chaird::shipped::PressAxis axis = chaird::shipped::press_axis(ctx, "acupressure");
    const ActuatorInfo& presser = *axis.actuator;
    const ActuatorInfo* width = axis.by_width ? nullptr : ctx.find("roller.width");
    SetpointWriter out(ctx);

    const std::string& set = ctx.choice("points");
    std::vector<double> points;
    for (const Point& p : kPoints) {
      const double at = p.at(ctx.body);
      if ((set == "all" || set == p.set) && at >= ctx.zone.from_mm && at <= ctx.zone.to_mm) {
        points.push_back(at);
      }
    }
    if (points.empty()) {
      throw PluginError("no acupressure point of set '" + set + "' lies within zone '" +
                        ctx.zone.name + "' for this sitter");
    }
    std::sort(points.begin(), points.end());
    // Start at the point nearest the rollers (a re-plan carries on from there), then go back
    // and forth along the points, so the rollers never jump from one end to the other.
    std::int64_t first = 0;
    const double entry = ctx.entry_value(position);
    for (std::size_t i = 1; i < points.size(); ++i) {
      if (std::abs(points[i] - entry) < std::abs(points[static_cast<std::size_t>(first)] - entry)) {
        first = static_cast<std::int64_t>(i);
      }
    }
    auto point = [&](std::int64_t k) {
      const auto n = static_cast<std::int64_t>(points.size());
      if (n == 1) return points[0];
      const std::int64_t r = (first + k) % (2 * (n - 1));
      return points[static_cast<std::size_t>(r < n ? r : 2 * (n - 1) - r)];
    };

    const double light = axis.light;
    const double press = axis.press;
    out.reach(position, 0, point(0));
    out.reach(presser, 0, light);
    if (axis.by_width) {
      out.note(
          "this chair has no roller.depth: acupressure presses each point by closing the "
          "rollers' width; width is ignored");
    } else if (width != nullptr) {
      const std::string& w = ctx.choice("width");
      out.reach(*width, 0, chaird::shipped::width_for(*width, w));
    } else {
      out.note("this chair cannot change the roller width; width is ignored");
    }

    const std::int64_t period = ctx.period_ms();
    const std::int64_t end_work = ctx.duration_ms - min_ramp_ms(presser, light, axis.lifted);
    const std::int64_t min_sink = min_ramp_ms(presser, light, press);
    const auto wanted_sink = static_cast<std::int64_t>(std::llround(1000.0 * ctx.number("sink_s")));
    std::int64_t t_next = 0;
    std::int64_t pressed = 0;
    for (std::int64_t k = 0;; ++k) {
      // Cycles start on the tempo's grid unless a long move pushed the previous one past it.
      const std::int64_t t0 = std::max(k * period, t_next);
      const std::int64_t moved = k == 0 ? t0 : t0 + min_ramp_ms(position, point(k - 1), point(k));
      // A long move between distant points stretches its cycle rather than cutting the hold.
      std::int64_t cycle_end = std::max(t0 + period, moved + 2 * min_sink + kMinHoldMs);
      // What the last press does not have time for comes off its hold (a shorter last press),
      // rather than leaving the rollers resting on the spot until the step ends.
      cycle_end = std::min(cycle_end, end_work);
      // The sink gives way to the hold when the tempo is brisk, never below the motor's limit.
      const std::int64_t sink =
          std::max(min_sink, std::min(wanted_sink, (cycle_end - moved - kMinHoldMs) / 2));
      const std::int64_t hold = cycle_end - moved - 2 * sink;
      if (hold < kMinHoldMs) break;
      out.ramp(position, t0, point(k));
      const std::int64_t in = out.ramp(presser, moved, press, sink);
      out.hold(presser, in + hold);
      t_next = out.ramp(presser, in + hold, light, sink);
      ++pressed;
    }
    if (pressed == 0) out.note("the step is too short for a sustained press");
    out.ramp(presser, std::max(out.last_at(presser), end_work), axis.lifted);
    return out.finish();
  }
};

}  // namespace

CHAIRD_TECHNIQUE_PLUGIN(Acupressure, "acupressure", "1.0.0")
