#include "safety/health_conditions.hpp"

#include <algorithm>

namespace chaird {

const std::vector<HealthCondition>& health_conditions() {
  static const std::vector<HealthCondition> kConditions = {
      {"thrombosis", "Do you have, or have you recently had, a blood clot (deep vein thrombosis)?"},
      {"osteoporosis", "Do you have osteoporosis or fragile bones?"},
      {"fracture", "Do you have a fracture, or a spinal fracture, that has not fully healed?"},
      {"acute_injury", "Do you have an acute sprain, strain or inflammation flare-up?"},
      {"implanted_device", "Do you have a pacemaker or other implanted electronic device?"},
      {"pregnancy", "Are you pregnant?"},
      {"postpartum", "Have you given birth in the last six weeks?"},
      {"anticoagulants", "Do you take blood thinners, or have a bleeding disorder?"},
      {"tumour", "Are you being treated for a tumour?"},
      {"heat_insensitivity", "Do you have reduced feeling for heat, as with diabetic neuropathy?"},
      {"fever", "Do you have a fever?"},
      {"skin_condition", "Do you have a skin infection, a wound or a rash where the chair works?"},
      {"recent_surgery",
       "Have you had surgery in the last three months, other than a caesarean (asked next)?"},
      {"caesarean", "Have you given birth by caesarean in the last three months?"},
      {"disc_herniation",
       "Do you have a herniated (slipped) disc with pain, numbness or tingling that runs into an "
       "arm or a leg?"},
      {"disc_herniation_local",
       "Do you have a herniated or bulging disc, with pain that stays in your back or neck?"},
      {"spinal_stenosis",
       "Do you have spinal stenosis, or back or leg pain that gets worse when you stand or lean "
       "back and eases when you bend forward?"},
      {"varicose_veins", "Do you have severe varicose veins in the legs?"},
      {"peripheral_arterial_disease",
       "Do you have narrowed arteries in your legs (peripheral arterial disease), or leg pain "
       "when walking that eases when you rest?"},
      {"heart_failure", "Do you have heart failure, or swollen legs from a heart condition?"},
      {"cervical_instability",
       "Do you have an unstable neck, after a neck injury or from rheumatoid arthritis, for "
       "example?"},
      {"dizziness", "Do you get dizzy or light-headed when you turn or tilt your head?"},
      {"see_doctor_first",
       "Do you have severe or unexplained pain, new numbness or weakness, or loss of bladder or "
       "bowel control?"},
  };
  return kConditions;
}

bool is_known_condition(std::string_view name) {
  const auto& all = health_conditions();
  return std::any_of(all.begin(), all.end(),
                     [&](const HealthCondition& c) { return name == c.name; });
}

std::vector<std::string> screen(const std::vector<std::string>& program_contraindications,
                                const std::vector<std::string>& sitter_conditions) {
  std::vector<std::string> reasons;
  for (const auto& c : sitter_conditions) {
    if (std::find(program_contraindications.begin(), program_contraindications.end(), c) !=
        program_contraindications.end()) {
      reasons.push_back(c);
    }
  }
  return reasons;
}

}  // namespace chaird
