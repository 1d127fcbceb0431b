#include "planner/body_model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <string_view>

#include "profile/body_geometry.hpp"
#include "profile/body_zone_names.hpp"

namespace chaird {

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
  body.landmarks_ = body_landmarks(shoulder, track.seat_mm(), height);
  return body;
}

std::optional<TrackSpan> BodyModel::span(std::string_view zone) const {
  const auto s = zone_on_track(zone, landmarks_, track_length_mm_);
  if (!s) return std::nullopt;
  return TrackSpan{s->from_mm, s->to_mm};
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
    return std::vector<std::string>(kTrackZoneNames.begin(), kTrackZoneNames.end());
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
