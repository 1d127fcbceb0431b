// planner/round_diagnostics: a problem in a repeated step, found in every round, is told once.
#include "planner/round_diagnostics.hpp"

#include <gtest/gtest.h>

#include <string>

#include "unit_fixtures.hpp"

namespace chaird {
namespace {

using unit::ErrorAt;
using unit::line_of;

TEST(RoundDiagnostics, TheSameProblemInSeveralRoundsIsToldOnceWithoutItsRound) {
  Diagnostics d;
  d.error({"p", 4, 9}, "step 'drum (1/3)': unknown technique 'tappin'");
  d.error({"p", 4, 9}, "step 'drum (2/3)': unknown technique 'tappin'");
  d.error({"p", 4, 9}, "step 'drum (3/3)': unknown technique 'tappin'");
  d.warning({"p", 4, 9}, "step 'drum (1/3)': a note");
  d.warning({"p", 4, 9}, "step 'drum (2/3)': a note");
  // Nested rounds, and a problem only one round has: kept as they are.
  d.error({"p", 7, 3}, "step 'knead (1/2,1/2)': tempo 40 cpm");
  d.error({"p", 7, 3}, "step 'knead (1/2,2/2)': tempo 40 cpm");
  d.error({"p", 9, 3}, "step 'press (2/2)': ends at 12:00, past the program's end");
  d.error({"q", 4, 9}, "step 'drum (1/3)': unknown technique 'tappin'");  // another file

  const Diagnostics once = collapse_rounds(d);
  ASSERT_EQ(once.items().size(), 5u) << once.to_string();
  EXPECT_EQ(once.items()[0].message, "step 'drum': unknown technique 'tappin' (in 3 of 3 rounds)");
  EXPECT_EQ(once.items()[0].severity, Severity::kError);
  EXPECT_EQ(once.items()[1].message, "step 'drum': a note (in 2 of 3 rounds)");
  EXPECT_EQ(once.items()[1].severity, Severity::kWarning);
  EXPECT_EQ(once.items()[2].message, "step 'knead': tempo 40 cpm (in 2 of 4 rounds)");
  EXPECT_EQ(once.items()[3].message, "step 'press (2/2)': ends at 12:00, past the program's end");
  EXPECT_EQ(once.items()[4].where.file, "q");
}

TEST(RoundDiagnostics, APlannedProgramReportsAMisspeltTechniqueInARepeatOnce) {
  const std::string text =
      "metadata { id: \"t\" name: \"test\" }\nphases { kind: MAIN\n"
      "  tracks { kind: BACK_ROLLERS\n"
      "    items { repeat { count: 3\n" +
      unit::step_item("drum", "lumbar", 20000, "", "tappin") + "    } }\n  }\n}\n";
  const Diagnostics d = unit::plan_errors(text);
  EXPECT_EQ(d.error_count(), 1u) << d.to_string();
  EXPECT_TRUE(ErrorAt(d,
                      "step 'drum': unknown technique 'tappin'; did you mean 'tapping'? (this "
                      "chaird has: ",
                      "test.textproto", line_of(text, "technique: \"tappin\"")));
  EXPECT_TRUE(unit::HasError(d, "(in 3 of 3 rounds)"));
}

TEST(RoundDiagnostics, AnExpansionProblemInARepeatIsToldOnce) {
  // The expander checks the step before it has a round: the same message, once per round.
  const std::string text =
      "metadata { id: \"t\" name: \"test\" }\nphases { kind: MAIN\n"
      "  tracks { kind: BACK_ROLLERS\n"
      "    items { repeat { count: 3\n" +
      unit::step_item("drum", "lumbar", 20000, "intensity: 2") + "    } }\n  }\n}\n";
  const Diagnostics d = unit::plan_errors(text);
  EXPECT_EQ(d.error_count(), 1u) << d.to_string();
}

TEST(RoundDiagnostics, HugeNamesAreHandledWithoutRecursion) {
  Diagnostics d;
  const std::string name(900'000, 'n');
  d.error({"p", 1, 1}, "step '" + name + " (1/2)': x");
  d.error({"p", 1, 1}, "step '" + name + " (2/2)': x");
  const Diagnostics once = collapse_rounds(d);
  ASSERT_EQ(once.items().size(), 1u);
  EXPECT_EQ(once.items()[0].message, "step '" + name + "': x (in 2 of 2 rounds)");
}

}  // namespace
}  // namespace chaird
