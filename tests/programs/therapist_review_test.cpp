// The therapist's review `chairctl lint` runs: each check finds what it is for in a small
// program and is quiet on the same program done right; acceptances need a known check, a
// warning and a reason; and the shipped library passes: no error, and every warning left is
// accepted in its file with a reason.
#include "library/therapist_review.hpp"

#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "library/program_library.hpp"
#include "planner/body_model.hpp"
#include "safety/contraindication_rules.hpp"
#include "test_support.hpp"

namespace chaird {
namespace {

namespace fs = std::filesystem;

struct Reviewed {
  ReviewResult result;
  std::shared_ptr<const Plan> plan;
};

struct Checking {
  std::shared_ptr<const ChairModel> chair = test::reference_chair();
  SafetyGovernor governor{chair, SessionLimits{}};
  ProgramCheckContext context;
  Checking() {
    context.chair = chair;
    context.catalog = test::shipped_techniques();
    context.governor = &governor;
    // include_program finds the shipped programs.
    context.resolver = [](std::string_view id) -> ProgramRef {
      auto p = read_program_file(test::source_dir() + "/sequences/programs/" + std::string(id) +
                                 ".textproto");
      return p ? *p : nullptr;
    };
  }
};

// Reviews a program as lint does: as written, and at the sitter's highest intensity.
Reviewed review(const ProgramRef& program, const ProgramCheckContext& context,
                const std::vector<ConditionRule>* rules = nullptr) {
  auto checked = check_program(program, context);
  EXPECT_TRUE(checked) << checked.error().to_string();
  if (!checked) return {};
  ReviewInputs inputs = plan_at_highest(program, context, *checked->plan);
  inputs.rules = rules;
  return {review_program(*program, *checked->plan, inputs), checked->plan};
}

Reviewed review_text(const std::string& text) {
  static const Checking checking;
  auto program = parse_program_text(text, "review.textproto");
  EXPECT_TRUE(program) << program.error().to_string();
  if (!program) return {};
  return review(*program, checking.context);
}

// The findings of one check, as lint prints them.
std::vector<std::string> of_check(const Diagnostics& d, const std::string& check) {
  std::vector<std::string> out;
  for (const auto& item : d.items())
    if (item.message.find("[" + check + "]") != std::string::npos) out.push_back(item.to_string());
  return out;
}

std::string program(const std::string& metadata, const std::string& tracks) {
  return "metadata { id: \"t\" name: \"test\" " + metadata + " }\nphases { kind: MAIN " + tracks +
         " }\n";
}

std::string rollers(const std::string& steps) {
  return "tracks { kind: BACK_ROLLERS " + steps + " }";
}

std::string step(const std::string& name, const std::string& technique, const std::string& zone,
                 std::int64_t ms, const std::string& extra = "") {
  return "items { step { name: \"" + name + "\" technique: \"" + technique + "\" zone: \"" + zone +
         "\" duration_ms: " + std::to_string(ms) + " " + extra + " } }";
}

// Just below the shoulder line (C7) the profile's shoulder limit holds, but the vertebrae are
// the neck's: a trigger point pressed there at medium width, which the governor allows up to
// 10 mm, is held to the neck's 7.5 mm, at the highest intensity the sitter can ask for.
std::string c7_point(const std::string& metadata, double position) {
  return program(metadata, rollers(step("c7 point", "trigger_point", "shoulders", 90000,
                                        "intensity: 0.7 params { name: \"position\" number: " +
                                            std::to_string(position) +
                                            " } params { name: \"width\" choice: \"medium\" }")));
}

TEST(TherapistReview, ADeepPressOnTheLowerNeckIsAnError) {
  const auto deep = review_text(c7_point("", 0.4));
  const auto found = of_check(deep.result.findings, "lower-neck-deep");
  ASSERT_EQ(found.size(), 1u) << deep.result.findings.to_string();
  EXPECT_NE(found[0].find("error:"), std::string::npos) << found[0];
  EXPECT_NE(found[0].find("C6-C7"), std::string::npos) << found[0];
  EXPECT_NE(found[0].find("at most 7.5 mm"), std::string::npos) << found[0];
  // The same point lower on the shoulders, past the lower neck, is fine.
  const auto lower = review_text(c7_point("", 0.9));
  EXPECT_TRUE(of_check(lower.result.findings, "lower-neck-deep").empty())
      << lower.result.findings.to_string();
}

// The kiosk's 1.5x refused outright: lint says up to where the program runs.
TEST(TherapistReview, AProgramRefusedAtTheSittersHighestIntensityIsTold) {
  const auto refused = review_text(c7_point("", 0.9));
  const auto found = of_check(refused.result.findings, "strongest-refused");
  ASSERT_EQ(found.size(), 1u) << refused.result.findings.to_string();
  EXPECT_NE(found[0].find("(1.50x) chaird refuses this program"), std::string::npos) << found[0];
  EXPECT_NE(found[0].find("set metadata.max_intensity_scale to"), std::string::npos) << found[0];
  const auto held = review_text(c7_point("max_intensity_scale: 1.0", 0.9));
  EXPECT_TRUE(of_check(held.result.findings, "strongest-refused").empty())
      << held.result.findings.to_string();
}

TEST(TherapistReview, AJumpInIntensityBetweenNeighbouringStepsIsTold) {
  const auto jump = review_text(
      program("", rollers(step("warm", "rolling", "back", 60000, "intensity: 0.3") +
                          step("deep", "kneading", "lumbar", 60000, "intensity: 0.7"))));
  const auto found = of_check(jump.result.findings, "intensity-jump");
  ASSERT_EQ(found.size(), 1u) << jump.result.findings.to_string();
  EXPECT_NE(found[0].find("from 0.30 ('warm') to 0.70"), std::string::npos) << found[0];
  const auto built_up = review_text(
      program("", rollers(step("warm", "rolling", "back", 60000, "intensity: 0.3") +
                          step("firmer", "kneading", "lumbar", 60000, "intensity: 0.5") +
                          step("deep", "kneading", "lumbar", 60000, "intensity: 0.7"))));
  EXPECT_TRUE(of_check(built_up.result.findings, "intensity-jump").empty())
      << built_up.result.findings.to_string();
}

std::string heat_track(const std::string& steps) {
  return "tracks { kind: HEAT " + steps + " }";
}

TEST(TherapistReview, HeatToTheLastMinuteIsTold) {
  const auto late = review_text(
      program("", rollers(step("knead", "kneading", "lumbar", 300000, "intensity: 0.4")) +
                      heat_track(step("warm", "heat", "lumbar", 300000))));
  const auto found = of_check(late.result.findings, "heat-until-end");
  ASSERT_EQ(found.size(), 1u) << late.result.findings.to_string();
  EXPECT_NE(found[0].find("heat.lumbar"), std::string::npos) << found[0];
  const auto early = review_text(
      program("", rollers(step("knead", "kneading", "lumbar", 300000, "intensity: 0.4")) +
                      heat_track(step("warm", "heat", "lumbar", 150000))));
  EXPECT_TRUE(of_check(early.result.findings, "heat-until-end").empty())
      << early.result.findings.to_string();
}

TEST(TherapistReview, HeatThatStartsAfterTheWorkIsTold) {
  const auto after = review_text(program(
      "", rollers(step("knead", "kneading", "lumbar", 240000, "intensity: 0.4")) +
              heat_track(step("late warmth", "heat", "lumbar", 60000, "start_ms: 180000"))));
  const auto found = of_check(after.result.findings, "heat-after-work");
  ASSERT_EQ(found.size(), 1u) << after.result.findings.to_string();
  EXPECT_NE(found[0].find("late warmth"), std::string::npos) << found[0];
  const auto before = review_text(
      program("", rollers(step("knead", "kneading", "lumbar", 240000, "intensity: 0.4")) +
                      heat_track(step("warm first", "heat", "lumbar", 120000))));
  EXPECT_TRUE(of_check(before.result.findings, "heat-after-work").empty())
      << before.result.findings.to_string();
}

TEST(TherapistReview, TappingWithoutTheBloodThinnerContraindicationIsTold) {
  const std::string tapping = rollers(step("tap", "tapping", "back", 60000, "intensity: 0.4") +
                                      step("roll", "rolling", "back", 60000, "intensity: 0.4"));
  const auto open = review_text(program("", tapping));
  const auto found = of_check(open.result.findings, "contraindications");
  ASSERT_FALSE(found.empty()) << open.result.findings.to_string();
  EXPECT_NE(open.result.findings.to_string().find("'anticoagulants'"), std::string::npos)
      << open.result.findings.to_string();
  const auto listed = review_text(
      program("contraindications: \"anticoagulants\" contraindications: \"postpartum\"", tapping));
  EXPECT_TRUE(of_check(listed.result.findings, "contraindications").empty())
      << listed.result.findings.to_string();
}

TEST(TherapistReview, AGentleProgramMustCapTheSessionIntensity) {
  const std::string steps = rollers(step("knead", "kneading", "back", 60000, "intensity: 0.4"));
  const auto open = review_text(program("intensity_class: GENTLE", steps));
  const auto found = of_check(open.result.findings, "gentle-stays-gentle");
  ASSERT_EQ(found.size(), 1u) << open.result.findings.to_string();
  EXPECT_NE(found[0].find("runs at 0.60"), std::string::npos) << found[0];
  EXPECT_NE(found[0].find("max_intensity_scale to 1.25"), std::string::npos) << found[0];
  const auto capped =
      review_text(program("intensity_class: GENTLE max_intensity_scale: 1.25", steps));
  EXPECT_TRUE(of_check(capped.result.findings, "gentle-stays-gentle").empty())
      << capped.result.findings.to_string();
}

// Rollers that stop before their step ends, with nothing of the step moving: the plan of a
// rolling step with its strokes after 1:00 taken out, as a technique that ran out of work
// would leave it. The step as planned keeps working to its end.
TEST(TherapistReview, RollersThatRestOnOneSpotUntilTheStepEndsAreTold) {
  auto source = parse_program_text(
      program("", rollers(step("strokes", "rolling", "back", 120000, "intensity: 0.4"))),
      "review.textproto");
  ASSERT_TRUE(source) << source.error().to_string();
  auto planned =
      Planner().plan(*source, {}, test::reference_chair(), test::shipped_techniques(), {});
  ASSERT_TRUE(planned) << planned.error().to_string();
  EXPECT_TRUE(of_check(review_program(**source, **planned).findings, "parked-rollers").empty());

  Plan stopped = **planned;
  std::erase_if(stopped.timeline.commands, [&](const TimelineCommand& c) {
    return c.start_ms >= 60000 && c.start_ms < 115000 && c.source == CommandSource::kTechnique;
  });
  const auto found = of_check(review_program(**source, stopped).findings, "parked-rollers");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0].find("step 'strokes': the rollers stop at"), std::string::npos) << found[0];
}

