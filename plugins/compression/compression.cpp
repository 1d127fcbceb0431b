// Compression: waves of airbag pressure. On the legs the bags fill one after another from the
// feet up to the thighs (distal to proximal, as in lymphatic drainage: fluid is pushed towards
// the trunk, never back down), hold, and vent together. Elsewhere the zone's bags squeeze and
// release together in a rhythm. Every bag vents in every cycle, so none stays firm for long.
#include <algorithm>
#include <chaird/plugin_sdk.hpp>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace chaird::sdk;

// Body parts from the feet up: a sequential wave fills them in this order.
constexpr std::string_view kDistalToProximal[] = {"foot",  "calf", "thigh",    "seat",
                                                  "waist", "arm",  "shoulder", "neck"};

int rank(const ActuatorInfo& a) {
  const std::string_view part = std::string_view(a.id).substr(a.id.rfind('.') + 1);
  const auto* it = std::find(std::begin(kDistalToProximal), std::end(kDistalToProximal), part);
  return static_cast<int>(it - std::begin(kDistalToProximal));
}

// Bags fill and vent over at least this share of a cycle: sudden squeezes startle.
constexpr double kFillShare = 0.12;
constexpr double kVentShare = 0.15;
// Rest between waves, and the shortest squeeze worth holding.
constexpr std::int64_t kRestMs = 1000;
constexpr std::int64_t kMinHoldMs = 500;

class Compression final : public Technique {
 public:
  TechniqueDescription describe() const override {
    TechniqueDescription d;
    d.name = "compression";
    d.version = "1.0.0";
    d.summary =
        "Airbag waves: feet to thighs in sequence on the legs, a rhythmic squeeze elsewhere.";
    d.params = {
        ParamSpec::choice("pattern", {"auto", "sequential", "together"}, "auto",
                          "auto fills the legs from the feet up and other zones together"),
        ParamSpec::number("hold_s", "s", 1.0, 10.0, 3.0, "how long the full squeeze holds"),
    };
    d.actuators = {{"airbag.*", true, "the zone's airbags squeeze"}};
    d.tempo = {1.0, 6.0, 3.0};  // waves per minute
    return d;
  }

  StepOutput generate(const StepContext& ctx) const override {
    if (ctx.zone.airbags.empty()) {
      throw PluginError("compression needs airbags; zone '" + ctx.zone.name + "' has none");
    }
    std::vector<const ActuatorInfo*> bags;
    for (int i : ctx.zone.airbags) bags.push_back(&ctx.at(i));
    std::stable_sort(bags.begin(), bags.end(), [](const ActuatorInfo* x, const ActuatorInfo* y) {
      return rank(*x) < rank(*y);
    });
    const std::string& pattern = ctx.choice("pattern");
    const bool sequential =
        pattern == "sequential" || (pattern == "auto" && ctx.zone.name == "legs");
    SetpointWriter out(ctx);

    // Firm but never the chair's maximum: the top fifth of the range is left unused.
    std::vector<double> squeeze;
    std::int64_t fill = 0;
    std::int64_t vent = 0;
    for (const ActuatorInfo* b : bags) {
      squeeze.push_back(level(*b, 0.2 + 0.6 * ctx.intensity));
      fill = std::max(fill, min_ramp_ms(*b, b->rest_value, squeeze.back()));
      vent = std::max(vent, min_ramp_ms(*b, squeeze.back(), b->rest_value));
    }

    // A re-plan can begin with bags still full: they vent first, so that no bag stays firm
    // across the two plans for longer than the chair allows.
    const std::int64_t settled = out.settle(bags);

    const std::int64_t period = ctx.period_ms();
    const auto wanted_hold = static_cast<std::int64_t>(std::llround(1000.0 * ctx.number("hold_s")));
    // A short step gets one squeezed wave; the loop below decides whether it fits at all.
    const auto [cycles, cycle] = fit_cycles(settled, ctx.duration_ms, period, 0);
    const auto n = static_cast<std::int64_t>(bags.size());
    std::int64_t waves = 0;
    for (std::int64_t k = 0; k < cycles; ++k) {
      const std::int64_t t0 = settled + k * cycle;
      const auto c = static_cast<double>(cycle);
      const std::int64_t fill_ms = std::max(fill, static_cast<std::int64_t>(kFillShare * c));
      const std::int64_t vent_ms = std::max(vent, static_cast<std::int64_t>(kVentShare * c));
      // Each bag starts when the one below it is full, closer together if the cycle is short.
      const std::int64_t spare = cycle - fill_ms - vent_ms - kRestMs - kMinHoldMs;
      if (spare < 0) break;
      const std::int64_t stagger =
          sequential && n > 1 ? std::min(fill_ms, spare / (n - 1)) : std::int64_t{0};
      const std::int64_t full = t0 + (n - 1) * stagger + fill_ms;
      const std::int64_t hold = std::min(wanted_hold, t0 + cycle - kRestMs - vent_ms - full);
      for (std::int64_t j = 0; j < n; ++j) {
        const auto i = static_cast<std::size_t>(j);
        out.ramp(*bags[i], t0 + j * stagger, squeeze[i], fill_ms);
        out.hold(*bags[i], full + hold);
        out.ramp(*bags[i], full + hold, bags[i]->rest_value, vent_ms);
      }
      ++waves;
    }
    if (waves == 0) out.note("the step is too short for a compression wave");
    return out.finish();
  }
};

}  // namespace

CHAIRD_TECHNIQUE_PLUGIN(Compression, "compression", "1.0.0")
