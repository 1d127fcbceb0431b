#include "safety/rule_limits.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "profile/limits_tightening.hpp"

namespace chaird {
namespace {

bool has_body_cap(const ConditionRule& r) {
  return r.action == RuleAction::kSoften && (r.max_depth_mm || r.max_airbag_kpa || r.max_heat_c);
}

// Lowers the max of every actuator of ids to at most cap (never below its min).
void cap_actuators(chair::v1::ChairProfile& profile, const ChairModel& chair,
                   const std::vector<ActuatorIndex>& ids, double cap) {
  for (ActuatorIndex i : ids) {
    const std::string& id = chair.actuator(i).id;
    for (auto& a : *profile.mutable_actuators()) {
      if (a.id() == id) a.set_max(std::max(a.min(), std::min(a.max(), cap)));
    }
  }
}

}  // namespace

Expected<std::shared_ptr<const ChairModel>, Diagnostics> chair_for_sitter(
    const std::shared_ptr<const ChairModel>& chair, const SitterRules& rules) {
  if (std::none_of(rules.rules().begin(), rules.rules().end(), has_body_cap)) return chair;
  chair::v1::SafetyLimits tighter;
  chair::v1::ChairProfile profile = chair->profile();
  bool actuators_capped = false;
  for (const auto& r : rules.rules()) {
    if (!has_body_cap(r)) continue;
    // A chair without roller depth (2D) has nothing to cap there.
    if (const auto depth = chair->find("roller.depth"); r.max_depth_mm && depth) {
      // A cap deeper than the rollers reach caps nothing on this chair.
      const double cap = std::min(*r.max_depth_mm, chair->actuator(*depth).max);
      for (const auto& z : r.zones) {
        auto* limit = tighter.add_roller_depth();
        limit->set_region(z);
        limit->set_max_depth_mm(cap);
        limit->set_max_depth_midline_mm(cap);
      }
    }
    if (r.zones.empty()) {
      // Every airbag, every heater: the chair-wide limits.
      if (r.max_airbag_kpa &&
          (tighter.max_airbag_kpa() == 0.0 || *r.max_airbag_kpa < tighter.max_airbag_kpa()))
        tighter.set_max_airbag_kpa(*r.max_airbag_kpa);
      if (r.max_heat_c && (tighter.max_heat_c() == 0.0 || *r.max_heat_c < tighter.max_heat_c()))
        tighter.set_max_heat_c(*r.max_heat_c);
      continue;
    }
    // The named zones' own airbags and heaters: a zone that merely overlaps one (full_body
    // overlaps calves) would bring in heaters the rule is not about.
    for (const auto& name : r.zones) {
      const ZoneSpec* z = chair->zone(name);
      if (z == nullptr) continue;
      if (r.max_airbag_kpa) cap_actuators(profile, *chair, z->airbags, *r.max_airbag_kpa);
      if (r.max_heat_c) cap_actuators(profile, *chair, z->heaters, *r.max_heat_c);
      actuators_capped = actuators_capped || (r.max_airbag_kpa && !z->airbags.empty()) ||
                         (r.max_heat_c && !z->heaters.empty());
    }
  }
  std::shared_ptr<const ChairModel> capped = chair;
  if (actuators_capped) {
    auto built = ChairModel::build(std::move(profile), TextFileSource{chair->source_path(), {}});
    if (!built) return Unexpected{std::move(built.error())};
    capped = *built;
  }
  if (!sets_any_limit(tighter)) return capped;
  return tighten_limits(*capped, tighter, "the sitter's contraindication rules", {},
                        LooserLimit::kKeepStricter);
}

}  // namespace chaird