TEST(TherapistReview, AWarningIsAcceptedOnlyWithAKnownCheckAndAReason) {
  const std::string tracks = rollers(step("warm", "rolling", "back", 60000, "intensity: 0.3") +
                                     step("deep", "kneading", "lumbar", 60000, "intensity: 0.7"));
  const auto accepted = review_text(program(
      "lint_accepted { check: \"intensity-jump\" step: \"deep\" reason: \"a test\" }", tracks));
  EXPECT_TRUE(of_check(accepted.result.findings, "intensity-jump").empty());
  EXPECT_EQ(accepted.result.accepted, 1u);

  const auto no_reason =
      review_text(program("lint_accepted { check: \"intensity-jump\" step: \"deep\" }", tracks));
  EXPECT_NE(no_reason.result.findings.to_string().find("give the reason"), std::string::npos)
      << no_reason.result.findings.to_string();
  EXPECT_EQ(of_check(no_reason.result.findings, "intensity-jump").size(), 1u);

  const auto unknown =
      review_text(program("lint_accepted { check: \"intensity-jumps\" reason: \"typo\" }", tracks));
  EXPECT_NE(unknown.result.findings.to_string().find("unknown check"), std::string::npos);
  EXPECT_TRUE(unknown.result.findings.has_errors());

  const auto stale = review_text(
      program("lint_accepted { check: \"heat-until-end\" reason: \"there is no heat\" }", tracks));
  EXPECT_NE(stale.result.findings.to_string().find("matches nothing"), std::string::npos)
      << stale.result.findings.to_string();

  const auto error = review_text(
      c7_point("lint_accepted { check: \"lower-neck-deep\" reason: \"we like it\" }", 0.4));
  EXPECT_NE(error.result.findings.to_string().find("cannot be accepted"), std::string::npos);
  EXPECT_EQ(of_check(error.result.findings, "lower-neck-deep").size(), 1u);
}

