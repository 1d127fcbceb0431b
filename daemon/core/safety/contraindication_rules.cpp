#include "safety/contraindication_rules.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "chair/v1/contraindication_rules.pb.h"
#include "common/closest_name.hpp"
#include "common/utf8_text.hpp"
#include "safety/health_conditions.hpp"

namespace chaird {
namespace {

// A reason is shown on a kiosk's screen and in every refusal: one short line.
constexpr std::size_t kMaxReasonBytes = 300;
// A chair needs a few dozen rules (the shipped file has 32). Each rule is compared with every
// rule before it, and each start matches every step against a sitter's rules: bounded, both
// stay small (10,516 rules took chairctl lint 3.6 s).
constexpr int kMaxRules = 1000;
// Below these a cap means "none at all", which is a skip of the technique (and a heater held
// below the room's temperature would trip the run-time watch).
constexpr double kMinAirbagCapKpa = 5.0;
constexpr double kMinHeatCapC = 30.0;
// Gentle work fills a gap; anything stronger is not gentle.
constexpr double kMaxFillIntensity = 0.5;

bool has(const std::vector<std::string>& list, std::string_view name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

std::string unknown(std::string_view what, std::string_view name,
                    const std::vector<std::string>& known) {
  std::string message = fmt::format("unknown {} {}", what, excerpt(name));
  if (auto close = closest_name(name, known))
    return message + fmt::format(" (did you mean '{}'?)", *close);
  return message + fmt::format(" (known: {})", fmt::join(known, ", "));
}

std::vector<std::string> condition_names() {
  std::vector<std::string> out;
  for (const auto& c : health_conditions()) out.emplace_back(c.name);
  return out;
}

// Each list of two scopes either leaves it open or shares a name: some step could match both.
bool overlap(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  return a.empty() || b.empty() ||
         std::any_of(a.begin(), a.end(), [&](const std::string& n) { return has(b, n); });
}
bool same_set(std::vector<std::string> a, std::vector<std::string> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  a.erase(std::unique(a.begin(), a.end()), a.end());
  b.erase(std::unique(b.begin(), b.end()), b.end());
  return a == b;
}
bool scopes_overlap(const ConditionRule& a, const ConditionRule& b) {
  return overlap(a.programs, b.programs) && overlap(a.techniques, b.techniques) &&
         overlap(a.zones, b.zones);
}
bool same_scope(const ConditionRule& a, const ConditionRule& b) {
  return same_set(a.programs, b.programs) && same_set(a.techniques, b.techniques) &&
         same_set(a.zones, b.zones);
}

const char* action_name(RuleAction a) {
  switch (a) {
    case RuleAction::kRefuse:
      return "refuses";
    case RuleAction::kSoften:
      return "softens";
    case RuleAction::kSkip:
      return "skips";
  }
  return "?";
}

std::string at_text(const SourceLocation& w) {
  return fmt::format("line {}:{}", w.line, w.column);
}

// Why two rules for one condition cannot both hold, or nothing.
std::optional<std::string> contradiction(const ConditionRule& a, const ConditionRule& b) {
  if (a.condition != b.condition) return std::nullopt;
  if (a.action == RuleAction::kSkip && b.action == RuleAction::kSkip && scopes_overlap(a, b) &&
      (a.gap != b.gap || a.fill_technique != b.fill_technique ||
       a.fill_intensity != b.fill_intensity || a.fill_zone != b.fill_zone)) {
    return fmt::format("it skips steps the rule at {} also skips, but fills the gap differently",
                       at_text(a.where));
  }
  if (!same_scope(a, b)) return std::nullopt;
  if (a.action != b.action) {
    return fmt::format("the rule at {} {} the same steps that this one {}", at_text(a.where),
                       action_name(a.action), action_name(b.action));
  }
  if (a.action == RuleAction::kSoften) {
    const auto differ = [](const std::optional<double>& x, const std::optional<double>& y) {
      return x && y && *x != *y;
    };
    if (differ(a.max_intensity, b.max_intensity) || differ(a.max_tempo_cpm, b.max_tempo_cpm) ||
        differ(a.max_depth_mm, b.max_depth_mm) || differ(a.max_airbag_kpa, b.max_airbag_kpa) ||
        differ(a.max_heat_c, b.max_heat_c)) {
      return fmt::format("the rule at {} caps the same value for the same steps to another figure",
                         at_text(a.where));
    }
  }
  return std::nullopt;
}

class RuleChecker {
 public:
  RuleChecker(const RuleVocabulary& vocabulary, Diagnostics& d)
      : vocabulary_(vocabulary), conditions_(condition_names()), d_(d) {}

  std::optional<ConditionRule> check(const chair::v1::ConditionRule& in, const Locator& at) {
    const std::size_t errors = d_.error_count();
    ConditionRule r;
    r.where = at.self();
    r.condition = in.condition();
    if (r.condition.empty()) {
      d_.error(at.self(), fmt::format("the rule names no condition (one of: {})",
                                      fmt::join(conditions_, ", ")));
    } else if (!has(conditions_, r.condition)) {
      d_.error(at.at("condition"), unknown("condition", r.condition, conditions_));
    }
    r.reason = in.reason();
    if (r.reason.empty()) {
      d_.error(at.self(), "the rule gives no reason: write what the sitter or staff is told");
    } else if (!one_plain_line(r.reason) || r.reason.size() > kMaxReasonBytes) {
      d_.error(at.at("reason"),
               fmt::format("the reason must be one line of text of at most {} bytes, without "
                           "control or text-direction characters",
                           kMaxReasonBytes));
    }
    const Locator scope = at.nested("scope");
    r.programs.assign(in.scope().programs().begin(), in.scope().programs().end());
    r.techniques.assign(in.scope().techniques().begin(), in.scope().techniques().end());
    r.zones.assign(in.scope().zones().begin(), in.scope().zones().end());
    for (int i = 0; i < in.scope().techniques_size(); ++i)
      check_technique(r.techniques[static_cast<std::size_t>(i)], scope.at("techniques", i));
    for (int i = 0; i < in.scope().zones_size(); ++i) {
      if (!has(vocabulary_.zones, r.zones[static_cast<std::size_t>(i)]))
        d_.error(scope.at("zones", i),
                 unknown("zone", r.zones[static_cast<std::size_t>(i)], vocabulary_.zones));
    }
    for (int i = 0; i < in.scope().programs_size(); ++i) {
      if (in.scope().programs(i).empty()) d_.error(scope.at("programs", i), "empty program id");
    }
    switch (in.action_case()) {
      case chair::v1::ConditionRule::kRefuse:
        r.action = RuleAction::kRefuse;
        if (!in.refuse())
          d_.error(at.at("refuse"), "refuse: false does nothing; leave the rule out instead");
        break;
      case chair::v1::ConditionRule::kSoften:
        r.action = RuleAction::kSoften;
        check_soften(in.soften(), at.nested("soften"), r);
        break;
      case chair::v1::ConditionRule::kSkip:
        r.action = RuleAction::kSkip;
        check_skip(in.skip(), at.nested("skip"), r);
        break;
      case chair::v1::ConditionRule::ACTION_NOT_SET:
        d_.error(at.self(),
                 "the rule says nothing to do: write refuse: true, soften { ... } or "
                 "skip { ... }");
        break;
    }
    if (d_.error_count() != errors) return std::nullopt;
    return r;
  }

 private:
  void check_soften(const chair::v1::Softening& s, const Locator& at, ConditionRule& r) {
    const auto cap = [&](bool present, double value, const char* field, double low, double high,
                         bool low_open, std::optional<double>& out) {
      if (!present) return;
      if (!std::isfinite(value) || value > high || value < low || (low_open && value == low)) {
        d_.error(at.at(field), fmt::format("{} must be {} {:g} and at most {:g}", field,
                                           low_open ? "above" : "at least", low, high));
        return;
      }
      out = value;
    };
    cap(s.has_max_intensity(), s.max_intensity(), "max_intensity", 0.0, 1.0, true, r.max_intensity);
    cap(s.has_max_tempo_cpm(), s.max_tempo_cpm(), "max_tempo_cpm", 0.0, 1000.0, true,
        r.max_tempo_cpm);
    // No heat, no air, no depth is a skip, not a cap: a cap of 0 would read as "no limit".
    cap(s.has_max_depth_mm(), s.max_depth_mm(), "max_depth_mm", 0.0, 100.0, true, r.max_depth_mm);
    cap(s.has_max_airbag_kpa(), s.max_airbag_kpa(), "max_airbag_kpa", kMinAirbagCapKpa, 100.0,
        false, r.max_airbag_kpa);
    cap(s.has_max_heat_c(), s.max_heat_c(), "max_heat_c", kMinHeatCapC, 100.0, false, r.max_heat_c);
    if (!s.has_max_intensity() && !s.has_max_tempo_cpm() && !s.has_max_depth_mm() &&
        !s.has_max_airbag_kpa() && !s.has_max_heat_c()) {
      d_.error(at.self(),
               "soften caps nothing: set max_intensity, max_tempo_cpm, max_depth_mm, "
               "max_airbag_kpa or max_heat_c");
    }
    const bool body_caps = s.has_max_depth_mm() || s.has_max_airbag_kpa() || s.has_max_heat_c();
    if (body_caps && !r.techniques.empty()) {
      d_.error(at.self(),
               "depth, air pressure and heat are capped for a zone whatever the "
               "technique: put those caps in a rule whose scope names no technique");
    }
    if (s.has_max_depth_mm()) {
      if (r.zones.empty()) {
        d_.error(at.at("max_depth_mm"),
                 "roller depth is capped per body region: name the zones "
                 "in the rule's scope");
      }
      for (const auto& z : r.zones) {
        if (has(vocabulary_.zones, z) && !has(vocabulary_.track_zones, z))
          d_.error(at.at("max_depth_mm"),
                   fmt::format("zone '{}' is not on the roller track: it has no roller depth", z));
      }
    }
  }

  void check_skip(const chair::v1::Skip& s, const Locator& at, ConditionRule& r) {
    if (r.techniques.empty() && r.zones.empty()) {
      d_.error(at.self(),
               "a skip whose scope names no technique and no zone skips everything: "
               "write refuse: true instead");
    }
    switch (s.gap()) {
      case chair::v1::Skip::GAP_UNSPECIFIED:
      case chair::v1::Skip::REST:
        r.gap = SkipGap::kRest;
        break;
      case chair::v1::Skip::SHORTEN:
        r.gap = SkipGap::kShorten;
        break;
      case chair::v1::Skip::GENTLE:
        r.gap = SkipGap::kGentle;
        break;
      default:
        d_.error(at.at("gap"), "unknown gap (REST, SHORTEN or GENTLE)");
        return;
    }
    r.fill_technique = s.fill_technique();
    r.fill_intensity = s.fill_intensity();
    r.fill_zone = s.fill_zone();
    if (r.gap != SkipGap::kGentle) {
      if (!r.fill_technique.empty() || r.fill_intensity != 0.0 || !r.fill_zone.empty())
        d_.error(at.self(), "fill_technique, fill_intensity and fill_zone go with gap: GENTLE");
      return;
    }
    if (r.fill_technique.empty()) {
      d_.error(at.self(), "gap: GENTLE needs fill_technique: the gentle work that fills the gap");
    } else if (!check_technique(r.fill_technique, at.at("fill_technique"))) {
      // A fill whose plugin is not loaded: the chair rests there instead (the planner).
    } else if (has(r.techniques, r.fill_technique)) {
      d_.error(at.at("fill_technique"),
               "the gap cannot be filled with the technique the rule skips");
    }
    if (!std::isfinite(r.fill_intensity) || r.fill_intensity <= 0.0 ||
        r.fill_intensity > kMaxFillIntensity) {
      d_.error(at.at("fill_intensity"),
               fmt::format("fill_intensity must be above 0 and at most {:g} (gentle)",
                           kMaxFillIntensity));
    }
    if (!r.fill_zone.empty() && !has(vocabulary_.zones, r.fill_zone)) {
      d_.error(at.at("fill_zone"), unknown("zone", r.fill_zone, vocabulary_.zones));
    } else if (r.fill_zone.empty() && !r.zones.empty()) {
      d_.error(at.self(),
               "the rule skips zones: name a fill_zone elsewhere, or the gentle work "
               "would go where the rule forbids");
    } else if (has(r.zones, r.fill_zone)) {
      d_.error(at.at("fill_zone"), "the gap cannot be filled in a zone the rule skips");
    }
  }

  // A technique chaird did not load is a warning (a missing or refused plugin must not stop
  // every session), unless it is a near miss of one it did: a typo. False unless loaded.
  bool check_technique(const std::string& name, const SourceLocation& where) {
    if (has(vocabulary_.techniques, name)) return true;
    if (closest_name(name, vocabulary_.techniques)) {
      d_.error(where, unknown("technique", name, vocabulary_.techniques));
    } else {
      d_.warning(where, fmt::format("technique {} is not loaded: the rule applies to it once it "
                                    "is (loaded: {})",
                                    excerpt(name), fmt::join(vocabulary_.techniques, ", ")));
    }
    return false;
  }

  const RuleVocabulary& vocabulary_;
  std::vector<std::string> conditions_;
  Diagnostics& d_;
};

Expected<ContraindicationRuleSet, Diagnostics> check_rules(
    const chair::v1::ContraindicationRules& file, const TextFileSource& source,
    const RuleVocabulary& vocabulary) {
  Diagnostics d;
  const Locator root(source, chair::v1::ContraindicationRules::descriptor());
  ContraindicationRuleSet set;
  set.path = source.path;
  if (file.rules_size() > kMaxRules) {
    d.error(root.nested("rules", kMaxRules).self(),
            fmt::format("the file has {} rules; at most {} are accepted (a chair needs a few "
                        "dozen: one or two for each condition)",
                        file.rules_size(), kMaxRules));
    return Unexpected{std::move(d)};
  }
  RuleChecker checker(vocabulary, d);
  for (int i = 0; i < file.rules_size(); ++i) {
    if (auto r = checker.check(file.rules(i), root.nested("rules", i))) {
      // One mistake, told once with the first rule it meets: reporting every pair made a file
      // of n such rules n² errors (4,000 rules: 65 s and 2.3 GB to lint).
      for (const auto& earlier : set.rules) {
        if (auto why = contradiction(earlier, *r)) {
          d.error(r->where,
                  fmt::format("this rule for '{}' contradicts another: {}", r->condition, *why));
          break;
        }
      }
      set.rules.push_back(std::move(*r));
    }
  }
  for (const auto& c : health_conditions()) {
    const bool named = std::any_of(file.rules().begin(), file.rules().end(),
                                   [&](const auto& r) { return r.condition() == c.name; });
    if (!named) {
      d.error({source.path, 0, 0},
              fmt::format("condition '{}' has no rule: say what chaird does when a sitter "
                          "reports it (\"{}\")",
                          c.name, c.question));
    }
  }
  if (d.has_errors()) {
    // Located problems first, in file order; a condition without a rule has no place.
    d.sort();
    Diagnostics ordered;
    for (const bool placed : {true, false}) {
      for (const auto& item : d.items())
        if ((item.where.line > 0) == placed) ordered.add(item);
    }
    return Unexpected{std::move(ordered)};
  }
  set.warnings = std::move(d);
  return set;
}

}  // namespace

Expected<ContraindicationRuleSet, Diagnostics> load_contraindication_rules(
    const std::string& path, const RuleVocabulary& vocabulary, const TextFileLimits& limits) {
  chair::v1::ContraindicationRules file;
  TextFileSource source{path, std::make_shared<ParseInfoTree>()};
  Diagnostics d = parse_text_file(path, file, source.tree.get(), limits);
  if (d.has_errors()) return Unexpected{std::move(d)};
  return check_rules(file, source, vocabulary);
}

Expected<ContraindicationRuleSet, Diagnostics> parse_contraindication_rules(
    std::string_view text, const std::string& path, const RuleVocabulary& vocabulary,
    const TextFileLimits& limits) {
  chair::v1::ContraindicationRules file;
  TextFileSource source{path, std::make_shared<ParseInfoTree>()};
  Diagnostics d = parse_text(text, path, file, source.tree.get(), limits);
  if (d.has_errors()) return Unexpected{std::move(d)};
  return check_rules(file, source, vocabulary);
}

}  // namespace chaird
