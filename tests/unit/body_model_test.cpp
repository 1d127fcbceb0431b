// planner/body_model: where the zones lie along the track for the sitter.
#include "planner/body_model.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "unit_fixtures.hpp"

namespace chaird {
namespace {

using unit::Contains;

const std::vector<std::string> kBodyOrder = {"neck",   "shoulders", "scapula", "thoracic",
                                             "lumbar", "sacrum",    "glutes",  "thighs"};

BodyModel resolve_ok(const BodyInput& input) {
  auto body = BodyModel::resolve(*unit::chair(), input);
  if (!body) ADD_FAILURE() << body.error();
  return body ? *body : BodyModel{};
}

std::string refusal(const BodyInput& input) {
  auto body = BodyModel::resolve(*unit::chair(), input);
  if (body) {
    ADD_FAILURE() << "the body was accepted";
    return {};
  }
  return body.error();
}

TEST(BodyModel, DefaultBodySpansAreOrderedDownTheBackAndOnTheTrack) {
  const BodyModel body = resolve_ok({});
  const auto& track = unit::chair()->track();
  double previous_from = -1.0;
  double previous_to = -1.0;
  for (const auto& zone : kBodyOrder) {
    const auto span = body.span(zone);
    ASSERT_TRUE(span.has_value()) << zone;
    EXPECT_LT(span->from_mm, span->to_mm) << zone;
    EXPECT_GE(span->from_mm, 0.0) << zone;
    EXPECT_LE(span->to_mm, track.length_mm()) << zone;
    EXPECT_GT(span->from_mm, previous_from) << zone << " starts above the zone before it";
    EXPECT_GT(span->to_mm, previous_to) << zone << " ends above the zone before it";
    previous_from = span->from_mm;
    previous_to = span->to_mm;
  }
  // The default body of the profile: shoulders at 230 mm, seat at 760 mm (torso 530 mm).
  const auto& b = body.landmarks();
  EXPECT_DOUBLE_EQ(b.shoulder_mm, 230.0);
  EXPECT_DOUBLE_EQ(b.seat_mm, 760.0);
  EXPECT_DOUBLE_EQ(b.height_cm, 170.0);
  EXPECT_NEAR(b.neck_top_mm, 230.0 - 0.20 * 530.0, 1e-9);
  EXPECT_NEAR(b.sacrum_top_mm, 230.0 + 0.86 * 530.0, 1e-9);
  EXPECT_NEAR(body.span("neck")->to_mm, 230.0, 1e-9);
  EXPECT_NEAR(body.span("lumbar")->to_mm, b.sacrum_top_mm, 1e-9);
  // The shoulder line lies inside the shoulders zone; the waist inside the lumbar zone.
  EXPECT_LT(body.span("shoulders")->from_mm, b.shoulder_mm);
  EXPECT_GT(body.span("shoulders")->to_mm, b.shoulder_mm);
  EXPECT_LT(body.span("lumbar")->from_mm, b.waist_mm);
  EXPECT_GT(body.span("lumbar")->to_mm, b.waist_mm);
  // Thighs lie under the seat, on the L part of the track.
  EXPECT_GT(body.span("thighs")->from_mm, b.seat_mm);
}

TEST(BodyModel, GroupsCoverTheirParts) {
  const BodyModel body = resolve_ok({});
  const auto full_back = body.span("full_back");
  ASSERT_TRUE(full_back);
  for (const char* part : {"shoulders", "thoracic", "lumbar"}) {
    EXPECT_LE(full_back->from_mm, body.span(part)->from_mm) << part;
    EXPECT_GE(full_back->to_mm, body.span(part)->to_mm) << part;
  }
  EXPECT_DOUBLE_EQ(body.span("upper_back")->from_mm, body.span("shoulders")->from_mm);
  EXPECT_DOUBLE_EQ(body.span("legs")->to_mm, body.span("thighs")->to_mm);
}

TEST(BodyModel, ScanMovesTheZones) {
  const BodyModel standard = resolve_ok({});
  BodyInput scanned;
  scanned.scanned_shoulder_mm = 300.0;
  const BodyModel lower = resolve_ok(scanned);
  EXPECT_DOUBLE_EQ(lower.landmarks().shoulder_mm, 300.0);
  for (const char* zone : {"neck", "shoulders", "scapula", "thoracic", "lumbar"}) {
    EXPECT_GT(lower.span(zone)->from_mm, standard.span(zone)->from_mm) << zone;
  }
  // The seat is the chair's: the back zones are compressed, not shifted past the seat.
  const auto length = [](const std::optional<TrackSpan>& s) { return s->to_mm - s->from_mm; };
  EXPECT_LT(length(lower.span("lumbar")), length(standard.span("lumbar")));
  EXPECT_DOUBLE_EQ(lower.landmarks().seat_mm, standard.landmarks().seat_mm);

  // The sitter's nudge adds to the scan.
  BodyInput nudged = scanned;
  nudged.shoulder_offset_mm = -40.0;
  EXPECT_DOUBLE_EQ(resolve_ok(nudged).landmarks().shoulder_mm, 260.0);
}

TEST(BodyModel, TallerAndShorterSitters) {
  BodyInput tall;
  tall.height_cm = 190.0;
  BodyInput short_sitter;
  short_sitter.height_cm = 152.0;
  const auto t = resolve_ok(tall).span("thighs");
  const auto s = resolve_ok(short_sitter).span("thighs");
  ASSERT_TRUE(t && s);
  EXPECT_GT(t->to_mm, s->to_mm);
  EXPECT_GT(t->to_mm - t->from_mm, s->to_mm - s->from_mm);
  EXPECT_LE(t->to_mm, 1350.0);

  // The chair's height range is enforced, with the range in the reason.
  BodyInput giant;
  giant.height_cm = 210.0;
  const std::string why = refusal(giant);
  EXPECT_TRUE(Contains(why, "from 150 to 195 cm")) << why;
  BodyInput child;
  child.height_cm = 120.0;
  EXPECT_TRUE(Contains(refusal(child), "from 150 to 195 cm"));
  BodyInput nan_height;
  nan_height.height_cm = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(refusal(nan_height).empty());
  BodyInput edge;
  edge.height_cm = 195.0;
  EXPECT_TRUE(BodyModel::resolve(*unit::chair(), edge));
}

TEST(BodyModel, ShoulderOffsetIsLimitedToOneHundredMillimetres) {
  for (double ok : {100.0, -100.0, 0.0, 55.5}) {
    BodyInput input;
    input.shoulder_offset_mm = ok;
    auto body = BodyModel::resolve(*unit::chair(), input);
    ASSERT_TRUE(body) << ok << ": " << body.error();
    EXPECT_DOUBLE_EQ(body->landmarks().shoulder_mm, 230.0 + ok);
  }
  for (double bad : {100.5, -101.0, 1e6, std::numeric_limits<double>::infinity(),
                     std::numeric_limits<double>::quiet_NaN()}) {
    BodyInput input;
    input.shoulder_offset_mm = bad;
    const std::string why = refusal(input);
    EXPECT_TRUE(Contains(why, "shoulder offset must be within ±100 mm")) << bad << ": " << why;
  }
}

TEST(BodyModel, ScansOffTheTrackAreRefusedWithAReadableReason) {
  BodyInput below;
  below.scanned_shoulder_mm = 1400.0;
  EXPECT_TRUE(Contains(refusal(below), "shoulder position 1400 mm is off the track"));
  BodyInput above;
  above.scanned_shoulder_mm = -5.0;
  EXPECT_TRUE(Contains(refusal(above), "off the track"));
  BodyInput nan;
  nan.scanned_shoulder_mm = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(refusal(nan).empty());

  // On the track, but too low to leave a back between shoulders and seat.
  BodyInput low;
  low.scanned_shoulder_mm = 500.0;
  EXPECT_TRUE(Contains(refusal(low), "leaves no room for the back"));
  // A nudge can push a good scan over the edge.
  BodyInput nudged;
  nudged.scanned_shoulder_mm = 400.0;
  EXPECT_TRUE(BodyModel::resolve(*unit::chair(), nudged));
  nudged.shoulder_offset_mm = 90.0;
  EXPECT_TRUE(Contains(refusal(nudged), "leaves no room for the back"));
  // And above the top of the track.
  BodyInput top;
  top.scanned_shoulder_mm = 20.0;
  top.shoulder_offset_mm = -50.0;
  EXPECT_FALSE(refusal(top).empty());
}

TEST(BodyModel, ZonesWithoutTrackSpan) {
  const BodyModel body = resolve_ok({});
  for (const char* zone : {"calves", "feet", "arms", "seat", "elbows", ""}) {
    EXPECT_FALSE(body.span(zone).has_value()) << zone;
  }
  const auto& track_zones = BodyModel::track_zones();
  EXPECT_EQ(std::count(track_zones.begin(), track_zones.end(), "calves"), 0);
  const auto& known = BodyModel::known_zones();
  for (const char* zone : {"calves", "feet", "arms", "seat", "neck", "full_body"}) {
    EXPECT_EQ(std::count(known.begin(), known.end(), zone), 1) << zone;
  }
}

TEST(BodyModel, ZonesBeyondAShortTrackHaveNoSpan) {
  // An S-track chair: the rollers stop at the seat.
  auto s_track = unit::chair_variant({{"length_mm: 1350", "length_mm: 765"},
                                      {"max: 1350", "max: 765"},
                                      {"name: \"glutes\"\n  roller: true", "name: \"glutes\""},
                                      {"name: \"thighs\"\n  roller: true", "name: \"thighs\""},
                                      {"name: \"legs\"\n  roller: true", "name: \"legs\""}});
  ASSERT_NE(s_track, nullptr);
  auto body = BodyModel::resolve(*s_track, {});
  ASSERT_TRUE(body) << body.error();
  EXPECT_TRUE(body->span("lumbar").has_value());
  EXPECT_FALSE(body->span("thighs").has_value());
  // Less than a few centimetres of the glutes is left on this track: out of reach.
  EXPECT_FALSE(body->span("glutes").has_value());
}

}  // namespace
}  // namespace chaird
