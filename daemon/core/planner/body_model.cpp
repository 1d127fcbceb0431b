#include "planner/body_model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <string_view>

#include "profile/body_zone_names.hpp"

namespace chaird {
namespace {

// Landmark positions as fractions of the shoulder-to-seat length, measured down from the
// shoulder line; the neck is above it. Rounded from seated anthropometry of adults.
constexpr double kNeckTop = -0.20;
constexpr double kScapulaLow = 0.33;
constexpr double kWaist = 0.70;
constexpr double kSacrumTop = 0.86;
// The thigh runs forward from the seat; its length is about a quarter of body height.
constexpr double kThighPerHeightMmPerCm = 2.45;

struct ZoneRule {
  const char* name;
  // Both ends as functions of the landmarks.
  double (*from)(const sdk::BodyLandmarks&);
  double (*to)(const sdk::BodyLandmarks&);
};

double torso(const sdk::BodyLandmarks& b) {
  return b.seat_mm - b.shoulder_mm;
}
double thigh(const sdk::BodyLandmarks& b) {
  return b.height_cm * kThighPerHeightMmPerCm;
}

constexpr ZoneRule kZones[] = {
    {"neck", [](const auto& b) { return b.neck_top_mm; },
     [](const auto& b) { return b.shoulder_mm; }},
    {"shoulders", [](const auto& b) { return b.shoulder_mm - 0.06 * torso(b); },
     [](const auto& b) { return b.shoulder_mm + 0.12 * torso(b); }},
    {"scapula", [](const auto& b) { return b.shoulder_mm + 0.05 * torso(b); },
     [](const auto& b) { return b.scapula_low_mm; }},
    {"thoracic", [](const auto& b) { return b.shoulder_mm + 0.15 * torso(b); },
     [](const auto& b) { return b.shoulder_mm + 0.60 * torso(b); }},
    {"lumbar", [](const auto& b) { return b.shoulder_mm + 0.58 * torso(b); },
     [](const auto& b) { return b.sacrum_top_mm; }},
    {"sacrum", [](const auto& b) { return b.sacrum_top_mm; },
     [](const auto& b) { return b.seat_mm - 0.02 * torso(b); }},
    {"glutes", [](const auto& b) { return b.seat_mm - 0.04 * torso(b); },
     [](const auto& b) { return b.seat_mm + 0.30 * thigh(b); }},
    {"thighs", [](const auto& b) { return b.seat_mm + 0.25 * thigh(b); },
     [](const auto& b) { return b.seat_mm + 0.85 * thigh(b); }},
    // Groups.
    {"upper_back", [](const auto& b) { return b.shoulder_mm - 0.06 * torso(b); },
     [](const auto& b) { return b.scapula_low_mm; }},
    {"back", [](const auto& b) { return b.shoulder_mm; },
     [](const auto& b) { return b.sacrum_top_mm; }},
    {"full_back", [](const auto& b) { return b.neck_top_mm; },
     [](const auto& b) { return b.seat_mm; }},
    {"hips", [](const auto& b) { return b.sacrum_top_mm; },
     [](const auto& b) { return b.seat_mm + 0.30 * thigh(b); }},
    {"legs", [](const auto& b) { return b.seat_mm + 0.25 * thigh(b); },
     [](const auto& b) { return b.seat_mm + 0.85 * thigh(b); }},
    {"full_body", [](const auto& b) { return b.neck_top_mm; },
     [](const auto& b) { return b.seat_mm + 0.85 * thigh(b); }},
};

// The chair profile names these zones for its depth limits without seeing this file.
constexpr bool same_names() {
  if (std::size(kZones) != kTrackZoneNames.size()) return false;
  for (std::size_t i = 0; i < kTrackZoneNames.size(); ++i) {
    if (std::string_view(kZones[i].name) != kTrackZoneNames[i]) return false;
  }
  return true;
}
static_assert(same_names(), "kTrackZoneNames must list kZones' names in order");

}  // namespace

Expected<BodyModel, std::string> BodyModel::resolve(const ChairModel& chair,
                                                    const BodyInput& input) {
  const auto& defaults = chair.profile().default_body();
  const auto& track = chair.track();
  if (!std::isfinite(input.shoulder_offset_mm) ||
      std::abs(input.shoulder_offset_mm) > kMaxShoulderOffsetMm) {
    return Unexpected{
        fmt::format("shoulder offset must be within ±{:.0f} mm", kMaxShoulderOffsetMm)};
  }
  double height = defaults.height_cm();
  if (input.height_cm) {
    height = *input.height_cm;
    if (!std::isfinite(height) || height < defaults.min_height_cm() ||
        height > defaults.max_height_cm()) {
      return Unexpected{fmt::format("this chair fits sitters from {:.0f} to {:.0f} cm",
                                    defaults.min_height_cm(), defaults.max_height_cm())};
    }
  }
  double shoulder = input.scanned_shoulder_mm.value_or(defaults.shoulder_mm());
  if (!std::isfinite(shoulder) || shoulder < 0.0 || shoulder > track.length_mm()) {
    return Unexpected{
        fmt::format("body scan: shoulder position {:.0f} mm is off the track", shoulder)};
  }
  shoulder += input.shoulder_offset_mm;
  if (shoulder < 0.0 || track.seat_mm() - shoulder < kMinTorsoMm) {
    return Unexpected{fmt::format(
        "shoulder line at {:.0f} mm leaves no room for the back on this chair; scan again or "
        "move the shoulder position up",
        shoulder)};
  }
  BodyModel body;
  body.track_length_mm_ = track.length_mm();
  auto& b = body.landmarks_;
  b.height_cm = height;
  b.shoulder_mm = shoulder;
  b.seat_mm = track.seat_mm();
  const double t = b.seat_mm - b.shoulder_mm;
  b.neck_top_mm = std::max(0.0, shoulder + kNeckTop * t);
  b.scapula_low_mm = shoulder + kScapulaLow * t;
  b.waist_mm = shoulder + kWaist * t;
  b.sacrum_top_mm = shoulder + kSacrumTop * t;
  b.thigh_mid_mm = b.seat_mm + 0.55 * thigh(b);
  return body;
}

std::optional<TrackSpan> BodyModel::span(std::string_view zone) const {
  for (const auto& rule : kZones) {
    if (zone != rule.name) continue;
    TrackSpan s{std::max(0.0, rule.from(landmarks_)),
                std::min(track_length_mm_, rule.to(landmarks_))};
    // A zone that keeps less than a few centimetres on this track is out of reach.
    if (s.to_mm - s.from_mm < 30.0) return std::nullopt;
    return s;
  }
  return std::nullopt;
}

std::vector<BodyRegion> BodyModel::depth_regions(const ChairModel& chair) const {
  std::vector<BodyRegion> out;
  for (const auto& limit : chair.limits().roller_depth()) {
    const std::string& name = limit.region();
    if (std::any_of(out.begin(), out.end(), [&](const BodyRegion& r) { return r.name == name; }))
      continue;
    if (auto s = span(name)) out.push_back({name, s->from_mm, s->to_mm});
  }
  return out;
}

const std::vector<std::string>& BodyModel::track_zones() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& rule : kZones) out.emplace_back(rule.name);
    return out;
  }();
  return names;
}

const std::vector<std::string>& BodyModel::known_zones() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out = track_zones();
    for (const char* extra : {"calves", "feet", "arms", "seat"}) out.emplace_back(extra);
    return out;
  }();
  return names;
}

}  // namespace chaird
