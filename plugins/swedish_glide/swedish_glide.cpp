// Swedish glide (effleurage): long, light, even strokes that run one way, up the body towards
// the heart, the rollers spread wide like two palms. At the top of the stroke they lift off and
// travel back down clear of the body, so that every stroke the sitter feels runs the same way,
// as a therapist's hands do; near the top the stroke can fan out over the shoulders. Unlike
// rolling, which works both ways in contact, the glide only ever strokes upward.
#include <algorithm>
#include <chaird/plugin_sdk.hpp>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

namespace {

using namespace chaird::sdk;

// Share of each cycle the stroke in contact takes; the rest lifts, returns and sets down.
constexpr double kGlideShare = 0.6;
// Share of the stroke, at its top, over which the rollers fan out.
constexpr double kFanShare = 0.3;

class SwedishGlide final : public Technique {
 public:
  TechniqueDescription describe() const override {
    TechniqueDescription d;
    d.name = "swedish_glide";
    d.version = "1.0.0";
    d.summary = "Long, light strokes up the body towards the heart, lifting off to return.";
    d.params = {
        ParamSpec::number("coverage", "", 0.5, 1.0, 1.0, "part of the zone each stroke covers"),
        ParamSpec::boolean("fan", true,
                           "spread the rollers wider over the top of the stroke, like palms "
                           "fanning out over the shoulders"),
    };
    d.actuators = {
        {"roller.position", true, "the strokes along the zone"},
        {"roller.depth", false, "light contact up, lifted clear on the way back"},
        {"roller.width", false, "palm-wide contact, fanning out at the top"},
    };
    d.tempo = {1.0, 6.0, 3.0};  // strokes per minute
    return d;
  }

  StepOutput generate(const StepContext& ctx) const override {
    if (!ctx.zone.on_track) {
      throw PluginError("swedish_glide needs a zone the rollers reach; '" + ctx.zone.name +
                        "' is not");
    }
    const ActuatorInfo& position = ctx.require("roller.position");
    const ActuatorInfo* depth = ctx.find("roller.depth");
    const ActuatorInfo* width = ctx.find("roller.width");
    SetpointWriter out(ctx);

    // Light only: effleurage spreads and soothes.
    const double contact = depth != nullptr ? level(*depth, 0.1 + 0.3 * ctx.intensity) : 0.0;
    const double clear = depth != nullptr ? depth->min : 0.0;
    const double palms = width != nullptr ? level(*width, 0.75) : 0.0;
    const double fanned = width != nullptr ? level(*width, 1.0) : 0.0;
    const bool fan = width != nullptr && ctx.flag("fan");
    const std::int64_t set_ms = depth != nullptr ? min_ramp_ms(*depth, clear, contact) : 0;
    const std::int64_t lift_ms = depth != nullptr ? min_ramp_ms(*depth, contact, clear) : 0;

    // Whole strokes at the tempo, then, in what is left, one shorter stroke at the same pace: no
    // stroke is dropped and the rollers never wait at the bottom for the step to end. A step
    // shorter than one stroke gets one shorter stroke.
    const std::int64_t period = ctx.period_ms();
    const std::int64_t min_cycle = set_ms + lift_ms + 2000;
    const std::int64_t whole = ctx.duration_ms / period;
    const std::int64_t rest = ctx.duration_ms - whole * period;

    // Up the track is towards the heart: the stroke runs from the bottom of the zone (to_mm) up.
    // A fast tempo on a long zone gets a shorter stroke rather than a faster motor, short enough
    // to glide up in its time and come back down in what is left of the cycle.
    const double wanted = ctx.number("coverage") * (ctx.zone.to_mm - ctx.zone.from_mm);
    const auto glide_of = [](std::int64_t cycle) {
      return static_cast<std::int64_t>(kGlideShare * static_cast<double>(cycle));
    };
    const auto longest = [&](std::int64_t cycle) {
      const std::int64_t glide = glide_of(cycle);
      const std::int64_t back = cycle - glide - set_ms - lift_ms;
      return std::max(0.0, 0.98 * max_travel(position, std::min(glide, back)));
    };
    // The stroke, and so the start pose, is the tempo's, whatever the step's length: a re-plan
    // or a short step starts where the full step would.
    const std::int64_t full_cycle = period;
    const double stroke = std::min(wanted, longest(full_cycle));
    if (stroke < wanted - 1.0) {
      out.note("at " + std::to_string(std::llround(ctx.tempo_cpm)) +
               " strokes a minute the glide covers " + std::to_string(std::llround(stroke)) +
               " mm of the zone's " + std::to_string(std::llround(wanted)) + " mm");
    }
    const double centre = 0.5 * (ctx.zone.from_mm + ctx.zone.to_mm);
    const double bottom = centre + 0.5 * stroke;
    const double pace = stroke / static_cast<double>(std::max<std::int64_t>(1, glide_of(period)));

    out.reach(position, 0, bottom);
    if (depth != nullptr) {
      out.reach(*depth, 0, clear);
    } else {
      out.note("this chair has no roller.depth: the glide returns in contact, lightly");
    }
    if (width != nullptr) {
      out.reach(*width, 0, palms);
    } else {
      out.note("this chair cannot change the roller width; the palms are as wide as the rollers");
    }
    std::vector<std::pair<std::int64_t, std::int64_t>> cycles;  // start, length
    for (std::int64_t k = 0; k < whole; ++k) cycles.emplace_back(k * period, period);
    if (rest >= min_cycle) cycles.emplace_back(whole * period, rest);
    if (cycles.empty()) out.note("the step is too short for a stroke");
    for (const auto& [t0, length] : cycles) {
      const std::int64_t glide = glide_of(length);
      const double reach =
          length == full_cycle
              ? stroke
              : std::min({stroke, pace * static_cast<double>(glide), longest(length)});
      const double top = bottom - reach;
      std::int64_t t = t0;
      if (depth != nullptr) t = out.ramp(*depth, t, contact, set_ms);
      const std::int64_t at_top = out.ramp(position, t, top, glide);
      if (fan) {
        const auto fan_ms = static_cast<std::int64_t>(kFanShare * static_cast<double>(glide));
        out.ramp(*width, at_top - fan_ms, fanned, fan_ms);
      }
      t = at_top;
      if (depth != nullptr) t = out.ramp(*depth, t, clear, lift_ms);
      const std::int64_t down = out.ramp(position, t, bottom);
      if (fan) out.ramp(*width, t, palms, down - t);
    }
    return out.finish();
  }
};

}  // namespace

CHAIRD_TECHNIQUE_PLUGIN(SwedishGlide, "swedish_glide", "1.0.0")
