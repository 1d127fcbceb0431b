// A sitter's contraindication rules, applied: the planner skips, fills, shortens and caps as
// each rule says and tells why; the safety governor refuses any timeline that breaks them,
// however it was made; a re-plan keeps them.
#include "timeline/sitter_rules.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "library/program_checker.hpp"
#include "safety/rule_limits.hpp"
#include "safety/safety_governor.hpp"
#include "unit_fixtures.hpp"

namespace chaird::unit {
namespace {

ConditionRule rule(RuleAction action, std::vector<std::string> techniques,
                   std::vector<std::string> zones) {
  ConditionRule r;
  r.condition = "osteoporosis";
  r.reason = "fragile bones";
  r.action = action;
  r.techniques = std::move(techniques);
  r.zones = std::move(zones);
  r.where = {"rules.textproto", 7, 1};
  return r;
}

ConditionRule skip(std::vector<std::string> techniques, std::vector<std::string> zones,
                   SkipGap gap) {
  auto r = rule(RuleAction::kSkip, std::move(techniques), std::move(zones));
  r.gap = gap;
  return r;
}

PlanOptions with_rules(std::vector<ConditionRule> rules, const std::string& program_id = "t") {
  PlanOptions options;
  options.scaling.sitter = std::make_shared<const SitterRules>(
      rules, std::vector<std::string>{"osteoporosis"}, std::vector<std::string>{program_id},
      *test::reference_chair());
  return options;
}

bool mentions(const std::vector<std::string>& lines, std::string_view text) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& l) { return l.find(text) != std::string::npos; });
}

const TimelineStep* step_named(const Timeline& tl, std::string_view name) {
  for (const auto& s : tl.steps)
    if (s.name == name) return &s;
  return nullptr;
}

// Three steps in a row: warm-up, tapping on the back, then kneading.
const std::string kThreeSteps = program_text({step_item("warm", "upper_back", 20000) +
                                              step_item("tap", "back", 30000, "", "tapping") +
                                              step_item("knead", "lumbar", 20000, "", "kneading")});

TEST(SitterRules, RulesApplyOnlyToTheConditionsReportedAndTheProgramsInScope) {
  auto r = skip({"tapping"}, {}, SkipGap::kRest);
  r.programs = {"other"};
  const SitterRules none({r}, {"osteoporosis"}, {"t"}, *test::reference_chair());
  EXPECT_TRUE(none.empty());
  const SitterRules other_condition({skip({"tapping"}, {}, SkipGap::kRest)}, {"fever"}, {"t"},
                                    *test::reference_chair());
  EXPECT_TRUE(other_condition.empty());
}

TEST(SitterRules, AZoneCoversEveryZoneThatOverlapsIt) {
  const SitterRules rules({skip({}, {"lumbar"}, SkipGap::kRest)}, {"osteoporosis"}, {"t"},
                          *test::reference_chair());
  EXPECT_TRUE(rules.skip_of("shiatsu", "lumbar"));
  EXPECT_TRUE(rules.skip_of("shiatsu", "back"));
  EXPECT_TRUE(rules.skip_of("shiatsu", "full_body"));
  EXPECT_FALSE(rules.skip_of("shiatsu", "neck"));
  EXPECT_FALSE(rules.skip_of("shiatsu", "calves"));
  // Airbags shared: the legs' compression squeezes the calves.
  const SitterRules calves({skip({}, {"calves"}, SkipGap::kRest)}, {"osteoporosis"}, {"t"},
                           *test::reference_chair());
  EXPECT_TRUE(calves.skip_of("compression", "legs"));
}

std::shared_ptr<const ChairModel> shipped_chair(const std::string& id) {
  auto chair = ChairModel::load(test::source_dir() + "/sequences/chairs/" + id + ".textproto");
  EXPECT_TRUE(chair) << id;
  return chair ? *chair : nullptr;
}

