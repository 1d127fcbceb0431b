// What a careful therapist would object to in a program, read from its plan: `chairctl lint`
// reports it beside the checks chaird itself makes. The governor keeps every session inside
// the chair's limits; this review asks whether the program is good massage within them: no
// deep press on the lower neck, no sudden jump in strength, heat that prepares and ends
// before the sitter gets up, contraindications that match what the program does, a gentle
// program that stays gentle, rollers that do not sit still on one spot.
//
// Each finding names its check in brackets ("[heat-until-end]"). A warning the author has
// weighed can be accepted in the program (metadata.lint_accepted, with the reason); an error
// is where a person could be hurt, and cannot be. See docs/program-review.md.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/diagnostic.hpp"
#include "library/program_checker.hpp"
#include "planner/planner.hpp"
#include "program/program_source.hpp"
#include "timeline/sitter_rules.hpp"

namespace chaird {

struct ReviewCheck {
  std::string_view name;
  Severity severity;
  std::string_view what;  // one line, for docs and for an unknown name's message
};

// Every check the review makes.
const std::vector<ReviewCheck>& review_checks();

// What the review reads besides the program's plan as written.
struct ReviewInputs {
  // The plan at the highest intensity a sitter can ask for (the program's max_intensity_scale)
  // that chaird accepts: lower-neck-deep reads it (a sitter can get there). Null: the plan as
  // written.
  std::shared_ptr<const Plan> strongest;
  double strongest_scale = 1.0;
  // Why chaird refuses the program at the sitter's highest intensity, when it does.
  std::string refused_at_highest;
  double highest_scale = 1.5;
  // The contraindication rules in force: a rule that refuses or skips a kind of work for a
  // condition covers it as well as the program's own list does. Null: none.
  const std::vector<ConditionRule>* rules = nullptr;
};

// The plan at the sitter's highest intensity, stepping down by 0.05 until chaird accepts it.
ReviewInputs plan_at_highest(const ProgramRef& program, const ProgramCheckContext& context,
                             const Plan& as_written);

struct ReviewResult {
  Diagnostics findings;  // what is left after the program's acceptances, and their own problems
  std::size_t accepted = 0;
};

// Reviews a program's plan (for the chair it was planned on, the default body, no session
// scaling). Findings in an included program are told at its steps, and accepted there.
ReviewResult review_program(const ProgramSource& program, const Plan& plan,
                            const ReviewInputs& inputs = {});

}  // namespace chaird
