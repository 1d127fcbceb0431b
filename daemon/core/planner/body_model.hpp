// Where the sitter's body lies along the roller track. Programs place steps on body zones
// ("lumbar"), not on track positions, so that the same program fits a 150 cm and a 190 cm
// sitter. The torso runs from the scanned shoulder line down to the seat (fixed by the chair);
// landmarks sit at fixed fractions of that length. Without a scan the chair's default body is
// used. See docs/programs.md, "Body zones".
#pragma once

#include <chaird/plugin_sdk.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"
#include "profile/chair_model.hpp"
#include "timeline/timeline.hpp"

namespace chaird {

struct BodyInput {
  std::optional<double> scanned_shoulder_mm;
  std::optional<double> height_cm;
  double shoulder_offset_mm = 0.0;  // the sitter's manual nudge, positive = lower
};

struct TrackSpan {
  double from_mm = 0.0;
  double to_mm = 0.0;
};

class BodyModel {
 public:
  // Largest manual shoulder correction accepted, mm.
  static constexpr double kMaxShoulderOffsetMm = 100.0;
  // Shortest shoulder-to-seat distance a sitter can have, mm.
  static constexpr double kMinTorsoMm = 300.0;

  // Refuses a scan outside the track or the chair's height range, with a reason a kiosk can show.
  static Expected<BodyModel, std::string> resolve(const ChairModel& chair, const BodyInput& input);

  const sdk::BodyLandmarks& landmarks() const { return landmarks_; }
  // The roller span of a zone on the track, clamped to the track; nullopt when the zone has no
  // track span (calves, feet, arms) or lies beyond the end of this chair's track.
  std::optional<TrackSpan> span(std::string_view zone) const;
  // The regions the chair limits roller depth in, placed on the track for this body, each once.
  std::vector<BodyRegion> depth_regions(const ChairModel& chair) const;
  // Zone names that have a span on the track for some body (for profile checks and docs).
  static const std::vector<std::string>& track_zones();
  // Every zone name programs may use.
  static const std::vector<std::string>& known_zones();

 private:
  sdk::BodyLandmarks landmarks_;
  double track_length_mm_ = 0.0;
};

}  // namespace chaird
