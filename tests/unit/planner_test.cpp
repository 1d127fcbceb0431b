// planner/planner: timelines from programs with the real shiatsu plugin on the reference chair:
// travel between steps, overlapping use of an actuator, provenance, determinism, re-planning
// and planning from a chair that is not at home.
#include "planner/planner.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "safety/safety_governor.hpp"
#include "timeline/timeline_format.hpp"
#include "unit_fixtures.hpp"

namespace chaird {
namespace {

using unit::column_of;
using unit::ErrorAt;
using unit::HasError;
using unit::idx;
using unit::line_of;
using unit::program_text;
using unit::step_item;

// The governor's tolerances for ms rounding.
constexpr double kRateTolerance = 1.02;
constexpr double kAccelTolerance = 1.10;

// Checks one actuator's ramps along a timeline against its speed and acceleration limits,
// the way the governor does, independently of it.
void expect_within_limits(const Timeline& tl, const ChairModel& c, ActuatorIndex a) {
  const ActuatorSpec& spec = c.actuator(a);
  double value = tl.initial_values[static_cast<std::size_t>(a)];
  std::int64_t end = 0;
  double last_slope = 0.0;
  double last_seconds = 0.0;
  for (const auto& cmd : tl.commands) {
    if (cmd.actuator != a) continue;
    ASSERT_GE(cmd.start_ms, end) << spec.id << ": ramps overlap at " << cmd.start_ms << " ms";
    if (cmd.start_ms > end) {
      const double hold = static_cast<double>(cmd.start_ms - end) / 1000.0;
      EXPECT_LE(std::abs(last_slope),
                spec.max_accel * std::max(hold, last_seconds) * kAccelTolerance + 1e-9)
          << spec.id << " stops too hard at " << end << " ms";
      last_slope = 0.0;
      last_seconds = hold;
    }
    const double seconds = static_cast<double>(cmd.reach_ms - cmd.start_ms) / 1000.0;
    if (seconds > 0.0) {
      const double slope = (cmd.value - value) / seconds;
      EXPECT_LE(std::abs(slope), spec.max_rate * kRateTolerance)
          << spec.id << " too fast at " << cmd.start_ms;
      EXPECT_LE(std::abs(slope - last_slope),
                spec.max_accel * std::max(seconds, last_seconds) * kAccelTolerance + 1e-9)
          << spec.id << " accelerates too hard at " << cmd.start_ms << " ms";
      last_slope = slope;
      last_seconds = seconds;
    } else {
      EXPECT_LT(std::abs(cmd.value - value), 1e-9)
          << spec.id << " jumps at " << cmd.start_ms << " ms";
    }
    value = cmd.value;
    end = cmd.reach_ms;
  }
}

bool same_command(const TimelineCommand& x, const TimelineCommand& y) {
  return x.start_ms == y.start_ms && x.reach_ms == y.reach_ms && x.actuator == y.actuator &&
         x.step == y.step && x.value == y.value && x.source == y.source;
}

double first_point(const std::string& zone) {
  auto body = BodyModel::resolve(*unit::chair(), {});
  const auto span = body->span(zone);
  // Shiatsu's first press point lies a tenth of the zone in from its top.
  return span->from_mm + 0.1 * (span->to_mm - span->from_mm);
}

TEST(Planner, TravelBetweenStepsOpensTheNextStepWithinTheRollersLimits) {
  const std::string text =
      program_text({step_item("a", "shoulders", 20000) + step_item("b", "lumbar", 20000)});
  auto planned = test::plan_text(text);
  ASSERT_TRUE(planned) << planned.error().to_string();
  const Timeline& tl = planned->plan->timeline;
  const auto c = unit::chair();
  const ActuatorIndex position = idx("roller.position");
  ASSERT_EQ(tl.steps.size(), 2u);
  const TimelineStep& b = tl.steps[1];
  EXPECT_EQ(b.start_ms, 20000);
  EXPECT_EQ(b.end_ms, 40000);
  // From the shoulders to the lumbar takes seconds at 120 mm/s.
  EXPECT_GT(b.transition_ms, 2000);
  EXPECT_LT(b.transition_ms, 8000);
  EXPECT_EQ(b.transition_ms % 10, 0);

  std::vector<TimelineCommand> travel;
  for (const auto& cmd : tl.commands) {
    if (cmd.step == 1 && cmd.source == CommandSource::kTransition) travel.push_back(cmd);
    if (cmd.step == 1 && cmd.source == CommandSource::kTechnique) {
      EXPECT_GE(cmd.start_ms, b.start_ms + b.transition_ms)
          << "the technique starts after the travel";
    }
  }
  ASSERT_FALSE(travel.empty());
  std::int64_t first = travel.front().start_ms;
  for (const auto& cmd : travel) {
    first = std::min(first, cmd.start_ms);
    EXPECT_GE(cmd.start_ms, b.start_ms);
    EXPECT_LE(cmd.reach_ms, b.start_ms + b.transition_ms);
  }
  EXPECT_EQ(first, b.start_ms);
  const auto position_travel =
      std::count_if(travel.begin(), travel.end(),
                    [&](const TimelineCommand& cmd) { return cmd.actuator == position; });
  EXPECT_GE(position_travel, 3);  // accelerate, cruise, brake

  // It arrives at the first press point of the lumbar when the technique begins.
  EXPECT_NEAR(test::value_at(tl, *c, "roller.position", b.start_ms + b.transition_ms),
              first_point("lumbar"), 1e-6);
  // The first step travels from home too.
  EXPECT_GT(tl.steps[0].transition_ms, 0);
  EXPECT_NEAR(test::value_at(tl, *c, "roller.position", tl.steps[0].transition_ms),
              first_point("shoulders"), 1e-6);

  expect_within_limits(tl, *c, position);
  expect_within_limits(tl, *c, idx("roller.depth"));
  expect_within_limits(tl, *c, idx("roller.width"));
}

TEST(Planner, TwoTracksDrivingOneActuatorAtOnceAreRefusedNamingBothSteps) {
  const std::string text =
      program_text({step_item("a", "shoulders", 20000), step_item("b", "lumbar", 20000)});
  auto plan = unit::plan_on(unit::chair(), text);
  ASSERT_FALSE(plan);
  const std::string expected =
      "step 'b' and step 'a' (test.textproto:" + std::to_string(line_of(text, "\"a\"")) +
      ") both drive roller.position from 0:00 to 0:20 of phase 'main'";
  EXPECT_TRUE(ErrorAt(plan.error(), expected, "test.textproto", line_of(text, "\"b\"")));
  EXPECT_TRUE(HasError(plan.error(), "both drive roller.depth"));

  // After a warm-up, the times are the main phase's own, as its start_ms are written; a part of
  // a second is kept.
  const std::string after_warm_up =
      "metadata { id: \"t\" name: \"test\" }\n"
      "phases { kind: WARM_UP tracks { kind: BACK_ROLLERS\n" +
      step_item("w", "back", 30000, "", "rolling") +
      "} }\n"
      "phases { kind: MAIN\n"
      "  tracks { kind: BACK_ROLLERS\n" +
      step_item("a", "shoulders", 20000) + "  }\n  tracks { kind: BACK_ROLLERS\n" +
      step_item("b", "lumbar", 20000, "start_ms: 19500") + "  }\n}\n";
  auto clash = unit::plan_on(unit::chair(), after_warm_up);
  ASSERT_FALSE(clash);
  EXPECT_TRUE(HasError(clash.error(),
                       "both drive roller.position from 0:19.5 to 0:20 of phase "
                       "'main'"))
      << clash.error().to_string();

  // One after the other on two tracks is fine.
  const std::string later = program_text(
      {step_item("a", "shoulders", 20000), step_item("b", "lumbar", 20000, "start_ms: 20000")});
  auto ok = test::plan_text(later);
  EXPECT_TRUE(ok) << ok.error().to_string();
}

TEST(Planner, EveryCommandPointsAtTheStepThatMadeIt) {
  const std::string text =
      program_text({step_item("one", "shoulders", 15000) + step_item("two", "lumbar", 15000) +
                    step_item("three", "neck", 15000)});
  auto planned = test::plan_text(text);
  ASSERT_TRUE(planned) << planned.error().to_string();
  const Timeline& tl = planned->plan->timeline;
  ASSERT_EQ(tl.steps.size(), 3u);
  std::vector<int> commands_per_step(3, 0);
  for (const auto& cmd : tl.commands) {
    ASSERT_GE(cmd.step, 0);
    ASSERT_LT(cmd.step, 3);
    const TimelineStep& s = tl.steps[static_cast<std::size_t>(cmd.step)];
    EXPECT_GE(cmd.start_ms, s.start_ms) << s.name;
    EXPECT_LE(cmd.reach_ms, s.end_ms) << s.name;
    EXPECT_NE(cmd.source, CommandSource::kSafety);
    ++commands_per_step[static_cast<std::size_t>(cmd.step)];
  }
  for (const char* name : {"one", "two", "three"}) {
    const auto it = std::find_if(tl.steps.begin(), tl.steps.end(),
                                 [&](const TimelineStep& s) { return s.name == name; });
    ASSERT_NE(it, tl.steps.end());
    const std::string anchor = std::string("step { name: \"") + name + "\"";
    EXPECT_EQ(it->where.file, "test.textproto");
    EXPECT_EQ(it->where.line, line_of(text, anchor)) << name;
    EXPECT_EQ(it->where.column, column_of(text, anchor)) << name;
    EXPECT_EQ(it->technique, "shiatsu");
    EXPECT_EQ(it->track, "track1");
    EXPECT_EQ(it->phase, "main");
    EXPECT_GT(commands_per_step[static_cast<std::size_t>(it - tl.steps.begin())], 5) << name;
  }
  EXPECT_EQ(tl.steps[2].zone, "neck");
  // Sorted by start time, then actuator.
  for (std::size_t i = 1; i < tl.commands.size(); ++i) {
    const auto& p = tl.commands[i - 1];
    const auto& q = tl.commands[i];
    EXPECT_TRUE(p.start_ms < q.start_ms || (p.start_ms == q.start_ms && p.actuator <= q.actuator))
        << i;
  }
}

TEST(Planner, PlanningIsDeterministic) {
  const std::string text = program_text(
      {step_item("one", "shoulders", 15000,
                 "intensity: 0.5 params { name: \"direction\" choice: \"alternate\" }") +
       step_item("two", "lumbar", 15000, "tempo_cpm: 20")});
  auto first = test::plan_text(text);
  auto second = test::plan_text(text);
  ASSERT_TRUE(first && second);
  const auto c = unit::chair();
  const std::string a = format_timeline_table(first->plan->timeline, *c);
  const std::string b = format_timeline_table(second->plan->timeline, *c);
  EXPECT_EQ(a, b);
  EXPECT_EQ(format_timeline_json(first->governed->timeline(), *c),
            format_timeline_json(second->governed->timeline(), *c));
  EXPECT_GT(a.size(), 1000u);
  EXPECT_NE(first->plan, second->plan);  // two separate plans, not one cached
}

// A gentle program stays gentle: metadata.max_intensity_scale holds the sitter's 1.5x at the
// program's most, at the start and at a live adjustment, and the session says so.
TEST(Planner, AProgramHoldsTheSessionIntensityAtItsMost) {
  std::string text = program_text({step_item("a", "shoulders", 30000, "intensity: 0.4") +
                                   step_item("b", "lumbar", 30000, "intensity: 0.4")});
  const std::string name = "name: \"test\"";
  text.replace(text.find(name), name.size(), name + " max_intensity_scale: 1.2");
  PlanOptions strong;
  strong.scaling.intensity_scale = 1.5;
  auto planned = test::plan_text(text, strong);
  ASSERT_TRUE(planned) << planned.error().to_string();
  const Plan& plan = *planned->plan;
  EXPECT_DOUBLE_EQ(plan.options.scaling.intensity_scale, 1.2);
  for (const auto& s : plan.timeline.steps) EXPECT_DOUBLE_EQ(s.intensity, 0.48) << s.name;
  ASSERT_EQ(plan.timeline.condition_changes.size(), 1u);
  EXPECT_EQ(plan.timeline.condition_changes[0],
            "intensity held at 1.20x, asked 1.50x: this program is written to stay at most that "
            "strong");

  auto replanned = Planner().replan(plan, 35000, strong);
  ASSERT_TRUE(replanned) << replanned.error().to_string();
  EXPECT_DOUBLE_EQ((*replanned)->options.scaling.intensity_scale, 1.2);
  EXPECT_DOUBLE_EQ((*replanned)->timeline.steps[1].intensity, 0.48);
  EXPECT_EQ((*replanned)->timeline.condition_changes, plan.timeline.condition_changes);

  // Asked for less than the program's most: nothing held, nothing said.
  PlanOptions softer;
  softer.scaling.intensity_scale = 0.8;
  auto soft = Planner().replan(plan, 35000, softer);
  ASSERT_TRUE(soft) << soft.error().to_string();
  EXPECT_DOUBLE_EQ((*soft)->timeline.steps[1].intensity, 0.32);
  EXPECT_TRUE((*soft)->timeline.condition_changes.empty());
}

// A program that includes a held one is held too: the included steps are why it holds.
TEST(Planner, AnIncludedProgramsHoldHoldsTheSession) {
  std::string inner = program_text({step_item("a", "shoulders", 30000, "intensity: 0.4")}, "inner");
  const std::string name = "name: \"test\"";
  inner.replace(inner.find(name), name.size(), name + " max_intensity_scale: 1.1");
  auto inner_program = parse_program_text(inner, "inner.textproto");
  ASSERT_TRUE(inner_program) << inner_program.error().to_string();
  const ProgramResolver resolver = [&](std::string_view id) -> ProgramRef {
    return id == "inner" ? *inner_program : nullptr;
  };
  const std::string outer =
      "metadata { id: \"outer\" name: \"test\" }\nphases { include_program: \"inner\" }\n";
  PlanOptions strong;
  strong.scaling.intensity_scale = 1.5;
  auto planned = test::plan_text(outer, strong, resolver);
  ASSERT_TRUE(planned) << planned.error().to_string();
  EXPECT_DOUBLE_EQ(planned->plan->options.scaling.intensity_scale, 1.1);
  EXPECT_DOUBLE_EQ(planned->plan->asked_intensity_scale, 1.5);
}

TEST(Planner, ReplanKeepsThePastAndChangesTheFuture) {
  const std::string text = program_text({step_item("a", "shoulders", 30000, "intensity: 0.5") +
                                         step_item("b", "lumbar", 30000, "intensity: 0.7")});
  auto planned = test::plan_text(text);
  ASSERT_TRUE(planned) << planned.error().to_string();
  const Timeline& old = planned->plan->timeline;
  const auto depth = idx("roller.depth");

  PlanOptions softer;
  softer.scaling.intensity_scale = 0.5;
  for (std::int64_t from : {25000, 31000, 45000}) {
    SCOPED_TRACE("re-plan from " + std::to_string(from) + " ms");
    auto replanned = Planner().replan(*planned->plan, from, softer);
    ASSERT_TRUE(replanned) << replanned.error().to_string();
    const Timeline& now = (*replanned)->timeline;
    std::vector<TimelineCommand> kept_old;
    std::vector<TimelineCommand> kept_new;
    for (const auto& cmd : old.commands) {
      if (cmd.start_ms < from) kept_old.push_back(cmd);
    }
    for (const auto& cmd : now.commands) {
      if (cmd.start_ms < from) kept_new.push_back(cmd);
    }
    ASSERT_EQ(kept_old.size(), kept_new.size());
    for (std::size_t i = 0; i < kept_old.size(); ++i) {
      EXPECT_TRUE(same_command(kept_old[i], kept_new[i]))
          << "command " << i << " before the re-plan changed";
    }
    // The presses the technique asks for (a transition may first release a press under way).
    double old_deepest = 0.0;
    double new_deepest = 0.0;
    for (const auto& cmd : old.commands) {
      if (cmd.start_ms >= from && cmd.actuator == depth &&
          cmd.source == CommandSource::kTechnique) {
        old_deepest = std::max(old_deepest, cmd.value);
      }
    }
    for (const auto& cmd : now.commands) {
      if (cmd.start_ms >= from && cmd.actuator == depth &&
          cmd.source == CommandSource::kTechnique) {
        new_deepest = std::max(new_deepest, cmd.value);
      }
    }
    EXPECT_GT(old_deepest, 0.0);
    EXPECT_LT(new_deepest, old_deepest - 1.0) << "the presses after the re-plan are softer";
    EXPECT_DOUBLE_EQ(now.steps[1].intensity, 0.35);
    EXPECT_EQ(now.duration_ms, old.duration_ms);
    // The re-planned timeline is as safe as the first.
    SafetyGovernor governor(unit::chair(), {});
    auto governed = governor.review(now);
    EXPECT_TRUE(governed) << governed.error().to_string();
  }

  // Re-planning everything gives what planning with the new options gives.
  auto whole = Planner().replan(*planned->plan, 0, softer);
  auto fresh = test::plan_text(text, softer);
  ASSERT_TRUE(whole && fresh);
  EXPECT_EQ(format_timeline_table((*whole)->timeline, *unit::chair()),
            format_timeline_table(fresh->plan->timeline, *unit::chair()));
}

TEST(Planner, AReplanForABodyWhoseZoneLeavesTheTrackIsRefusedNotPlayedAtTheTrackTop) {
  // On a 900 mm track the default body's thighs keep 36 mm; a 195 cm sitter's, none. A re-plan
  // for the taller body (a new scan mid-session) must not keep the step with no zone to work
  // in: the rollers would be sent to 0 mm, the top of the track behind the head.
  auto short_l =
      unit::chair_variant({{"length_mm: 1350", "length_mm: 900"}, {"max: 1350", "max: 900"}});
  ASSERT_NE(short_l, nullptr);
  const std::string text = program_text({step_item("s", "thighs", 60000)});
  auto planned = unit::plan_on(short_l, text);
  ASSERT_TRUE(planned) << planned.error().to_string();
  PlanOptions tall;
  tall.body.height_cm = 195;
  auto replanned = Planner().replan(**planned, 20000, tall);
  ASSERT_FALSE(replanned) << "re-planned with the rollers outside any zone";
  EXPECT_TRUE(HasError(replanned.error(),
                       "step 's': zone 'thighs' lies beyond the end of this chair's track for "
                       "this body"))
      << replanned.error().to_string();
}

TEST(Planner, AChairAwayFromHomeTravelsFromWhereItIs) {
  const auto c = unit::chair();
  PlanOptions options;
  options.initial_values = c->home_values();
  options.initial_values[static_cast<std::size_t>(idx("roller.position"))] = 600.0;
  options.initial_values[static_cast<std::size_t>(idx("roller.depth"))] = 3.0;
  const std::string text = test::single_step_program("shiatsu", "shoulders", 20000);
  auto planned = test::plan_text(text, options);
  ASSERT_TRUE(planned) << planned.error().to_string();
  const Timeline& tl = planned->plan->timeline;
  EXPECT_DOUBLE_EQ(test::value_at(tl, *c, "roller.position", 0), 600.0);
  EXPECT_DOUBLE_EQ(test::value_at(tl, *c, "roller.depth", 0), 3.0);
  const auto first_position = std::find_if(
      tl.commands.begin(), tl.commands.end(),
      [&](const TimelineCommand& cmd) { return cmd.actuator == idx("roller.position"); });
  ASSERT_NE(first_position, tl.commands.end());
  EXPECT_EQ(first_position->source, CommandSource::kTransition);
  EXPECT_EQ(first_position->start_ms, 0);
  EXPECT_LT(first_position->value, 600.0);  // heading up, towards the shoulders
  const std::int64_t arrive = tl.steps[0].transition_ms;
  EXPECT_GT(arrive, 3000);  // 390 mm at 120 mm/s at most
  EXPECT_NEAR(test::value_at(tl, *c, "roller.position", arrive), first_point("shoulders"), 1e-6);
  EXPECT_NEAR(test::value_at(tl, *c, "roller.depth", arrive), 0.6, 1e-9);  // light contact
  expect_within_limits(tl, *c, idx("roller.position"));
  expect_within_limits(tl, *c, idx("roller.depth"));

  // From home the same step travels for much less.
  auto from_home = test::plan_text(text);
  ASSERT_TRUE(from_home);
  EXPECT_LT(from_home->plan->timeline.steps[0].transition_ms, arrive);

  // A state that does not fit the chair is refused; values off the range are clamped.
  PlanOptions wrong;
  wrong.initial_values = {1.0, 2.0};
  EXPECT_TRUE(HasError(unit::plan_errors(text, wrong), "initial chair state does not match"));
  PlanOptions off = options;
  off.initial_values[static_cast<std::size_t>(idx("roller.position"))] = 5000.0;
  auto clamped = test::plan_text(text, off);
  ASSERT_TRUE(clamped) << clamped.error().to_string();
  EXPECT_DOUBLE_EQ(
      clamped->plan->timeline.initial_values[static_cast<std::size_t>(idx("roller.position"))],
      1350.0);
}

TEST(Planner, AStepTooShortForItsTravelIsRefused) {
  const std::string text = test::single_step_program("shiatsu", "thighs", 2500);
  const Diagnostics d = unit::plan_errors(text);
  EXPECT_TRUE(HasError(d, "step 's' is too short: travelling to its start pose takes"))
      << d.to_string();
  EXPECT_TRUE(HasError(d, "of its 2500 ms"));
}

TEST(Planner, BodyRefusalsAreReported) {
  PlanOptions options;
  options.body.shoulder_offset_mm = 150.0;
  const Diagnostics d =
      unit::plan_errors(test::single_step_program("shiatsu", "lumbar", 20000), options);
  EXPECT_TRUE(HasError(d, "shoulder offset must be within"));
}

}  // namespace
}  // namespace chaird
