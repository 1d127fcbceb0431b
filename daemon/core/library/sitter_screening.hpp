// How a program fares for a sitter's health answers, before anything is planned: refused, and
// why, or what the contraindication rules would soften or skip. A kiosk's program list shows
// it; StartSession refuses early on it. The plan itself applies the rules (the planner) and is
// held to them (the safety governor): this is the forecast, not the guard.
#pragma once

#include <string>
#include <vector>

#include "planner/program_expander.hpp"
#include "profile/chair_model.hpp"
#include "program/program_source.hpp"
#include "timeline/sitter_rules.hpp"

namespace chaird {

// The contraindication rules chaird loaded at start-up, or why it has none (it then refuses
// every session).
struct LoadedRules {
  std::vector<ConditionRule> rules;
  std::string path;
  // Why there are none; empty: the rules are in force. Fails closed: until rules are loaded
  // into it, an instance holds none and says so.
  std::string error = "no contraindication rules were loaded";
  bool ok() const { return error.empty(); }
};

struct SitterVerdict {
  // The rules that refuse the program, each once.
  std::vector<const ConditionRule*> refusals;
  // What the rules would change, one line each with its reason.
  std::vector<std::string> changes;
  // The rules skip every step, with nothing to fill a gap: the plan will be refused.
  bool nothing_left = false;
};

// The program's id and those of the programs it includes or copies phases from
// (Phase.from_program): the ids the contraindication rules for the session are chosen by.
std::vector<std::string> program_ids(const ProgramRef& program, const ProgramResolver& resolver);

// The zones a program's steps work on, each once, in the order they first appear.
std::vector<std::string> zones_worked(const ProgramRef& program, const ProgramResolver& resolver);

// rules must outlive the verdict (refusals point into it).
SitterVerdict judge_for_sitter(const ProgramRef& program, const ProgramResolver& resolver,
                               const SitterRules& rules, const ChairModel& chair);

}  // namespace chaird