// Overlap is the body's: zones that share a real part of the back, a part and its group off
// the track (whatever the chair has), or a shared airbag; not a heater that travels with the
// rollers along every back zone, and not zones that merely touch.
TEST(SitterRules, ZonesOverlapWhereTheyShareTheBody) {
  const auto four_d = test::reference_chair();
  EXPECT_TRUE(zones_overlap(*four_d, "lumbar", "back"));
  EXPECT_TRUE(zones_overlap(*four_d, "calves", "legs"));
  // Shoulder work reaches the lower neck (C6-C7): they share the body.
  EXPECT_TRUE(zones_overlap(*four_d, "neck", "shoulders"));
  EXPECT_FALSE(zones_overlap(*four_d, "neck", "scapula"));
  EXPECT_FALSE(zones_overlap(*four_d, "neck", "lumbar"));
  // On the 2D chair neither legs nor thighs has rollers, and they share no airbag.
  const auto two_d = shipped_chair("generic_2d_s");
  EXPECT_TRUE(zones_overlap(*two_d, "legs", "thighs"));
  // The premium chair lists its heated rollers on every back zone.
  const auto premium = shipped_chair("generic_premium");
  EXPECT_FALSE(zones_overlap(*premium, "neck", "lumbar"));
  EXPECT_FALSE(zones_overlap(*premium, "neck", "thoracic"));
  // A part the chair lacks still belongs to its group.
  EXPECT_TRUE(zones_overlap(*premium, "legs", "calves"));
  EXPECT_TRUE(zones_overlap(*two_d, "feet", "legs"));
}

TEST(SitterRules, ASkipThatRestsKeepsTheSessionsLength) {
  auto planned = test::plan_text(kThreeSteps, with_rules({skip({"tapping"}, {}, SkipGap::kRest)}));
  ASSERT_TRUE(planned) << planned.error().to_string();
  const auto& tl = planned->governed->timeline();
  EXPECT_EQ(tl.duration_ms, 70000);
  EXPECT_EQ(step_named(tl, "tap"), nullptr);
  EXPECT_EQ(step_named(tl, "knead")->start_ms, 50000);
  EXPECT_TRUE(mentions(planned->governed->adaptations(),
                       "step 'tap' (tapping on back) skipped; the chair rests there "
                       "(osteoporosis: fragile bones)"));
}

TEST(SitterRules, ASkipThatShortensTakesTheStepsTimeOut) {
  auto planned =
      test::plan_text(kThreeSteps, with_rules({skip({"tapping"}, {}, SkipGap::kShorten)}));
  ASSERT_TRUE(planned) << planned.error().to_string();
  const auto& tl = planned->governed->timeline();
  EXPECT_EQ(tl.duration_ms, 40000);
  EXPECT_EQ(step_named(tl, "knead")->start_ms, 20000);
  EXPECT_TRUE(mentions(planned->governed->adaptations(), "the session is 30 s shorter"));
}

TEST(SitterRules, AShortenedGapWithWorkAlongsideRestsInstead) {
  const std::string text = program_text(
      {step_item("warm", "upper_back", 20000) + step_item("tap", "back", 30000, "", "tapping"),
       step_item("squeeze", "calves", 50000, "", "compression")});
  auto planned = test::plan_text(text, with_rules({skip({"tapping"}, {}, SkipGap::kShorten)}));
  ASSERT_TRUE(planned) << planned.error().to_string();
  EXPECT_EQ(planned->governed->timeline().duration_ms, 50000);
  EXPECT_TRUE(mentions(planned->governed->adaptations(), "as other work runs alongside"));
}

TEST(SitterRules, AGentleFillTakesTheSkippedStepsPlace) {
  auto r = skip({"tapping"}, {}, SkipGap::kGentle);
  r.fill_technique = "kneading";
  r.fill_intensity = 0.3;
  auto planned = test::plan_text(kThreeSteps, with_rules({r}));
  ASSERT_TRUE(planned) << planned.error().to_string();
  const auto& tl = planned->governed->timeline();
  const TimelineStep* fill = step_named(tl, "gentle fill for tap");
  ASSERT_NE(fill, nullptr);
  EXPECT_EQ(fill->technique, "kneading");
  EXPECT_EQ(fill->zone, "back");
  EXPECT_EQ(fill->start_ms, 20000);
  EXPECT_EQ(fill->end_ms, 50000);
  EXPECT_DOUBLE_EQ(fill->intensity, 0.3);
  EXPECT_TRUE(mentions(planned->governed->adaptations(),
                       "replaced by gentle kneading on back at intensity 0.3"));
}

