// planner/program_expander: phases, tracks, repeats, includes, and the limits on all of them.
#include "planner/program_expander.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "program/program_source.hpp"
#include "unit_fixtures.hpp"

namespace chaird {
namespace {

using unit::column_of;
using unit::Contains;
using unit::ErrorAt;
using unit::HasError;
using unit::line_of;

ProgramRef parse(const std::string& text, const std::string& path = "p.textproto") {
  auto program = parse_program_text(text, path);
  if (!program) {
    ADD_FAILURE() << program.error().to_string();
    return nullptr;
  }
  return *program;
}

struct Expansion {
  ExpandedProgram program;
  Diagnostics d;
};

Expansion expand(const ProgramRef& program, const ProgramResolver& resolver = {},
                 const ExpansionLimits& limits = {}) {
  Expansion e;
  e.program = expand_program(program, resolver, limits, e.d);
  return e;
}

Expansion expand(const std::string& text) {
  return expand(parse(text));
}

std::string step(const std::string& name, std::int64_t duration_ms, const std::string& extra = "") {
  return "items { step { name: \"" + name +
         "\" technique: \"shiatsu\" zone: \"lumbar\" duration_ms: " + std::to_string(duration_ms) +
         (extra.empty() ? "" : " " + extra) + " } }\n";
}

const ExpandedStep* find(const ExpandedProgram& p, const std::string& name) {
  for (const auto& s : p.steps) {
    if (s.name == name) return &s;
  }
  ADD_FAILURE() << "no step named '" << name << "'";
  return nullptr;
}

ProgramResolver resolver_of(const std::map<std::string, ProgramRef>& programs) {
  return [programs](std::string_view id) -> ProgramRef {
    const auto it = programs.find(std::string(id));
    return it == programs.end() ? nullptr : it->second;
  };
}

TEST(ProgramExpander, PhasesRunOneAfterAnotherAndTracksInParallel) {
  const std::string text =
      "metadata { id: \"p\" }\n"
      "phases { kind: WARM_UP\n"
      "  tracks { name: \"rollers\"\n" +
      step("a", 10000) + step("b", 5000) +
      "  }\n"
      "  tracks { kind: AIR\n" +
      step("c", 20000) +
      "  }\n"
      "}\n"
      "phases { name: \"deep work\" tracks { kind: BACK_ROLLERS\n" +
      step("d", 3000) + "} }\n";
  const Expansion e = expand(text);
  ASSERT_TRUE(e.d.empty()) << e.d.to_string();
  ASSERT_EQ(e.program.steps.size(), 4u);
  const auto* a = find(e.program, "a");
  const auto* b = find(e.program, "b");
  const auto* c = find(e.program, "c");
  const auto* d = find(e.program, "d");
  ASSERT_TRUE(a && b && c && d);
  EXPECT_EQ(a->start_ms, 0);
  EXPECT_EQ(a->end_ms, 10000);
  EXPECT_EQ(b->start_ms, 10000);
  EXPECT_EQ(b->end_ms, 15000);
  EXPECT_EQ(c->start_ms, 0);  // in parallel with a
  EXPECT_EQ(c->end_ms, 20000);
  // The second phase waits for the longest track of the first.
  EXPECT_EQ(d->start_ms, 20000);
  EXPECT_EQ(d->end_ms, 23000);
  EXPECT_EQ(e.program.duration_ms, 23000);
  // Labels: a name when given, else the kind.
  EXPECT_EQ(a->phase, "warm-up");
  EXPECT_EQ(a->track, "rollers");
  EXPECT_EQ(c->track, "air");
  EXPECT_EQ(d->phase, "deep work");
  EXPECT_EQ(d->track, "back rollers");
  EXPECT_EQ(a->step->duration_ms(), 10000);
  // Each step knows where it was written.
  EXPECT_EQ(b->where.self().line, line_of(text, "name: \"b\""));
  EXPECT_EQ(b->where.self().file, "p.textproto");
  ASSERT_EQ(e.program.sources.size(), 1u);
}

TEST(ProgramExpander, RepeatsAreExpandedWithRoundNames) {
  const std::string text =
      "metadata { id: \"p\" }\n"
      "phases { tracks {\n"
      "  items { repeat { count: 3\n" +
      step("x", 1000) +
      "    items { step { technique: \"shiatsu\" zone: \"neck\" duration_ms: 2000 } }\n"
      "  } }\n"
      "  items { repeat { count: 2 items { repeat { count: 2\n" +
      step("z", 500) + "  } } } }\n} }\n";
  const Expansion e = expand(text);
  ASSERT_TRUE(e.d.empty()) << e.d.to_string();
  ASSERT_EQ(e.program.steps.size(), 10u);
  const std::vector<std::string> names = {
      "x (1/3)",     "shiatsu@neck (1/3)", "x (2/3)",     "shiatsu@neck (2/3)",
      "x (3/3)",     "shiatsu@neck (3/3)", "z (1/2,1/2)", "z (1/2,2/2)",
      "z (2/2,1/2)", "z (2/2,2/2)"};
  std::int64_t t = 0;
  for (std::size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(e.program.steps[i].name, names[i]) << i;
    EXPECT_EQ(e.program.steps[i].start_ms, t) << names[i];
    t = e.program.steps[i].end_ms;
  }
  EXPECT_EQ(find(e.program, "x (2/3)")->start_ms, 3000);
  EXPECT_EQ(e.program.duration_ms, 3 * 3000 + 4 * 500);
}

TEST(ProgramExpander, ExplicitStartLeavesAGap) {
  const std::string text =
      "metadata { id: \"p\" }\n"
      "phases { tracks {\n" +
      step("a", 1000) + step("b", 1000, "start_ms: 5000") +
      "} }\n"
      "phases { tracks {\n" +
      step("c", 1000, "start_ms: 250") + "} }\n";
  const Expansion e = expand(text);
  ASSERT_TRUE(e.d.empty()) << e.d.to_string();
  EXPECT_EQ(find(e.program, "b")->start_ms, 5000);
  EXPECT_EQ(find(e.program, "b")->end_ms, 6000);
  // start_ms is relative to its phase.
  EXPECT_EQ(find(e.program, "c")->start_ms, 6250);
  EXPECT_EQ(e.program.duration_ms, 7250);
}

TEST(ProgramExpander, StartBeforeThePreviousStepEndsIsLocated) {
  const std::string text =
      "metadata { id: \"p\" }\n"
      "phases { tracks { name: \"rollers\"\n" +
      step("a", 1000) + step("b", 1000, "start_ms: 500") + "} }\n";
  const Expansion e = expand(text);
  EXPECT_TRUE(ErrorAt(
      e.d,
      "step 'b': starts at 500 ms, before the previous step of track 'rollers' ends at 1000 ms",
      "p.textproto", line_of(text, "start_ms: 500"), column_of(text, "start_ms: 500")));
  EXPECT_EQ(e.program.steps.size(), 1u);  // b is left out
}

TEST(ProgramExpander, StartPastTheLimitIsLocated) {
  // Found reading for overflows: a start this far out overflowed the phase's arithmetic, and one
  // just short of it overflowed the governor's later.
  const std::string text =
      "metadata { id: \"p\" }\n"
      "phases { tracks {\n" +
      step("far", 60000, "start_ms: 9223372036854775807") + step("near", 1000) +
      "} }\n"
      "phases { tracks {\n" +
      step("later", 1000, "start_ms: 9223372036854775000") + "} }\n";
  const Expansion e = expand(text);
  EXPECT_TRUE(ErrorAt(e.d,
                      "step 'far': start_ms 9223372036854775807 is over the limit of 86400000 ms "
                      "(a day into its phase)",
                      "p.textproto", line_of(text, "start_ms: 9223372036854775807"),
                      column_of(text, "start_ms: 9223372036854775807")));
  EXPECT_TRUE(ErrorAt(e.d,
                      "step 'later': start_ms 9223372036854775000 is over the limit of 86400000 "
                      "ms (a day into its phase)",
                      "p.textproto", line_of(text, "start_ms: 9223372036854775000")));
  // A start within the day is kept.
  const std::string day = "metadata { id: \"p\" }\nphases { tracks {\n" +
                          step("a", 1000, "start_ms: 86400000") + "} }\n";
  const Expansion ok = expand(day);
  ASSERT_TRUE(ok.d.empty()) << ok.d.to_string();
  EXPECT_EQ(find(ok.program, "a")->start_ms, 86400000);
}

TEST(ProgramExpander, StartInsideARepeatIsRefused) {
  const std::string text =
      "metadata { id: \"p\" }\n"
      "phases { tracks { items { repeat { count: 2\n" +
      step("a", 1000, "start_ms: 0") + "} } } }\n";
  const Expansion e = expand(text);
  EXPECT_TRUE(ErrorAt(e.d, "step 'a': start_ms cannot be used inside a repeat", "p.textproto",
                      line_of(text, "start_ms: 0")));
}

TEST(ProgramExpander, BadNumbersAreLocatedAndAllReported) {
  const std::string text =
      "metadata { id: \"p\" }\n"
      "phases { tracks {\n" +
      step("zero", 0) + step("negative", -5) + step("nan", 1000, "intensity: nan") +
      step("inf", 1000, "intensity: inf") + step("strong", 1000, "intensity: 1.5") +
      step("backwards", 1000, "tempo_cpm: -3") + step("endless", 1000, "tempo_cpm: inf") +
      step("long", 31 * 60 * 1000) + step("fine", 1000) + "} }\n";
  const Expansion e = expand(text);
  EXPECT_EQ(e.d.error_count(), 8u) << e.d.to_string();
  const std::string f = "p.textproto";
  EXPECT_TRUE(ErrorAt(e.d, "step 'zero': duration_ms must be positive, got 0", f,
                      line_of(text, "\"zero\""), column_of(text, "duration_ms: 0")));
  EXPECT_TRUE(ErrorAt(e.d, "step 'negative': duration_ms must be positive, got -5", f,
                      line_of(text, "\"negative\"")));
  EXPECT_TRUE(ErrorAt(e.d, "step 'nan': intensity must be a number from 0 to 1, got nan", f,
                      line_of(text, "\"nan\""), column_of(text, "intensity: nan")));
  EXPECT_TRUE(ErrorAt(e.d, "step 'inf': intensity must be a number from 0 to 1, got inf", f,
                      line_of(text, "\"inf\"")));
  EXPECT_TRUE(ErrorAt(e.d, "step 'strong': intensity", f, line_of(text, "\"strong\"")));
  EXPECT_TRUE(ErrorAt(e.d, "step 'backwards': tempo_cpm must be a positive number, got -3", f,
                      line_of(text, "\"backwards\""), column_of(text, "tempo_cpm: -3")));
  EXPECT_TRUE(ErrorAt(e.d, "step 'endless': tempo_cpm", f, line_of(text, "\"endless\"")));
  EXPECT_TRUE(ErrorAt(e.d, "step 'long': duration_ms 1860000 is over the limit of 1800000 ms", f,
                      line_of(text, "\"long\"")));
  ASSERT_EQ(e.program.steps.size(), 1u);
  EXPECT_EQ(e.program.steps[0].name, "fine");
}

TEST(ProgramExpander, RepeatCountsOutsideOneToAThousandAreRefused) {
  const std::string zero =
      "metadata { id: \"p\" }\nphases { tracks { items { repeat {\n  count: 0\n" + step("a", 1000) +
      "} } } }\n";
  Expansion e = expand(zero);
  EXPECT_TRUE(ErrorAt(e.d, "repeat needs a count of at least 1", "p.textproto", 3, 3));
  EXPECT_TRUE(e.program.steps.empty());

  const std::string missing = "metadata { id: \"p\" }\nphases { tracks { items { repeat {\n" +
                              step("a", 1000) + "} } } }\n";
  EXPECT_TRUE(HasError(expand(missing).d, "repeat needs a count of at least 1"));

  const std::string many =
      "metadata { id: \"p\" }\nphases { tracks { items { repeat {\n  count: 1001\n" +
      step("a", 1000) + "} } } }\n";
  e = expand(many);
  EXPECT_TRUE(ErrorAt(e.d, "repeat count 1001 is over the limit of 1000", "p.textproto", 3, 3));
  EXPECT_TRUE(e.program.steps.empty());

  const std::string most =
      "metadata { id: \"p\" }\nphases { tracks { items { repeat {\n  count: 1000\n" +
      step("a", 1000) + "} } } }\n";
  e = expand(most);
  EXPECT_TRUE(e.d.empty()) << e.d.to_string();
  EXPECT_EQ(e.program.steps.size(), 1000u);
  EXPECT_EQ(e.program.steps.back().name, "a (1000/1000)");
}

std::string nested_repeats(int depth) {
  std::string text = "metadata { id: \"p\" }\nphases { tracks {\n";
  for (int i = 0; i < depth; ++i) text += "items { repeat { count: 2\n";
  text += step("deep", 100);
  for (int i = 0; i < depth; ++i) text += "} }\n";
  return text + "} }\n";
}

TEST(ProgramExpander, RepeatsNestAtMostFourDeep) {
  const Expansion four = expand(nested_repeats(4));
  EXPECT_TRUE(four.d.empty()) << four.d.to_string();
  EXPECT_EQ(four.program.steps.size(), 16u);
  EXPECT_EQ(four.program.steps[5].name, "deep (1/2,2/2,1/2,2/2)");

  const std::string text = nested_repeats(5);
  const Expansion five = expand(text);
  ASSERT_TRUE(HasError(five.d, "repeats nest more than 4 deep"));
  // Placed at the fifth repeat.
  std::size_t at = 0;
  for (int i = 0; i < 5; ++i) at = text.find("repeat {", at) + 1;
  const int fifth_line =
      1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
  EXPECT_EQ(unit::find_error(five.d, "nest more than")->where.line, fifth_line);
  EXPECT_TRUE(five.program.steps.empty());
}

TEST(ProgramExpander, AMillionStepsAreRefusedWithoutBeingExpanded) {
  const std::string text =
      "metadata { id: \"p\" }\nphases { tracks {\n"
      "items { repeat { count: 1000 items { repeat { count: 1000\n" +
      step("tiny", 1) + "} } } }\n} }\n";
  const Expansion e = expand(text);
  ASSERT_TRUE(
      HasError(e.d, "repeat expands to more than 5000 steps; a program may have at most 5000"))
      << e.d.to_string();
  EXPECT_EQ(e.d.error_count(), 1u);
  EXPECT_TRUE(e.program.steps.empty());  // nothing was unrolled

  // Repeats side by side, each within the limit, still stop at the limit.
  std::string siblings = "metadata { id: \"p\" }\nphases { tracks {\n";
  for (int i = 0; i < 8; ++i)
    siblings += "items { repeat { count: 1000 " + step("s" + std::to_string(i), 1) + "} }\n";
  siblings += "} }\n";
  const Expansion s = expand(siblings);
  EXPECT_TRUE(HasError(s.d, "a program may have at most 5000"));
  EXPECT_LE(s.program.steps.size(), 5000u);

  // Repeats that hide their size behind nesting are counted through it.
  std::string hidden = "metadata { id: \"p\" }\nphases { tracks {\n";
  hidden +=
      "items { repeat { count: 2 items { repeat { count: 1000 items { repeat { count: 1000 items { "
      "repeat "
      "{ count: 1000 " +
      step("h", 1) + "} } } } } } } }\n} }\n";
  const Expansion h = expand(hidden);
  EXPECT_TRUE(HasError(h.d, "more than 5000 steps"));
  EXPECT_TRUE(h.program.steps.empty());
}

// Found by a review for input that costs more than its size: a repeat was gone round as often
// as it said, whatever its body held. A repeat with no step went round for nothing (three deep,
// a billion times from 150 bytes), and a problem in a repeated body was found again in every
// round (four deep, a 201-byte file ran chairctl lint out of memory).
TEST(ProgramExpander, ARepeatWithNoStepIsRefusedWithoutGoingRound) {
  const std::string text =
      "metadata { id: \"p\" }\nphases { tracks {\n"
      "items { repeat { count: 1000 items { repeat { count: 1000 items { repeat { count: 1000 } } "
      "} } } }\n"
      "items { repeat { count: 1000 items { } items { } } }\n"
      "} }\n";
  const Expansion e = expand(text);
  EXPECT_TRUE(
      ErrorAt(e.d, "repeat has no step in it: there is nothing to repeat", "p.textproto", 3))
      << e.d.to_string();
  EXPECT_TRUE(ErrorAt(e.d, "repeat has no step in it", "p.textproto", 3));
  EXPECT_EQ(e.d.error_count(), 2u);
  EXPECT_TRUE(e.program.steps.empty());
}

TEST(ProgramExpander, AProblemInARepeatIsToldFromItsFirstRoundOnly) {
  const std::string text =
      "metadata { id: \"p\" }\nphases { tracks {\n"
      "items { repeat { count: 1000\n" +
      step("fine", 100) + step("broken", 0) +
      "items { }\n"
      "items { repeat { count: 0 " +
      step("never", 100) + "} }\n} }\n} }\n";
  const Expansion e = expand(text);
  EXPECT_TRUE(HasError(e.d, "step 'broken': duration_ms must be positive")) << e.d.to_string();
  EXPECT_TRUE(HasError(e.d, "an item needs a step or a repeat"));
  EXPECT_TRUE(HasError(e.d, "repeat needs a count of at least 1"));
  // Once each, not once per round: the rounds are all alike.
  EXPECT_EQ(e.d.error_count(), 3u);
  EXPECT_LE(e.program.steps.size(), 1u);
}

// The same for includes: an included program's problems were found again at every include, and
// once a program had too many steps, every track after it said so again.
TEST(ProgramExpander, AnIncludedProgramIsFaultedOnceAndTooManyStepsStopsTheExpansion) {
  const ProgramRef broken =
      parse("metadata { id: \"broken\" }\nphases { tracks { items { } } }\n", "broken.textproto");
  const ProgramRef big = parse(
      "metadata { id: \"big\" }\nphases { tracks {\n"
      "items { repeat { count: 1000 " +
          step("a", 1) + step("b", 1) + step("c", 1) + "} }\n} }\n",
      "big.textproto");
  std::string text = "metadata { id: \"main\" }\n";
  for (int i = 0; i < 300; ++i) text += "phases { include_program: \"broken\" }\n";
  const Expansion e = expand(parse(text), resolver_of({{"broken", broken}}));
  EXPECT_TRUE(ErrorAt(e.d, "an item needs a step or a repeat", "broken.textproto", 2));
  EXPECT_EQ(e.d.error_count(), 1u);

  std::string many = "metadata { id: \"main\" }\n";
  for (int i = 0; i < 300; ++i) many += "phases { include_program: \"big\" }\n";
  many += "phases { tracks {\n" + step("last", 1) + "} }\n";
  const Expansion m = expand(parse(many), resolver_of({{"big", big}}));
  EXPECT_TRUE(HasError(m.d, "a program may have at most 5000")) << m.d.to_string();
  EXPECT_EQ(m.d.error_count(), 1u);
  EXPECT_LE(m.program.steps.size(), 5000u);
}

// Names are copied into every step they name: a 200 KB phase name over a thousand rounds took
// 3 GB. What a kiosk shows of them is a line anyway.
TEST(ProgramExpander, NamesLongerThanAKioskShowsAreRefused) {
  const std::string long_name(100'000, 'n');
  const std::string text =
      "metadata { id: \"p\" }\n"
      "phases { name: \"" +
      long_name + "\" tracks {\n" + step("s", 100) +
      "} }\n"
      "phases { tracks { name: \"" +
      long_name + "\"\n" + step("s", 100) +
      "} }\n"
      "phases { tracks {\n" +
      step(long_name, 100) + "items { step { technique: \"" + long_name +
      "\" zone: \"lumbar\" duration_ms: 100 } }\n"
      "items { step { technique: \"shiatsu\" zone: \"" +
      long_name +
      "\" duration_ms: 100 } }\n"
      "} }\n";
  const Expansion e = expand(text);
  EXPECT_TRUE(
      ErrorAt(e.d, "phase name is 100000 bytes long; at most 80 are accepted", "p.textproto", 2))
      << e.d.to_string().substr(0, 2000);
  EXPECT_TRUE(ErrorAt(e.d, "track name is 100000 bytes long", "p.textproto", 5));
  EXPECT_TRUE(ErrorAt(e.d, "step name is 100000 bytes long", "p.textproto", 9));
  EXPECT_TRUE(ErrorAt(e.d, "step technique is 100000 bytes long", "p.textproto", 10));
  EXPECT_TRUE(ErrorAt(e.d, "step zone is 100000 bytes long", "p.textproto", 11));
  EXPECT_EQ(e.d.error_count(), 5u);
  EXPECT_LT(e.d.to_string().size(), 2000u);  // the names are not copied into the messages
  EXPECT_TRUE(e.program.steps.empty());
}

// Step, phase and track names reach every status (the active steps), chairctl's screen and
// the log: each is one plain line. Found by review: only their length was checked.
TEST(ProgramExpander, NamesThatAreNotOnePlainLineAreRefused) {
  const std::string text =
      "metadata { id: \"p\" }\n"
      "phases { name: \"warm\\nup\" tracks {\n" +
      step("s", 100) +
      "} }\n"
      "phases { tracks { name: \"back\\x1b[2J\"\n" +
      step("s", 100) +
      "} }\n"
      "phases { tracks {\n" +
      step(
          "knead\xe2\x80\xae"
          "exif",
          100) +
      "} }\n";
  const Expansion e = expand(text);
  EXPECT_TRUE(ErrorAt(e.d, "phase name must be one line", "p.textproto", 2)) << e.d.to_string();
  EXPECT_TRUE(ErrorAt(e.d, "track name must be one line", "p.textproto", 5));
  EXPECT_TRUE(ErrorAt(e.d, "step name must be one line", "p.textproto", 9));
  EXPECT_EQ(e.d.error_count(), 3u) << e.d.to_string();
  EXPECT_TRUE(e.program.steps.empty());
}

TEST(ProgramExpander, IncludeInsertsAnotherProgramsPhases) {
  const std::string warm_text =
      "metadata { id: \"warm\" }\n"
      "phases { tracks {\n" +
      step("w1", 2000) + step("w2", 3000) + "} }\n";
  const std::string main_text =
      "metadata { id: \"main\" }\n"
      "phases { tracks {\n" +
      step("m1", 1000) +
      "} }\n"
      "phases { include_program: \"warm\" }\n"
      "phases { tracks {\n" +
      step("m2", 1000) + "} }\n";
  const ProgramRef warm = parse(warm_text, "warm.textproto");
  const ProgramRef main = parse(main_text, "main.textproto");
  const Expansion e = expand(main, resolver_of({{"warm", warm}}));
  ASSERT_TRUE(e.d.empty()) << e.d.to_string();
  ASSERT_EQ(e.program.steps.size(), 4u);
  EXPECT_EQ(find(e.program, "w1")->start_ms, 1000);
  EXPECT_EQ(find(e.program, "w2")->start_ms, 3000);
  EXPECT_EQ(find(e.program, "m2")->start_ms, 6000);
  EXPECT_EQ(e.program.duration_ms, 7000);
  // The included steps point at their own file.
  EXPECT_EQ(find(e.program, "w2")->where.self().file, "warm.textproto");
  EXPECT_EQ(find(e.program, "w2")->where.self().line, line_of(warm_text, "\"w2\""));
  ASSERT_EQ(e.program.sources.size(), 2u);
  EXPECT_EQ(e.program.sources[1]->id(), "warm");
}

TEST(ProgramExpander, AProgramThatIncludesItselfIsRefusedNamingTheChain) {
  const std::string self_text = "metadata { id: \"a\" }\nphases { tracks {\n" + step("s", 1000) +
                                "} }\nphases { include_program: \"a\" }\n";
  const ProgramRef self = parse(self_text, "a.textproto");
  Expansion e = expand(self, resolver_of({{"a", self}}));
  EXPECT_TRUE(ErrorAt(e.d, "program 'a' includes itself (a -> a)", "a.textproto",
                      line_of(self_text, "include_program"),
                      column_of(self_text, "include_program")));

  const std::string a_text = "metadata { id: \"a\" }\nphases { include_program: \"b\" }\n";
  const std::string b_text = "metadata { id: \"b\" }\nphases { tracks {\n" + step("s", 1000) +
                             "} }\nphases { include_program: \"a\" }\n";
  const ProgramRef a = parse(a_text, "a.textproto");
  const ProgramRef b = parse(b_text, "b.textproto");
  e = expand(a, resolver_of({{"a", a}, {"b", b}}));
  EXPECT_TRUE(ErrorAt(e.d, "program 'a' includes itself (a -> b -> a)", "b.textproto",
                      line_of(b_text, "include_program")));
  EXPECT_EQ(e.d.error_count(), 1u) << e.d.to_string();
}

TEST(ProgramExpander, UnknownIncludeAndMixedPhasesAreRefused) {
  const std::string text =
      "metadata { id: \"p\" }\n"
      "phases { include_program: \"nope\" }\n"
      "phases { name: \"mixed\" include_program: \"other\" }\n"
      "phases { name: \"empty\" }\n"
      "phases { tracks { name: \"bare\" } }\n"
      "phases { include_program: \"other\" from_program: \"other\" }\n";
  const ProgramRef p = parse(text);
  const Expansion e = expand(p, resolver_of({{"other", p}}));
  EXPECT_TRUE(ErrorAt(e.d, "include_program: no program 'nope' in the library", "p.textproto", 2,
                      column_of(text, "include_program")));
  EXPECT_TRUE(ErrorAt(e.d, "a phase with include_program holds nothing else", "p.textproto", 3));
  EXPECT_TRUE(ErrorAt(e.d, "phase 'empty' has no tracks", "p.textproto", 4));
  EXPECT_TRUE(ErrorAt(e.d, "track 'bare' has no steps", "p.textproto", 5));
  // A copied phase (from_program) is a phase of its own, not an include.
  EXPECT_THAT(e.d.to_string(),
              ::testing::HasSubstr(
                  "p.textproto:6:10: error: a phase with include_program holds nothing else"));
  // Without a resolver every include is unknown.
  EXPECT_TRUE(HasError(expand(p).d, "no program 'nope'"));

  const Expansion nothing = expand("metadata { id: \"void\" }\n");
  EXPECT_TRUE(HasError(nothing.d, "program 'void' has no phases"));
  EXPECT_EQ(nothing.program.duration_ms, 0);
}

TEST(ProgramExpander, IncludesNestAtMostFourDeep) {
  std::map<std::string, ProgramRef> programs;
  for (int i = 0; i < 7; ++i) {
    const std::string id = "p" + std::to_string(i);
    std::string text =
        "metadata { id: \"" + id + "\" }\nphases { tracks {\n" + step(id, 100) + "} }\n";
    if (i < 6) text += "phases { include_program: \"p" + std::to_string(i + 1) + "\" }\n";
    programs[id] = parse(text, id + ".textproto");
  }
  const Expansion e = expand(programs["p0"], resolver_of(programs));
  EXPECT_TRUE(HasError(e.d, "includes nest more than 4 deep")) << e.d.to_string();
  EXPECT_EQ(e.program.steps.size(), 5u);
  EXPECT_TRUE(Contains(unit::find_error(e.d, "nest")->where.file, "p4.textproto"));
}

}  // namespace
}  // namespace chaird
