// A sitter's contraindication rules applied to a program's steps before they are bound: steps
// a rule refuses fail the plan, steps a rule skips leave a rest, a shorter session or gentle
// work in their place, each change told with its reason. Caps on intensity and tempo are the
// step binder's (they hold through re-plans); caps on depth, air and heat are the chair's
// limits (safety/rule_limits.hpp).
#pragma once

#include <string>
#include <vector>

#include "common/diagnostic.hpp"
#include "planner/program_expander.hpp"
#include "plugin_host/technique_catalog.hpp"
#include "timeline/sitter_rules.hpp"

namespace chaird {

// A gap filled with gentle work, told once the plan knows whether this chair can do it.
struct GentleFill {
  const chair::v1::Step* step = nullptr;  // the fill step (names may repeat)
  std::string filled;                     // the change when the fill runs
  std::string rested;                     // the change when the chair cannot do it (it rests there)
};

// Changes expanded in place; what it changed goes to changes (and fills), what it refuses to d.
// A gap whose fill technique the catalog lacks rests instead.
void apply_sitter_rules(ExpandedProgram& expanded, const SitterRules& rules,
                        const TechniqueCatalog& catalog, Diagnostics& d,
                        std::vector<std::string>& changes, std::vector<GentleFill>& fills);

}  // namespace chaird