// A fill is gentle whatever the sitter's own intensity: 1.5 does not make 0.3 into 0.45.
TEST(SitterRules, AGentleFillStaysGentleAtTheSittersHighestIntensity) {
  auto r = skip({"tapping"}, {}, SkipGap::kGentle);
  r.fill_technique = "kneading";
  r.fill_intensity = 0.3;
  PlanOptions options = with_rules({r});
  options.scaling.intensity_scale = 1.5;
  const std::string text = program_text({step_item("tap", "back", 30000, "", "tapping") +
                                         step_item("knead", "lumbar", 20000, "", "kneading")});
  auto planned = test::plan_text(text, options);
  ASSERT_TRUE(planned) << planned.error().to_string();
  const TimelineStep* fill = step_named(planned->governed->timeline(), "gentle fill for tap");
  ASSERT_NE(fill, nullptr);
  EXPECT_DOUBLE_EQ(fill->intensity, 0.3);
}

// Two skipped steps of one name, filled at once: the fill that would clash is told apart from
// the one that runs (names repeat; the fills are not found by name).
TEST(SitterRules, FillsOfStepsWithTheSameNameAreToldApart) {
  auto r = skip({"tapping", "vibration"}, {}, SkipGap::kGentle);
  r.fill_technique = "kneading";
  r.fill_intensity = 0.3;
  const std::string text = program_text({step_item("x", "back", 30000, "", "tapping"),
                                         step_item("x", "glutes", 30000, "", "vibration")});
  auto planned = test::plan_text(text, with_rules({r}));
  ASSERT_TRUE(planned) << planned.error().to_string();
  const auto& changes = planned->governed->adaptations();
  const auto count = [&](std::string_view what) {
    return std::count_if(changes.begin(), changes.end(),
                         [&](const std::string& c) { return c.find(what) != std::string::npos; });
  };
  int fills = 0;
  for (const auto& s : planned->governed->timeline().steps) fills += s.name == "gentle fill for x";
  EXPECT_EQ(fills, 1);
  EXPECT_EQ(count("replaced by gentle kneading"), 1);
  EXPECT_EQ(count("cannot run on this chair or alongside"), 1);
}

TEST(SitterRules, AFillTheRulesAlsoForbidLeavesARest) {
  auto r = skip({"tapping"}, {}, SkipGap::kGentle);
  r.fill_technique = "kneading";
  r.fill_intensity = 0.3;
  auto planned =
      test::plan_text(kThreeSteps, with_rules({r, skip({"kneading"}, {"back"}, SkipGap::kRest)}));
  ASSERT_TRUE(planned) << planned.error().to_string();
  EXPECT_EQ(step_named(planned->governed->timeline(), "gentle fill for tap"), nullptr);
  EXPECT_TRUE(mentions(planned->governed->adaptations(), "the gentle fill is ruled out too"));
}

TEST(SitterRules, AGentleFillThatWouldClashWithAParallelTrackRests) {
  auto r = skip({"vibration"}, {}, SkipGap::kGentle);
  r.fill_technique = "kneading";
  r.fill_intensity = 0.3;
  r.fill_zone = "glutes";
  const std::string text = program_text({step_item("knead", "lumbar", 30000, "", "kneading"),
                                         step_item("buzz", "seat", 30000, "", "vibration")});
  auto planned = test::plan_text(text, with_rules({r}));
  ASSERT_TRUE(planned) << planned.error().to_string();
  EXPECT_EQ(step_named(planned->governed->timeline(), "gentle fill for buzz"), nullptr);
  EXPECT_TRUE(mentions(planned->governed->adaptations(), "cannot run on this chair or alongside"));
}

TEST(SitterRules, IntensityAndTempoCapsHoldWhateverTheSitterAsks) {
  auto r = rule(RuleAction::kSoften, {}, {"lumbar"});
  r.max_intensity = 0.35;
  r.max_tempo_cpm = 10;
  PlanOptions options = with_rules({r});
  options.scaling.intensity_scale = 1.5;
  const std::string text = program_text(
      {step_item("knead", "lumbar", 20000, "intensity: 0.8 tempo_cpm: 20", "kneading") +
       step_item("neck", "neck", 20000, "intensity: 0.3")});
  auto planned = test::plan_text(text, options);
  ASSERT_TRUE(planned) << planned.error().to_string();
  const auto& tl = planned->governed->timeline();
  EXPECT_DOUBLE_EQ(step_named(tl, "knead")->intensity, 0.35);
  EXPECT_DOUBLE_EQ(step_named(tl, "knead")->tempo_cpm, 10);
  EXPECT_DOUBLE_EQ(step_named(tl, "neck")->intensity, 0.45);  // outside the rule: 0.3 x 1.5
  EXPECT_TRUE(mentions(planned->governed->adaptations(),
                       "step 'knead': intensity 1.00 lowered to 0.35 (osteoporosis: fragile "
                       "bones)"));
  EXPECT_TRUE(mentions(planned->governed->adaptations(), "tempo 20 cpm lowered to 10"));
}

