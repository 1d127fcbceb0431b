// The forecast a kiosk's list and a start's early screening make from a sitter's rules: it
// must agree with what the plan will do, cover the programs a program includes, and a control
// service given no rules must hold none.
#include "library/sitter_screening.hpp"

#include <gtest/gtest.h>

#include "unit_fixtures.hpp"

namespace chaird::unit {
namespace {

ConditionRule skip_heat() {
  ConditionRule r;
  r.condition = "heat_insensitivity";
  r.reason = "no heat";
  r.action = RuleAction::kSkip;
  r.techniques = {"heat"};
  return r;
}

ProgramRef parse(const std::string& text) {
  auto program = parse_program_text(text, "test.textproto");
  EXPECT_TRUE(program) << program.error().to_string();
  return *program;
}

TEST(SitterScreening, AProgramWhoseEveryStepIsSkippedIsForecastAsRefused) {
  const auto heat_only = parse(program_text({step_item("warm", "lumbar", 60000, "", "heat")}));
  const SitterRules rules({skip_heat()}, {"heat_insensitivity"}, {"t"}, *test::reference_chair());
  const auto verdict = judge_for_sitter(heat_only, {}, rules, *test::reference_chair());
  EXPECT_TRUE(verdict.nothing_left);
  // The plan agrees.
  PlanOptions options;
  options.scaling.sitter = std::make_shared<const SitterRules>(rules);
  EXPECT_FALSE(plan_on(test::reference_chair(),
                       program_text({step_item("warm", "lumbar", 60000, "", "heat")}), options));

  const auto mixed = parse(program_text(
      {step_item("warm", "lumbar", 60000, "", "heat"), step_item("press", "shoulders", 60000)}));
  EXPECT_FALSE(judge_for_sitter(mixed, {}, rules, *test::reference_chair()).nothing_left);
}

TEST(SitterScreening, ARuleForAnIncludedProgramHoldsForTheProgramThatIncludesIt) {
  const auto warmup =
      parse(program_text({step_item("warm", "lumbar", 60000, "", "heat")}, "warmup"));
  const auto main = parse(
      "metadata { id: \"main\" name: \"main\" }\n"
      "phases { include_program: \"warmup\" }\n"
      "phases { kind: MAIN tracks { kind: BACK_ROLLERS\n" +
      step_item("press", "shoulders", 60000) + "} }\n");
  const ProgramResolver resolver = [&](std::string_view id) {
    return id == "warmup" ? warmup : nullptr;
  };
  const auto ids = program_ids(main, resolver);
  EXPECT_EQ(ids, (std::vector<std::string>{"main", "warmup"}));
  auto refuse_warmup = skip_heat();
  refuse_warmup.action = RuleAction::kRefuse;
  refuse_warmup.techniques.clear();
  refuse_warmup.programs = {"warmup"};
  const SitterRules rules({refuse_warmup}, {"heat_insensitivity"}, ids, *test::reference_chair());
  EXPECT_NE(rules.program_refusal(), nullptr);
  EXPECT_EQ(judge_for_sitter(main, resolver, rules, *test::reference_chair()).refusals.size(), 1u);
}

TEST(SitterScreening, RulesNotLoadedAreNoRules) {
  EXPECT_FALSE(LoadedRules{}.ok());
}

}  // namespace
}  // namespace chaird::unit
