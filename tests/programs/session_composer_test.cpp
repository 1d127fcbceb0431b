// The session composer on the shipped library, the shipped rules and the real plugins: a
// composition fits the sitter's time and focus, plans and passes the governor; it leaves out
// what their answers rule out and keeps the rules written for the programs it copies from; the
// sitter's past (zones marked too strong, relief after a program) weighs in and is told; and it
// says why when nothing fits.
#include "library/session_composer.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "library/sitter_screening.hpp"
#include "library/therapist_review.hpp"
#include "planner/body_model.hpp"
#include "safety/contraindication_rules.hpp"
#include "safety/health_conditions.hpp"
#include "test_support.hpp"

namespace chaird {
namespace {

struct Library {
  std::shared_ptr<const ChairModel> chair = test::reference_chair();
  SafetyGovernor governor{chair, SessionLimits{}};
  ProgramCheckContext context;
  Diagnostics refusals;
  std::shared_ptr<const ProgramLibrary> library;
  std::vector<ConditionRule> rules;

  Library() {
    context.chair = chair;
    context.catalog = test::shipped_techniques();
    context.governor = &governor;
    library = ProgramLibrary::load({test::source_dir() + "/sequences/programs"}, context, refusals);
    context.resolver = ProgramLibrary::resolver(library);
    auto loaded = load_contraindication_rules(
        test::source_dir() + "/sequences/safety/contraindications.textproto",
        {context.catalog->names(), BodyModel::known_zones(), BodyModel::track_zones()});
    if (loaded) rules = loaded->rules;
  }
  static const Library& get() {
    static const Library instance;
    return instance;
  }
  ComposeSources sources() const { return {library, chair.get(), &rules}; }
};

ComposeAsk ask_for(std::vector<std::string> focus, int minutes,
                   chair::v1::IntensityClass preferred = chair::v1::MODERATE,
                   std::vector<std::string> conditions = {}) {
  ComposeAsk ask;
  ask.focus_areas = std::move(focus);
  ask.available_ms = std::int64_t{minutes} * 60'000;
  ask.preferred = preferred;
  ask.conditions = std::move(conditions);
  return ask;
}

bool mentions(const std::vector<std::string>& lines, const std::string& text) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& l) { return l.find(text) != std::string::npos; });
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

// Time x intensity as written on the steps over a zone (and the zones it overlaps).
double load_on(const Composition& c, const std::string& zone, const Library& lib) {
  Diagnostics ignored;
  double load = 0.0;
  for (const auto& s : expand_program(c.program, lib.context.resolver, {}, ignored).steps) {
    if (!zones_overlap(*lib.chair, zone, s.step->zone())) continue;
    const double intensity = s.step->has_intensity() ? s.step->intensity() : 0.5;
    load += static_cast<double>(s.end_ms - s.start_ms) * intensity;
  }
  return load;
}

