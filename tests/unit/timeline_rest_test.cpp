// timeline/timeline_rest: what a resumed session plays. For every shipped program, paused at
// several moments (the chair brought to its pause state), the rest passes the governor, and
// after its lead-in it is the program as planned, value for value.
#include "timeline/timeline_rest.hpp"

#include <gtest/gtest.h>

#include "library/program_library.hpp"
#include "safety/safe_state.hpp"
#include "test_support.hpp"
#include "timeline/motion_profile.hpp"
#include "unit_fixtures.hpp"

namespace chaird {
namespace {

// Where a pause leaves the chair: air, heat and spinning motors at their safe value, travel
// motors where the program had them.
std::vector<double> paused_state(const ChairModel& chair, const Timeline& tl, std::int64_t at_ms) {
  std::vector<double> v = tl.targets_at(at_ms);
  for (const auto& a : chair.actuators()) {
    if (a.goes_to_safe_value()) v[static_cast<std::size_t>(a.index)] = a.safe_value;
  }
  return v;
}

TEST(TimelineRest, EveryShippedProgramResumesFromAnyMomentThroughTheGovernor) {
  const auto chair = test::reference_chair();
  SafetyGovernor governor(chair, {});
  ProgramCheckContext context;
  context.chair = chair;
  context.catalog = test::shipped_techniques();
  context.governor = &governor;
  Diagnostics refusals;
  const auto library =
      ProgramLibrary::load({test::source_dir() + "/sequences/programs"}, context, refusals);
  context.resolver = ProgramLibrary::resolver(library);
  int checked = 0;
  for (const auto& entry : library->entries()) {
    auto planned = check_program(entry.program, context);
    ASSERT_TRUE(planned) << entry.program->id() << "\n" << planned.error().to_string();
    const Timeline& program = planned->governed->timeline();
    for (const double share : {0.0, 0.13, 0.5, 0.77, 0.999}) {
      const auto from_ms =
          static_cast<std::int64_t>(share * static_cast<double>(program.duration_ms));
      const auto current = paused_state(*chair, program, from_ms);
      TimelineRest rest = rest_of_timeline(*chair, program, from_ms, current);
      const std::string where = entry.program->id() + " at " + std::to_string(from_ms);
      EXPECT_EQ(rest.timeline.duration_ms, program.duration_ms - from_ms + rest.lead_in_ms)
          << where;
      EXPECT_EQ(rest.timeline.initial_values, current) << where;
      for (const std::int64_t later : {std::int64_t{0}, std::int64_t{1500}, std::int64_t{60000}}) {
        const std::int64_t t = std::min(from_ms + later, program.duration_ms);
        const auto want = program.targets_at(t);
        const auto got = rest.timeline.targets_at(t - from_ms + rest.lead_in_ms);
        for (std::size_t i = 0; i < want.size(); ++i) {
          ASSERT_NEAR(got[i], want[i], 1e-6)
              << where << ", " << chair->actuators()[i].id << " at program time " << t;
        }
      }
      auto governed = governor.review(std::move(rest.timeline));
      ASSERT_TRUE(governed) << where << "\n" << governed.error().to_string();
      ++checked;
    }
  }
  EXPECT_GE(checked, 17 * 5);
}

TEST(TimelineRest, TheLeadInMovesWithinHalfTheLimitsAndResumesARampUnderWay) {
  const auto chair = unit::chair();
  Timeline tl = unit::blank_timeline(*chair, 20000);
  unit::add_command(tl, *chair, 0, 4000, "roller.position", 400);
  unit::add_command(tl, *chair, 1000, 2000, "airbag.waist", 16);
  unit::sort_commands(tl);
  // Paused at 2 s: the roller was half way, the bag full; the pause vented it.
  std::vector<double> current = tl.targets_at(2000);
  const auto bag = static_cast<std::size_t>(unit::idx(*chair, "airbag.waist"));
  current[bag] = 0.0;
  const TimelineRest rest = rest_of_timeline(*chair, tl, 2000, current);
  const auto& spec = chair->actuator(unit::idx(*chair, "airbag.waist"));
  const double seconds = 16.0 / (0.5 * spec.max_rate);
  EXPECT_GE(rest.lead_in_ms, static_cast<std::int64_t>(seconds * 1000.0));
  // The roller's ramp goes on at its own speed after the lead-in.
  const auto roller = static_cast<std::size_t>(unit::idx(*chair, "roller.position"));
  const double at = tl.targets_at(2000)[roller];
  EXPECT_NEAR(rest.timeline.targets_at(rest.lead_in_ms)[roller], at, 1e-9);
  EXPECT_NEAR(rest.timeline.targets_at(rest.lead_in_ms + 2000)[roller], 400.0, 1e-9);
  SafetyGovernor governor(chair, {});
  auto governed = governor.review(rest.timeline);
  EXPECT_TRUE(governed) << governed.error().to_string();
}

TEST(TimelineRest, ALeadInFromAValueNoChairReachesIsBounded) {
  // Where the chair is steering comes from the board: a value far out of range must still give a
  // lead-in the planner can add to, not an overflowed cast.
  const auto chair = unit::chair();
  Timeline tl = unit::blank_timeline(*chair, 20000);
  unit::add_command(tl, *chair, 0, 4000, "roller.position", 400);
  unit::sort_commands(tl);
  std::vector<double> current = tl.targets_at(2000);
  current[static_cast<std::size_t>(unit::idx(*chair, "roller.position"))] = 1e300;
  const TimelineRest rest = rest_of_timeline(*chair, tl, 2000, current);
  // The longest move, and the rest after it (the old cast made 375 ms of it: a jump).
  EXPECT_GE(rest.lead_in_ms, kLongestMoveMs);
  EXPECT_LE(rest.lead_in_ms, kLongestMoveMs + 60'000);
}

// What was changed for the sitter (their rules, their feedback) is still told after a resume
// and after a live adjustment.
TEST(TimelineRest, TheSittersChangesAreToldOnAfterAResumeAndAnAdjustment) {
  const auto chair = unit::chair();
  Timeline tl = unit::blank_timeline(*chair, 20000);
  unit::add_command(tl, *chair, 0, 4000, "roller.position", 400);
  unit::sort_commands(tl);
  tl.condition_changes = {"step 'tap' (tapping on back) skipped; the chair rests there (r)"};
  const TimelineRest rest = rest_of_timeline(*chair, tl, 2000, tl.targets_at(2000));
  EXPECT_EQ(rest.timeline.condition_changes, tl.condition_changes);
  Timeline playing = unit::blank_timeline(*chair, 20000);
  EXPECT_EQ(splice_from(playing, tl, 2000, 0).condition_changes, tl.condition_changes);
}

}  // namespace
}  // namespace chaird
