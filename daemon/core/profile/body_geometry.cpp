#include "profile/body_geometry.hpp"

#include <algorithm>
#include <iterator>

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

// Less than this of a zone left on the track is out of the rollers' reach.
constexpr double kMinZoneOnTrackMm = 30.0;

}  // namespace

sdk::BodyLandmarks body_landmarks(double shoulder_mm, double seat_mm, double height_cm) {
  sdk::BodyLandmarks b;
  b.height_cm = height_cm;
  b.shoulder_mm = shoulder_mm;
  b.seat_mm = seat_mm;
  const double t = seat_mm - shoulder_mm;
  b.neck_top_mm = std::max(0.0, shoulder_mm + kNeckTop * t);
  b.scapula_low_mm = shoulder_mm + kScapulaLow * t;
  b.waist_mm = shoulder_mm + kWaist * t;
  b.sacrum_top_mm = shoulder_mm + kSacrumTop * t;
  b.thigh_mid_mm = seat_mm + 0.55 * thigh(b);
  return b;
}

std::optional<ZoneExtent> zone_extent(std::string_view zone, const sdk::BodyLandmarks& body) {
  for (const auto& rule : kZones) {
    if (zone == rule.name) return ZoneExtent{rule.from(body), rule.to(body)};
  }
  return std::nullopt;
}

std::optional<ZoneExtent> zone_on_track(std::string_view zone, const sdk::BodyLandmarks& body,
                                        double track_length_mm) {
  const auto extent = zone_extent(zone, body);
  if (!extent) return std::nullopt;
  const ZoneExtent s{std::max(0.0, extent->from_mm), std::min(track_length_mm, extent->to_mm)};
  if (s.to_mm - s.from_mm < kMinZoneOnTrackMm) return std::nullopt;
  return s;
}

}  // namespace chaird
