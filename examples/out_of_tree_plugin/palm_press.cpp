// Palm press: broad, slow presses with the rollers spread to their widest, like the heels of two
// palms leaning into the back. Each press sinks in slowly, rocks gently up and down the back
// while it holds, and eases off to light contact; then the palms walk on by about their own
// width, down the zone and back up. Optionally the zone's airbags brace the body from the sides
// while the palms press.
//
// An example of a technique built out of tree against an installed chaird plugin SDK; see
// README.md next to this file and docs/plugins.md for the walkthrough.
#include <algorithm>
#include <chaird/plugin_sdk.hpp>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace acme_chairs {
namespace {

using namespace chaird::sdk;

// Shares of one press cycle: walk to the placement at light contact, sink in, hold and rock,
// ease off.
constexpr double kWalkEnd = 0.20;
constexpr double kSinkEnd = 0.45;
constexpr double kHoldEnd = 0.80;
// One rocking sway (up, down, back to the middle) takes about this long: the slow sway of a
// leaning body, not a vibration.
constexpr std::int64_t kSwayMs = 1600;
// A step shorter than one cycle gets a single shortened press if at least this much is left.
constexpr std::int64_t kMinCycleMs = 3000;
// Depth between presses, and at the lowest intensity, as parts of the depth range.
constexpr double kLightContact = 0.05;
constexpr double kGentlestPress = 0.2;
// Bracing airbags, as parts of their range: a hug, never a squeeze.
constexpr double kBraceLow = 0.15;
constexpr double kBraceHigh = 0.40;
// Sized limits keep a little margin so that rounding to whole milliseconds never exceeds them.
constexpr double kSizing = 0.98;

std::string mm(double v) {
  return std::to_string(std::lround(v)) + " mm";
}

std::string seconds(std::int64_t ms) {
  return std::to_string(std::lround(static_cast<double>(ms) / 1000.0)) + " s";
}

class PalmPress final : public Technique {
 public:
  TechniqueDescription describe() const override {
    TechniqueDescription d;
    d.name = "palm_press";
    d.version = "1.0.0";
    d.summary = "Broad, slow palm presses with the widest rollers, rocking gently while they hold.";
    d.params = {
        ParamSpec::number("spacing", "mm", 40.0, 120.0, 70.0,
                          "distance between palm placements along the zone"),
        ParamSpec::number("rock", "mm", 0.0, 25.0, 10.0,
                          "how far the palms rock up and down while they hold; 0 holds still"),
        ParamSpec::integer("presses", "", 1, 3, 1, "presses at each placement before walking on"),
        ParamSpec::choice("travel", {"walk", "fixed"}, "walk",
                          "walk the zone down and back up, or press its middle only"),
        ParamSpec::boolean("brace", false,
                           "the zone's airbags hold the body from the sides during each press"),
    };
    d.actuators = {
        {"roller.position", true, "walks from placement to placement and rocks during the hold"},
        {"roller.depth", true, "the press"},
        {"roller.width", false, "spread to its widest, like two palms"},
        {"airbag.*", false, "brace the body from the sides while the palms press"},
    };
    d.tempo = {3.0, 15.0, 6.0};  // presses per minute
    d.zones = {"shoulders", "scapula",    "thoracic", "lumbar",    "sacrum",
               "glutes",    "upper_back", "back",     "full_back", "hips"};
    return d;
  }

