// Stretch: one segment of the spine is opened over the rollers. The rollers stand at a point
// of the segment and push forward as a fulcrum, the zone's airbags hold the body still, and the
// backrest reclines a little so the segment bends back over the fulcrum; it holds, returns, and
// lets go. Neck: small angles and soft bags. Back: the fulcrum alternates between the upper and
// the lower back. Hips: the fulcrum sits on the sacrum and the legrest drops to open the hips.
#include <algorithm>
#include <chaird/plugin_sdk.hpp>
#include <cmath>
#include <string>
#include <vector>

namespace {

using namespace chaird::sdk;

// How far each segment is stretched (recline and legrest drop, degrees) and how firmly it is
// held (share of the airbags' range): the first number at the lowest intensity, the second
// added at the highest.
struct Segment {
  double recline_deg[2];
  double legrest_deg[2];  // the legrest's drop; 0 where the legs stay put
  double squeeze[2];
};
constexpr Segment kNeck{{4.0, 6.0}, {0.0, 0.0}, {0.1, 0.25}};
constexpr Segment kBack{{8.0, 12.0}, {0.0, 0.0}, {0.2, 0.4}};
constexpr Segment kHips{{10.0, 15.0}, {10.0, 20.0}, {0.2, 0.4}};

// Slowest fill, push and tilt: a stretch must come on gently.
constexpr std::int64_t kPrepMs = 2500;
constexpr std::int64_t kTiltMs = 3000;
constexpr std::int64_t kRestMs = 1000;
constexpr std::int64_t kMinHoldMs = 1000;

class Stretch final : public Technique {
 public:
  TechniqueDescription describe() const override {
    TechniqueDescription d;
    d.name = "stretch";
    d.version = "1.0.0";
    d.summary = "Segmental stretch of neck, back or hips over a roller fulcrum, held by airbags.";
    d.params = {
        ParamSpec::number("hold_s", "s", 2.0, 20.0, 6.0, "how long each stretch holds"),
        ParamSpec::boolean("fulcrum", true, "push the rollers forward under the segment"),
    };
    d.actuators = {
        {"recline", true, "bends the segment back over the fulcrum"},
        {"roller.position", false, "places the fulcrum"},
        {"roller.depth", false, "pushes the fulcrum forward"},
        {"airbag.*", false, "hold the body still"},
        {"legrest.angle", false, "drops the legs to open the hips"},
    };
    d.tempo = {1.0, 2.5, 2.0};  // stretches per minute
    d.zones = {"neck", "back", "hips"};
    return d;
  }