TEST(TherapistReview, DeepWorkOnTheSpinesMidlineIsTold) {
  const std::string presses = "intensity: 0.6 params { name: \"points\" integer: 6 }";
  const auto narrow = review_text(
      program("", rollers(step("thoracic presses", "shiatsu", "thoracic", 90000,
                               presses + " params { name: \"width\" choice: \"narrow\" }"))));
  const auto found = of_check(narrow.result.findings, "midline-deep");
  ASSERT_EQ(found.size(), 1u) << narrow.result.findings.to_string();
  EXPECT_NE(found[0].find("at their narrowest (60 mm apart), on the spine's midline"),
            std::string::npos)
      << found[0];
  const auto beside = review_text(
      program("", rollers(step("thoracic presses", "shiatsu", "thoracic", 90000,
                               presses + " params { name: \"width\" choice: \"medium\" }"))));
  EXPECT_TRUE(of_check(beside.result.findings, "midline-deep").empty())
      << beside.result.findings.to_string();
}

// A rule that skips the work for the condition covers it as well as the program's own list.
TEST(TherapistReview, TheContraindicationRulesCoverWhatTheySkip) {
  static const Checking checking;
  auto rules = load_contraindication_rules(
      test::source_dir() + "/sequences/safety/contraindications.textproto",
      {checking.context.catalog->names(), BodyModel::known_zones(), BodyModel::track_zones()});
  ASSERT_TRUE(rules) << rules.error().to_string();
  auto source = parse_program_text(
      program("", rollers(step("tap", "tapping", "back", 60000, "intensity: 0.4"))),
      "review.textproto");
  ASSERT_TRUE(source) << source.error().to_string();
  const auto without = review(*source, checking.context);
  EXPECT_NE(without.result.findings.to_string().find("'anticoagulants'"), std::string::npos);
  const auto with = review(*source, checking.context, &rules->rules);
  EXPECT_EQ(with.result.findings.to_string().find("'anticoagulants'"), std::string::npos)
      << with.result.findings.to_string();
}

