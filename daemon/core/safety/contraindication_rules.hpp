// The contraindication rules file (chair/v1/contraindication_rules.proto): read once at
// start-up and checked whole, every problem at file:line:column. chaird holds no session
// without valid rules. See docs/contraindication-rules.md.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/diagnostic.hpp"
#include "common/expected.hpp"
#include "common/text_file.hpp"
#include "timeline/sitter_rules.hpp"

namespace chaird {

// The names rules may use besides the health conditions (safety/health_conditions.hpp).
struct RuleVocabulary {
  std::vector<std::string> techniques;   // the techniques chaird loaded
  std::vector<std::string> zones;        // every body zone a chair profile may name
  std::vector<std::string> track_zones;  // those along the roller track (depth caps)
};

struct ContraindicationRuleSet {
  std::string path;
  std::vector<ConditionRule> rules;
  // A technique a rule names that chaird did not load (its plugin is missing or was refused):
  // the rule applies to nothing until it is. A name close to a loaded one is an error instead.
  Diagnostics warnings;
};

// Refused, with every reason: a syntax error; an unknown condition or zone, or a technique
// name that is a near miss of a loaded one; a rule
// with no action, no reason, or a cap out of range; two rules for one condition that
// contradict each other; a condition of the vocabulary with no rule at all.
Expected<ContraindicationRuleSet, Diagnostics> load_contraindication_rules(
    const std::string& path, const RuleVocabulary& vocabulary, const TextFileLimits& limits = {});
Expected<ContraindicationRuleSet, Diagnostics> parse_contraindication_rules(
    std::string_view text, const std::string& path, const RuleVocabulary& vocabulary,
    const TextFileLimits& limits = {});

}  // namespace chaird