TEST(SessionComposer, FitsTheTimeAndTheFocusAndRunsOnTheChair) {
  const auto& lib = Library::get();
  ASSERT_FALSE(lib.refusals.has_errors()) << lib.refusals.to_string();
  for (const std::vector<std::string>& focus :
       {std::vector<std::string>{"neck", "shoulders"}, {"lumbar"}, {"legs"}, {"feet"}, {}}) {
    for (int minutes : {5, 12, 20, 45}) {
      const std::string who = fmt::format("{} min on [{}]", minutes, fmt::join(focus, ", "));
      auto c = compose_session(ask_for(focus, minutes), {}, lib.sources());
      if (!c) {
        // Only for want of time, and it says so.
        EXPECT_NE(c.error().find("please allow more time"), std::string::npos)
            << who << ": " << c.error();
        EXPECT_LT(minutes, 20) << who << ": " << c.error();
        continue;
      }
      const auto checked = check_program(c->program, lib.context);
      ASSERT_TRUE(checked) << who << "\n" << checked.error().to_string() << c->text;
      const auto planned = checked->governed->timeline().duration_ms;
      EXPECT_LE(planned, std::int64_t{minutes} * 60'000) << who;
      EXPECT_LE(planned, lib.chair->limits().max_session_ms()) << who;
      EXPECT_EQ(planned, c->program->program.metadata().total_duration_ms()) << who;
      ASSERT_FALSE(c->parts.empty()) << who;
      EXPECT_EQ(c->parts.size(), static_cast<std::size_t>(c->program->program.phases_size()));
      int mains = 0;
      for (std::size_t i = 0; i < c->parts.size(); ++i) {
        const auto& part = c->parts[i];
        EXPECT_FALSE(part.why.empty()) << who;
        EXPECT_EQ(c->program->program.phases(static_cast<int>(i)).from_program(), part.program_id);
        if (part.kind == chair::v1::WARM_UP) {
          EXPECT_EQ(i, 0u) << who;
        }
        if (part.kind == chair::v1::COOL_DOWN) {
          EXPECT_EQ(i + 1, c->parts.size()) << who;
        }
        if (part.kind != chair::v1::MAIN) continue;
        ++mains;
        if (focus.empty()) continue;
        // Main work is work on the focus.
        EXPECT_TRUE(std::any_of(part.zones.begin(), part.zones.end(),
                                [&](const std::string& z) {
                                  return std::any_of(focus.begin(), focus.end(),
                                                     [&](const std::string& f) {
                                                       return zones_overlap(*lib.chair, f, z);
                                                     });
                                }))
            << who << ": " << part.program_id << " " << part.phase;
      }
      EXPECT_GE(mains, 1) << who;
      // Every part is explained.
      EXPECT_GE(c->explanations.size(), c->parts.size()) << who;
    }
  }
}

// What a therapist objects to most (an error of lint's review: deep presses on the lower neck)
// a composition never holds: it takes its segments from a library that passes the review. Nor
// does it leave the sitter on a warm pad where the segments' own programs did not.
TEST(SessionComposer, CompositionsPassTheTherapistsReview) {
  const auto& lib = Library::get();
  for (const std::vector<std::string>& focus :
       {std::vector<std::string>{"neck", "shoulders"}, {"upper_back"}, {"lumbar"}, {}}) {
    for (auto preferred : {chair::v1::GENTLE, chair::v1::MODERATE, chair::v1::STRONG}) {
      auto c = compose_session(ask_for(focus, 25, preferred), {}, lib.sources());
      ASSERT_TRUE(c) << c.error();
      auto checked = check_program(c->program, lib.context);
      ASSERT_TRUE(checked) << checked.error().to_string();
      ReviewInputs inputs = plan_at_highest(c->program, lib.context, *checked->plan);
      inputs.rules = &lib.rules;
      const auto review = review_program(*c->program, *checked->plan, inputs);
      EXPECT_FALSE(review.findings.has_errors()) << review.findings.to_string();
      // Heat ends two minutes before the end, whichever programs the segments come from.
      EXPECT_EQ(review.findings.to_string().find("[heat-until-end]"), std::string::npos)
          << review.findings.to_string() << c->text;
    }
  }
}

TEST(SessionComposer, TheSameAskGivesTheSameSession) {
  const auto& lib = Library::get();
  auto a = compose_session(ask_for({"shoulders"}, 20), {}, lib.sources());
  auto b = compose_session(ask_for({"shoulders"}, 20), {}, lib.sources());
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->program->id(), b->program->id());
  EXPECT_EQ(a->text, b->text);
  EXPECT_EQ(a->program->id().rfind("composed-", 0), 0u) << a->program->id();
  auto other = compose_session(ask_for({"feet"}, 20), {}, lib.sources());
  ASSERT_TRUE(other);
  EXPECT_NE(other->program->id(), a->program->id());
}

TEST(SessionComposer, LeavesOutWhatTheSittersAnswersRuleOutAndSaysWhy) {
  const auto& lib = Library::get();
  const std::vector<std::string> pregnant{"pregnancy"};
  auto c = compose_session(ask_for({"shoulders", "upper_back"}, 20, chair::v1::GENTLE, pregnant),
                           {}, lib.sources());
  ASSERT_TRUE(c) << c.error();
  for (const auto& part : c->parts) {
    const auto* entry = lib.library->find(part.program_id);
    ASSERT_NE(entry, nullptr);
    const auto& contra = entry->program->program.metadata().contraindications();
    EXPECT_EQ(std::find(contra.begin(), contra.end(), "pregnancy"), contra.end())
        << part.program_id << " is contraindicated in pregnancy";
  }
  EXPECT_TRUE(mentions(c->explanations, "Left out for pregnancy: ")) << joined(c->explanations);
  // The composed program carries every source's contraindications: screened again at start.
  const auto& meta = c->program->program.metadata();
  for (const auto& part : c->parts) {
    for (const auto& x :
         lib.library->find(part.program_id)->program->program.metadata().contraindications())
      EXPECT_NE(std::find(meta.contraindications().begin(), meta.contraindications().end(), x),
                meta.contraindications().end())
          << x;
  }
  // Gentle asked: nothing from a strong program.
  for (const auto& part : c->parts)
    EXPECT_NE(lib.library->find(part.program_id)->program->program.metadata().intensity_class(),
              chair::v1::STRONG);
}