  StepOutput generate(const StepContext& ctx) const override {
    const Segment* seg = ctx.zone.name == "neck"   ? &kNeck
                         : ctx.zone.name == "back" ? &kBack
                         : ctx.zone.name == "hips" ? &kHips
                                                   : nullptr;
    if (seg == nullptr) {
      throw PluginError("stretch works on neck, back or hips, not on " + ctx.zone.name);
    }
    const ActuatorInfo& recline = ctx.require("recline");
    // The rollers take part only where they reach the zone.
    const ActuatorInfo* position = ctx.zone.on_track ? ctx.find("roller.position") : nullptr;
    const ActuatorInfo* depth =
        position != nullptr && ctx.flag("fulcrum") ? ctx.find("roller.depth") : nullptr;
    const ActuatorInfo* legrest = seg->legrest_deg[0] > 0.0 ? ctx.find("legrest.angle") : nullptr;
    std::vector<const ActuatorInfo*> bags;
    for (int i : ctx.zone.airbags) bags.push_back(&ctx.at(i));
    SetpointWriter out(ctx);
    if (position == nullptr) out.note("the rollers do not reach this zone: no fulcrum");
    if (position != nullptr && depth == nullptr && ctx.flag("fulcrum")) {
      out.note("this chair has no roller.depth: the rollers mark the fulcrum without pushing");
    }
    if (bags.empty()) out.note("this zone has no airbags: the body is held by the backrest alone");
    if (seg->legrest_deg[0] > 0.0 && legrest == nullptr) {
      out.note("this chair has no legrest.angle: the hips open by the recline alone");
    }

    const double i = ctx.intensity;
    const double tilt =
        std::min(seg->recline_deg[0] + seg->recline_deg[1] * i, recline.max - recline.min);
    // Keep the sitter's recline where it allows the full tilt.
    const double upright = std::clamp(ctx.entry_value(recline), recline.min, recline.max - tilt);
    double legs_up = 0.0;
    double legs_down = 0.0;
    if (legrest != nullptr) {
      const double drop =
          std::min(seg->legrest_deg[0] + seg->legrest_deg[1] * i, legrest->max - legrest->min);
      legs_up = std::clamp(ctx.entry_value(*legrest), legrest->min + drop, legrest->max);
      legs_down = legs_up - drop;
    }
    // Fulcrums along the zone from the body scan; the back alternates between two.
    const BodyLandmarks& b = ctx.body;
    std::vector<double> fulcrums;
    if (seg == &kNeck) fulcrums = {b.neck_top_mm + 0.35 * (b.shoulder_mm - b.neck_top_mm)};
    if (seg == &kBack) {
      fulcrums = {b.shoulder_mm + 0.5 * (b.scapula_low_mm - b.shoulder_mm),
                  b.scapula_low_mm + 0.6 * (b.waist_mm - b.scapula_low_mm)};
    }
    if (seg == &kHips) fulcrums = {b.sacrum_top_mm + 0.4 * (b.seat_mm - b.sacrum_top_mm)};
    for (double& f : fulcrums) f = std::clamp(f, ctx.zone.from_mm, ctx.zone.to_mm);
    // Start at the fulcrum nearest the rollers: a re-plan carries on from there.
    if (position != nullptr && fulcrums.size() > 1) {
      const double entry = ctx.entry_value(*position);
      if (std::abs(fulcrums[1] - entry) < std::abs(fulcrums[0] - entry)) {
        std::swap(fulcrums[0], fulcrums[1]);
      }
    }
    const double light = depth != nullptr ? level(*depth, 0.05) : 0.0;
    const double push = depth != nullptr ? level(*depth, 0.15 + 0.55 * i) : 0.0;

    // Start pose: upright of the stretch, rollers at the first fulcrum with light contact.
    out.reach(recline, 0, upright);
    if (legrest != nullptr) out.reach(*legrest, 0, legs_up);
    if (position != nullptr) out.reach(*position, 0, fulcrums[0]);
    if (depth != nullptr) out.reach(*depth, 0, light);

    // Durations that hold in every cycle: prepare (push, fill), tilt, and let go.
    std::int64_t prep = kPrepMs;
    std::int64_t move_between = 0;
    if (depth != nullptr) prep = std::max(prep, min_ramp_ms(*depth, light, push));
    for (const ActuatorInfo* bag : bags) {
      prep = std::max(prep, min_ramp_ms(*bag, bag->rest_value,
                                        level(*bag, seg->squeeze[0] + seg->squeeze[1] * i)));
    }
    std::int64_t go = std::max(kTiltMs, min_ramp_ms(recline, upright, upright + tilt));
    if (legrest != nullptr) go = std::max(go, min_ramp_ms(*legrest, legs_up, legs_down));
    if (position != nullptr && fulcrums.size() > 1) {
      move_between = min_ramp_ms(*position, fulcrums[0], fulcrums[1]);
    }
    const std::int64_t fixed = move_between + 2 * prep + 2 * go + kRestMs;

    const std::int64_t period = ctx.period_ms();
    if (period - fixed < kMinHoldMs) {
      throw PluginError(
          "this chair's motors need " + std::to_string((fixed + kMinHoldMs + 999) / 1000) +
          " s for one stretch; the tempo leaves " + std::to_string(period / 1000) + " s");
    }
    // A re-plan can begin with the body still held: let go first, so that no bag stays firm
    // across the two plans for longer than the chair allows.
    const std::int64_t settled = out.settle(bags);
    // A short step gets one shorter stretch, if it leaves time to hold.
    const auto [cycles, cycle] = fit_cycles(settled, ctx.duration_ms, period, fixed + kMinHoldMs);
    if (cycles == 0) out.note("the step is too short for a stretch");
    const auto wanted_hold = static_cast<std::int64_t>(std::llround(1000.0 * ctx.number("hold_s")));
    for (std::int64_t k = 0; k < cycles; ++k) {
      const std::int64_t t0 = settled + k * cycle;
      const std::int64_t hold = std::min(wanted_hold, cycle - fixed);
      const std::int64_t placed = t0 + move_between;
      const std::int64_t ready = placed + prep;
      const std::int64_t release = ready + go + hold + go;
      if (position != nullptr) {
        const double f = fulcrums[static_cast<std::size_t>(k) % fulcrums.size()];
        out.ramp(*position, t0, f, move_between);
      }
      if (depth != nullptr) {
        out.ramp(*depth, placed, push, prep);
        out.ramp(*depth, release, light, prep);
      }
      for (const ActuatorInfo* bag : bags) {
        out.ramp(*bag, placed, level(*bag, seg->squeeze[0] + seg->squeeze[1] * i), prep);
        out.ramp(*bag, release, bag->rest_value, prep);
      }
      out.ramp(recline, ready, upright + tilt, go);
      out.ramp(recline, ready + go + hold, upright, go);
      if (legrest != nullptr) {
        out.ramp(*legrest, ready, legs_down, go);
        out.ramp(*legrest, ready + go + hold, legs_up, go);
      }
    }
    // Lift the rollers off at the very end.
    if (depth != nullptr) {
      out.ramp(
          *depth,
          std::max(out.last_at(*depth), ctx.duration_ms - min_ramp_ms(*depth, light, depth->min)),
          depth->min);
    }
    return out.finish();
  }
};

}  // namespace

CHAIRD_TECHNIQUE_PLUGIN(Stretch, "stretch", "1.0.0")
