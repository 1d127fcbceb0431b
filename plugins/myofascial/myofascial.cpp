// Myofascial release: the rollers sink in lightly and stay in, creeping along the zone a few
// millimetres a second while the fascia gives way under a low, sustained load. After each hold
// they ease off for a moment so the tissue can rest, then sink in again and creep on, turning at
// the ends of the zone. Low load, long contact, very slow travel: never a knead or a knock.
#include <algorithm>
#include <chaird/plugin_sdk.hpp>
#include <cmath>
#include <string>

#include "width_choice.hpp"

namespace {

using namespace chaird::sdk;

// Sinking in and easing off are slow, so the tissue is never surprised.
constexpr std::int64_t kSinkMs = 4000;
constexpr std::int64_t kEaseMs = 2500;
// The pause at light contact between holds.
constexpr std::int64_t kRestMs = 2000;
// A hold shorter than this is not worth sinking in for.
constexpr std::int64_t kMinHoldMs = 8000;

class Myofascial final : public Technique {
 public:
  TechniqueDescription describe() const override {
    TechniqueDescription d;
    d.name = "myofascial";
    d.version = "1.0.0";
    d.summary = "Slow, sustained, low-load holds that creep along the zone a few mm a second.";
    d.params = {
        ParamSpec::number("travel_mm_s", "mm/s", 1.0, 8.0, 3.0,
                          "how fast the rollers creep along the zone while they hold"),
        ParamSpec::number("hold_s", "s", 15.0, 120.0, 45.0,
                          "how long each hold lasts before the rollers ease off for a moment"),
        ParamSpec::choice(
            "width", {"narrow", "medium", "wide"}, "medium",
            "distance between the rollers; medium holds the muscles beside the spine"),
    };
    d.actuators = {
        {"roller.position", true, "the slow creep along the zone"},
        {"roller.depth", false, "the sustained light load"},
        {"roller.width", false, "where beside the spine the rollers hold"},
    };
    d.tempo = {0.0, 0.0, 0.0};  // no rhythm: the holds set the pace
    return d;
  }

  StepOutput generate(const StepContext& ctx) const override {
    if (!ctx.zone.on_track) {
      throw PluginError("myofascial needs a zone the rollers reach; '" + ctx.zone.name +
                        "' is not");
    }
    const ActuatorInfo& position = ctx.require("roller.position");
    const ActuatorInfo* depth = ctx.find("roller.depth");
    const ActuatorInfo* width = ctx.find("roller.width");
    SetpointWriter out(ctx);

    // A tenth in from each end of the zone: the holds stay on the zone's own tissue, clear of
    // its neighbours (whose depth limits may be lower: the sacrum beside the glutes).
    const double inset = 0.1 * (ctx.zone.to_mm - ctx.zone.from_mm);
    const double from = ctx.zone.from_mm + inset;
    const double to = ctx.zone.to_mm - inset;
    // Start at the end of the zone nearer the rollers (a re-plan carries on from there).
    const double entry = std::clamp(ctx.entry_value(position), from, to);
    double at = std::abs(entry - from) <= std::abs(entry - to) ? from : to;
    double heading = at == from ? 1.0 : -1.0;
    out.reach(position, 0, at);
    // Low load only: a fifth to a half of the rollers' depth.
    double load = 0.0;
    double contact = 0.0;
    if (depth != nullptr) {
      load = level(*depth, 0.2 + 0.3 * ctx.intensity);
      contact = level(*depth, 0.05);
      out.reach(*depth, 0, contact);
    } else {
      out.note("this chair has no roller.depth: the rollers hold at their fixed contact");
    }
    if (width != nullptr) {
      const std::string& w = ctx.choice("width");
      out.reach(*width, 0, chaird::shipped::width_for(*width, w));
    } else {
      out.note("this chair cannot change the roller width; width is ignored");
    }

    const double speed_mm_ms = ctx.number("travel_mm_s") / 1000.0;
    const auto wanted_hold = static_cast<std::int64_t>(std::llround(1000.0 * ctx.number("hold_s")));
    const std::int64_t lift = depth != nullptr ? min_ramp_ms(*depth, load, depth->min) : 0;
    const std::int64_t end_work = ctx.duration_ms - lift;
    std::int64_t t = 0;
    int holds = 0;
    while (true) {
      const std::int64_t sink =
          depth != nullptr ? std::max(kSinkMs, min_ramp_ms(*depth, contact, load)) : 0;
      const std::int64_t ease =
          depth != nullptr ? std::max(kEaseMs, min_ramp_ms(*depth, load, contact)) : 0;
      // The last hold takes what is left, if a hold still fits.
      const std::int64_t hold = std::min(wanted_hold, end_work - t - sink - ease - kRestMs);
      if (hold < kMinHoldMs) break;
      if (depth != nullptr) out.ramp(*depth, t, load, sink);
      // The creep: along the zone and, at its end, back, for the whole hold.
      std::int64_t moved_until = t + sink;
      const std::int64_t creep_end = t + sink + hold;
      while (moved_until < creep_end) {
        const double end = heading > 0 ? to : from;
        const auto left_ms = static_cast<double>(creep_end - moved_until);
        const double reach = std::min(std::abs(end - at), left_ms * speed_mm_ms);
        const auto leg =
            std::max<std::int64_t>(1, static_cast<std::int64_t>(std::llround(reach / speed_mm_ms)));
        at += heading * reach;
        moved_until = out.ramp(position, moved_until, at, std::min(leg, creep_end - moved_until));
        if (std::abs(at - end) < 1e-9) heading = -heading;
      }
      t = creep_end;
      if (depth != nullptr) t = out.ramp(*depth, t, contact, ease);
      t += kRestMs;
      ++holds;
    }
    if (holds == 0) out.note("the step is too short for a sustained hold");
    if (depth != nullptr) out.ramp(*depth, std::max(out.last_at(*depth), end_work), depth->min);
    return out.finish();
  }
};

}  // namespace

CHAIRD_TECHNIQUE_PLUGIN(Myofascial, "myofascial", "1.0.0")
