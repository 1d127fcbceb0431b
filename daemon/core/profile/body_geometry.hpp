// Where the body zones lie along the roller track, for a shoulder line, a seat and a height.
// The planner's body model places each sitter with it; the chair profile uses it when it is
// loaded, to refuse a roller zone that the chair's default body does not put on its track.
#pragma once

#include <chaird/plugin_sdk.hpp>
#include <optional>
#include <string_view>

namespace chaird {

struct ZoneExtent {
  double from_mm = 0.0;
  double to_mm = 0.0;
};

// The landmarks of a body whose shoulder line is at shoulder_mm, on a chair whose back meets
// the seat at seat_mm. Inputs are trusted: the body model checks them first.
sdk::BodyLandmarks body_landmarks(double shoulder_mm, double seat_mm, double height_cm);

// Where a zone on the track lies for these landmarks, before it is clipped to the track;
// nothing for a zone that is not on the track (calves, feet, arms, seat, or an unknown name).
std::optional<ZoneExtent> zone_extent(std::string_view zone, const sdk::BodyLandmarks& body);

// What is left of a zone on a track of track_length_mm, or nothing when too little is left
// for the rollers to work (a few centimetres).
std::optional<ZoneExtent> zone_on_track(std::string_view zone, const sdk::BodyLandmarks& body,
                                        double track_length_mm);

}  // namespace chaird
