// library/program_checker: one verdict per program: metadata, plan (plugins under their budget)
// and governor, every problem located.
#include "library/program_checker.hpp"

#include <gtest/gtest.h>

#include <string>

#include "safety/health_conditions.hpp"
#include "unit_fixtures.hpp"

namespace chaird {
namespace {

using unit::column_of;
using unit::ErrorAt;
using unit::HasError;
using unit::line_of;

ProgramRef parse(const std::string& text, const std::string& path = "prog.textproto") {
  auto program = parse_program_text(text, path);
  if (!program) ADD_FAILURE() << program.error().to_string();
  return program ? *program : nullptr;
}

std::string program_with(const std::string& metadata, const std::string& steps = "") {
  return "metadata {\n" + metadata + "}\nphases { tracks {\n" +
         (steps.empty() ? unit::step_item("s", "lumbar", 20000) : steps) + "} }\n";
}

class ProgramCheckerTest : public ::testing::Test {
 protected:
  ProgramCheckContext context() const {
    ProgramCheckContext c;
    c.chair = chair_;
    c.catalog = test::shipped_techniques();
    c.governor = &governor_;
    // Generous: these tests are about verdicts, not about a loaded machine's speed.
    c.plugin_budget = std::chrono::milliseconds(10000);
    return c;
  }
  std::shared_ptr<const ChairModel> chair_ = unit::chair();
  SafetyGovernor governor_{chair_, {}};
};

TEST_F(ProgramCheckerTest, GoodMetadataPasses) {
  const std::string text = program_with(
      "  id: \"neck-relief_2\" name: \"Neck relief\"\n"
      "  contraindications: \"osteoporosis\" contraindications: \"fracture\"\n"
      "  focus_areas: \"neck\" focus_areas: \"calves\" focus_areas: \"full_back\"\n"
      "  required_capabilities: \"roller.depth\" required_capabilities: \"airbag.*\"\n");
  const ProgramRef p = parse(text);
  const Diagnostics d = check_metadata(*p, *chair_);
  EXPECT_TRUE(d.empty()) << d.to_string();
}

TEST_F(ProgramCheckerTest, MetadataProblemsAreEachLocated) {
  const std::string text = program_with(
      "  id: \"Neck Relief!\"\n"
      "  contraindications: \"osteoporosis\"\n"
      "  contraindications: \"flu\"\n"
      "  focus_areas: \"elbows\"\n"
      "  required_capabilities: \"roller.depth\"\n"
      "  required_capabilities: \"water.jet\"\n"
      "  required_capabilities: \"hydro.*\"\n"
      "  total_duration_ms: -5\n");
  const ProgramRef p = parse(text);
  const Diagnostics d = check_metadata(*p, *chair_);
  const std::string f = "prog.textproto";
  EXPECT_TRUE(ErrorAt(d, "metadata.id 'Neck Relief!' must be 1 to 64 lowercase letters", f, 2, 3));
  EXPECT_TRUE(ErrorAt(d, "metadata.name is missing", f, 1));
  EXPECT_TRUE(ErrorAt(d, "unknown health condition 'flu' (known: thrombosis, osteoporosis", f, 4,
                      column_of(text, "contraindications: \"flu\"")));
  EXPECT_TRUE(ErrorAt(d, "focus area 'elbows' is not a body zone", f, 5));
  EXPECT_TRUE(ErrorAt(d, "chair 'generic_4d_sl' lacks required capability 'water.jet'", f, 7));
  EXPECT_TRUE(ErrorAt(d, "lacks required capability 'hydro.*'", f, 8));
  EXPECT_TRUE(ErrorAt(d, "metadata.total_duration_ms cannot be negative", f, 9));
  EXPECT_EQ(d.error_count(), 7u) << d.to_string();

  // Ids: lowercase, digits, '_' and '-', at most 64.
  for (const char* bad : {"", "-lead", "UPPER", "sp ace", "dot.ted"}) {
    const Diagnostics e = check_metadata(
        *parse(program_with(std::string("  id: \"") + bad + "\" name: \"n\"\n")), *chair_);
    EXPECT_TRUE(HasError(e, "metadata.id")) << bad;
  }
  const Diagnostics long_id = check_metadata(
      *parse(program_with("  id: \"" + std::string(65, 'a') + "\" name: \"n\"\n")), *chair_);
  EXPECT_TRUE(HasError(long_id, "metadata.id"));
  const Diagnostics longest = check_metadata(
      *parse(program_with("  id: \"" + std::string(64, 'a') + "\" name: \"n\"\n")), *chair_);
  EXPECT_TRUE(longest.empty()) << longest.to_string();
}

// What a kiosk shows and every status carries is one plain line, however the program writes
// what would break it: a DEL, a C1 control, a line separator, a text-direction override.
// Before, only bytes below 0x20 were refused.
TEST_F(ProgramCheckerTest, MetadataAKioskShowsIsOnePlainLine) {
  for (const std::string bad : {"tab\\there", "del\\177", "next\\302\\205line",
                                "line\\342\\200\\250break", "Relax\\342\\200\\256exif"}) {
    const std::string text =
        program_with("  id: \"p\" name: \"" + bad + "\"\n  tags: \"" + bad + "\"\n");
    const Diagnostics d = check_metadata(*parse(text), *chair_);
    EXPECT_TRUE(ErrorAt(d, "metadata.name must be one line", "prog.textproto", 2)) << bad;
    EXPECT_TRUE(ErrorAt(d, "metadata.tags must be one line", "prog.textproto", 3)) << bad;
  }
}

// Found by a review for input that costs more than its size: a program could name a condition
// any number of times, and each include of it compared every one with the includer's (a
// program of 10,000 that included another 200 times held the planning thread for 11 s). Each
// condition once is all a program can say.
TEST_F(ProgramCheckerTest, ContraindicationsNameEachConditionOnceAndBriefly) {
  const std::string f = "prog.textproto";
  std::string many;
  for (int i = 0; i < 1000; ++i) many += "  contraindications: \"osteoporosis\"\n";
  Diagnostics d = check_metadata(*parse(program_with("  id: \"p\" name: \"n\"\n" + many)), *chair_);
  EXPECT_TRUE(ErrorAt(d,
                      "metadata.contraindications lists 1000 conditions; there are " +
                          std::to_string(health_conditions().size()),
                      f, 3))
      << d.to_string().substr(0, 1000);
  EXPECT_EQ(d.error_count(), 1u);

  const std::string twice = program_with(
      "  id: \"p\" name: \"n\"\n"
      "  contraindications: \"osteoporosis\" contraindications: \"fracture\"\n"
      "  contraindications: \"osteoporosis\"\n");
  d = check_metadata(*parse(twice), *chair_);
  EXPECT_TRUE(ErrorAt(d, "health condition 'osteoporosis' is listed twice", f, 4)) << d.to_string();
  EXPECT_EQ(d.error_count(), 1u);

  // A name is not copied whole into the message (nor is an id).
  d = check_metadata(*parse(program_with("  id: \"" + std::string(100'000, 'I') +
                                         "\" name: \"n\"\n  contraindications: \"" +
                                         std::string(100'000, 'c') + "\"\n")),
                     *chair_);
  EXPECT_TRUE(HasError(d, "unknown health condition"));
  EXPECT_TRUE(HasError(d, "metadata.id"));
  EXPECT_LT(d.to_string().size(), 2000u);
}

// A hold below as written (or above what a sitter can ask, NaN, inf) is refused where written.
TEST_F(ProgramCheckerTest, AMaxIntensityScaleOutsideTheSittersRangeIsRefused) {
  for (const char* bad : {"0.9", "0.2", "1.6", "0", "-1", "nan", "inf"}) {
    const std::string text =
        program_with(std::string("  id: \"p\" name: \"n\"\n  max_intensity_scale: ") + bad + "\n");
    const Diagnostics d = check_metadata(*parse(text), *chair_);
    EXPECT_TRUE(ErrorAt(d, "is outside 1..1.5", "prog.textproto", 3, 3)) << bad << d.to_string();
  }
  for (const char* good : {"1", "1.25", "1.5"}) {
    const Diagnostics d = check_metadata(
        *parse(program_with(std::string("  id: \"p\" name: \"n\"\n  max_intensity_scale: ") + good +
                            "\n")),
        *chair_);
    EXPECT_TRUE(d.empty()) << good << d.to_string();
  }
}

TEST_F(ProgramCheckerTest, AProgramWithoutMetadataIsRefused) {
  const ProgramRef p =
      parse("phases { tracks { " + unit::step_item("s", "lumbar", 20000) + " } }\n");
  EXPECT_TRUE(
      HasError(check_metadata(*p, *chair_), "program needs a metadata block with id and name"));
}

TEST_F(ProgramCheckerTest, AGoodProgramIsPlannedAndGoverned) {
  const ProgramRef p = parse(program_with(
      "  id: \"good\" name: \"Good\" total_duration_ms: 40000\n",
      unit::step_item("a", "shoulders", 20000) + unit::step_item("b", "lumbar", 20000)));
  auto checked = check_program(p, context());
  ASSERT_TRUE(checked) << checked.error().to_string();
  EXPECT_EQ(checked->plan->timeline.duration_ms, 40000);
  EXPECT_EQ(checked->plan->timeline.steps.size(), 2u);
  EXPECT_GE(checked->governed->timeline().duration_ms, 40000);
  EXPECT_FALSE(checked->warnings.has_errors());
}

// The highest value the governed timeline gives any of the actuators whose id starts so.
double highest(const Timeline& tl, const ChairModel& chair, const std::string& prefix) {
  double top = 0.0;
  for (const auto& c : tl.commands) {
    if (chair.actuator(c.actuator).id.rfind(prefix, 0) == 0) top = std::max(top, c.value);
  }
  return top;
}

TEST_F(ProgramCheckerTest, AProgramsOwnLimitsTightenTheChairItIsPlannedAndGovernedOn) {
  const std::string squeeze =
      unit::step_item("calves", "calves", 30000, "intensity: 1.0", "compression");
  auto plain = check_program(parse(program_with("  id: \"p\" name: \"P\"\n", squeeze)), context());
  ASSERT_TRUE(plain) << plain.error().to_string();
  EXPECT_GT(highest(plain->governed->timeline(), *chair_, "airbag."), 20.0);
  // Softer air: the technique scales into the narrower range instead of being refused.
  auto soft = check_program(
      parse(program_with("  id: \"p\" name: \"P\" limits { max_airbag_kpa: 15 }\n", squeeze)),
      context());
  ASSERT_TRUE(soft) << soft.error().to_string();
  EXPECT_LE(highest(soft->governed->timeline(), *chair_, "airbag."), 15.0);
  EXPECT_EQ(soft->governed->reviewed_chair()->limits().max_airbag_kpa(), 15.0);
  // A session's limits on top: the stricter holds, either way round.
  chair::v1::SafetyLimits session;
  session.set_max_airbag_kpa(10);
  auto softer = check_program(
      parse(program_with("  id: \"p\" name: \"P\" limits { max_airbag_kpa: 15 }\n", squeeze)),
      context(), {}, {}, session);
  ASSERT_TRUE(softer) << softer.error().to_string();
  EXPECT_LE(highest(softer->governed->timeline(), *chair_, "airbag."), 10.0);
  session.set_max_airbag_kpa(30);
  auto kept = check_program(
      parse(program_with("  id: \"p\" name: \"P\" limits { max_airbag_kpa: 15 }\n", squeeze)),
      context(), {}, {}, session);
  ASSERT_TRUE(kept) << kept.error().to_string();
  EXPECT_LE(highest(kept->governed->timeline(), *chair_, "airbag."), 15.0);

  // A depth limit the program's presses go beyond is refused at the step.
  const std::string text = program_with(
      "  id: \"p\" name: \"P\"\n"
      "  limits { roller_depth { region: \"lumbar\" max_depth_mm: 2 max_depth_midline_mm: 1 } }\n");
  auto shallow = check_program(parse(text), context());
  ASSERT_FALSE(shallow);
  EXPECT_TRUE(ErrorAt(shallow.error(), "over the lumbar; this chair allows at most 2 mm there",
                      "prog.textproto", line_of(text, "items")));
}

TEST_F(ProgramCheckerTest, AProgramsLimitThatWouldLoosenTheChairsIsRefusedWhereItIsWritten) {
  const std::string text = program_with(
      "  id: \"p\" name: \"P\"\n"
      "  limits { max_heat_c: 48 }\n");
  auto loose = check_program(parse(text), context());
  ASSERT_FALSE(loose);
  EXPECT_TRUE(ErrorAt(loose.error(),
                      "program 'p': limits.max_heat_c 48 °C would loosen the chair's 42 °C",
                      "prog.textproto", line_of(text, "limits {")));
}

TEST_F(ProgramCheckerTest, ADeclaredLengthThatDiffersFromTheStepsIsRefused) {
  const std::string text =
      program_with("  id: \"long\" name: \"Long\"\n  total_duration_ms: 30000\n");
  auto checked = check_program(parse(text), context());
  ASSERT_FALSE(checked);
  EXPECT_TRUE(
      ErrorAt(checked.error(),
              "metadata.total_duration_ms is 30000 ms but the steps add up to 20000 ms (0:20)",
              "prog.textproto", line_of(text, "total_duration_ms"), 3));
}

TEST_F(ProgramCheckerTest, EveryKindOfProblemIsReportedTogetherInFileOrder) {
  const std::string text =
      program_with("  id: \"mixed\" name: \"Mixed\" contraindications: \"flu\"\n",
                   unit::step_item("a", "lumbar", 20000, "tempo_cpm: 99") +
                       unit::step_item("b", "elbows", 20000));
  auto checked = check_program(parse(text), context());
  ASSERT_FALSE(checked);
  const Diagnostics& d = checked.error();
  EXPECT_TRUE(HasError(d, "unknown health condition 'flu'"));
  EXPECT_TRUE(HasError(d, "tempo 99 cpm"));
  EXPECT_TRUE(HasError(d, "unknown zone 'elbows'"));
  EXPECT_EQ(d.error_count(), 3u) << d.to_string();
  for (std::size_t i = 1; i < d.items().size(); ++i) {
    EXPECT_LE(d.items()[i - 1].where.line, d.items()[i].where.line) << d.to_string();
  }
}

TEST_F(ProgramCheckerTest, TheGovernorsVerdictCounts) {
  // Longer than this chair allows: planned fine, refused by the governor.
  const SafetyGovernor short_sessions(chair_, SessionLimits{30000, nullptr});
  ProgramCheckContext c = context();
  c.governor = &short_sessions;
  auto checked = check_program(
      parse(program_with("  id: \"g\" name: \"G\"\n", unit::step_item("a", "lumbar", 20000) +
                                                          unit::step_item("b", "lumbar", 20000))),
      c);
  ASSERT_FALSE(checked);
  EXPECT_TRUE(HasError(checked.error(), "this chair allows at most 0:30"));
  // A verdict about the whole session points at the program's file, for lint over many files.
  for (const auto& d : checked.error().items())
    EXPECT_EQ(d.where.file, "prog.textproto") << d.to_string();
}

TEST_F(ProgramCheckerTest, AProgramMustCarryTheContraindicationsOfWhatItIncludes) {
  const ProgramRef warmup =
      parse(program_with("  id: \"warmup\" name: \"W\"\n"
                         "  contraindications: \"fever\" contraindications: \"fracture\"\n"),
            "warmup.textproto");
  ProgramCheckContext c = context();
  c.resolver = [warmup](std::string_view id) { return id == "warmup" ? warmup : nullptr; };
  auto text = [](const std::string& contraindications) {
    return "metadata { id: \"main\" name: \"Main\" " + contraindications +
           " }\n"
           "phases { include_program: \"warmup\" }\nphases { tracks {\n" +
           unit::step_item("s", "lumbar", 20000) + "} }\n";
  };
  auto missing = check_program(parse(text("contraindications: \"fracture\"")), c);
  ASSERT_FALSE(missing);
  EXPECT_TRUE(HasError(missing.error(), "includes 'warmup', which is not for people with: fever"));
  EXPECT_TRUE(check_program(
      parse(text("contraindications: \"fracture\" contraindications: \"fever\"")), c));

  // Included many times, it is one program to carry the conditions of: told once.
  std::string many = "metadata { id: \"main\" name: \"Main\" }\n";
  for (int i = 0; i < 50; ++i) many += "phases { include_program: \"warmup\" }\n";
  auto again = check_program(parse(many), c);
  ASSERT_FALSE(again);
  std::size_t told = 0;
  for (const auto& d : again.error().items())
    told += d.message.find("includes 'warmup'") != std::string::npos ? 1 : 0;
  EXPECT_EQ(told, 1u) << again.error().to_string().substr(0, 1000);
}

}  // namespace
}  // namespace chaird
