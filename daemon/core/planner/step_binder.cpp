#include "planner/step_binder.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <set>

#include "common/closest_name.hpp"
#include "common/utf8_text.hpp"

namespace chaird {
namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::vector<std::string> zone_names(const ChairModel& chair) {
  std::vector<std::string> names;
  for (const auto& zone : chair.zones()) names.push_back(zone.name);
  return names;
}

// "; did you mean 'shiatsu'?" when a known name is a likely typo of the one written, else "".
std::string did_you_mean(const std::string& written, const std::vector<std::string>& known) {
  const auto guess = closest_name(written, known);
  return guess ? fmt::format("; did you mean '{}'?", *guess) : std::string();
}

// "; its plugin /p/x.so was refused: ..." when the technique's plugin was there but refused:
// the reason a maker needs, where its absence shows.
std::string why_refused(const TechniqueCatalog& catalog, const std::string& technique) {
  const Diagnostic* refused = catalog.refused_for(technique);
  return refused
             ? fmt::format("; its plugin {} was refused: {}", refused->where.file, refused->message)
             : std::string();
}

// What a parameter takes, as a maker reads it: "an integer 2..12", "one of narrow, wide".
std::string what_it_takes(const sdk::ParamSpec& p) {
  const std::string unit = p.unit.empty() ? "" : " " + p.unit;
  switch (p.type) {
    case sdk::ParamType::kNumber:
      return fmt::format("a number {}..{}{}", p.min, p.max, unit);
    case sdk::ParamType::kInteger:
      return fmt::format("an integer {}..{}{}", p.min, p.max, unit);
    case sdk::ParamType::kBoolean:
      return "a flag (true or false)";
    case sdk::ParamType::kChoice:
      return "one of " + join(p.choices);
  }
  return "a value";
}

// What was written, with its value: "the number 4.5", "the choice \"many\"", "no value".
std::string written_as(const chair::v1::Param& p) {
  switch (p.value_case()) {
    case chair::v1::Param::kNumber:
      return fmt::format("the number {}", p.number());
    case chair::v1::Param::kInteger:
      return fmt::format("the integer {}", p.integer());
    case chair::v1::Param::kFlag:
      return fmt::format("the flag {}", p.flag());
    case chair::v1::Param::kChoice:
      return fmt::format("the choice \"{}\"", one_line(p.choice(), 64));
    default:
      return "no value";
  }
}

// How to write the parameter: the value the maker meant when it is clear ("4" for the integer
// written as number: 4, "0.3" for the number written as choice: "0.3"), else its default.
std::string right_syntax(const sdk::ParamSpec& spec, const chair::v1::Param& given) {
  std::optional<double> meant;
  if (given.has_integer()) meant = static_cast<double>(given.integer());
  if (given.has_number()) meant = given.number();
  if (given.has_choice()) {
    const std::string& text = given.choice();
    char* end = nullptr;
    const double parsed = text.size() < 64 ? std::strtod(text.c_str(), &end) : 0.0;
    if (end != nullptr && end != text.c_str() && *end == '\0') meant = parsed;
  }
  const auto usable = [&](double v) {
    return std::isfinite(v) && v >= spec.min && v <= spec.max &&
           (spec.type != sdk::ParamType::kInteger || v == std::floor(v));
  };
  std::string value;
  switch (spec.type) {
    case sdk::ParamType::kNumber:
      value = fmt::format("number: {}", meant && usable(*meant) ? *meant : spec.default_number);
      break;
    case sdk::ParamType::kInteger:
      value = fmt::format(
          "integer: {}",
          static_cast<std::int64_t>(meant && usable(*meant) ? *meant : spec.default_number));
      break;
    case sdk::ParamType::kBoolean: {
      bool flag = spec.default_flag;
      if (given.has_choice() && (given.choice() == "true" || given.choice() == "false"))
        flag = given.choice() == "true";
      value = fmt::format("flag: {}", flag);
      break;
    }
    case sdk::ParamType::kChoice:
      value = fmt::format("choice: \"{}\"", spec.default_choice);
      break;
  }
  return fmt::format("params {{ name: \"{}\" {} }}", spec.name, value);
}

}  // namespace

