#include "library/capability_claims.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "common/closest_name.hpp"
#include "common/utf8_text.hpp"
#include "planner/step_binder.hpp"

namespace chaird {
namespace {

// The actuator a technique declares, as a capability without a zone.
Capability declared(const std::string& id) {
  Capability c;
  c.family = id.size() > 2 && id.compare(id.size() - 2, 2, ".*") == 0;
  c.actuator = c.family ? id.substr(0, id.size() - 2) : id;
  return c;
}

// A claim covers an actuator the step needs (or may use) when it names it, its family, or one
// of its family's actuators; a claim with a zone only on that zone.
// A family is its name's actuators: "foot_roller.*" is served by an actuator called foot_roller.
bool covers(const Capability& claim, const Capability& need) {
  const auto in_family = [](const std::string& id, const std::string& family) {
    return id == family || id.starts_with(family + ".");
  };
  if (need.family) {
    return claim.family ? claim.actuator == need.actuator
                        : in_family(claim.actuator, need.actuator);
  }
  return claim.family ? in_family(need.actuator, claim.actuator) : claim.actuator == need.actuator;
}

// A zoned claim covers a step's need on that zone only: a chair may serve the hips and not the
// glutes, or the full back with other bags than the lumbar.
bool covers_here(const Capability& claim, const BoundStep& step) {
  return claim.zone.empty() || claim.zone == step.zone->name;
}

// A zoned claim is used by a step on a zone overlapping it on the track ("roller.position@glutes"
// by a step on the hips): the claim keeps the program off chairs that cannot reach part of it.
bool used_here(const Capability& claim, const BoundStep& step, const BodyModel& body) {
  if (covers_here(claim, step)) return true;
  const auto claimed = body.span(claim.zone);
  return claimed && step.span &&
         std::min(claimed->to_mm, step.span->to_mm) >
             std::max(claimed->from_mm, step.span->from_mm);
}

}  // namespace

std::optional<Capability> parse_capability(std::string_view text, std::string& reason) {
  Capability c;
  const auto at = text.find('@');
  std::string_view actuator = text.substr(0, at);
  if (at != std::string_view::npos) {
    c.zone = std::string(text.substr(at + 1));
    const auto& known = BodyModel::known_zones();
    if (std::find(known.begin(), known.end(), c.zone) == known.end()) {
      const auto guess = closest_name(c.zone, known);
      reason = fmt::format("'{}' is not a body zone{}", cut_utf8(c.zone, 64),
                           guess ? fmt::format("; did you mean '{}'?", *guess) : std::string());
      return std::nullopt;
    }
  }
  c.family = actuator.size() > 2 && actuator.substr(actuator.size() - 2) == ".*";
  if (c.family) actuator.remove_suffix(2);
  if (actuator.empty() || actuator.find('*') != std::string_view::npos) {
    reason =
        "write an actuator id (roller.knead), a family (airbag.*), either followed by "
        "@zone";
    return std::nullopt;
  }
  c.actuator = std::string(actuator);
  return c;
}

bool chair_has(const ChairModel& chair, const BodyModel& default_body, const Capability& c) {
  // A family is its name's actuators too: "foot_roller.*" has the chair's foot_roller.
  std::vector<ActuatorIndex> actuators =
      c.family ? chair.family(c.actuator) : std::vector<ActuatorIndex>{};
  if (auto exact = chair.find(c.actuator)) actuators.push_back(*exact);
  if (actuators.empty()) return false;
  if (c.zone.empty()) return true;
  const ZoneSpec* zone = chair.zone(c.zone);
  if (zone == nullptr) return false;
  if (c.actuator == "roller" || c.actuator.starts_with("roller.")) {
    return zone->roller && default_body.span(c.zone).has_value();
  }
  std::vector<ActuatorIndex> here;
  if (c.family) {
    here = family_in_zone(chair, *zone, c.actuator);
  } else {
    for (const auto* list :
         {&zone->airbags, &zone->heaters, &zone->vibration, &zone->foot_rollers}) {
      here.insert(here.end(), list->begin(), list->end());
    }
  }
  return std::any_of(actuators.begin(), actuators.end(), [&](ActuatorIndex i) {
    return std::find(here.begin(), here.end(), i) != here.end();
  });
}

Diagnostics check_claims_against_steps(const ProgramSource& program, const Plan& plan) {
  Diagnostics d;
  const auto& m = program.program.metadata();
  const Locator loc = program.locator().nested("metadata");
  std::vector<Capability> claims;
  std::vector<int> claim_index;
  for (int i = 0; i < m.required_capabilities_size(); ++i) {
    std::string reason;
    if (auto c = parse_capability(m.required_capabilities(i), reason)) {
      claims.push_back(*c);
      claim_index.push_back(i);
    }
  }
  // Needs no claim covers, in the order the steps come: the first step, and how many.
  struct Uncovered {
    std::string first_step;
    std::string technique;
    int steps = 0;
  };
  std::map<std::string, Uncovered> uncovered;
  std::vector<std::string> order;
  std::vector<bool> used(claims.size(), false);
  for (const auto& step : plan.steps) {
    const auto& desc = step.technique->description;
    for (const auto& a : desc.actuators) {
      const Capability need = declared(a.id);
      for (std::size_t k = 0; k < claims.size(); ++k) {
        if (covers(claims[k], need) && used_here(claims[k], step, *plan.body)) used[k] = true;
      }
      if (!a.required || step.expanded.step->skip_if_chair_lacks()) continue;
      const bool covered = std::any_of(claims.begin(), claims.end(), [&](const Capability& c) {
        return covers(c, need) && covers_here(c, step);
      });
      if (covered) continue;
      auto [it, fresh] = uncovered.try_emplace(a.id);
      if (fresh) {
        it->second.first_step = step.expanded.name;
        it->second.technique = desc.name;
        order.push_back(a.id);
      }
      ++it->second.steps;
    }
  }
  const SourceLocation claims_at =
      m.required_capabilities_size() > 0 ? loc.at("required_capabilities", 0) : loc.self();
  for (const auto& id : order) {
    const Uncovered& u = uncovered[id];
    d.warning(claims_at,
              fmt::format("step '{}'{} needs {} (technique '{}'), and required_capabilities does "
                          "not say so: on a chair without it the program is refused only when it "
                          "is planned; list '{}', or mark the step skip_if_chair_lacks",
                          u.first_step,
                          u.steps > 1 ? fmt::format(" and {} more", u.steps - 1) : std::string(),
                          id, u.technique, id));
  }
  for (std::size_t k = 0; k < claims.size(); ++k) {
    if (used[k]) continue;
    d.warning(loc.at("required_capabilities", claim_index[k]),
              fmt::format("no step uses '{}': the claim only keeps the program off chairs "
                          "without it; remove it",
                          cut_utf8(m.required_capabilities(claim_index[k]), 200)));
  }
  return d;
}

}  // namespace chaird
