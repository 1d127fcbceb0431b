// The contraindication rules file: the shipped one loads, and each kind of mistake a chair
// maker can make is refused at its file:line:column with what was expected.
#include "safety/contraindication_rules.hpp"

#include <gtest/gtest.h>

#include "planner/body_model.hpp"
#include "safety/health_conditions.hpp"
#include "unit_fixtures.hpp"

namespace chaird::unit {
namespace {

RuleVocabulary vocabulary() {
  return {test::shipped_techniques()->names(), BodyModel::known_zones(), BodyModel::track_zones()};
}

std::string shipped_rules_path() {
  return test::source_dir() + "/sequences/safety/contraindications.textproto";
}

// A rule for every condition, so that a test's own rule is the only thing wrong.
std::string every_condition_refused() {
  std::string text;
  for (const auto& c : health_conditions()) {
    text += std::string("rules { condition: \"") + c.name + "\" reason: \"r\" refuse: true }\n";
  }
  return text;
}

Diagnostics rule_errors(const std::string& rule) {
  auto loaded = parse_contraindication_rules(rule + every_condition_refused(), "rules.textproto",
                                             vocabulary());
  if (loaded) {
    ADD_FAILURE() << "the rules were accepted:\n" << rule;
    return {};
  }
  return loaded.error();
}

TEST(ContraindicationRules, ShippedRulesLoadAndCoverEveryCondition) {
  auto loaded = load_contraindication_rules(shipped_rules_path(), vocabulary());
  ASSERT_TRUE(loaded) << loaded.error().to_string();
  for (const auto& c : health_conditions()) {
    EXPECT_TRUE(std::any_of(loaded->rules.begin(), loaded->rules.end(),
                            [&](const ConditionRule& r) { return r.condition == c.name; }))
        << c.name;
  }
  for (const auto& r : loaded->rules) {
    EXPECT_GT(r.where.line, 0) << r.condition;
    EXPECT_FALSE(r.reason.empty()) << r.condition;
  }
}

TEST(ContraindicationRules, ReadsEachActionAndItsScope) {
  const std::string rules =
      "rules { condition: \"osteoporosis\" reason: \"soft\"\n"
      "  scope { zones: \"lumbar\" } soften { max_intensity: 0.4 max_depth_mm: 4 } }\n"
      "rules { condition: \"heat_insensitivity\" reason: \"no heat\"\n"
      "  scope { techniques: \"heat\" } skip { gap: SHORTEN } }\n"
      "rules { condition: \"anticoagulants\" reason: \"gentle\"\n"
      "  scope { techniques: \"tapping\" } skip { gap: GENTLE fill_technique: \"kneading\" "
      "fill_intensity: 0.3 } }\n";
  auto loaded =
      parse_contraindication_rules(rules + every_condition_refused(), "r.textproto", vocabulary());
  ASSERT_TRUE(loaded) << loaded.error().to_string();
  const auto& soft = loaded->rules[0];
  EXPECT_EQ(soft.action, RuleAction::kSoften);
  EXPECT_EQ(soft.zones, std::vector<std::string>{"lumbar"});
  EXPECT_DOUBLE_EQ(*soft.max_intensity, 0.4);
  EXPECT_DOUBLE_EQ(*soft.max_depth_mm, 4.0);
  EXPECT_FALSE(soft.max_airbag_kpa);
  EXPECT_EQ(soft.where.line, 1);
  EXPECT_EQ(loaded->rules[1].action, RuleAction::kSkip);
  EXPECT_EQ(loaded->rules[1].gap, SkipGap::kShorten);
  EXPECT_EQ(loaded->rules[2].gap, SkipGap::kGentle);
  EXPECT_EQ(loaded->rules[2].fill_technique, "kneading");
  EXPECT_DOUBLE_EQ(loaded->rules[2].fill_intensity, 0.3);
}

TEST(ContraindicationRules, SyntaxErrorsArePlaced) {
  auto loaded = parse_contraindication_rules("rules { condition: \"fever\" reasn: \"x\" }\n",
                                             "r.textproto", vocabulary());
  ASSERT_FALSE(loaded);
  EXPECT_TRUE(ErrorAt(loaded.error(), "reasn", "r.textproto", 1));
}

TEST(ContraindicationRules, UnknownNamesArePlacedWithWhatWasMeant) {
  const std::string rule =
      "rules { condition: \"osteoporosys\" reason: \"r\" refuse: true }\n"
      "rules { condition: \"fever\" reason: \"r\"\n"
      "  scope { techniques: \"shiatzu\" zones: \"lumbr\" } skip { } }\n";
  const Diagnostics d = rule_errors(rule);
  EXPECT_TRUE(ErrorAt(d, "unknown condition 'osteoporosys' (did you mean 'osteoporosis'?)",
                      "rules.textproto", 1, 9));
  EXPECT_TRUE(
      ErrorAt(d, "unknown technique 'shiatzu' (did you mean 'shiatsu'?)", "rules.textproto", 3));
  EXPECT_TRUE(ErrorAt(d, "unknown zone 'lumbr' (did you mean 'lumbar'?)", "rules.textproto", 3));
}

// A missing or refused plugin must not stop every session: a rule naming a technique that is
// not loaded is a warning; a near miss of a loaded one is a typo, and an error.
TEST(ContraindicationRules, ATechniqueNotLoadedIsAWarningAndATypoAnError) {
  const std::string rules =
      "rules { condition: \"fever\" reason: \"r\"\n"
      "  scope { techniques: \"hot_stones\" } skip { } }\n";
  auto loaded =
      parse_contraindication_rules(rules + every_condition_refused(), "r.textproto", vocabulary());
  ASSERT_TRUE(loaded) << loaded.error().to_string();
  ASSERT_EQ(loaded->warnings.items().size(), 1u);
  EXPECT_EQ(loaded->warnings.items()[0].where.line, 2);
  EXPECT_TRUE(Contains(loaded->warnings.items()[0].message,
                       "technique 'hot_stones' is not loaded: the rule applies to it once it is"));
}

TEST(ContraindicationRules, ARuleMustSayWhatAndWhy) {
  const Diagnostics d = rule_errors(
      "rules { condition: \"fever\" reason: \"r\" }\n"
      "rules { condition: \"fever\" refuse: true }\n"
      "rules { condition: \"fever\" reason: \"two\\nlines\" refuse: true }\n"
      "rules { condition: \"fever\" reason: \"r\" refuse: false }\n"
      "rules { condition: \"fever\" reason: \"r\" soften { } }\n");
  EXPECT_TRUE(ErrorAt(d, "says nothing to do", "rules.textproto", 1));
  EXPECT_TRUE(ErrorAt(d, "gives no reason", "rules.textproto", 2));
  EXPECT_TRUE(ErrorAt(d, "one line of text", "rules.textproto", 3));
  EXPECT_TRUE(ErrorAt(d, "refuse: false does nothing", "rules.textproto", 4));
  EXPECT_TRUE(ErrorAt(d, "soften caps nothing", "rules.textproto", 5));
}

TEST(ContraindicationRules, CapsOutOfRangeOrWithoutTheirZoneAreRefused) {
  const Diagnostics d = rule_errors(
      "rules { condition: \"fever\" reason: \"r\" soften { max_intensity: 1.5 } }\n"
      "rules { condition: \"fever\" reason: \"r\" soften { max_tempo_cpm: -5 } }\n"
      "rules { condition: \"fever\" reason: \"r\" soften { max_depth_mm: 3 } }\n"
      "rules { condition: \"fever\" reason: \"r\" scope { zones: \"calves\" }\n"
      "  soften { max_depth_mm: 3 } }\n"
      "rules { condition: \"fever\" reason: \"r\" scope { techniques: \"heat\" }\n"
      "  soften { max_heat_c: 38 } }\n");
  EXPECT_TRUE(ErrorAt(d, "max_intensity must be above 0 and at most 1", "rules.textproto", 1));
  EXPECT_TRUE(ErrorAt(d, "max_tempo_cpm must be above 0", "rules.textproto", 2));
  EXPECT_TRUE(ErrorAt(d, "name the zones", "rules.textproto", 3));
  EXPECT_TRUE(ErrorAt(d, "zone 'calves' is not on the roller track", "rules.textproto", 5));
  EXPECT_TRUE(ErrorAt(d, "whatever the technique", "rules.textproto", 7));
}

// A cap of 0 would read as "no limit" in the chair's limits: no heat, air or depth at all is
// a skip of the technique. A heater held below the room would trip the run-time watch.
TEST(ContraindicationRules, CapsOfNothingAreRefused) {
  const Diagnostics d = rule_errors(
      "rules { condition: \"fever\" reason: \"r\" soften { max_heat_c: 0 } }\n"
      "rules { condition: \"fever\" reason: \"r\" soften { max_airbag_kpa: 0 } }\n"
      "rules { condition: \"fever\" reason: \"r\" scope { zones: \"lumbar\" }\n"
      "  soften { max_depth_mm: 0 } }\n");
  EXPECT_TRUE(ErrorAt(d, "max_heat_c must be at least 30", "rules.textproto", 1));
  EXPECT_TRUE(ErrorAt(d, "max_airbag_kpa must be at least 5", "rules.textproto", 2));
  EXPECT_TRUE(ErrorAt(d, "max_depth_mm must be above 0", "rules.textproto", 4));
}

// A reason is shown on a kiosk and quoted in refusals and logs: no control characters and no
// line separators, however they are written.
TEST(ContraindicationRules, AReasonIsOnePlainLine) {
  for (const std::string reason :
       {"tab\\there", "nul\\000", "line\\342\\200\\250break", "next\\302\\205line"}) {
    const Diagnostics d =
        rule_errors("rules { condition: \"fever\" reason: \"" + reason + "\" refuse: true }\n");
    EXPECT_TRUE(ErrorAt(d, "one line of text", "rules.textproto", 1)) << reason;
  }
}

TEST(ContraindicationRules, SkipsMustNameWhatAndFillSafely) {
  const Diagnostics d = rule_errors(
      "rules { condition: \"fever\" reason: \"r\" skip { } }\n"
      "rules { condition: \"fever\" reason: \"r\" scope { techniques: \"heat\" }\n"
      "  skip { gap: GENTLE fill_intensity: 0.3 } }\n"
      "rules { condition: \"fever\" reason: \"r\" scope { zones: \"neck\" }\n"
      "  skip { gap: GENTLE fill_technique: \"kneading\" fill_intensity: 0.3 } }\n"
      "rules { condition: \"fever\" reason: \"r\" scope { techniques: \"tapping\" }\n"
      "  skip { gap: GENTLE fill_technique: \"kneading\" fill_intensity: 0.9 } }\n"
      "rules { condition: \"fever\" reason: \"r\" scope { techniques: \"tapping\" }\n"
      "  skip { gap: REST fill_technique: \"kneading\" } }\n");
  EXPECT_TRUE(ErrorAt(d, "write refuse: true instead", "rules.textproto", 1));
  EXPECT_TRUE(ErrorAt(d, "needs fill_technique", "rules.textproto", 3));
  EXPECT_TRUE(ErrorAt(d, "name a fill_zone elsewhere", "rules.textproto", 5));
  EXPECT_TRUE(ErrorAt(d, "fill_intensity must be above 0 and at most 0.5", "rules.textproto", 7));
  EXPECT_TRUE(ErrorAt(d, "go with gap: GENTLE", "rules.textproto", 9));
}

TEST(ContraindicationRules, ContradictoryRulesForOneConditionAreRefused) {
  const Diagnostics d = rule_errors(
      "rules { condition: \"dizziness\" reason: \"a\" scope { zones: \"neck\" } skip { gap: REST } "
      "}\n"
      "rules { condition: \"dizziness\" reason: \"b\" scope { techniques: \"stretch\" }\n"
      "  skip { gap: SHORTEN } }\n"
      "rules { condition: \"dizziness\" reason: \"c\" scope { zones: \"neck\" }\n"
      "  soften { max_intensity: 0.3 } }\n"
      "rules { condition: \"osteoporosis\" reason: \"d\" scope { zones: \"lumbar\" }\n"
      "  soften { max_depth_mm: 4 } }\n"
      "rules { condition: \"osteoporosis\" reason: \"e\" scope { zones: \"lumbar\" }\n"
      "  soften { max_depth_mm: 6 } }\n");
  EXPECT_TRUE(ErrorAt(d, "fills the gap differently", "rules.textproto", 2));
  EXPECT_TRUE(ErrorAt(d, "skips the same steps that this one softens", "rules.textproto", 4));
  EXPECT_TRUE(
      ErrorAt(d, "caps the same value for the same steps to another figure", "rules.textproto", 8));
  // Different conditions never contradict: the stricter holds.
  EXPECT_EQ(d.error_count(), 3u) << d.to_string();
}

// Each rule was compared with every one before it and reported once per rule it contradicted:
// a 270 KB file of 4,000 such rules took chairctl lint 65 s and 2.3 GB. A rule that contradicts
// earlier rules is one mistake, reported once, with the first of them.
TEST(ContraindicationRules, ARuleThatContradictsManyIsReportedOnce) {
  constexpr int kRules = 300;
  std::string rules;
  for (int i = 0; i < kRules; ++i) {
    rules += i % 2 == 0
                 ? "rules { condition: \"fever\" reason: \"r\" refuse: true }\n"
                 : "rules { condition: \"fever\" reason: \"s\" soften { max_intensity: 0.5 } }\n";
  }
  const Diagnostics d = rule_errors(rules);
  // Every rule but the first contradicts the one before it; every_condition_refused()'s own
  // rule for fever contradicts the soft ones.
  EXPECT_EQ(d.error_count(), static_cast<std::size_t>(kRules)) << d.items().front().message;
  EXPECT_TRUE(ErrorAt(d, "the rule at line 1:1 refuses the same steps that this one softens",
                      "rules.textproto", 2));
  EXPECT_TRUE(ErrorAt(d, "the rule at line 2:1 softens the same steps that this one refuses",
                      "rules.textproto", 3));
}

// Each rule is compared with every rule before it: 10,516 rules that contradict nothing took
// chairctl lint 3.6 s, and every start matches each step against the sitter's rules. A chair
// needs a few dozen (the shipped file has 32): past 1,000 the file is refused, at the first
// rule too many, without reading the rest.
TEST(ContraindicationRules, AFileOfMoreRulesThanAnyChairNeedsIsRefusedAtTheFirstTooMany) {
  const std::size_t conditions = health_conditions().size();
  std::string rules;
  for (std::size_t i = 0; i + conditions < 1000; ++i)
    rules += "rules { condition: \"fever\" reason: \"r\" refuse: true }\n";
  EXPECT_TRUE(
      parse_contraindication_rules(rules + every_condition_refused(), "r.textproto", vocabulary()));

  for (int i = 0; i < 5000; ++i)
    rules += "rules { condition: \"fever\" reason: \"r\" refuse: true }\n";
  const Diagnostics d = rule_errors(rules);
  ASSERT_EQ(d.error_count(), 1u);
  EXPECT_TRUE(
      ErrorAt(d, "the file has 6000 rules; at most 1000 are accepted", "rules.textproto", 1001));
}

TEST(ContraindicationRules, AConditionWithoutARuleIsRefused) {
  auto loaded = parse_contraindication_rules(
      "rules { condition: \"fever\" reason: \"r\" refuse: true }\n", "r.textproto", vocabulary());
  ASSERT_FALSE(loaded);
  EXPECT_TRUE(HasError(loaded.error(), "condition 'thrombosis' has no rule"));
  EXPECT_FALSE(find_error(loaded.error(), "condition 'fever' has no rule"));
}

TEST(ContraindicationRules, AMissingFileIsRefused) {
  auto loaded = load_contraindication_rules("/nonexistent/rules.textproto", vocabulary());
  ASSERT_FALSE(loaded);
  EXPECT_TRUE(Contains(loaded.error().to_string(), "/nonexistent/rules.textproto"));
}

}  // namespace
}  // namespace chaird::unit