TEST(SessionComposer, RulesWrittenForAProgramHoldForItsCopiedPhases) {
  const auto& lib = Library::get();
  auto c = compose_session(ask_for({"lumbar"}, 20), {}, lib.sources());
  ASSERT_TRUE(c) << c.error();
  const auto ids = program_ids(c->program, lib.context.resolver);
  for (const auto& part : c->parts)
    EXPECT_NE(std::find(ids.begin(), ids.end(), part.program_id), ids.end()) << part.program_id;
  // A rule scoped to one source program reaches the composed session.
  ConditionRule rule;
  rule.condition = "osteoporosis";
  rule.reason = "a rule for one program";
  rule.programs = {c->parts.back().program_id};
  rule.action = RuleAction::kSoften;
  rule.max_intensity = 0.1;
  const std::vector<ConditionRule> rules{rule};
  const SitterRules sitter(rules, {"osteoporosis"}, ids, *lib.chair);
  EXPECT_FALSE(sitter.empty());
  const auto verdict = judge_for_sitter(c->program, lib.context.resolver, sitter, *lib.chair);
  EXPECT_TRUE(mentions(verdict.changes, "a rule for one program")) << joined(verdict.changes);
}

// A program a rule refuses for what it includes (a step of the included program) is refused
// whole, as a start of it would be: none of its own phases is a segment either.
TEST(SessionComposer, AProgramRefusedForWhatItIncludesGivesNoSegment) {
  const auto& lib = Library::get();
  // Arm squeezes: gentle_warmup has them, lower_back_relief (which includes it) has none of
  // its own.
  ConditionRule refuse;
  refuse.condition = "dizziness";
  refuse.reason = "Not for you today.";
  refuse.techniques = {"compression"};
  refuse.zones = {"arms"};
  refuse.action = RuleAction::kRefuse;
  const std::vector<ConditionRule> rules{refuse};
  ComposeSources sources = lib.sources();
  sources.rules = &rules;
  bool taken_without_the_rule = false;
  for (auto preferred : {chair::v1::GENTLE, chair::v1::MODERATE, chair::v1::STRONG}) {
    // Without the rule, the same ask takes from it: the test can fail.
    auto free = compose_session(ask_for({"lumbar"}, 30, preferred), {}, lib.sources());
    ASSERT_TRUE(free);
    for (const auto& part : free->parts)
      taken_without_the_rule = taken_without_the_rule || part.program_id == "lower_back_relief";
    auto c = compose_session(ask_for({"lumbar"}, 30, preferred, {"dizziness"}), {}, sources);
    if (!c) {
      // Nothing left at all: the rule's own words say why.
      EXPECT_NE(c.error().find("Not for you today."), std::string::npos) << c.error();
      continue;
    }
    for (const auto& part : c->parts) {
      EXPECT_NE(part.program_id, "gentle_warmup");
      EXPECT_NE(part.program_id, "lower_back_relief") << "it includes gentle_warmup";
    }
  }
  EXPECT_TRUE(taken_without_the_rule);
}

// The rules for a phase's source hold with those for what the source includes, and a phase
// copied twice (a saved composition composed again) keeps its first source.
TEST(SessionComposer, ACopiedPhaseKeepsTheRulesOfItsSourcesIncludes) {
  const auto& lib = Library::get();
  auto copied = parse_program_text(
      "metadata { id: \"copy\" name: \"copy\" }\n"
      "phases { kind: MAIN from_program: \"deep_tissue\" tracks { kind: BACK_ROLLERS items { step "
      "{ technique: \"rolling\" zone: \"lumbar\" duration_ms: 60000 } } } }\n",
      "copy.textproto");
  ASSERT_TRUE(copied);
  const auto ids = program_ids(*copied, lib.context.resolver);
  for (const char* id : {"copy", "deep_tissue", "gentle_warmup"})
    EXPECT_NE(std::find(ids.begin(), ids.end(), id), ids.end()) << id;
}

