// planner/step_binder: each step checked against the chair and its technique's description
// (through chaird::Planner, with the real shiatsu plugin and the reference chair).
#include "planner/step_binder.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "unit_fixtures.hpp"

namespace chaird {
namespace {

using unit::column_of;
using unit::Contains;
using unit::ErrorAt;
using unit::HasError;
using unit::line_of;
using unit::plan_errors;
using unit::program_text;
using unit::step_item;

TEST(StepBinder, UnknownTechniqueListsTheKnownOnes) {
  const std::string text = program_text({step_item("s", "lumbar", 20000, "", "reiki")});
  const Diagnostics d = plan_errors(text);
  EXPECT_TRUE(ErrorAt(d, "step 's': unknown technique 'reiki' (this chaird has: ", "test.textproto",
                      line_of(text, "technique: \"reiki\""),
                      column_of(text, "technique: \"reiki\"")));
  EXPECT_TRUE(Contains(unit::find_error(d, "reiki")->message, "shiatsu"));
}

TEST(StepBinder, UnknownZoneListsTheZones) {
  const std::string text = program_text({step_item("s", "elbows", 20000)});
  const Diagnostics d = plan_errors(text);
  EXPECT_TRUE(ErrorAt(d, "step 's': unknown zone 'elbows' (zones are: neck, shoulders",
                      "test.textproto", line_of(text, "zone: \"elbows\""),
                      column_of(text, "zone: \"elbows\"")));
}

TEST(StepBinder, MisspeltTechniqueAndZoneSuggestTheClosestName) {
  const std::string technique = program_text({step_item("s", "lumbar", 20000, "", "shiatzu")});
  EXPECT_TRUE(ErrorAt(plan_errors(technique),
                      "step 's': unknown technique 'shiatzu'; did you mean 'shiatsu'? (this "
                      "chaird has: ",
                      "test.textproto", line_of(technique, "technique: \"shiatzu\""),
                      column_of(technique, "technique: \"shiatzu\"")));
  const std::string zone = program_text({step_item("s", "lumbr", 20000)});
  EXPECT_TRUE(ErrorAt(plan_errors(zone),
                      "step 's': unknown zone 'lumbr'; did you mean 'lumbar'? (zones are: neck",
                      "test.textproto", line_of(zone, "zone: \"lumbr\"")));
  // Nothing close: no guess, only the list.
  const std::string far = program_text({step_item("s", "lumbar", 20000, "", "reiki")});
  EXPECT_FALSE(Contains(unit::find_error(plan_errors(far), "reiki")->message, "did you mean"));
}

TEST(StepBinder, ZoneTheChairLacks) {
  // A chair without arm airbags and without the arms zone.
  auto armless =
      unit::chair_variant({{"zones {\n  name: \"arms\"\n  airbags: \"airbag.arm\"\n}\n", ""}});
  ASSERT_NE(armless, nullptr);
  const std::string text = program_text({step_item("s", "arms", 20000)});
  auto plan = unit::plan_on(armless, text);
  ASSERT_FALSE(plan);
  EXPECT_TRUE(ErrorAt(plan.error(),
                      "step 's': chair 'generic_4d_sl' has no zone 'arms' (it has: neck, "
                      "shoulders,",
                      "test.textproto", line_of(text, "zone: \"arms\"")));
  EXPECT_FALSE(Contains(unit::find_error(plan.error(), "has no zone")->message, "arms,"));
}

// A chair without arm airbags, and without heat at the lumbar.
std::shared_ptr<const ChairModel> armless_unheated_chair() {
  return unit::chair_variant(
      {{"zones {\n  name: \"arms\"\n  airbags: \"airbag.arm\"\n}\n", ""},
       {"name: \"lumbar\"\n  roller: true\n  airbags: \"airbag.waist\"\n  heaters: "
        "\"heat.lumbar\"\n",
        "name: \"lumbar\"\n  roller: true\n  airbags: \"airbag.waist\"\n"}});
}

TEST(StepBinder, SideWorkMarkedSkipIfChairLacksIsSkippedWithAWarning) {
  auto chair = armless_unheated_chair();
  ASSERT_NE(chair, nullptr);
  const std::string skip = "skip_if_chair_lacks: true";
  const std::string text = program_text({step_item("presses", "lumbar", 60000),
                                         step_item("warmth", "lumbar", 60000, skip, "heat"),
                                         step_item("squeeze", "arms", 30000, skip, "compression")});
  auto plan = unit::plan_on(chair, text);
  ASSERT_TRUE(plan) << plan.error().to_string();
  // The rest of the program runs, as long as before; the skipped steps leave their time empty.
  ASSERT_EQ((*plan)->timeline.steps.size(), 1u);
  EXPECT_EQ((*plan)->timeline.steps[0].name, "presses");
  EXPECT_EQ((*plan)->timeline.duration_ms, 60000);
  const Diagnostics& w = (*plan)->warnings;
  const auto warned = [&](std::string_view words, int line) {
    for (const auto& item : w.items()) {
      if (item.severity == Severity::kWarning && item.where.line == line &&
          item.message.find(words) != std::string::npos)
        return true;
    }
    return false;
  };
  EXPECT_TRUE(
      warned("step 'warmth': skipped on this chair (skip_if_chair_lacks): technique "
             "'heat' needs heat.*: zone 'lumbar' has no heat.* on this chair",
             line_of(text, "\"warmth\"")))
      << w.to_string();
  EXPECT_TRUE(
      warned("step 'squeeze': skipped on this chair (skip_if_chair_lacks): chair "
             "'generic_4d_sl' has no zone 'arms'",
             line_of(text, "\"squeeze\"")))
      << w.to_string();

  // Without the mark, what the chair lacks refuses the program, as for any step.
  const std::string unmarked = program_text(
      {step_item("presses", "lumbar", 60000), step_item("warmth", "lumbar", 60000, "", "heat")});
  EXPECT_TRUE(
      HasError(unit::plan_on(chair, unmarked).error(),
               "step 'warmth': technique 'heat' needs heat.*: zone 'lumbar' has no heat.*"));
}

TEST(StepBinder, AProgramWhoseEveryStepIsSkippedIsRefused) {
  auto chair = armless_unheated_chair();
  ASSERT_NE(chair, nullptr);
  const std::string text =
      program_text({step_item("warmth", "lumbar", 60000, "skip_if_chair_lacks: true", "heat")});
  auto plan = unit::plan_on(chair, text);
  ASSERT_FALSE(plan) << "a session with nothing to do was planned";
  EXPECT_TRUE(ErrorAt(plan.error(),
                      "nothing is left to play on chair 'generic_4d_sl': it lacks what every step "
                      "needs, and each is marked skip_if_chair_lacks",
                      "test.textproto", 1, 1));
}

TEST(StepBinder, SkipIfChairLacksDoesNotExcuseAMistakeInTheStep) {
  auto chair = armless_unheated_chair();
  ASSERT_NE(chair, nullptr);
  const std::string skip = "skip_if_chair_lacks: true";
  const std::string text = program_text(
      {step_item("presses", "lumbar", 60000), step_item("warmth", "lumbar", 60000, skip, "haet"),
       step_item("squeeze", "arms", 30000, skip + " params { name: \"hold_s\" number: 99 }",
                 "compression")});
  auto plan = unit::plan_on(chair, text);
  ASSERT_FALSE(plan);
  EXPECT_TRUE(ErrorAt(plan.error(), "step 'warmth': unknown technique 'haet'", "test.textproto",
                      line_of(text, "\"warmth\"")));
  EXPECT_TRUE(HasError(plan.error(), "step 'squeeze': parameter 'hold_s'"));
}

TEST(StepBinder, RollerTechniqueOnAZoneTheRollersDoNotReach) {
  const std::string calves = program_text({step_item("s", "calves", 20000)});
  EXPECT_TRUE(
      ErrorAt(plan_errors(calves),
              "step 's': technique 'shiatsu' needs roller.position: the rollers do not reach zone "
              "'calves' on this chair",
              "test.textproto", line_of(calves, "zone: \"calves\"")));

  // On an S-track chair the profile leaves the rollers out of the thighs.
  auto s_track = unit::chair_variant({{"length_mm: 1350", "length_mm: 765"},
                                      {"max: 1350", "max: 765"},
                                      {"name: \"glutes\"\n  roller: true", "name: \"glutes\""},
                                      {"name: \"thighs\"\n  roller: true", "name: \"thighs\""},
                                      {"name: \"legs\"\n  roller: true", "name: \"legs\""}});
  ASSERT_NE(s_track, nullptr);
  auto plan = unit::plan_on(s_track, program_text({step_item("s", "thighs", 20000)}));
  ASSERT_FALSE(plan);
  EXPECT_TRUE(HasError(plan.error(), "the rollers do not reach zone 'thighs' on this chair"));
  // The lumbar is still within reach.
  EXPECT_TRUE(unit::plan_on(s_track, program_text({step_item("s", "lumbar", 20000)})));
}

TEST(StepBinder, AZoneOnTheTrackForTheDefaultBodyCanLieBeyondItForATallSitter) {
  // The track ends 36 mm into the default body's thighs; a tall sitter's thighs start lower,
  // leaving less than the rollers can work.
  auto short_l =
      unit::chair_variant({{"length_mm: 1350", "length_mm: 900"}, {"max: 1350", "max: 900"}});
  ASSERT_NE(short_l, nullptr);
  const std::string text = program_text({step_item("s", "thighs", 20000)});
  EXPECT_TRUE(unit::plan_on(short_l, text));
  PlanOptions tall;
  tall.body.height_cm = 195;
  auto plan = unit::plan_on(short_l, text, tall);
  ASSERT_FALSE(plan);
  EXPECT_TRUE(ErrorAt(plan.error(),
                      "step 's': technique 'shiatsu' needs roller.position: zone 'thighs' lies "
                      "beyond the end of this chair's track",
                      "test.textproto", line_of(text, "zone: \"thighs\"")));
}

TEST(StepBinder, RollerActuatorTheChairLacksIsNamedNotBlamedOnTheTrack) {
  // A chair without tapping heads: the shoulders are on the track; what tapping lacks there is
  // the tapping motor.
  auto untapped = unit::chair_variant({{"  id: \"roller.tap\"", "  id: \"roller.tap_unused\""}});
  ASSERT_NE(untapped, nullptr);
  const std::string text = program_text({step_item("s", "shoulders", 20000, "", "tapping")});
  auto plan = unit::plan_on(untapped, text);
  ASSERT_FALSE(plan);
  EXPECT_TRUE(ErrorAt(plan.error(),
                      "step 's': technique 'tapping' needs roller.tap: chair 'generic_4d_sl' "
                      "has no roller.tap",
                      "test.textproto", line_of(text, "zone: \"shoulders\"")));
  EXPECT_FALSE(HasError(plan.error(), "beyond the end"));
}

TEST(StepBinder, ParameterOutOfRange) {
  const std::string text = program_text(
      {step_item("s", "lumbar", 20000, "\n      params { name: \"points\" integer: 20 }")});
  EXPECT_TRUE(ErrorAt(plan_errors(text), "step 's': parameter 'points': points 20 is outside 2..12",
                      "test.textproto", line_of(text, "params"), column_of(text, "params")));
  const std::string low = program_text(
      {step_item("s", "lumbar", 20000, "params { name: \"hold_fraction\" number: 0.1 }")});
  EXPECT_TRUE(HasError(plan_errors(low),
                       "parameter 'hold_fraction': hold_fraction 0.1 is outside 0.2..0.6"));
  const std::string nan = program_text(
      {step_item("s", "lumbar", 20000, "params { name: \"hold_fraction\" number: nan }")});
  EXPECT_TRUE(HasError(plan_errors(nan), "parameter 'hold_fraction'"));
}

TEST(StepBinder, ParameterOfTheWrongType) {
  const std::string choice = program_text(
      {step_item("s", "lumbar", 20000, "params { name: \"points\" choice: \"many\" }")});
  // Each says what the parameter takes, what was written, and how to write it.
  EXPECT_TRUE(HasError(plan_errors(choice),
                       "step 's': parameter 'points' takes an integer 2..12, got the choice "
                       "\"many\": write params { name: \"points\" integer: 5 }"));
  const std::string number =
      program_text({step_item("s", "lumbar", 20000, "params { name: \"points\" number: 4.5 }")});
  EXPECT_TRUE(HasError(plan_errors(number),
                       "parameter 'points' takes an integer 2..12, got the number 4.5: write "
                       "params { name: \"points\" integer: 5 }"));
  // A whole number written as a number is shown as the integer it meant.
  const std::string whole_number =
      program_text({step_item("s", "lumbar", 20000, "params { name: \"points\" number: 4 }")});
  EXPECT_TRUE(HasError(plan_errors(whole_number),
                       "parameter 'points' takes an integer 2..12, got the number 4: write "
                       "params { name: \"points\" integer: 4 }"));
  const std::string flag =
      program_text({step_item("s", "lumbar", 20000, "params { name: \"width\" flag: true }")});
  EXPECT_TRUE(HasError(plan_errors(flag),
                       "parameter 'width' takes one of narrow, medium, wide, got the flag true: "
                       "write params { name: \"width\" choice: \"narrow\" }"));
  const std::string empty =
      program_text({step_item("s", "lumbar", 20000, "params { name: \"width\" }")});
  EXPECT_TRUE(HasError(plan_errors(empty),
                       "parameter 'width' takes one of narrow, medium, wide, got no value: write "
                       "params { name: \"width\" choice: \"narrow\" }"));
  const std::string integer =
      program_text({step_item("s", "lumbar", 20000, "params { name: \"width\" integer: 2 }")});
  EXPECT_TRUE(HasError(plan_errors(integer),
                       "parameter 'width' takes one of narrow, medium, wide, got the integer 2"));
  const std::string quoted = program_text(
      {step_item("s", "lumbar", 20000, "params { name: \"hold_fraction\" choice: \"0.3\" }")});
  EXPECT_TRUE(HasError(plan_errors(quoted),
                       "parameter 'hold_fraction' takes a number 0.2..0.6, got the choice \"0.3\": "
                       "write params { name: \"hold_fraction\" number: 0.3 }"));
  const std::string wrong = program_text(
      {step_item("s", "lumbar", 20000, "params { name: \"width\" choice: \"huge\" }")});
  EXPECT_TRUE(HasError(plan_errors(wrong),
                       "parameter 'width': 'huge' is not one of: narrow, medium, wide"));
  // An integer is a fine number.
  const std::string whole =
      program_text({step_item("s", "lumbar", 20000, "params { name: \"points\" integer: 3 }")});
  EXPECT_TRUE(test::plan_text(whole));
}

TEST(StepBinder, UnknownAndDuplicateParameters) {
  const std::string unknown =
      program_text({step_item("s", "lumbar", 20000, "params { name: \"pressure\" number: 1 }")});
  EXPECT_TRUE(HasError(plan_errors(unknown),
                       "step 's': technique 'shiatsu' has no parameter 'pressure' (it has: "
                       "points, hold_fraction, width, direction)"));
  const std::string twice = program_text({step_item(
      "s", "lumbar", 20000,
      "params { name: \"points\" integer: 3 }\n      params { name: \"points\" integer: 4 }")});
  const Diagnostics d = plan_errors(twice);
  const Diagnostic* e = unit::find_error(d, "step 's': parameter 'points': given twice");
  ASSERT_NE(e, nullptr) << d.to_string();
  EXPECT_EQ(e->where.line, line_of(twice, "integer: 4"));  // the second one
}

TEST(StepBinder, TempoOutsideTheTechniquesRange) {
  const std::string fast = program_text({step_item("s", "lumbar", 20000, "tempo_cpm: 50")});
  EXPECT_TRUE(ErrorAt(plan_errors(fast),
                      "step 's': tempo 50 cpm is outside technique 'shiatsu''s range 4..30 cpm",
                      "test.textproto", line_of(fast, "tempo_cpm"), column_of(fast, "tempo_cpm")));
  const std::string slow = program_text({step_item("s", "lumbar", 20000, "tempo_cpm: 2")});
  EXPECT_TRUE(HasError(plan_errors(slow), "tempo 2 cpm is outside"));
}

TEST(StepBinder, EveryProblemOfAFileIsReportedAtOnce) {
  const std::string text =
      program_text({step_item("a", "lumbar", 20000, "", "reiki") + step_item("b", "elbows", 20000) +
                        step_item("c", "lumbar", 20000, "tempo_cpm: 99") +
                        step_item("d", "lumbar", 20000, "params { name: \"points\" integer: 1 }"),
                    step_item("e", "calves", 20000)});
  const Diagnostics d = plan_errors(text);
  // Step e lacks the one actuator shiatsu requires (the roller position): five in all.
  EXPECT_EQ(d.error_count(), 5u) << d.to_string();
  for (const char* who : {"step 'a'", "step 'b'", "step 'c'", "step 'd'", "step 'e'"}) {
    EXPECT_TRUE(HasError(d, who));
  }
}

TEST(StepBinder, DefaultsAndSessionScaling) {
  const std::string text =
      program_text({step_item("plain", "glutes", 20000) +
                    step_item("strong", "glutes", 20000, "intensity: 0.8 tempo_cpm: 28")});
  auto plain = test::plan_text(text);
  ASSERT_TRUE(plain) << plain.error().to_string();
  const auto& steps = plain->plan->timeline.steps;
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_DOUBLE_EQ(steps[0].intensity, 0.5);
  EXPECT_DOUBLE_EQ(steps[0].tempo_cpm, 12.0);  // shiatsu's default
  EXPECT_DOUBLE_EQ(steps[1].intensity, 0.8);
  EXPECT_DOUBLE_EQ(steps[1].tempo_cpm, 28.0);

  PlanOptions scaled;
  scaled.scaling.intensity_scale = 1.5;
  scaled.scaling.speed_scale = 1.5;
  auto more = test::plan_text(text, scaled);
  ASSERT_TRUE(more) << more.error().to_string();
  const auto& s = more->plan->timeline.steps;
  EXPECT_DOUBLE_EQ(s[0].intensity, 0.75);
  EXPECT_DOUBLE_EQ(s[0].tempo_cpm, 18.0);
  EXPECT_DOUBLE_EQ(s[1].intensity, 1.0);   // clamped to 1
  EXPECT_DOUBLE_EQ(s[1].tempo_cpm, 30.0);  // clamped to the technique's range

  // The session's scales are clamped to their documented ranges.
  PlanOptions wild;
  wild.scaling.intensity_scale = 10.0;
  wild.scaling.speed_scale = 0.01;
  auto clamped = test::plan_text(text, wild);
  ASSERT_TRUE(clamped) << clamped.error().to_string();
  EXPECT_DOUBLE_EQ(clamped->plan->options.scaling.intensity_scale, 1.5);
  EXPECT_DOUBLE_EQ(clamped->plan->options.scaling.speed_scale, 0.5);
  EXPECT_DOUBLE_EQ(clamped->plan->timeline.steps[0].tempo_cpm, 6.0);
}

TEST(StepBinder, AFocusLightensTheStepsElsewhereSoThatItsAreasStandOut) {
  const std::string text =
      program_text({step_item("top", "shoulders", 20000, "intensity: 0.4") +
                    step_item("low", "lumbar", 20000, "intensity: 0.3") +
                    step_item("calves", "calves", 20000, "intensity: 0.9", "compression")});
  PlanOptions focused;
  // upper_back takes in the shoulders (their spans overlap on the track); calves by name.
  focused.scaling.focus_areas = {"calves", "upper_back"};
  auto planned = test::plan_text(text, focused);
  ASSERT_TRUE(planned) << planned.error().to_string();
  const auto& steps = planned->plan->timeline.steps;
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_DOUBLE_EQ(steps[0].intensity, 0.4);  // focus areas keep their own strength
  EXPECT_DOUBLE_EQ(steps[1].intensity, 0.3 * kOutsideFocusFactor);
  EXPECT_DOUBLE_EQ(steps[2].intensity, 0.9);
  // A re-plan with the focus ended gives the steps back their own strength.
  PlanOptions ended = focused;
  ended.scaling.focus_areas.clear();
  auto replanned = Planner().replan(*planned->plan, 0, ended);
  ASSERT_TRUE(replanned) << replanned.error().to_string();
  EXPECT_DOUBLE_EQ((*replanned)->timeline.steps[1].intensity, 0.3);
}

TEST(StepBinder, FamilyInZone) {
  const auto c = unit::chair();
  const ZoneSpec* legs = c->zone("legs");
  ASSERT_NE(legs, nullptr);
  EXPECT_EQ(family_in_zone(*c, *legs, "airbag").size(), 3u);
  EXPECT_EQ(family_in_zone(*c, *legs, "heat").size(), 1u);
  EXPECT_EQ(family_in_zone(*c, *legs, "foot_roller").size(), 1u);
  EXPECT_TRUE(family_in_zone(*c, *legs, "vibration").empty());
  // Families the zones do not list come from the whole chair.
  EXPECT_EQ(family_in_zone(*c, *legs, "roller").size(), 5u);
}

}  // namespace
}  // namespace chaird
