// The contraindication rules in force for one session: the rules of the conditions the sitter
// reported, for the program they chose. The planner applies them (skips, fills, caps) and the
// safety governor checks every timeline against them, so that nothing reaches the chair that
// they forbid. Loading and checking the rules file is safety/contraindication_rules.hpp.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/diagnostic.hpp"
#include "profile/chair_model.hpp"
#include "timeline/timeline.hpp"

namespace chaird {

enum class RuleAction { kRefuse, kSoften, kSkip };

// What becomes of a skipped step's time.
enum class SkipGap {
  kRest,     // the chair rests there: the session keeps its length
  kShorten,  // the session gets shorter (rest where other work runs alongside)
  kGentle,   // gentle work fills it
};

struct ConditionRule {
  std::string condition;
  std::string reason;  // checked: valid UTF-8, one line, short
  // The scope: a step matches when each list that is not empty names it.
  std::vector<std::string> programs;
  std::vector<std::string> techniques;
  std::vector<std::string> zones;
  RuleAction action = RuleAction::kRefuse;
  // kSoften: caps, each optional.
  std::optional<double> max_intensity;
  std::optional<double> max_tempo_cpm;
  std::optional<double> max_depth_mm;
  std::optional<double> max_airbag_kpa;
  std::optional<double> max_heat_c;
  // kSkip.
  SkipGap gap = SkipGap::kRest;
  std::string fill_technique;
  double fill_intensity = 0.0;
  std::string fill_zone;
  SourceLocation where;  // in the rules file
  // zones, and every zone of the session's chair that overlaps one of them (a rule for
  // "lumbar" holds on a step over "back"): set by SitterRules; zones alone until then.
  std::vector<std::string> covered_zones;

  bool covers_program(std::string_view program_id) const;
  // A step of a covered program: its technique and zone are in scope.
  bool covers_step(std::string_view technique, std::string_view zone) const;
  // "<condition>: <reason>", as a change or refusal is reported.
  std::string because() const;
};

// Whether two zones of chair share any of the body: the same zone; zones along the back that
// share at least a quarter of the shorter one for the chair's default body; an off-track part
// and the group it belongs to (calves and legs); or, off the track, a shared airbag, heater,
// vibration motor or foot roller.
bool zones_overlap(const ChairModel& chair, std::string_view a, std::string_view b);

// The lowest cap the rules set on one value of a step, and the rule that set it.
struct RuleCap {
  double value = 0.0;
  const ConditionRule* rule = nullptr;
};

class SitterRules {
 public:
  SitterRules() = default;
  // The rules of conditions, among all, that cover the program (program_ids: its id and those
  // of the programs it includes: a rule for an included program holds for the whole session),
  // with their zones widened to every zone of chair that overlaps them.
  SitterRules(const std::vector<ConditionRule>& all, const std::vector<std::string>& conditions,
              const std::vector<std::string>& program_ids, const ChairModel& chair);

  bool empty() const { return rules_.empty(); }
  const std::vector<ConditionRule>& rules() const { return rules_; }
  const std::vector<std::string>& conditions() const { return conditions_; }

  // A rule that refuses the whole program (its scope names no technique and no zone).
  const ConditionRule* program_refusal() const;
  // A rule that refuses a step with this technique in this zone (and so the program).
  const ConditionRule* step_refusal(std::string_view technique, std::string_view zone) const;
  const ConditionRule* skip_of(std::string_view technique, std::string_view zone) const;
  std::optional<RuleCap> intensity_cap(std::string_view technique, std::string_view zone) const;
  std::optional<RuleCap> tempo_cap(std::string_view technique, std::string_view zone) const;
  // The lowest roller depth the rules allow in a zone (depth caps hold whatever the technique).
  std::optional<RuleCap> depth_cap(std::string_view zone) const;

 private:
  std::vector<ConditionRule> rules_;
  std::vector<std::string> conditions_;
};

using SitterRulesRef = std::shared_ptr<const SitterRules>;

// What the rules' caps on roller depth, airbag pressure and heat change for this timeline, one
// line each with its reason: a cap is told when a step works in its zones (or, for a cap on
// every airbag or heater, in a zone that has one).
std::vector<std::string> describe_body_caps(const SitterRules& rules, const Timeline& timeline,
                                            const ChairModel& chair);

}  // namespace chaird