std::vector<ActuatorIndex> family_in_zone(const ChairModel& chair, const ZoneSpec& zone,
                                          std::string_view family) {
  if (family == "airbag") return zone.airbags;
  if (family == "heat") return zone.heaters;
  if (family == "vibration") return zone.vibration;
  if (family == "foot_roller") return zone.foot_rollers;
  return chair.family(family);
}

std::optional<BoundStep> StepBinder::bind(const ExpandedStep& step, const SessionScaling& scaling,
                                          Diagnostics& d, Diagnostics* skipped) const {
  const auto& s = *step.step;
  const std::string who = fmt::format("step '{}'", step.name);
  bool ok = true;     // false for a mistake in the step itself
  Diagnostics lacks;  // what this chair lacks for the step

  const LoadedTechnique* technique = catalog_.find(s.technique());
  if (s.technique().empty()) {
    d.error(step.where.self(), who + ": needs a technique");
    ok = false;
  } else if (technique == nullptr) {
    d.error(step.where.at("technique"),
            fmt::format("{}: unknown technique '{}'{} ({}){}", who, s.technique(),
                        did_you_mean(s.technique(), catalog_.names()),
                        catalog_.all().empty() ? "this chaird has no techniques"
                                               : "this chaird has: " + join(catalog_.names()),
                        why_refused(catalog_, s.technique())));
    ok = false;
  }

  const ZoneSpec* zone = chair_.zone(s.zone());
  const auto& known = BodyModel::known_zones();
  if (s.zone().empty()) {
    d.error(step.where.self(), who + ": needs a zone");
    ok = false;
  } else if (std::find(known.begin(), known.end(), s.zone()) == known.end()) {
    d.error(step.where.at("zone"),
            fmt::format("{}: unknown zone '{}'{} (zones are: {})", who, s.zone(),
                        did_you_mean(s.zone(), known), join(known)));
    ok = false;
  } else if (zone == nullptr) {
    lacks.error(step.where.at("zone"),
                fmt::format("{}: chair '{}' has no zone '{}' (it has: {})", who,
                            chair_.profile().id(), s.zone(), join(zone_names(chair_))));
  }
  if (!ok) {
    d.append(lacks);
    return std::nullopt;
  }

  const auto& desc = technique->description;
  if (!desc.zones.empty() &&
      std::find(desc.zones.begin(), desc.zones.end(), s.zone()) == desc.zones.end()) {
    d.error(step.where.at("zone"), fmt::format("{}: technique '{}' does not work on zone '{}' "
                                               "(it works on: {})",
                                               who, desc.name, s.zone(), join(desc.zones)));
    d.append(lacks);
    return std::nullopt;
  }

  BoundStep out;
  out.expanded = step;
  out.technique = technique;
  out.zone = zone;
  if (zone != nullptr) {
    if (zone->roller) out.span = body_.span(s.zone());
    bind_actuators(step, *technique, *zone, out.span.has_value(), out.allowed, lacks);
  }

  out.base_intensity = s.has_intensity() ? s.intensity() : 0.5;
  out.base_tempo_cpm = s.has_tempo_cpm() ? s.tempo_cpm() : desc.tempo.default_cpm;
  if (desc.tempo.max_cpm == 0.0 && s.has_tempo_cpm()) {
    d.error(step.where.at("tempo_cpm"),
            fmt::format("{}: technique '{}' has no rhythm; leave tempo_cpm out", who, desc.name));
    ok = false;
  } else if (out.base_tempo_cpm < desc.tempo.min_cpm || out.base_tempo_cpm > desc.tempo.max_cpm) {
    d.error(step.where.at("tempo_cpm"),
            fmt::format("{}: tempo {} cpm is outside technique '{}''s range {}..{} cpm", who,
                        out.base_tempo_cpm, desc.name, desc.tempo.min_cpm, desc.tempo.max_cpm));
    ok = false;
  }
  if (!bind_params(step, desc, out.params, d)) ok = false;
  if (!ok || (!lacks.empty() && !(s.skip_if_chair_lacks() && skipped != nullptr))) {
    d.append(lacks);
    return std::nullopt;
  }
  if (!lacks.empty()) {
    // Side work this chair cannot do: the rest of the program runs without it.
    const std::string prefix = who + ": ";
    for (const auto& item : lacks.items()) {
      const std::string& m = item.message;
      const std::string reason = m.rfind(prefix, 0) == 0 ? m.substr(prefix.size()) : m;
      skipped->warning(item.where, fmt::format("{}: skipped on this chair "
                                               "(skip_if_chair_lacks): {}",
                                               who, reason));
    }
    return std::nullopt;
  }
  scale(out, scaling, body_);
  return out;
}