TEST(SessionComposer, AZoneMarkedTooStrongGetsLessWorkAndTheSitterIsTold) {
  const auto& lib = Library::get();
  const auto ask = ask_for({"neck", "shoulders", "upper_back"}, 25);
  auto plain = compose_session(ask, {}, lib.sources());
  SitterPast past;
  past.too_strong["neck"] = 3;
  auto marked = compose_session(ask, past, lib.sources());
  ASSERT_TRUE(plain && marked);
  EXPECT_LT(load_on(*marked, "neck", lib), load_on(*plain, "neck", lib))
      << plain->text << "\n----\n"
      << marked->text;
  EXPECT_TRUE(mentions(marked->explanations, "you marked it too strong 3 times"))
      << joined(marked->explanations);
  EXPECT_FALSE(mentions(plain->explanations, "too strong")) << joined(plain->explanations);
}

TEST(SessionComposer, RelieffromAProgramIsRememberedAndTold) {
  const auto& lib = Library::get();
  const auto ask = ask_for({"lumbar"}, 20);
  auto plain = compose_session(ask, {}, lib.sources());
  ASSERT_TRUE(plain);
  std::string main_program;
  for (const auto& p : plain->parts)
    if (p.kind == chair::v1::MAIN) main_program = p.program_id;
  SitterPast past;
  past.relief[main_program] = {14, 4, 2};  // 7 to 2, twice
  auto again = compose_session(ask, past, lib.sources());
  ASSERT_TRUE(again);
  EXPECT_TRUE(mentions(again->explanations, "your discomfort went from 7 to 2"))
      << joined(again->explanations);
}

TEST(SessionComposer, SaysWhyWhenNothingFits) {
  const auto& lib = Library::get();
  // Every program is ruled out by one answer or another.
  std::vector<std::string> all;
  for (const auto& c : health_conditions()) all.emplace_back(c.name);
  auto none = compose_session(ask_for({"lumbar"}, 30, chair::v1::GENTLE, all), {}, lib.sources());
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().find("suits your answers"), std::string::npos) << none.error();
}

TEST(SessionComposer, StricterLimitsTakeTheStricterOfEachField) {
  chair::v1::SafetyLimits a;
  a.set_max_airbag_kpa(30);
  a.set_heat_window_ms(1'800'000);
  chair::v1::SafetyLimits b;
  b.set_max_airbag_kpa(25);
  b.set_max_heat_c(40);
  b.set_heat_window_ms(900'000);
  b.add_roller_depth()->set_region("neck");
  a.set_max_session_ms(1'200'000);
  b.set_max_session_ms(900'000);
  a.set_heat_max_on_ms(600'000);
  b.set_airbag_max_hold_ms(60'000);
  a.set_max_tracking_error_mm(8);
  b.set_max_tracking_error_mm(5);
  a.set_motor_reverse_rest_ms(200);
  b.set_motor_reverse_rest_ms(300);
  a.set_midline_width_mm(60);
  const auto s = stricter_limits(a, b);
  EXPECT_EQ(s.max_airbag_kpa(), 25);
  EXPECT_EQ(s.max_heat_c(), 40);             // set on one side only
  EXPECT_EQ(s.heat_window_ms(), 1'800'000);  // longer is stricter
  EXPECT_EQ(s.roller_depth_size(), 1);
  EXPECT_EQ(s.max_session_ms(), 900'000);
  EXPECT_EQ(s.heat_max_on_ms(), 600'000);
  EXPECT_EQ(s.airbag_max_hold_ms(), 60'000);
  EXPECT_EQ(s.max_tracking_error_mm(), 5);
  EXPECT_EQ(s.motor_reverse_rest_ms(), 300);               // longer is stricter
  EXPECT_EQ(s.midline_width_mm(), 60);                     // wider is stricter
  EXPECT_EQ(stricter_limits({}, {}).max_session_ms(), 0);  // set on neither
}

}  // namespace
}  // namespace chaird