// Found by review: each step a rule lowered added a line, and every line went into the start's
// answer and into every status of the session: a long program for a sitter with a rule made
// each status of every watch stream carry hundreds of lines.
TEST(SitterRules, AdaptationsListedAreBounded) {
  auto r = rule(RuleAction::kSoften, {}, {"lumbar"});
  r.max_intensity = 0.35;
  r.max_tempo_cpm = 10;
  std::string steps;
  for (int i = 0; i < 250; ++i)
    steps += step_item(fmt::format("knead {}", i), "lumbar", 6000, "intensity: 0.8 tempo_cpm: 20",
                       "kneading");
  auto planned = test::plan_text(program_text({steps}), with_rules({r}));
  ASSERT_TRUE(planned) << planned.error().to_string();
  const auto& listed = planned->governed->adaptations();
  const auto& all = planned->governed->timeline().condition_changes;  // kept whole inside
  EXPECT_GE(all.size(), 500u);  // a line for the intensity and one for the tempo of each step
  EXPECT_LE(listed.size(), kMaxListedAdaptations + 1 + test::reference_chair()->actuator_count());
  EXPECT_EQ(listed.front(),
            "step 'knead 0': intensity 0.80 lowered to 0.35 (osteoporosis: "
            "fragile bones)");
  std::size_t step_lines = 0;
  for (const auto& line : all) {
    if (line.rfind("step '", 0) == 0) {
      ++step_lines;
    } else {
      EXPECT_TRUE(mentions(listed, line)) << line;  // the few others are all listed
    }
  }
  EXPECT_TRUE(mentions(listed, fmt::format("{} more adaptations for this sitter are not listed",
                                           step_lines - kMaxListedAdaptations)));
}

TEST(SitterRules, ARePlanKeepsTheCaps) {
  auto r = rule(RuleAction::kSoften, {}, {"lumbar"});
  r.max_intensity = 0.35;
  const std::string text =
      program_text({step_item("knead", "lumbar", 60000, "intensity: 0.5", "kneading")});
  auto planned = test::plan_text(text, with_rules({r}));
  ASSERT_TRUE(planned) << planned.error().to_string();
  PlanOptions stronger = planned->plan->options;
  stronger.scaling.intensity_scale = 1.5;
  auto replanned = Planner().replan(*planned->plan, 20000, stronger);
  ASSERT_TRUE(replanned) << replanned.error().to_string();
  EXPECT_DOUBLE_EQ((*replanned)->timeline.steps[0].intensity, 0.35);
  EXPECT_TRUE(mentions((*replanned)->timeline.condition_changes, "lowered to 0.35"));
}

TEST(SitterRules, ARefusalStopsThePlanAtTheStep) {
  const Diagnostics d =
      plan_errors(kThreeSteps, with_rules({rule(RuleAction::kRefuse, {"tapping"}, {})}));
  EXPECT_TRUE(ErrorAt(d,
                      "step 'tap' (tapping on back) must not run for this sitter: "
                      "osteoporosis: fragile bones",
                      "test.textproto", line_of(kThreeSteps, "\"tap\"")));
  const Diagnostics whole =
      plan_errors(kThreeSteps, with_rules({rule(RuleAction::kRefuse, {}, {})}));
  EXPECT_TRUE(HasError(whole, "the program must not run for this sitter"));
}

TEST(SitterRules, NothingLeftIsRefused) {
  const Diagnostics d = plan_errors(kThreeSteps, with_rules({skip({}, {"back"}, SkipGap::kRest)}));
  EXPECT_TRUE(HasError(d, "nothing of this program is left for this sitter"));
}

// The governor holds every timeline to the rules: one planned without them is refused.
TEST(SitterRules, TheGovernorRefusesATimelineThatBreaksTheRules) {
  auto planned = test::plan_text(kThreeSteps);
  ASSERT_TRUE(planned) << planned.error().to_string();
  auto capped = rule(RuleAction::kSoften, {}, {"lumbar"});
  capped.max_intensity = 0.2;
  const auto sitter = with_rules({skip({"tapping"}, {}, SkipGap::kRest), capped}).scaling.sitter;
  const SafetyGovernor governor(test::reference_chair(), SessionLimits{0, sitter});
  auto reviewed = governor.review(planned->plan->timeline);
  ASSERT_FALSE(reviewed);
  EXPECT_TRUE(HasError(reviewed.error(),
                       "step 'tap' (tapping on back): must be skipped: "
                       "osteoporosis: fragile bones"));
  EXPECT_TRUE(HasError(reviewed.error(),
                       "step 'knead' (kneading on lumbar): intensity 0.50 is "
                       "above 0.20"));
  // Without the rules, the same timeline passes.
  const SafetyGovernor plain(test::reference_chair(), SessionLimits{});
  EXPECT_TRUE(plain.review(planned->plan->timeline));
}