bool works_on(const BoundStep& step, const std::vector<std::string>& areas, const BodyModel& body) {
  for (const auto& area : areas) {
    if (area == step.zone->name) return true;
    if (!step.span) continue;
    const auto other = body.span(area);
    if (other &&
        std::min(other->to_mm, step.span->to_mm) > std::max(other->from_mm, step.span->from_mm))
      return true;
  }
  return false;
}

void StepBinder::scale(BoundStep& step, const SessionScaling& scaling, const BodyModel& body) {
  const auto& tempo = step.technique->description.tempo;
  step.in_focus = works_on(step, scaling.focus_areas, body);
  step.intensity = std::clamp(
      step.base_intensity * scaling.intensity_scale * scaling.zone_factor(step.zone->name) *
          (step.in_focus || scaling.focus_areas.empty() ? 1.0 : kOutsideFocusFactor),
      0.0, 1.0);
  step.tempo_cpm =
      std::clamp(step.base_tempo_cpm * scaling.speed_scale, tempo.min_cpm, tempo.max_cpm);
  // The sitter's rules cap what the technique is told, whatever the sitter asked for. A tempo
  // cap below the technique's slowest is left for the governor to refuse, with the reason.
  step.intensity_before_rules = 0.0;
  step.tempo_before_rules = 0.0;
  step.depth_cap_mm = 0.0;
  if (step.expanded.max_intensity > 0.0)
    step.intensity = std::min(step.intensity, step.expanded.max_intensity);
  if (scaling.sitter == nullptr) return;
  if (auto cap = scaling.sitter->depth_cap(step.zone->name)) step.depth_cap_mm = cap->value;
  const std::string& technique = step.technique->name;
  if (auto cap = scaling.sitter->intensity_cap(technique, step.zone->name);
      cap && step.intensity > cap->value) {
    step.intensity_before_rules = step.intensity;
    step.intensity = cap->value;
  }
  if (auto cap = scaling.sitter->tempo_cap(technique, step.zone->name);
      cap && step.tempo_cpm > cap->value) {
    step.tempo_before_rules = step.tempo_cpm;
    step.tempo_cpm = std::max(cap->value, tempo.min_cpm);
  }
}

void StepBinder::bind_actuators(const ExpandedStep& step, const LoadedTechnique& technique,
                                const ZoneSpec& zone, bool on_track,
                                std::vector<std::uint8_t>& allowed, Diagnostics& d) const {
  allowed.assign(chair_.actuator_count(), 0);
  for (const auto& need : technique.description.actuators) {
    std::vector<ActuatorIndex> found;
    const bool is_family = need.id.size() > 2 && need.id.compare(need.id.size() - 2, 2, ".*") == 0;
    if (is_family) {
      found = family_in_zone(chair_, zone, std::string_view(need.id).substr(0, need.id.size() - 2));
    } else if (auto i = chair_.find(need.id)) {
      found.push_back(*i);
    }
    const bool roller = need.id.rfind("roller.", 0) == 0;
    if (roller && !on_track) found.clear();  // the rollers do not reach this zone
    for (ActuatorIndex i : found) allowed[static_cast<std::size_t>(i)] = 1;
    if (found.empty() && need.required) {
      std::string why;
      if (!is_family && !chair_.find(need.id)) {
        // Whatever the zone: a 2D chair has no roller.depth anywhere.
        why = fmt::format("chair '{}' has no {}", chair_.profile().id(), need.id);
      } else if (roller && zone.roller) {
        why = fmt::format("zone '{}' lies beyond the end of this chair's track", zone.name);
      } else if (roller) {
        why = fmt::format("the rollers do not reach zone '{}' on this chair", zone.name);
      } else if (is_family) {
        why = fmt::format("zone '{}' has no {} on this chair", zone.name, need.id);
      } else {
        why = fmt::format("chair '{}' has no {}", chair_.profile().id(), need.id);
      }
      d.error(step.where.at("zone"), fmt::format("step '{}': technique '{}' needs {}: {}",
                                                 step.name, technique.name, need.id, why));
    }
  }
}

