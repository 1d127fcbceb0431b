// Vibration: the zone's vibration motors (seat, glutes, hips) in a pattern. Each cycle of the
// tempo is one beat: a burst and a pause (pulse) or a swell and a fade (wave); steady runs at
// one level and has no beat. Intensity sets the level, never below a fifth of the range.
#include <algorithm>
#include <chaird/plugin_sdk.hpp>
#include <cmath>
#include <string>

namespace {

using namespace chaird::sdk;

// The fastest tempo's cycle: a shorter one cannot hold the motors' level changes.
constexpr std::int64_t kMinCycleMs = 1500;

class Vibration final : public Technique {
 public:
  TechniqueDescription describe() const override {
    TechniqueDescription d;
    d.name = "vibration";
    d.version = "1.0.0";
    d.summary = "Seat vibration in a pattern: steady, pulsing bursts, or a swelling wave.";
    d.params = {
        ParamSpec::choice("pattern", {"steady", "pulse", "wave"}, "wave",
                          "steady (ignores the tempo), bursts with pauses, or swell and fade"),
    };
    d.actuators = {{"vibration.*", true, "the zone's vibration motors"}};
    d.tempo = {6.0, 40.0, 20.0};  // beats per minute
    return d;
  }

  StepOutput generate(const StepContext& ctx) const override {
    if (ctx.zone.vibration.empty()) {
      throw PluginError("vibration needs vibration motors; zone '" + ctx.zone.name + "' has none");
    }
    SetpointWriter out(ctx);
    const std::string& pattern = ctx.choice("pattern");
    const std::int64_t period = ctx.period_ms();
    for (int i : ctx.zone.vibration) {
      const ActuatorInfo& motor = ctx.at(i);
      // A motor may still run from before a re-plan; finish() winds it down if nothing else.
      out.reach(motor, 0, out.last(motor));
      const double peak = level(motor, 0.2 + 0.8 * ctx.intensity);
      const double low = motor.min + 0.3 * (peak - motor.min);
      // Room at the end to spin down before the step is over.
      const std::int64_t end_work =
          ctx.duration_ms - min_ramp_ms(motor, std::max(peak, out.last(motor)), motor.rest_value);
      if (pattern == "steady") {
        if (end_work >= min_ramp_ms(motor, motor.rest_value, peak)) {
          out.ramp(motor, 0, peak);
          out.hold(motor, end_work);
        }
      } else {
        std::int64_t cycles = end_work / period;
        std::int64_t cycle = period;
        if (cycles == 0 && end_work >= kMinCycleMs) {
          cycles = 1;
          cycle = end_work;
        }
        for (std::int64_t k = 0; k < cycles; ++k) {
          const std::int64_t t0 = k * cycle;
          if (pattern == "pulse") {
            // On for the first half, off for the second; each edge a fifth of the cycle.
            out.ramp(motor, t0, peak, cycle / 5);
            out.ramp(motor, t0 + cycle / 2, motor.rest_value, cycle / 5);
          } else {
            out.ramp(motor, t0, peak, cycle / 2);
            out.ramp(motor, t0 + cycle / 2, low, cycle / 2);
          }
        }
      }
    }
    return out.finish();
  }
};

}  // namespace

CHAIRD_TECHNIQUE_PLUGIN(Vibration, "vibration", "1.0.0")
