// Shared helpers for the tests: the reference chair, the shipped plugins (real .so files from
// the build tree), and one-step programs planned and governed exactly as chaird does.
#pragma once

#include <memory>
#include <string>

#include "common/expected.hpp"
#include "planner/planner.hpp"
#include "plugin_host/technique_catalog.hpp"
#include "profile/chair_model.hpp"
#include "program/program_source.hpp"
#include "safety/safety_governor.hpp"

namespace chaird::test {

std::string source_dir();
std::string plugin_dir();   // the shipped plugins in the build tree
std::string fixture_dir();  // deliberately broken plugins built for the tests
std::string chaird_binary();
std::string chairctl_binary();
std::string reference_chair_path();
// A copy of the reference chair that allows 3:20 of heat in any hour (a heated program run twice
// reaches it), written in a fresh directory; its path.
std::string short_heat_chair_path();

std::shared_ptr<const ChairModel> reference_chair();
// Loads the shipped plugins once per test binary; fails the test on any refusal.
std::shared_ptr<const TechniqueCatalog> shipped_techniques();

struct PlannedProgram {
  std::shared_ptr<const Plan> plan;
  std::shared_ptr<const GovernedTimeline> governed;
};

// Parses program text, plans it (against the reference chair and the shipped techniques unless
// others are given) and passes it through the governor. Diagnostics from any stage on failure.
Expected<PlannedProgram, Diagnostics> plan_text(
    const std::string& text, const PlanOptions& options = {}, const ProgramResolver& resolver = {},
    std::shared_ptr<const ChairModel> chair = nullptr,
    std::shared_ptr<const TechniqueCatalog> catalog = nullptr);

// A one-step program: technique on zone for duration_ms, with extra text inside the step
// (intensity, tempo_cpm, params).
std::string single_step_program(const std::string& technique, const std::string& zone,
                                std::int64_t duration_ms, const std::string& extra = "");

// Value of one actuator along a governed timeline at session time t_ms.
double value_at(const Timeline& tl, const ChairModel& chair, const std::string& actuator,
                std::int64_t t_ms);

// A fresh private directory under the test temp dir (mode 0700).
std::string make_temp_dir(const std::string& name);

}  // namespace chaird::test