bool StepBinder::bind_params(const ExpandedStep& step, const sdk::TechniqueDescription& desc,
                             std::vector<sdk::ParamValue>& out, Diagnostics& d) const {
  const auto& s = *step.step;
  bool ok = true;
  std::set<std::string> seen;
  auto names = [&] {
    std::vector<std::string> out_names;
    for (const auto& p : desc.params) out_names.push_back(p.name);
    return out_names;
  };
  for (const auto& p : desc.params) {
    sdk::ParamValue v;
    v.name = p.name;
    v.type = p.type;
    v.number = p.default_number;
    v.flag = p.default_flag;
    v.choice = p.default_choice;
    out.push_back(std::move(v));
  }
  for (int i = 0; i < s.params_size(); ++i) {
    const auto& given = s.params(i);
    const SourceLocation where = step.where.nested("params", i).self();
    const std::string who = fmt::format("step '{}': parameter '{}'", step.name, given.name());
    const auto it = std::find_if(desc.params.begin(), desc.params.end(),
                                 [&](const sdk::ParamSpec& p) { return p.name == given.name(); });
    if (it == desc.params.end()) {
      d.error(where,
              fmt::format("step '{}': technique '{}' has no parameter '{}' (it has: {})", step.name,
                          desc.name, given.name(), desc.params.empty() ? "none" : join(names())));
      ok = false;
      continue;
    }
    if (!seen.insert(given.name()).second) {
      d.error(where, who + ": given twice");
      ok = false;
      continue;
    }
    sdk::ParamValue& v = out[static_cast<std::size_t>(it - desc.params.begin())];
    const auto mismatch = [&] {
      d.error(where, fmt::format("step '{}': parameter '{}' takes {}, got {}: write {}", step.name,
                                 given.name(), what_it_takes(*it), written_as(given),
                                 right_syntax(*it, given)));
      ok = false;
    };
    switch (it->type) {
      case sdk::ParamType::kNumber:
      case sdk::ParamType::kInteger: {
        double value = 0.0;
        if (given.has_integer()) {
          value = static_cast<double>(given.integer());
        } else if (given.has_number() && it->type == sdk::ParamType::kNumber) {
          value = given.number();
        } else {
          mismatch();
          break;
        }
        if (!std::isfinite(value) || value < it->min || value > it->max) {
          d.error(where, fmt::format("{}: {} {} is outside {}..{} {}", who, given.name(), value,
                                     it->min, it->max, it->unit));
          ok = false;
          break;
        }
        v.number = value;
        break;
      }
      case sdk::ParamType::kBoolean:
        if (!given.has_flag()) {
          mismatch();
          break;
        }
        v.flag = given.flag();
        break;
      case sdk::ParamType::kChoice:
        if (!given.has_choice()) {
          mismatch();
          break;
        }
        if (std::find(it->choices.begin(), it->choices.end(), given.choice()) ==
            it->choices.end()) {
          d.error(where, fmt::format("{}: '{}' is not one of: {}", who, given.choice(),
                                     join(it->choices)));
          ok = false;
          break;
        }
        v.choice = given.choice();
        break;
    }
  }
  return ok;
}

}  // namespace chaird
