// The names of the body zones that lie along the roller track. The planner's body model places
// them on the track for each sitter (and checks at compile time that it places exactly these);
// the chair profile names them for its roller depth limits, below the planner's layer.
#pragma once

#include <algorithm>
#include <array>
#include <string_view>

namespace chaird {

inline constexpr std::array<std::string_view, 14> kTrackZoneNames = {
    "neck",   "shoulders",  "scapula", "thoracic",  "lumbar", "sacrum", "glutes",
    "thighs", "upper_back", "back",    "full_back", "hips",   "legs",   "full_body"};

inline bool is_track_zone(std::string_view name) {
  return std::find(kTrackZoneNames.begin(), kTrackZoneNames.end(), name) != kTrackZoneNames.end();
}

}  // namespace chaird
