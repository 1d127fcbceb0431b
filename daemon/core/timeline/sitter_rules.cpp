#include "timeline/sitter_rules.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "profile/body_geometry.hpp"

namespace chaird {
namespace {

bool names(const std::vector<std::string>& list, std::string_view name) {
  return list.empty() || std::find(list.begin(), list.end(), name) != list.end();
}

std::optional<RuleCap> lowest(const std::vector<ConditionRule>& rules, std::string_view technique,
                              std::string_view zone, std::optional<double> ConditionRule::*field) {
  std::optional<RuleCap> cap;
  for (const auto& r : rules) {
    if (r.action != RuleAction::kSoften || !(r.*field) || !r.covers_step(technique, zone)) continue;
    if (!cap || *(r.*field) < cap->value) cap = RuleCap{*(r.*field), &r};
  }
  return cap;
}

}  // namespace

bool ConditionRule::covers_program(std::string_view program_id) const {
  return names(programs, program_id);
}

bool ConditionRule::covers_step(std::string_view technique, std::string_view zone) const {
  return names(techniques, technique) && names(covered_zones.empty() ? zones : covered_zones, zone);
}

bool zones_overlap(const ChairModel& chair, std::string_view a, std::string_view b) {
  if (a == b) return true;
  // Zones along the back are placed on the body: they overlap when they share a real part of
  // it (lumbar lies inside back), not when they merely touch (neck and shoulders meet), and
  // not because a heater that travels with the rollers is listed for them all.
  const auto& p = chair.profile();
  const auto body = body_landmarks(p.default_body().shoulder_mm(), p.track().seat_mm(),
                                   p.default_body().height_cm());
  const auto ea = zone_extent(a, body);
  const auto eb = zone_extent(b, body);
  if (ea && eb) {
    constexpr double kShare = 0.25;  // of the shorter zone
    const double shared = std::min(ea->to_mm, eb->to_mm) - std::max(ea->from_mm, eb->from_mm);
    const double shorter = std::min(ea->to_mm - ea->from_mm, eb->to_mm - eb->from_mm);
    return shared > kShare * shorter;
  }
  // Off the track: the parts of the body named together (a chair may lack one of them).
  static constexpr std::pair<std::string_view, std::string_view> kPartOf[] = {
      {"calves", "legs"},    {"feet", "legs"},      {"calves", "full_body"}, {"feet", "full_body"},
      {"arms", "full_body"}, {"seat", "full_body"}, {"seat", "glutes"},      {"seat", "hips"}};
  for (const auto& [part, whole] : kPartOf) {
    if ((a == part && b == whole) || (a == whole && b == part)) return true;
  }
  // Or the same airbag, heater, vibration motor or foot roller.
  const ZoneSpec* za = chair.zone(a);
  const ZoneSpec* zb = chair.zone(b);
  if (za == nullptr || zb == nullptr) return false;
  const auto shares = [](const std::vector<ActuatorIndex>& x, const std::vector<ActuatorIndex>& y) {
    return std::any_of(x.begin(), x.end(), [&](ActuatorIndex i) {
      return std::find(y.begin(), y.end(), i) != y.end();
    });
  };
  return shares(za->airbags, zb->airbags) || shares(za->heaters, zb->heaters) ||
         shares(za->vibration, zb->vibration) || shares(za->foot_rollers, zb->foot_rollers);
}

std::string ConditionRule::because() const {
  return condition + ": " + reason;
}

SitterRules::SitterRules(const std::vector<ConditionRule>& all,
                         const std::vector<std::string>& conditions,
                         const std::vector<std::string>& program_ids, const ChairModel& chair) {
  for (const auto& c : conditions) {
    if (std::find(conditions_.begin(), conditions_.end(), c) == conditions_.end())
      conditions_.push_back(c);
  }
  for (const auto& r : all) {
    if (std::find(conditions_.begin(), conditions_.end(), r.condition) != conditions_.end() &&
        std::any_of(program_ids.begin(), program_ids.end(),
                    [&](const std::string& id) { return r.covers_program(id); }))
      rules_.push_back(r);
  }
  for (auto& r : rules_) {
    r.covered_zones.clear();
    if (r.zones.empty()) continue;
    for (const auto& z : chair.zones()) {
      if (std::any_of(r.zones.begin(), r.zones.end(), [&](const std::string& named) {
            return zones_overlap(chair, named, z.name);
          }))
        r.covered_zones.push_back(z.name);
    }
    // A zone this chair lacks still matches by name (nothing of it will be planned).
    for (const auto& named : r.zones) {
      if (std::find(r.covered_zones.begin(), r.covered_zones.end(), named) == r.covered_zones.end())
        r.covered_zones.push_back(named);
    }
  }
}

const ConditionRule* SitterRules::program_refusal() const {
  for (const auto& r : rules_) {
    if (r.action == RuleAction::kRefuse && r.techniques.empty() && r.zones.empty()) return &r;
  }
  return nullptr;
}

const ConditionRule* SitterRules::step_refusal(std::string_view technique,
                                               std::string_view zone) const {
  for (const auto& r : rules_) {
    if (r.action == RuleAction::kRefuse && r.covers_step(technique, zone)) return &r;
  }
  return nullptr;
}

const ConditionRule* SitterRules::skip_of(std::string_view technique, std::string_view zone) const {
  for (const auto& r : rules_) {
    if (r.action == RuleAction::kSkip && r.covers_step(technique, zone)) return &r;
  }
  return nullptr;
}

std::optional<RuleCap> SitterRules::intensity_cap(std::string_view technique,
                                                  std::string_view zone) const {
  return lowest(rules_, technique, zone, &ConditionRule::max_intensity);
}

std::optional<RuleCap> SitterRules::depth_cap(std::string_view zone) const {
  return lowest(rules_, {}, zone, &ConditionRule::max_depth_mm);
}

std::optional<RuleCap> SitterRules::tempo_cap(std::string_view technique,
                                              std::string_view zone) const {
  return lowest(rules_, technique, zone, &ConditionRule::max_tempo_cpm);
}

namespace {
bool has_body_cap(const ConditionRule& r) {
  return r.action == RuleAction::kSoften && (r.max_depth_mm || r.max_airbag_kpa || r.max_heat_c);
}
}  // namespace

std::vector<std::string> describe_body_caps(const SitterRules& rules, const Timeline& timeline,
                                            const ChairModel& chair) {
  std::vector<std::string> out;
  for (const auto& r : rules.rules()) {
    if (!has_body_cap(r)) continue;
    // The airbags and heaters the caps lower (those of the named zones; every one when the
    // rule names none): a step that drives one of them is changed, whatever its zone.
    std::vector<ActuatorIndex> capped;
    for (const auto& zone : chair.zones()) {
      if (!r.zones.empty() && std::find(r.zones.begin(), r.zones.end(), zone.name) == r.zones.end())
        continue;
      if (r.max_airbag_kpa) capped.insert(capped.end(), zone.airbags.begin(), zone.airbags.end());
      if (r.max_heat_c) capped.insert(capped.end(), zone.heaters.begin(), zone.heaters.end());
    }
    const bool touched =
        std::any_of(timeline.steps.begin(), timeline.steps.end(), [&](const auto& s) {
          if (r.max_depth_mm && r.covers_step(s.technique, s.zone)) return true;
          const ZoneSpec* z = chair.zone(s.zone);
          if (z == nullptr) return false;
          const auto drives = [&](const std::vector<ActuatorIndex>& ids) {
            return std::any_of(ids.begin(), ids.end(), [&](ActuatorIndex i) {
              return std::find(capped.begin(), capped.end(), i) != capped.end();
            });
          };
          return drives(z->airbags) || drives(z->heaters);
        });
    if (!touched) continue;
    std::vector<std::string> caps;
    if (r.max_depth_mm && chair.find("roller.depth"))
      caps.push_back(fmt::format("roller depth at most {:g} mm", *r.max_depth_mm));
    if (r.max_airbag_kpa)
      caps.push_back(fmt::format("airbags at most {:g} kPa", *r.max_airbag_kpa));
    if (r.max_heat_c) caps.push_back(fmt::format("heat at most {:g} °C", *r.max_heat_c));
    if (caps.empty()) continue;  // a depth cap on a chair without roller depth
    const std::string where =
        r.zones.empty() ? std::string("everywhere") : fmt::format("{}", fmt::join(r.zones, ", "));
    out.push_back(fmt::format("{}: {} ({})", where, fmt::join(caps, ", "), r.because()));
  }
  return out;
}

}  // namespace chaird
