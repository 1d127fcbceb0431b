// library/manual_program and Planner::replan with a StepReplacement: manual mode's one-step
// program, and a live change of its technique and zone, with the real plugins on the reference
// chair.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "library/manual_program.hpp"
#include "planner/planner.hpp"
#include "safety/safety_governor.hpp"
#include "unit_fixtures.hpp"

namespace chaird {
namespace {

const ProgramResolver kNoIncludes = [](std::string_view) { return ProgramRef{}; };

Expected<std::shared_ptr<const Plan>, Diagnostics> plan_manual(const ManualSettings& settings) {
  auto program = manual_program(settings);
  if (!program) return Unexpected{program.error()};
  return Planner().plan(*program, kNoIncludes, unit::chair(), test::shipped_techniques(), {});
}

StepReplacement replacement(const ManualSettings& settings) {
  auto program = manual_program(settings);
  EXPECT_TRUE(program) << program.error().to_string();
  Diagnostics d;
  auto expanded = expand_program(*program, kNoIncludes, {}, d);
  EXPECT_FALSE(d.has_errors()) << d.to_string();
  EXPECT_EQ(expanded.steps.size(), 1u);
  return {expanded.steps.front(), *program};
}

TEST(ManualProgram, IsOneStepOfTheChosenTechniqueOnTheChosenZone) {
  auto plan = plan_manual({"kneading", "shoulders", 120'000, 0.4, std::nullopt});
  ASSERT_TRUE(plan) << plan.error().to_string();
  const Timeline& tl = (*plan)->timeline;
  EXPECT_EQ(tl.program_id, "manual");
  EXPECT_EQ(tl.duration_ms, 120'000);
  ASSERT_EQ(tl.steps.size(), 1u);
  EXPECT_EQ(tl.steps[0].technique, "kneading");
  EXPECT_EQ(tl.steps[0].zone, "shoulders");
  EXPECT_EQ(tl.steps[0].name, "kneading on shoulders");
  EXPECT_DOUBLE_EQ(tl.steps[0].intensity, 0.4);
  EXPECT_FALSE(tl.commands.empty());
  SafetyGovernor governor(unit::chair(), {});
  auto governed = governor.review(tl);
  EXPECT_TRUE(governed) << governed.error().to_string();
}

TEST(ManualProgram, AWrongChoiceIsReportedByThePlannerInTheManualText) {
  auto plan = plan_manual({"reiki", "shoulders", 120'000, std::nullopt, std::nullopt});
  ASSERT_FALSE(plan);
  EXPECT_TRUE(unit::HasError(plan.error(), "unknown technique 'reiki'"))
      << plan.error().to_string();
  EXPECT_NE(plan.error().to_string().find("manual.textproto:"), std::string::npos)
      << plan.error().to_string();
}

TEST(ManualChange, TheOldStepEndsWhereTheNewOnePlaysTheRestFromWhereTheChairIs) {
  const auto c = unit::chair();
  auto first = plan_manual({"compression", "shoulders", 120'000, std::nullopt, std::nullopt});
  ASSERT_TRUE(first) << first.error().to_string();
  const Timeline& old = (*first)->timeline;
  const std::int64_t from = 40'000;
  const auto change = replacement({"shiatsu", "lumbar", 120'000, std::nullopt, std::nullopt});
  auto changed = Planner().replan(**first, from, {}, nullptr, &change);
  ASSERT_TRUE(changed) << changed.error().to_string();
  const Timeline& now = (*changed)->timeline;

  ASSERT_EQ(now.steps.size(), 2u);
  EXPECT_EQ(now.steps[0].technique, "compression");
  EXPECT_EQ(now.steps[1].technique, "shiatsu");
  EXPECT_EQ(now.steps[1].zone, "lumbar");
  // The old step ends where the new one starts: at the change, or once its ramps under way end.
  EXPECT_GE(now.steps[0].end_ms, from);
  EXPECT_LT(now.steps[0].end_ms, from + 5'000);
  EXPECT_EQ(now.steps[1].start_ms, now.steps[0].end_ms);
  EXPECT_EQ(now.steps[1].end_ms, 120'000);
  EXPECT_EQ(now.duration_ms, old.duration_ms);

  // The past is kept command for command; the old step commands nothing after the change.
  std::size_t kept = 0;
  for (const auto& cmd : old.commands) kept += cmd.start_ms < from ? 1 : 0;
  std::size_t kept_now = 0;
  std::set<ActuatorIndex> old_driven;
  for (const auto& cmd : now.commands) {
    if (cmd.start_ms < from) ++kept_now;
    if (cmd.step == 0) {
      EXPECT_LT(cmd.start_ms, from) << c->actuator(cmd.actuator).id;
      old_driven.insert(cmd.actuator);
    }
  }
  EXPECT_EQ(kept_now, kept);
  // The shoulder airbags the squeeze used are vented once the shiatsu starts its work.
  ASSERT_FALSE(old_driven.empty());
  const std::int64_t working = now.steps[1].start_ms + now.steps[1].transition_ms;
  std::set<ActuatorIndex> new_driven;
  for (const auto& cmd : now.commands)
    if (cmd.step == 1 && cmd.source == CommandSource::kTechnique) new_driven.insert(cmd.actuator);
  for (ActuatorIndex a : old_driven) {
    const ActuatorSpec& spec = c->actuator(a);
    if (!spec.must_rest() || new_driven.count(a) != 0) continue;
    EXPECT_DOUBLE_EQ(test::value_at(now, *c, spec.id, working), spec.safe_value) << spec.id;
  }
  // The roller works in the lumbar zone after the change.
  auto body = BodyModel::resolve(*c, {});
  const auto lumbar = body->span("lumbar");
  const double at = test::value_at(now, *c, "roller.position", working + 5'000);
  EXPECT_GE(at, lumbar->from_mm - 30.0);
  EXPECT_LE(at, lumbar->to_mm + 30.0);
  // And the whole of it is as safe as any plan.
  SafetyGovernor governor(c, {});
  auto governed = governor.review(now);
  EXPECT_TRUE(governed) << governed.error().to_string();

  // Another adjustment (a focus, say) from the same moment, before the new step has begun:
  // the old step's actuators are still brought to rest, and the whole is still safe.
  PlanOptions focused;
  focused.scaling.focus_areas = {"lumbar"};
  auto again_from_there = Planner().replan(**changed, from, focused);
  ASSERT_TRUE(again_from_there) << again_from_there.error().to_string();
  const Timeline& refocused = (*again_from_there)->timeline;
  for (ActuatorIndex a : old_driven) {
    const ActuatorSpec& spec = c->actuator(a);
    if (!spec.must_rest() || new_driven.count(a) != 0) continue;
    EXPECT_DOUBLE_EQ(test::value_at(refocused, *c, spec.id, working), spec.safe_value) << spec.id;
  }
  auto regoverned = governor.review(refocused);
  EXPECT_TRUE(regoverned) << regoverned.error().to_string();

  // A second change replaces the new step in turn.
  const auto again = replacement({"kneading", "neck", 120'000, std::nullopt, std::nullopt});
  auto twice = Planner().replan(**changed, 80'000, {}, nullptr, &again);
  ASSERT_TRUE(twice) << twice.error().to_string();
  ASSERT_EQ((*twice)->timeline.steps.size(), 3u);
  EXPECT_EQ((*twice)->timeline.steps[2].technique, "kneading");
  EXPECT_EQ((*twice)->timeline.steps[1].end_ms, (*twice)->timeline.steps[2].start_ms);
}

// Found through chairctl: kneading's motor runs to the end of its step, so a step cut short
// leaves it running, and only the replacement's start pose stops it. A later re-plan from
// before the replacement had begun (a focus right after the change) lost that.
TEST(ManualChange, ALaterReplanStillStopsWhatTheCutStepLeftRunning) {
  const auto c = unit::chair();
  auto first = plan_manual({"kneading", "shoulders", 120'000, std::nullopt, std::nullopt});
  ASSERT_TRUE(first) << first.error().to_string();
  const std::int64_t from = 40'000;
  const auto change = replacement({"shiatsu", "lumbar", 120'000, std::nullopt, std::nullopt});
  auto changed = Planner().replan(**first, from, {}, nullptr, &change);
  ASSERT_TRUE(changed) << changed.error().to_string();
  SafetyGovernor governor(c, {});
  auto governed = governor.review((*changed)->timeline);
  EXPECT_TRUE(governed) << governed.error().to_string();
  for (const std::int64_t again : {from, from + 500, from + 20'000}) {
    SCOPED_TRACE("re-planned again from " + std::to_string(again) + " ms");
    PlanOptions focused;
    focused.scaling.focus_areas = {"lumbar"};
    auto refocused = Planner().replan(**changed, again, focused);
    ASSERT_TRUE(refocused) << refocused.error().to_string();
    EXPECT_DOUBLE_EQ(test::value_at((*refocused)->timeline, *c, "roller.knead", 119'000), 0.0);
    auto regoverned = governor.review((*refocused)->timeline);
    EXPECT_TRUE(regoverned) << regoverned.error().to_string();
  }
}

// Found in review: kneading, then the zone changed (kneading again, its motor already at speed,
// so its start pose commands nothing for it), then the technique: the last change must still
// stop the motor the first step started.
TEST(ManualChange, EachChangeRestsWhatAnyEarlierStepLeftRunning) {
  const auto c = unit::chair();
  auto plan = plan_manual({"kneading", "shoulders", 120'000, std::nullopt, std::nullopt});
  ASSERT_TRUE(plan) << plan.error().to_string();
  std::shared_ptr<const Plan> now = *plan;
  const auto to_neck = replacement({"kneading", "neck", 120'000, std::nullopt, std::nullopt});
  auto first = Planner().replan(*now, 30'000, {}, nullptr, &to_neck);
  ASSERT_TRUE(first) << first.error().to_string();
  const auto to_shiatsu = replacement({"shiatsu", "lumbar", 120'000, std::nullopt, std::nullopt});
  auto second = Planner().replan(**first, 60'000, {}, nullptr, &to_shiatsu);
  ASSERT_TRUE(second) << second.error().to_string();
  const Timeline& tl = (*second)->timeline;
  ASSERT_EQ(tl.steps.size(), 3u);
  EXPECT_DOUBLE_EQ(test::value_at(tl, *c, "roller.knead", 119'000), 0.0);
  SafetyGovernor governor(c, {});
  auto governed = governor.review(tl);
  EXPECT_TRUE(governed) << governed.error().to_string();
}

// Found in review: a change asked for while the previous one waits for the cut step's ramps
// takes the previous one's place instead of being refused.
TEST(ManualChange, AChangeBeforeThePreviousOneHasBegunTakesItsPlace) {
  auto plan = plan_manual({"kneading", "shoulders", 120'000, std::nullopt, std::nullopt});
  ASSERT_TRUE(plan) << plan.error().to_string();
  const auto to_shiatsu = replacement({"shiatsu", "lumbar", 120'000, std::nullopt, std::nullopt});
  auto first = Planner().replan(**plan, 30'000, {}, nullptr, &to_shiatsu);
  ASSERT_TRUE(first) << first.error().to_string();
  const auto to_neck = replacement({"kneading", "neck", 120'000, std::nullopt, std::nullopt});
  // From the same moment (the first has not begun): it is replaced, not stacked.
  auto second = Planner().replan(**first, 30'000, {}, nullptr, &to_neck);
  ASSERT_TRUE(second) << second.error().to_string();
  const Timeline& tl = (*second)->timeline;
  ASSERT_EQ(tl.steps.size(), 2u);
  EXPECT_EQ(tl.steps[1].technique, "kneading");
  EXPECT_EQ(tl.steps[1].zone, "neck");
  EXPECT_EQ(tl.steps[0].end_ms, tl.steps[1].start_ms);
  EXPECT_EQ(tl.steps[1].end_ms, 120'000);
  for (const auto& cmd : tl.commands) EXPECT_LT(cmd.step, 2) << "a command of the step replaced";
  SafetyGovernor governor(unit::chair(), {});
  auto governed = governor.review(tl);
  EXPECT_TRUE(governed) << governed.error().to_string();
}

TEST(ManualChange, IsRefusedForAProgramWithMoreThanOneStepAheadAndNearTheEnd) {
  const std::string text = unit::program_text(
      {unit::step_item("a", "shoulders", 30'000) + unit::step_item("b", "lumbar", 30'000)});
  auto program = test::plan_text(text);
  ASSERT_TRUE(program) << program.error().to_string();
  const auto change = replacement({"kneading", "neck", 120'000, std::nullopt, std::nullopt});
  auto refused = Planner().replan(*program->plan, 10'000, {}, nullptr, &change);
  ASSERT_FALSE(refused);
  EXPECT_TRUE(unit::HasError(refused.error(), "only a manual session's technique and zone"))
      << refused.error().to_string();

  auto manual = plan_manual({"kneading", "shoulders", 60'000, std::nullopt, std::nullopt});
  ASSERT_TRUE(manual) << manual.error().to_string();
  auto late = Planner().replan(**manual, 59'500, {}, nullptr, &change);
  ASSERT_FALSE(late);
  EXPECT_TRUE(unit::HasError(late.error(), "too little of the session is left"))
      << late.error().to_string();
}

}  // namespace
}  // namespace chaird
