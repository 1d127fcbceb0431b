// Foot reflexology: the foot airbags press the soles onto the foot rollers while the rollers
// turn, then let go and the rollers ease off. Each cycle of the tempo is one press; with
// direction "alternate" the rollers reverse every press so both ways along the sole are worked.
#include <algorithm>
#include <chaird/plugin_sdk.hpp>
#include <cmath>
#include <string>
#include <vector>

namespace {

using namespace chaird::sdk;

// Shares of one cycle: squeeze and spin up, hold, vent and ease off.
constexpr double kSqueezeEnd = 0.3;
constexpr double kReleaseStart = 0.65;
constexpr double kReleaseEnd = 0.95;
// The fastest tempo's cycle: shorter ones cannot fill and vent the bags.
constexpr std::int64_t kMinCycleMs = 10000;
// A roller found turning the wrong way at a re-plan stops and rests this long before it turns
// back: longer than chairs ask (the reference chair's motor_reverse_rest_ms is 250 ms).
constexpr std::int64_t kReverseRestMs = 500;

class FootReflexology final : public Technique {
 public:
  TechniqueDescription describe() const override {
    TechniqueDescription d;
    d.name = "foot_reflexology";
    d.version = "1.0.0";
    d.summary = "Foot rollers work the soles while the foot airbags press them on, in cycles.";
    d.params = {
        ParamSpec::choice("direction", {"forward", "backward", "alternate"}, "alternate",
                          "way the rollers turn; alternate reverses every press"),
        ParamSpec::number("speed", "", 0.3, 1.0, 0.7, "roller speed, part of the motor's top"),
    };
    d.actuators = {
        {"foot_roller.*", true, "the rollers under the soles (rpm, positive turns forward)"},
        {"airbag.*", false, "press the feet onto the rollers"},
    };
    d.tempo = {2.0, 6.0, 4.0};  // presses per minute
    d.zones = {"feet"};
    return d;
  }

  StepOutput generate(const StepContext& ctx) const override {
    if (ctx.zone.foot_rollers.empty()) {
      throw PluginError("foot_reflexology needs foot rollers; zone '" + ctx.zone.name +
                        "' has none");
    }
    SetpointWriter out(ctx);
    std::string direction = ctx.choice("direction");
    std::vector<const ActuatorInfo*> rollers;
    for (int i : ctx.zone.foot_rollers) {
      rollers.push_back(&ctx.at(i));
      if (ctx.at(i).min >= 0.0 && direction != "forward") {
        out.note("this chair's foot rollers turn one way only; direction is ignored");
        direction = "forward";
      }
    }
    std::vector<const ActuatorInfo*> bags;
    for (int i : ctx.zone.airbags) bags.push_back(&ctx.at(i));

    // The airbags carry the intensity; without them the roller speed does.
    double speed = ctx.number("speed");
    const double squeeze = 0.15 + 0.55 * ctx.intensity;
    if (bags.empty()) {
      speed *= 0.5 + 0.5 * ctx.intensity;
      out.note("this zone has no airbags: the feet rest on the rollers, intensity sets the speed");
    }
    const bool alternate = direction == "alternate";
    auto turning = [&](const ActuatorInfo& r, bool backward) {
      return backward ? -speed * std::max(0.0, -r.min) : speed * std::max(0.0, r.max);
    };

    // A re-plan can begin with the feet still pressed: let go first, so that no bag stays firm
    // across the two plans for longer than the chair allows.
    const std::int64_t settled = out.settle(bags);
    // Room at the end to stop the rollers, which may still turn from before a re-plan.
    std::int64_t stop = 0;
    for (const ActuatorInfo* r : rollers) {
      out.reach(*r, 0, out.last(*r));
      const double fastest =
          std::max({turning(*r, false), -turning(*r, true), std::abs(out.last(*r))});
      stop = std::max(stop, min_ramp_ms(*r, fastest, r->rest_value));
    }
    const std::int64_t end_work = ctx.duration_ms - stop;
    // A re-plan may find the rollers turning: alternating goes on in their direction; a fixed
    // direction that is now the other one stops them and rests before they turn back.
    int entry_turning = 0;
    for (const ActuatorInfo* r : rollers) {
      if (out.last(*r) > 0.0) entry_turning = 1;
      if (out.last(*r) < 0.0) entry_turning = -1;
    }
    const bool first_backward = alternate ? entry_turning < 0 : direction == "backward";
    std::int64_t begin = settled;
    if (entry_turning != 0 && (entry_turning < 0) != first_backward) {
      for (const ActuatorInfo* r : rollers)
        begin = std::max(begin, out.ramp(*r, 0, r->rest_value) + kReverseRestMs);
    } else if (entry_turning == 0) {
      // At rest, but perhaps only just, after turning the other way.
      begin = std::max(begin, kReverseRestMs);
    }
    const std::int64_t period = ctx.period_ms();
    const auto [cycles, cycle] = fit_cycles(begin, end_work, period, kMinCycleMs);
    if (cycles == 0) out.note("the step is too short for a reflexology press");
    for (std::int64_t k = 0; k < cycles; ++k) {
      const std::int64_t t0 = begin + k * cycle;
      // A copy: clang before 16 cannot capture a structured binding.
      auto at = [&, cycle_ms = cycle](double share) {
        return t0 + static_cast<std::int64_t>(share * static_cast<double>(cycle_ms));
      };
      const bool backward = alternate ? (k % 2 == 1) != first_backward : first_backward;
      for (const ActuatorInfo* b : bags) {
        out.ramp(*b, t0, level(*b, squeeze), at(kSqueezeEnd) - t0);
        out.ramp(*b, at(kReleaseStart), b->rest_value, at(kReleaseEnd) - at(kReleaseStart));
      }
      for (const ActuatorInfo* r : rollers) {
        const double run = turning(*r, backward);
        // Between presses a one-way roller keeps turning slowly; alternating stops to reverse.
        const double idle = alternate ? r->rest_value : 0.3 * run;
        out.ramp(*r, t0, run, at(kSqueezeEnd / 2) - t0);
        out.ramp(*r, at(kReleaseStart), idle, at(kReleaseEnd) - at(kReleaseStart));
      }
    }
    return out.finish();
  }
};

}  // namespace

CHAIRD_TECHNIQUE_PLUGIN(FootReflexology, "foot_reflexology", "1.0.0")
