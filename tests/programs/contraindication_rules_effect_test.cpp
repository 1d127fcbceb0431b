// Each shipped contraindication rule, proved on the shipped programs: planned for a sitter who
// reports the rule's condition, every program either is refused with the rule's reason or runs
// with what the rule forbids gone or capped, and at least one program shows the rule's effect.
// The rule is applied alone (a program's own contraindications, which refuse it outright
// before any rule, are the API's: tests/integration), so that each rule answers for itself.
#include <gtest/gtest.h>

#include <filesystem>

#include "library/program_library.hpp"
#include "library/sitter_screening.hpp"
#include "planner/body_model.hpp"
#include "safety/contraindication_rules.hpp"
#include "test_support.hpp"

namespace chaird {
namespace {

namespace fs = std::filesystem;

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
};

// The highest value an actuator is sent by the steps in the rule's zones (every step when it
// names none).
double highest(const Timeline& tl, ActuatorIndex a, const ConditionRule& r) {
  double top = 0.0;
  for (const auto& c : tl.commands) {
    if (c.actuator != a || c.step < 0) continue;
    const auto& s = tl.steps[static_cast<std::size_t>(c.step)];
    if (r.zones.empty() || r.covers_step(s.technique, s.zone)) top = std::max(top, c.value);
  }
  return top;
}

std::vector<ActuatorIndex> capped_actuators(const ChairModel& chair, bool airbags) {
  std::vector<ActuatorIndex> out;
  for (ActuatorIndex a = 0; a < static_cast<ActuatorIndex>(chair.actuator_count()); ++a) {
    const auto& id = chair.actuator(a).id;
    if (id.rfind(airbags ? "airbag." : "heat.", 0) == 0) out.push_back(a);
  }
  return out;
}

// Whether the rule's effect shows on this program, checking that it holds; failures recorded.
bool shows_effect(const ConditionRule& written, const ProgramRef& program, const Library& lib) {
  const std::string who = program->id() + " / rule at line " + std::to_string(written.where.line);
  auto plain = check_program(program, lib.context);
  if (!plain) {
    ADD_FAILURE() << who << ": does not run without the rule";
    return false;
  }
  PlanOptions options;
  options.scaling.sitter = std::make_shared<const SitterRules>(
      std::vector<ConditionRule>{written}, std::vector<std::string>{written.condition},
      program_ids(program, lib.context.resolver), *lib.chair);
  if (options.scaling.sitter->empty()) return false;  // not a program the rule is for
  // As the session holds it: its zones widened to every zone of the chair they overlap.
  const ConditionRule& r = options.scaling.sitter->rules().front();
  auto ruled = check_program(program, lib.context, options);
  const auto& before = plain->governed->timeline();
  const bool touches = std::any_of(before.steps.begin(), before.steps.end(), [&](const auto& s) {
    return r.covers_step(s.technique, s.zone);
  });
  if (!ruled) {
    // Refused: only a refusal, or a skip that leaves nothing, may do that, with the reason.
    const std::string why = ruled.error().to_string();
    EXPECT_TRUE(r.action == RuleAction::kRefuse || r.action == RuleAction::kSkip) << who << why;
    EXPECT_NE(why.find(r.reason), std::string::npos) << who << why;
    return true;
  }
  EXPECT_NE(r.action, RuleAction::kRefuse) << who << ": refused nothing";
  const auto& after = ruled->governed->timeline();
  const auto& changes = ruled->governed->adaptations();
  const bool told = std::any_of(changes.begin(), changes.end(), [&](const std::string& c) {
    return c.find(r.reason) != std::string::npos;
  });
  if (r.action == RuleAction::kSkip) {
    for (const auto& s : after.steps)
      EXPECT_FALSE(r.covers_step(s.technique, s.zone)) << who << ": " << s.name << " still runs";
    if (r.gap != SkipGap::kShorten) {
      EXPECT_EQ(after.duration_ms, before.duration_ms) << who;
    }
    EXPECT_LE(after.duration_ms, before.duration_ms) << who;
    EXPECT_EQ(touches, told) << who;
    return touches;
  }
  // Softened: every cap holds, and the effect shows where the program went beyond one.
  bool effect = false;
  const auto check_cap = [&](double was, double now, double cap, const char* what) {
    EXPECT_LE(now, cap + 1e-9) << who << ": " << what;
    if (was > cap + 1e-9) effect = true;
  };
  for (std::size_t i = 0; i < after.steps.size() && i < before.steps.size(); ++i) {
    const auto& s = after.steps[i];
    if (!r.covers_step(s.technique, s.zone)) continue;
    if (r.max_intensity)
      check_cap(before.steps[i].intensity, s.intensity, *r.max_intensity, "intensity");
    if (r.max_tempo_cpm)
      check_cap(before.steps[i].tempo_cpm, s.tempo_cpm, *r.max_tempo_cpm, "tempo");
  }
  if (r.max_depth_mm) {
    const auto depth = lib.chair->find("roller.depth");
    check_cap(highest(before, *depth, r), highest(after, *depth, r), *r.max_depth_mm, "depth");
  }
  for (const bool airbags : {true, false}) {
    const auto& cap = airbags ? r.max_airbag_kpa : r.max_heat_c;
    if (!cap) continue;
    for (ActuatorIndex a : capped_actuators(*lib.chair, airbags)) {
      const bool in_zones =
          r.zones.empty() || std::any_of(r.zones.begin(), r.zones.end(), [&](const std::string& z) {
            const ZoneSpec* spec = lib.chair->zone(z);
            if (spec == nullptr) return false;
            const auto& ids = airbags ? spec->airbags : spec->heaters;
            return std::find(ids.begin(), ids.end(), a) != ids.end();
          });
      if (!in_zones) continue;
      ConditionRule everywhere = r;
      everywhere.zones.clear();  // the actuator's cap holds whichever step drives it
      check_cap(highest(before, a, everywhere), highest(after, a, everywhere), *cap,
                lib.chair->actuator(a).id.c_str());
    }
  }
  if (effect) {
    EXPECT_TRUE(told) << who << ": changed without saying so";
  }
  return effect;
}

TEST(ContraindicationRulesEffect, EveryShippedRuleShowsOnAShippedProgram) {
  const auto& lib = Library::get();
  ASSERT_TRUE(lib.refusals.empty()) << lib.refusals.to_string();
  ASSERT_FALSE(lib.rules.empty());
  for (const auto& r : lib.rules) {
    std::vector<std::string> shown;
    for (const auto& entry : lib.library->entries()) {
      if (shows_effect(r, entry.program, lib)) shown.push_back(entry.program->id());
    }
    EXPECT_FALSE(shown.empty()) << "the rule for '" << r.condition << "' at line " << r.where.line
                                << " changes no shipped program";
  }
}

}  // namespace
}  // namespace chaird
