// profile/chair_model: the reference profile, refusals with located reasons, narrowed ranges and
// the plugins' view of the actuators.
#include "profile/chair_model.hpp"

#include <gtest/gtest.h>

#include <string>

#include "unit_fixtures.hpp"

namespace chaird {
namespace {

using unit::ErrorAt;
using unit::HasError;
using unit::line_of;
using unit::load_chair_text;
using unit::reference_profile_text;
using unit::replace_once;

TEST(ChairModel, ReferenceProfileLoads) {
  auto loaded = ChairModel::load(test::reference_chair_path());
  ASSERT_TRUE(loaded) << loaded.error().to_string();
  const ChairModel& c = **loaded;
  EXPECT_EQ(c.profile().id(), "generic_4d_sl");
  EXPECT_EQ(c.source_path(), test::reference_chair_path());
  EXPECT_EQ(c.actuator_count(), 20u);
  EXPECT_EQ(c.zones().size(), 18u);
  EXPECT_DOUBLE_EQ(c.track().length_mm(), 1350.0);
  EXPECT_DOUBLE_EQ(c.track().seat_mm(), 760.0);
  EXPECT_EQ(c.limits().max_session_ms(), 1800000);
  EXPECT_DOUBLE_EQ(c.limits().max_airbag_kpa(), 35.0);
  EXPECT_DOUBLE_EQ(c.limits().max_heat_c(), 42.0);
  EXPECT_EQ(c.limits().board_lease_ms(), 1000);

  for (std::size_t i = 0; i < c.actuator_count(); ++i) {
    EXPECT_EQ(c.actuators()[i].index, static_cast<ActuatorIndex>(i));
    EXPECT_EQ(c.find(c.actuators()[i].id), static_cast<ActuatorIndex>(i));
  }
  EXPECT_EQ(c.actuator(*c.find("roller.position")).kind, chair::v1::POSITION);
  EXPECT_EQ(c.actuator(*c.find("roller.position")).safe_action, chair::v1::HALT_IN_PLACE);
  EXPECT_FALSE(c.find("roller.nonexistent").has_value());
  EXPECT_EQ(c.family("airbag").size(), 8u);
  EXPECT_EQ(c.family("heat").size(), 2u);
  EXPECT_TRUE(c.family("air").empty());  // a family is a whole first word

  const ZoneSpec* lumbar = c.zone("lumbar");
  ASSERT_NE(lumbar, nullptr);
  EXPECT_TRUE(lumbar->roller);
  ASSERT_EQ(lumbar->airbags.size(), 1u);
  EXPECT_EQ(c.actuator(lumbar->airbags[0]).id, "airbag.waist");
  ASSERT_EQ(lumbar->heaters.size(), 1u);
  EXPECT_EQ(c.actuator(lumbar->heaters[0]).id, "heat.lumbar");
  const ZoneSpec* calves = c.zone("calves");
  ASSERT_NE(calves, nullptr);
  EXPECT_FALSE(calves->roller);
  EXPECT_EQ(c.zone("elbows"), nullptr);
  EXPECT_EQ(c.zone("full_body")->airbags.size(), 8u);

  const auto home = c.home_values();
  ASSERT_EQ(home.size(), 20u);
  EXPECT_DOUBLE_EQ(home[static_cast<std::size_t>(*c.find("roller.position"))], 100.0);
  EXPECT_DOUBLE_EQ(home[static_cast<std::size_t>(*c.find("recline"))], 110.0);
}

TEST(ChairModel, AirAndHeatRangesAreNarrowedToTheLimits) {
  const auto c = unit::chair();
  for (const auto& a : c->actuators()) {
    if (a.kind == chair::v1::PRESSURE) {
      EXPECT_DOUBLE_EQ(a.max, 35.0) << a.id << " (the profile says 40)";
    }
    if (a.kind == chair::v1::TEMPERATURE) {
      EXPECT_DOUBLE_EQ(a.max, 42.0) << a.id << " (the profile says 45)";
    }
    EXPECT_DOUBLE_EQ(c->plugin_view()[static_cast<std::size_t>(a.index)].max, a.max) << a.id;
  }
  EXPECT_DOUBLE_EQ(c->actuator(unit::idx("roller.depth")).max, 12.0);
  EXPECT_DOUBLE_EQ(c->actuator(unit::idx("roller.knead")).min, -50.0);

  // A limit above the actuator's own range does not widen it.
  auto loose = unit::chair_variant({{"max_airbag_kpa: 35", "max_airbag_kpa: 80"}});
  ASSERT_NE(loose, nullptr);
  EXPECT_DOUBLE_EQ(loose->actuator(unit::idx(*loose, "airbag.calf")).max, 40.0);
}

// The reference chair without its depth axis (a 2D chair), with the midline at midline_mm.
std::string two_d_text(const std::string& midline_mm) {
  std::string text = reference_profile_text();
  text = replace_once(text, "id: \"roller.depth\"", "id: \"roller.depth_gone\"");
  for (const char* region : {"neck", "shoulders", "thoracic", "lumbar", "sacrum"}) {
    const std::string limit = std::string("roller_depth { region: \"") + region + "\"";
    text = replace_once(text, limit, "# " + limit);
  }
  return replace_once(text, "midline_width_mm: 60", "midline_width_mm: " + midline_mm);
}

TEST(ChairModel, WithoutADepthAxisTheRollersCloseNoFurtherThanTheMidline) {
  // Nothing else limits how a 2D chair's rollers press over the spine: the midline setting is
  // roller.width's narrowest, for every technique and for the governor's range checks.
  auto loaded = load_chair_text(two_d_text("90"));
  ASSERT_TRUE(loaded) << loaded.error().to_string();
  const auto& width = (*loaded)->actuator(*(*loaded)->find("roller.width"));
  EXPECT_DOUBLE_EQ(width.min, 90.0);
  EXPECT_DOUBLE_EQ((*loaded)->plugin_view()[static_cast<std::size_t>(width.index)].min, 90.0);
  // With a depth axis, the depth limits over the midline do that job: the range stays whole.
  const auto reference = unit::chair();
  EXPECT_DOUBLE_EQ(reference->actuator(*reference->find("roller.width")).min, 60.0);
  // A midline above the rollers' home would leave them out of range where they start.
  std::string path;
  auto refused = load_chair_text(two_d_text("120"), &path);
  ASSERT_FALSE(refused);
  EXPECT_TRUE(HasError(refused.error(),
                       "limits.midline_width_mm 120 is roller.width's narrowest on a chair without "
                       "roller.depth, and its home 100 lies below it"));
}

TEST(ChairModel, PluginViewSaysWhatMustRestAndWhere) {
  const auto c = unit::chair();
  const auto& view = c->plugin_view();
  ASSERT_EQ(view.size(), c->actuator_count());
  auto info = [&](const char* id) { return view[static_cast<std::size_t>(unit::idx(id))]; };

  EXPECT_TRUE(info("roller.knead").must_rest);
  EXPECT_DOUBLE_EQ(info("roller.knead").rest_value, 0.0);
  EXPECT_EQ(info("roller.knead").kind, sdk::ActuatorKind::kSpeed);
  EXPECT_TRUE(info("airbag.calf").must_rest);
  EXPECT_EQ(info("airbag.calf").kind, sdk::ActuatorKind::kPressure);
  EXPECT_TRUE(info("heat.lumbar").must_rest);
  EXPECT_TRUE(info("vibration.seat").must_rest);
  EXPECT_TRUE(info("foot_roller").must_rest);
  // Travel motors may stay where a step leaves them; their rest value is home.
  EXPECT_FALSE(info("roller.position").must_rest);
  EXPECT_DOUBLE_EQ(info("roller.position").rest_value, 100.0);
  EXPECT_FALSE(info("recline").must_rest);
  EXPECT_DOUBLE_EQ(info("recline").rest_value, 110.0);
  // The depth goes to a safe value but is a position: techniques retract it themselves.
  EXPECT_FALSE(info("roller.depth").must_rest);
  EXPECT_DOUBLE_EQ(info("roller.depth").max_rate, 15.0);
  EXPECT_DOUBLE_EQ(info("roller.depth").max_accel, 120.0);
  EXPECT_EQ(info("roller.depth").unit, "mm");
}

TEST(ChairModel, DuplicateActuatorIdIsRefusedAtTheSecondDeclaration) {
  const std::string original = reference_profile_text();
  const std::string text =
      replace_once(original, "id: \"roller.width\"", "id: \"roller.position\"");
  std::string path;
  auto loaded = load_chair_text(text, &path);
  ASSERT_FALSE(loaded);
  EXPECT_TRUE(ErrorAt(loaded.error(), "actuator 'roller.position' is declared twice", path,
                      line_of(original, "id: \"roller.width\""), 3));
}

TEST(ChairModel, AHugeActuatorIdIsRefusedNotACrash) {
  // Within the 1 MiB a profile may have; std::regex would recurse once per character.
  const std::string text = replace_once(reference_profile_text(), "id: \"roller.width\"",
                                        "id: \"" + std::string(900'000, 'r') + "\"");
  auto loaded = load_chair_text(text);
  ASSERT_FALSE(loaded);
  EXPECT_TRUE(HasError(loaded.error(), "must be lowercase words joined by dots"));
}

TEST(ChairModel, MinNotBelowMaxIsRefusedAtMax) {
  const std::string original = reference_profile_text();
  const std::string text = replace_once(original, "unit: \"Hz\"\n  min: 0\n  max: 10",
                                        "unit: \"Hz\"\n  min: 10\n  max: 10");
  std::string path;
  auto loaded = load_chair_text(text, &path);
  ASSERT_FALSE(loaded);
  EXPECT_TRUE(ErrorAt(loaded.error(), "actuator 'roller.tap': min must be below max", path,
                      line_of(original, "unit: \"Hz\"") + 2));
}

// Without a rate the governor has nothing to check a ramp against, and the motor would move
// at once: every motion actuator must say how fast it may go.
TEST(ChairModel, AnActuatorWithoutItsRateLimitsIsRefusedAtItsDeclaration) {
  const std::string original = reference_profile_text();
  struct Case {
    const char* id;
    const char* remove;
    const char* expected;
  };
  const Case cases[] = {
      {"roller.position", "  max_rate: 120\n", "actuator 'roller.position' needs max_rate"},
      {"roller.position", "  max_accel: 400\n", "actuator 'roller.position' needs max_accel"},
      {"recline", "  max_accel: 10\n", "actuator 'recline' needs max_accel"},
      {"foot_roller", "  max_rate: 40\n", "actuator 'foot_roller' needs max_rate"},
      {"airbag.neck", "  max_rate: 8\n", "actuator 'airbag.neck' needs max_rate"},
      {"vibration.seat", "  max_rate: 2\n", "actuator 'vibration.seat' needs max_rate"},
  };
  for (const auto& c : cases) {
    const std::string id_line = std::string("id: \"") + c.id + "\"";
    const auto at = original.find(id_line);
    ASSERT_NE(at, std::string::npos) << c.id;
    std::string text = original;
    const auto field = text.find(c.remove, at);
    ASSERT_NE(field, std::string::npos) << c.id << " " << c.remove;
    text.erase(field, std::string(c.remove).size());
    std::string path;
    auto loaded = load_chair_text(text, &path);
    ASSERT_FALSE(loaded) << c.expected;
    // At the actuator's block ("actuators {", the line above its id).
    EXPECT_TRUE(ErrorAt(loaded.error(), c.expected, path, line_of(original, id_line) - 1))
        << c.remove;
  }
  // Written as 0, it is refused the same way.
  const std::string zero = replace_once(original, "max_rate: 120", "max_rate: 0");
  auto loaded = load_chair_text(zero);
  ASSERT_FALSE(loaded);
  EXPECT_TRUE(HasError(loaded.error(), "actuator 'roller.position' needs max_rate"));
}

TEST(ChairModel, ZoneNamingAnUnknownActuatorIsRefusedAtTheName) {
  const std::string original = reference_profile_text();
  const std::string text =
      replace_once(original, "name: \"scapula\"\n  roller: true\n",
                   "name: \"scapula\"\n  roller: true\n  airbags: \"airbag.back\"\n");
  std::string path;
  auto loaded = load_chair_text(text, &path);
  ASSERT_FALSE(loaded);
  EXPECT_TRUE(ErrorAt(loaded.error(), "zone 'scapula' names unknown actuator 'airbag.back'", path,
                      line_of(original, "name: \"scapula\"") + 2, 3));
}

// Each error about a zone quoted its name whole: a 200 KB name with 400 unknown airbags made
// 80 MB of errors from a profile of 0.3 MB. A name no program can use (programs name zones in
// at most 80 bytes) is refused once, and what it names is not looked at.
TEST(ChairModel, AZoneNameLongerThanAProgramCanUseIsRefusedOnce) {
  const std::string original = reference_profile_text();
  std::string airbags;
  for (int i = 0; i < 400; ++i) airbags += "  airbags: \"airbag.x" + std::to_string(i) + "\"\n";
  const std::string text =
      replace_once(original, "name: \"scapula\"\n  roller: true\n",
                   "name: \"" + std::string(200'000, 's') + "\"\n  roller: true\n" + airbags);
  std::string path;
  auto loaded = load_chair_text(text, &path);
  ASSERT_FALSE(loaded);
  // Asserted first: a failure below prints every error.
  ASSERT_LT(loaded.error().to_string().size(), 1000u) << loaded.error().error_count() << " errors";
  EXPECT_EQ(loaded.error().error_count(), 1u);
  EXPECT_TRUE(ErrorAt(loaded.error(), "zone name is 200000 bytes long; at most 80 are accepted",
                      path, line_of(original, "name: \"scapula\""), 3));

  // An actuator a zone names is quoted short, however long it is.
  const std::string long_id = replace_once(
      original, "name: \"scapula\"\n  roller: true\n",
      "name: \"scapula\"\n  roller: true\n  airbags: \"" + std::string(200'000, 'a') + "\"\n");
  loaded = load_chair_text(long_id);
  ASSERT_FALSE(loaded);
  ASSERT_LT(loaded.error().to_string().size(), 1000u);
  EXPECT_TRUE(HasError(loaded.error(), "zone 'scapula' names unknown actuator 'aaaa"));
}

TEST(ChairModel, TwoZonesWithOneNameAreRefusedAtTheSecond) {
  const std::string original = reference_profile_text();
  const std::string text = replace_once(original, "name: \"thoracic\"", "name: \"scapula\"");
  std::string path;
  auto loaded = load_chair_text(text, &path);
  ASSERT_FALSE(loaded);
  EXPECT_TRUE(ErrorAt(loaded.error(), "zone 'scapula' needs a unique name", path,
                      line_of(original, "name: \"thoracic\""), 3));
}

// An S-track chair: the rollers stop where the back meets the seat (765 mm).
std::string s_track_text(const std::string& original) {
  std::string text = replace_once(original, "length_mm: 1350", "length_mm: 765");
  return replace_once(text, "max: 1350", "max: 765");
}

TEST(ChairModel, ARollerZoneBeyondTheEndOfTheTrackIsRefusedAtItsRollerLine) {
  // Left as on the L-track chair, the thighs, glutes and legs would keep roller: true: the
  // rollers would be clipped to the track's end and never reach them.
  const std::string original = reference_profile_text();
  std::string path;
  auto loaded = load_chair_text(s_track_text(original), &path);
  ASSERT_FALSE(loaded);
  const int thighs = line_of(original, "name: \"thighs\"");
  EXPECT_TRUE(ErrorAt(loaded.error(),
                      "zone 'thighs' has roller: true, but for the default body it starts at "
                      "864 mm and the track ends at 765 mm (track.length_mm): the rollers cannot "
                      "reach it; set roller: false",
                      path, thighs + 1, 3));
  EXPECT_TRUE(HasError(loaded.error(), "zone 'glutes' has roller: true, but"));
  EXPECT_TRUE(HasError(loaded.error(), "zone 'legs' has roller: true, but"));
  // Zones partly on the track are kept: the rollers work the part they reach.
  EXPECT_FALSE(HasError(loaded.error(), "zone 'hips'"));
  EXPECT_FALSE(HasError(loaded.error(), "zone 'full_body'"));
  EXPECT_EQ(loaded.error().error_count(), 3u) << loaded.error().to_string();
}

TEST(ChairModel, AZoneCutShortAtTheTopIsToldWhatIsLeftOfIt) {
  // A shoulder line 25 mm from the top of the track leaves 25 mm of the neck on it.
  const std::string original = reference_profile_text();
  auto loaded = load_chair_text(replace_once(original, "shoulder_mm: 230", "shoulder_mm: 25"));
  ASSERT_FALSE(loaded);
  EXPECT_TRUE(HasError(loaded.error(),
                       "zone 'neck' has roller: true, but for the default body only 0..25 mm of it "
                       "lies on the track (0..1350 mm): too little for the rollers to work"));
}

TEST(ChairModel, TheSTrackChairLoadsOnceItsZonesBeyondTheTrackLeaveTheRollersOut) {
  std::string text = s_track_text(reference_profile_text());
  for (const char* zone : {"glutes", "thighs", "legs"}) {
    text = replace_once(text, std::string("name: \"") + zone + "\"\n  roller: true",
                        std::string("name: \"") + zone + "\"\n  roller: false");
  }
  auto loaded = load_chair_text(text);
  ASSERT_TRUE(loaded) << loaded.error().to_string();
}

TEST(ChairModel, RollersOnAZoneOffTheTrackAreRefusedWithTheZonesThatAreOnIt) {
  // The calves are worked by air, not by the back rollers: no body puts them on the track.
  const std::string original = reference_profile_text();
  const std::string text =
      replace_once(original, "name: \"calves\"\n", "name: \"calves\"\n  roller: true\n");
  std::string path;
  auto loaded = load_chair_text(text, &path);
  ASSERT_FALSE(loaded);
  EXPECT_TRUE(ErrorAt(loaded.error(),
                      "zone 'calves' has roller: true, but it is not a zone on the roller track "
                      "(these are: neck, shoulders,",
                      path, line_of(original, "name: \"calves\"") + 1, 3));
}

TEST(ChairModel, ZoneNamingAnActuatorOfTheWrongKindIsRefused) {
  const std::string original = reference_profile_text();
  const std::string text =
      replace_once(original, "heaters: \"heat.calf\"\n}", "heaters: \"airbag.calf\"\n}");
  std::string path;
  auto loaded = load_chair_text(text, &path);
  ASSERT_FALSE(loaded);
  EXPECT_TRUE(ErrorAt(loaded.error(), "zone 'calves': actuator 'airbag.calf' is not TEMPERATURE",
                      path, line_of(original, "heaters: \"heat.calf\"\n}")));
}

TEST(ChairModel, MissingLimitsAreAllReported) {
  const std::string original = reference_profile_text();
  const auto from = original.find("limits {");
  const auto to = original.find("\n}\n", from) + 3;
  ASSERT_NE(from, std::string::npos);
  std::string text = original;
  text.erase(from, to - from);
  std::string path;
  auto loaded = load_chair_text(text, &path);
  ASSERT_FALSE(loaded);
  const Diagnostics& d = loaded.error();
  for (const char* field :
       {"max_session_ms", "max_airbag_kpa", "max_heat_c", "heat_max_on_ms", "heat_window_ms",
        "airbag_max_hold_ms", "board_lease_ms", "max_tracking_error_mm"}) {
    EXPECT_TRUE(HasError(d, std::string("limits.") + field + " must be positive"));
  }
  EXPECT_EQ(d.error_count(), 8u) << d.to_string();
  for (const auto& e : d.items()) EXPECT_EQ(e.where.file, path);

  // One limit missing is placed in the limits block... or at least in the file.
  const std::string one = replace_once(original, "  board_lease_ms: 1000", "");
  auto partial = load_chair_text(one, &path);
  ASSERT_FALSE(partial);
  EXPECT_EQ(partial.error().error_count(), 1u) << partial.error().to_string();
  EXPECT_TRUE(ErrorAt(partial.error(), "limits.board_lease_ms must be positive", path,
                      line_of(original, "limits {")));
}

TEST(ChairModel, TimeLimitsPastADayAreRefusedAndLocated) {
  // A limit this long means nothing on a chair, and sums with it overflow (the session's
  // overrun check, the heat ledger's window, the board's watchdog).
  const std::string original = reference_profile_text();
  std::string text = original;
  for (const char* field :
       {"max_session_ms: 1800000", "heat_max_on_ms: 1800000", "heat_window_ms: 3600000",
        "airbag_max_hold_ms: 60000", "board_lease_ms: 1000", "motor_reverse_rest_ms: 250"}) {
    const std::string name = std::string(field).substr(0, std::string(field).find(':'));
    text = replace_once(text, field, name + ": 9223372036854775807");
  }
  std::string path;
  auto loaded = load_chair_text(text, &path);
  ASSERT_FALSE(loaded);
  for (const char* field : {"max_session_ms", "heat_max_on_ms", "heat_window_ms",
                            "airbag_max_hold_ms", "board_lease_ms", "motor_reverse_rest_ms"}) {
    EXPECT_TRUE(HasError(loaded.error(), std::string("limits.") + field +
                                             " must be at most 86400000 ms (a day), got "
                                             "9223372036854775807"))
        << loaded.error().to_string();
  }
  EXPECT_TRUE(ErrorAt(loaded.error(),
                      "limits.heat_window_ms must be at most 86400000 ms (a day), got "
                      "9223372036854775807",
                      path, line_of(original, "heat_window_ms: 3600000")));
  // A day exactly is kept.
  const std::string day =
      replace_once(original, "heat_window_ms: 3600000", "heat_window_ms: 86400000");
  auto kept = load_chair_text(day, &path);
  EXPECT_TRUE(kept) << (kept ? "" : kept.error().to_string());
}

TEST(ChairModel, RollerDepthLimitsAreCheckedAndLocated) {
  const std::string original = reference_profile_text();
  const std::string line =
      "roller_depth { region: \"neck\"      max_depth_mm: 7.5  max_depth_midline_mm: 7 }";
  ASSERT_NE(original.find(line), std::string::npos);
  std::string path;
  // A region that is not a body zone on the track, named with the ones that are.
  auto unknown = load_chair_text(
      replace_once(original, line,
                   "roller_depth { region: \"nek\" max_depth_mm: 5 max_depth_midline_mm: 3 }"),
      &path);
  ASSERT_FALSE(unknown);
  EXPECT_TRUE(ErrorAt(unknown.error(),
                      "roller_depth: 'nek' is not a body zone on the track "
                      "(expected one of neck, shoulders,",
                      path, line_of(original, line), 18));
  // Deeper than the actuator goes, or deeper over the spine than beside it.
  auto deep = load_chair_text(
      replace_once(original, line,
                   "roller_depth { region: \"neck\" max_depth_mm: 14 max_depth_midline_mm: 3 }"),
      &path);
  ASSERT_FALSE(deep);
  EXPECT_TRUE(HasError(
      deep.error(), "roller_depth 'neck': max_depth_mm 14 must lie within roller.depth's 0..12"));
  auto spine = load_chair_text(
      replace_once(original, line,
                   "roller_depth { region: \"neck\" max_depth_mm: 5 max_depth_midline_mm: 6 }"),
      &path);
  ASSERT_FALSE(spine);
  EXPECT_TRUE(HasError(spine.error(),
                       "max_depth_midline_mm 6 must lie within 0..5 mm (no deeper "
                       "over the spine than beside it)"));
  // A midline width the rollers cannot take, and a negative rest before reversing.
  auto wide = load_chair_text(
      replace_once(replace_once(original, "midline_width_mm: 60", "midline_width_mm: 200"),
                   "motor_reverse_rest_ms: 250", "motor_reverse_rest_ms: -1"),
      &path);
  ASSERT_FALSE(wide);
  EXPECT_TRUE(HasError(wide.error(),
                       "limits.midline_width_mm 200 must lie within roller.width's "
                       "60..140 mm"));
  EXPECT_TRUE(HasError(wide.error(), "limits.motor_reverse_rest_ms cannot be negative"));
  // Left out, the rest before reversing takes its default.
  auto without = load_chair_text(replace_once(original, "motor_reverse_rest_ms: 250", ""), &path);
  ASSERT_TRUE(without) << without.error().to_string();
  EXPECT_EQ((*without)->motor_reverse_rest_ms(), ChairModel::kDefaultMotorReverseRestMs);
}

TEST(ChairModel, PressureThatIsNotEnergisedIsRefused) {
  const std::string original = reference_profile_text();
  // The first energised output of the file is airbag.neck.
  const std::string text = replace_once(original, "  energised: true\n", "");
  std::string path;
  auto loaded = load_chair_text(text, &path);
  ASSERT_FALSE(loaded);
  EXPECT_TRUE(ErrorAt(loaded.error(), "actuator 'airbag.neck': PRESSURE actuators hold energy",
                      path, line_of(original, "id: \"airbag.neck\"") - 1, 1));

  // Heat that halts in place instead of switching off is refused the same way.
  const std::string halting =
      replace_once(original, "unit: \"°C\"\n  min: 0\n  max: 45\n  safe_action: GO_TO_SAFE_VALUE",
                   "unit: \"°C\"\n  min: 0\n  max: 45\n  safe_action: HALT_IN_PLACE");
  auto heat = load_chair_text(halting, &path);
  ASSERT_FALSE(heat);
  EXPECT_TRUE(HasError(heat.error(), "actuator 'heat.lumbar': TEMPERATURE actuators hold energy"));
}

TEST(ChairModel, SeveralMistakesAreReportedTogether) {
  std::string text = reference_profile_text();
  text = replace_once(text, "id: \"roller.width\"", "id: \"Roller Width\"");
  text = replace_once(text, "home: 110", "home: 200");
  text = replace_once(text, "shoulder_mm: 230", "shoulder_mm: 900");
  text = replace_once(text, "seat_mm: 760", "seat_mm: 1400");
  std::string path;
  auto loaded = load_chair_text(text, &path);
  ASSERT_FALSE(loaded);
  const Diagnostics& d = loaded.error();
  EXPECT_TRUE(HasError(d, "actuator id 'Roller Width' must be lowercase words joined by dots"));
  EXPECT_TRUE(HasError(d, "actuator 'recline': home 200"));
  EXPECT_TRUE(HasError(d, "track.seat_mm must lie inside the track"));
  EXPECT_GE(d.error_count(), 3u);
}

TEST(ChairModel, SyntaxErrorsInAProfileAreLocated) {
  const std::string original = reference_profile_text();
  const std::string text = replace_once(original, "kind: SPEED", "kind: SPEEDY");
  std::string path;
  auto loaded = load_chair_text(text, &path);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().items().front().where.file, path);
  EXPECT_EQ(loaded.error().items().front().where.line, line_of(original, "kind: SPEED"));
  EXPECT_EQ(loaded.error().items().front().where.column, unit::column_of(original, "SPEED"));
  EXPECT_TRUE(HasError(loaded.error(), "SPEEDY"));
}

}  // namespace
}  // namespace chaird