  StepOutput generate(const StepContext& ctx) const override {
    if (!ctx.zone.on_track) {
      throw PluginError("palm_press needs a zone the rollers reach; '" + ctx.zone.name +
                        "' is not");
    }
    const ActuatorInfo& position = ctx.require("roller.position");
    const ActuatorInfo& depth = ctx.require("roller.depth");
    const ActuatorInfo* width = ctx.find("roller.width");
    std::vector<const ActuatorInfo*> bags;
    if (ctx.flag("brace")) {
      for (int i : ctx.zone.airbags) {
        if (const ActuatorInfo* bag = ctx.find(ctx.at(i).id)) bags.push_back(bag);
      }
    }
    SetpointWriter out(ctx);

    const std::int64_t period = ctx.period_ms();
    const bool walk = ctx.choice("travel") == "walk";

    // The placements depend on the tempo, never on the step's length, so that the start pose
    // stays the same when the host shortens the step by its travel to that pose.
    double spacing = ctx.number("spacing");
    const double reach =
        kSizing * max_travel(position, std::llround(kWalkEnd * static_cast<double>(period)));
    if (walk && spacing > reach) {
      out.note("at " + std::to_string(std::lround(ctx.tempo_cpm)) +
               " presses per minute the palms walk at most " + mm(reach) +
               " between presses; spacing " + mm(spacing) + " is reduced");
      spacing = reach;
    }
    const ZoneWalk p(ctx.zone, walk, spacing);  // the SDK spaces and orders the placements
    const std::int64_t first = p.nearest(ctx.entry_value(position));

    // Start pose: the nearest placement, light contact, rollers at their widest, bags vented.
    const double light = level(depth, kLightContact);
    out.reach(position, 0, p.at(first));
    out.reach(depth, 0, light);
    if (width != nullptr) {
      out.reach(*width, 0, level(*width, 1.0));
    } else {
      out.note("this chair cannot spread its rollers; the palms press at its fixed width");
    }
    for (const ActuatorInfo* bag : bags) out.reach(*bag, 0, bag->rest_value);
    if (ctx.flag("brace") && bags.empty()) {
      out.note("zone '" + ctx.zone.name + "' has no airbags on this chair; the presses are not " +
               "braced");
    }

    // Room at the end to lift the rollers off. Whole cycles only; a step shorter than one
    // cycle gets one shortened press if it can.
    const std::int64_t end_work = ctx.duration_ms - min_ramp_ms(depth, light, depth.min);
    std::int64_t cycles = end_work / period;
    std::int64_t cycle = period;
    if (cycles == 0 && end_work >= kMinCycleMs) {
      cycles = 1;
      cycle = end_work;
    }
    if (cycles == 0) {
      out.note("the step is too short to press; the palms only rest at the first placement");
    }

    // Each phase of a cycle is as long as its share; what the actuators can do in that time
    // bounds the press, the bracing and the rocking.
    const auto share = [&](double s) { return std::llround(s * static_cast<double>(cycle)); };
    const std::int64_t sink_ms = share(kSinkEnd) - share(kWalkEnd);
    const std::int64_t hold_ms = share(kHoldEnd) - share(kSinkEnd);
    const std::int64_t release_ms = cycle - share(kHoldEnd);
    const std::int64_t move_ms = std::min(sink_ms, release_ms);

    double press = level(depth, kGentlestPress + (1.0 - kGentlestPress) * ctx.intensity);
    const double deepest = light + kSizing * max_travel(depth, move_ms);
    if (cycles > 0 && press > deepest) {
      out.note("a press cycle of " + seconds(cycle) + " leaves time to press only " +
               mm(deepest - depth.min) + " deep");
      press = deepest;
    }
    std::vector<double> brace;
    for (const ActuatorInfo* bag : bags) {
      brace.push_back(std::min(level(*bag, kBraceLow + (kBraceHigh - kBraceLow) * ctx.intensity),
                               bag->rest_value + kSizing * max_travel(*bag, move_ms)));
    }

    // Rocking: whole sways of about kSwayMs in the hold, each as up, down through the middle,
    // and back: quarter, half and quarter of the sway, at one steady speed.
    const std::int64_t sways = std::max<std::int64_t>(1, hold_ms / kSwayMs);
    const std::int64_t quarter = hold_ms / (4 * sways);
    const double rock = std::min(ctx.number("rock"), 0.95 * max_travel(position, quarter));
    if (cycles > 0 && rock + 0.5 < ctx.number("rock")) {
      out.note("a press cycle of " + seconds(cycle) + " leaves time to rock only " + mm(rock) +
               " each way");
    }

    for (std::int64_t k = 0; k < cycles; ++k) {
      const std::int64_t t0 = k * cycle;
      const double at = p.at(first + k / ctx.integer("presses"));
      // Walk on at light contact (the first press starts at its placement).
      if (at != out.last(position)) out.ramp(position, t0, at, share(kWalkEnd));
      // Sink in slowly, the bags bracing alongside.
      out.ramp(depth, t0 + share(kWalkEnd), press, sink_ms);
      for (std::size_t b = 0; b < bags.size(); ++b) {
        out.ramp(*bags[b], t0 + share(kWalkEnd), brace[b], sink_ms);
      }
      // Hold and rock, never past the zone's ends.
      const double sway = std::min({rock, at - ctx.zone.from_mm, ctx.zone.to_mm - at});
      if (sway >= 0.5) {
        out.hold(position, t0 + share(kSinkEnd));
        for (std::int64_t s = 0; s < sways; ++s) {
          out.ramp(position, out.last_at(position), at + sway, quarter);
          out.ramp(position, out.last_at(position), at - sway, 2 * quarter);
          out.ramp(position, out.last_at(position), at, quarter);
        }
      }
      // Ease off to light contact by the end of the cycle.
      out.ramp(depth, t0 + share(kHoldEnd), light, release_ms);
      for (const ActuatorInfo* bag : bags) {
        out.ramp(*bag, t0 + share(kHoldEnd), bag->rest_value, release_ms);
      }
    }

    // Lift off after the last press; the rollers wait at their placement to the end.
    out.ramp(depth, std::max(out.last_at(depth), cycles * cycle), depth.min);
    return out.finish();
  }
};

}  // namespace
}  // namespace acme_chairs

CHAIRD_TECHNIQUE_PLUGIN(acme_chairs::PalmPress, "palm_press", "1.0.0")