// The foot rollers are a family of one ("foot_roller" has no dot): a jump in their strength is
// told on a chair whose feet have no airbags to give it away.
TEST(TherapistReview, AJumpInTheFootRollersIsToldOnAChairWithoutFootAirbags) {
  std::ifstream in(test::reference_chair_path());
  std::stringstream text;
  text << in.rdbuf();
  chair::v1::ChairProfile profile;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(text.str(), &profile));
  auto* actuators = profile.mutable_actuators();
  actuators->erase(
      std::remove_if(actuators->begin(), actuators->end(),
                     [](const chair::v1::Actuator& a) { return a.id() == "airbag.foot"; }),
      actuators->end());
  for (auto& z : *profile.mutable_zones()) {
    auto* bags = z.mutable_airbags();
    bags->erase(std::remove(bags->begin(), bags->end(), "airbag.foot"), bags->end());
  }
  auto chair =
      ChairModel::build(std::move(profile), TextFileSource{"no_foot_bags.textproto", nullptr});
  ASSERT_TRUE(chair) << chair.error().to_string();
  auto source = parse_program_text(
      program("", "tracks { kind: FEET " +
                      step("light soles", "foot_reflexology", "feet", 60000, "intensity: 0.2") +
                      step("firm soles", "foot_reflexology", "feet", 60000, "intensity: 0.9") +
                      " }"),
      "review.textproto");
  ASSERT_TRUE(source) << source.error().to_string();
  auto planned = Planner().plan(*source, {}, *chair, test::shipped_techniques(), {});
  ASSERT_TRUE(planned) << planned.error().to_string();
  EXPECT_EQ(of_check(review_program(**source, **planned).findings, "intensity-jump").size(), 1u);
}

TEST(TherapistReview, AnAcceptanceNamesAStepWrittenWithoutANameAsLintPrintsIt) {
  const std::string tracks =
      rollers(step("warm", "rolling", "back", 60000, "intensity: 0.3") +
              "items { step { technique: \"kneading\" zone: \"lumbar\" duration_ms: 60000 "
              "intensity: 0.7 } }");
  const auto open = review_text(program("", tracks));
  ASSERT_EQ(of_check(open.result.findings, "intensity-jump").size(), 1u);
  EXPECT_NE(open.result.findings.to_string().find("step 'kneading@lumbar'"), std::string::npos);
  const auto accepted = review_text(program(
      "lint_accepted { check: \"intensity-jump\" step: \"kneading@lumbar\" reason: \"a test\" }",
      tracks));
  EXPECT_TRUE(accepted.result.findings.empty()) << accepted.result.findings.to_string();
}