class SitterBodyCaps : public ::testing::Test {
 protected:
  std::shared_ptr<const ChairModel> chair_ = test::reference_chair();
  SafetyGovernor governor_{chair_, {}};
  ProgramCheckContext context() const {
    ProgramCheckContext c;
    c.chair = chair_;
    c.catalog = test::shipped_techniques();
    c.governor = &governor_;
    return c;
  }
  double highest(const Timeline& tl, const ChairModel& chair, const std::string& id) const {
    const auto a = chair.find(id);
    double top = 0.0;
    for (const auto& c : tl.commands)
      if (c.actuator == *a) top = std::max(top, c.value);
    return top;
  }
};

// A depth cap deeper than the rollers reach caps nothing: it must not refuse the session.
TEST_F(SitterBodyCaps, ADepthCapBeyondTheRollersCapsNothing) {
  auto depth = rule(RuleAction::kSoften, {}, {"lumbar"});
  depth.max_depth_mm = 50;
  auto capped = chair_for_sitter(chair_, *with_rules({depth}).scaling.sitter);
  ASSERT_TRUE(capped) << capped.error().to_string();
}

TEST_F(SitterBodyCaps, DepthAndPressureCapsReachTheChairsLimits) {
  const std::string text =
      program_text({step_item("press", "lumbar", 30000, "intensity: 0.6"),
                    step_item("squeeze", "calves", 30000, "intensity: 0.9", "compression")});
  auto program = parse_program_text(text, "test.textproto");
  ASSERT_TRUE(program);
  auto plain = check_program(*program, context());
  ASSERT_TRUE(plain) << plain.error().to_string();
  auto depth = rule(RuleAction::kSoften, {}, {"lumbar"});
  depth.max_depth_mm = 4;
  auto air = rule(RuleAction::kSoften, {}, {"calves"});
  air.max_airbag_kpa = 12;
  auto capped = check_program(*program, context(), with_rules({depth, air}));
  ASSERT_TRUE(capped) << capped.error().to_string();
  const auto& before = plain->governed->timeline();
  const auto& after = capped->governed->timeline();
  EXPECT_GT(highest(before, *chair_, "roller.depth"), 4.0);
  EXPECT_LE(highest(after, *chair_, "roller.depth"), 4.0 + 1e-9);
  EXPECT_GT(highest(before, *chair_, "airbag.calf"), 12.0);
  EXPECT_LE(highest(after, *chair_, "airbag.calf"), 12.0 + 1e-9);
  EXPECT_TRUE(mentions(capped->governed->adaptations(),
                       "lumbar: roller depth at most 4 mm (osteoporosis: fragile bones)"));
  EXPECT_TRUE(mentions(capped->governed->adaptations(), "calves: airbags at most 12 kPa"));
  // The session's governor holds a re-plan to the same chair.
  EXPECT_LE(capped->governed->reviewed_chair()->actuator(*chair_->find("airbag.calf")).max, 12.0);
  EXPECT_TRUE(capped->governed->session_limits().sitter);
}

// A cap on the calves' heat holds for the calves' heaters only, though full_body (which a rule
// for the calves covers) has every heater.
TEST_F(SitterBodyCaps, AZoneCapReachesOnlyThatZonesOwnActuators) {
  auto heat = rule(RuleAction::kSoften, {}, {"calves"});
  heat.max_heat_c = 30;
  const auto sitter = with_rules({heat}).scaling.sitter;
  auto capped = chair_for_sitter(chair_, *sitter);
  ASSERT_TRUE(capped) << capped.error().to_string();
  EXPECT_EQ((*capped)->actuator(*chair_->find("heat.calf")).max, 30.0);
  EXPECT_EQ((*capped)->actuator(*chair_->find("heat.lumbar")).max,
            chair_->actuator(*chair_->find("heat.lumbar")).max);
}

}  // namespace
}  // namespace chaird::unit
