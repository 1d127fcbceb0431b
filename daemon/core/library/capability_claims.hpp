// What a program says a chair must have (metadata.required_capabilities), and whether that is
// true: of a chair (the program is refused up front on one that lacks a capability), and of the
// program's own steps (lint warns of a need the claims leave out, and of a claim no step uses).
//
// A capability is an actuator id ("roller.knead"), a family ("airbag.*": at least one actuator
// of it), and either may name a zone after '@': "roller.position@glutes" (the rollers reach the
// glutes), "airbag.*@lumbar" (an airbag serves the lumbar zone), "heat.lumbar@sacrum".
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/diagnostic.hpp"
#include "planner/planner.hpp"
#include "profile/chair_model.hpp"

namespace chaird {

struct Capability {
  std::string actuator;  // "roller.knead", or "airbag" for the family "airbag.*"
  bool family = false;
  std::string zone;  // empty: anywhere on the chair
};

// Nothing, and why in reason, when text is not a capability (an empty part, an unknown zone).
std::optional<Capability> parse_capability(std::string_view text, std::string& reason);

// The chair has it: the actuator (or one of the family), and, with a zone, the zone serves it
// (for roller.* actuators: the rollers reach the zone for the chair's default body).
bool chair_has(const ChairModel& chair, const BodyModel& default_body, const Capability& c);

// Warnings for the claims of a planned program: each actuator a step's technique requires that
// no claim covers (steps marked skip_if_chair_lacks need none), and each claim no step uses.
Diagnostics check_claims_against_steps(const ProgramSource& program, const Plan& plan);

}  // namespace chaird