// Two acceptances that both match are both used: neither is told to be removed.
TEST(TherapistReview, EveryMatchingAcceptanceIsUsed) {
  const auto both = review_text(
      program("lint_accepted { check: \"intensity-jump\" reason: \"the whole program\" } "
              "lint_accepted { check: \"intensity-jump\" step: \"deep\" reason: \"this step\" }",
              rollers(step("warm", "rolling", "back", 60000, "intensity: 0.3") +
                      step("deep", "kneading", "lumbar", 60000, "intensity: 0.7"))));
  EXPECT_TRUE(both.result.findings.empty()) << both.result.findings.to_string();
}

// gentle_warmup accepts its heat to the end because the programs that include it carry on
// after it; a program that ends with it does not, and is told, whatever gentle_warmup says.
TEST(TherapistReview, AnIncludedProgramsAcceptanceDoesNotCoverTheSessionAroundIt) {
  const std::string metadata =
      "metadata { id: \"t\" name: \"test\" contraindications: \"fracture\" contraindications: "
      "\"acute_injury\" contraindications: \"pregnancy\" contraindications: \"fever\" "
      "contraindications: \"skin_condition\" }\n";
  static const Checking checking;
  auto warmup =
      read_program_file(test::source_dir() + "/sequences/programs/gentle_warmup.textproto");
  ASSERT_TRUE(warmup) << warmup.error().to_string();
  const auto alone = review(*warmup, checking.context);
  EXPECT_TRUE(of_check(alone.result.findings, "heat-until-end").empty())
      << alone.result.findings.to_string();
  EXPECT_EQ(alone.result.accepted, 1u);
  const auto ending =
      review_text(metadata + "phases { kind: MAIN " +
                  rollers(step("knead", "kneading", "back", 60000, "intensity: 0.3")) +
                  " }\nphases { include_program: \"gentle_warmup\" }\n");
  EXPECT_EQ(of_check(ending.result.findings, "heat-until-end").size(), 1u)
      << ending.result.findings.to_string();
}

// In a stretch the rollers hold the body still as a fulcrum: not parked.
TEST(TherapistReview, AStretchsStillRollersAreNotParked) {
  auto source = parse_program_text(
      program("", rollers(step("stretch", "stretch", "back", 120000, "intensity: 0.4"))),
      "review.textproto");
  ASSERT_TRUE(source) << source.error().to_string();
  auto planned =
      Planner().plan(*source, {}, test::reference_chair(), test::shipped_techniques(), {});
  ASSERT_TRUE(planned) << planned.error().to_string();
  Plan stopped = **planned;
  std::erase_if(stopped.timeline.commands, [&](const TimelineCommand& c) {
    return c.start_ms >= 60000 && c.start_ms < 115000 && c.source == CommandSource::kTechnique;
  });
  EXPECT_TRUE(of_check(review_program(**source, stopped).findings, "parked-rollers").empty());
}

// The library a physiotherapist signs: no error anywhere, and no warning without a reason.
TEST(TherapistReview, TheShippedProgramsPassWithEveryWarningExplained) {
  Checking checking;
  ProgramCheckContext& context = checking.context;
  Diagnostics refusals;
  const auto library =
      ProgramLibrary::load({test::source_dir() + "/sequences/programs"}, context, refusals);
  context.resolver = ProgramLibrary::resolver(library);
  ASSERT_TRUE(refusals.empty()) << refusals.to_string();
  auto rules = load_contraindication_rules(
      test::source_dir() + "/sequences/safety/contraindications.textproto",
      {context.catalog->names(), BodyModel::known_zones(), BodyModel::track_zones()});
  ASSERT_TRUE(rules) << rules.error().to_string();
  std::size_t reviewed = 0;
  for (const auto& entry : fs::directory_iterator(test::source_dir() + "/sequences/programs")) {
    auto program = read_program_file(entry.path().string());
    ASSERT_TRUE(program) << program.error().to_string();
    const auto reviewed_program = review(*program, context, &rules->rules);
    EXPECT_TRUE(reviewed_program.result.findings.empty())
        << reviewed_program.result.findings.to_string();
    ++reviewed;
  }
  EXPECT_GE(reviewed, 17u);
}

}  // namespace
}  // namespace chaird
