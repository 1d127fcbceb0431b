#include "library/program_checker.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <regex>
#include <set>

#include "common/duration_text.hpp"
#include "common/utf8_text.hpp"
#include "library/capability_claims.hpp"
#include "planner/body_model.hpp"
#include "profile/limits_tightening.hpp"
#include "safety/health_conditions.hpp"
#include "safety/rule_limits.hpp"

namespace chaird {

Diagnostics check_metadata(const ProgramSource& program, const ChairModel& chair) {
  Diagnostics d;
  const auto& m = program.program.metadata();
  const Locator loc = program.locator().nested("metadata");
  static const std::regex kId(R"([a-z0-9][a-z0-9_-]{0,63})");
  if (!program.program.has_metadata()) {
    d.error(program.locator().self(), "program needs a metadata block with id and name");
    return d;
  }
  if (!std::regex_match(m.id(), kId)) {
    d.error(loc.at("id"), fmt::format("metadata.id {} must be 1 to 64 lowercase letters, digits, "
                                      "'_' or '-'",
                                      excerpt(m.id())));
  }
  if (m.name().empty()) d.error(loc.at("name"), "metadata.name is missing (the kiosk shows it)");
  // What a kiosk shows and every status carries: short, one line, printable.
  const auto shown = [&](const char* field, const std::string& text, std::size_t max_bytes,
                         int index) {
    const SourceLocation where = index < 0 ? loc.at(field) : loc.at(field, index);
    if (text.size() > max_bytes) {
      d.error(where, fmt::format("metadata.{} is {} bytes long; at most {} are accepted", field,
                                 text.size(), max_bytes));
    } else if (!one_plain_line(text)) {
      d.error(where, fmt::format("metadata.{} must be one line, without control characters, "
                                 "line separators or text-direction overrides",
                                 field));
    }
  };
  shown("name", m.name(), 80, -1);
  shown("summary", m.summary(), 600, -1);
  shown("author", m.author(), 80, -1);
  shown("version", m.version(), 40, -1);
  if (m.tags_size() > 32) d.error(loc.at("tags"), "metadata.tags: at most 32");
  for (int i = 0; i < std::min(m.tags_size(), 32); ++i) shown("tags", m.tags(i), 40, i);
  if (m.total_duration_ms() < 0)
    d.error(loc.at("total_duration_ms"), "metadata.total_duration_ms cannot be negative");
  // Each condition once: more would only be compared again with every program that includes
  // this one.
  const std::size_t conditions = health_conditions().size();
  if (static_cast<std::size_t>(m.contraindications_size()) > conditions) {
    d.error(loc.at("contraindications", 0),
            fmt::format("metadata.contraindications lists {} conditions; there are {}",
                        m.contraindications_size(), conditions));
  } else {
    for (int i = 0; i < m.contraindications_size(); ++i) {
      const std::string& name = m.contraindications(i);
      if (!is_known_condition(name)) {
        std::string known;
        for (const auto& c : health_conditions())
          known += (known.empty() ? "" : ", ") + std::string(c.name);
        d.error(loc.at("contraindications", i),
                fmt::format("unknown health condition {} (known: {})", excerpt(name), known));
      } else if (std::find(m.contraindications().begin(), m.contraindications().begin() + i,
                           name) != m.contraindications().begin() + i) {
        d.error(loc.at("contraindications", i),
                fmt::format("health condition '{}' is listed twice", name));
      }
    }
  }
  // The most a sitter can turn the program up: from as written (1) to the API's most (1.5).
  if (m.has_max_intensity_scale() &&
      !(m.max_intensity_scale() >= 1.0 && m.max_intensity_scale() <= 1.5)) {
    d.error(loc.at("max_intensity_scale"),
            fmt::format("metadata.max_intensity_scale {:g} is outside 1..1.5: it is the most a "
                        "sitter can turn the program up, from as written (1) to the API's 1.5; "
                        "to make the program gentler, lower its steps' intensity",
                        m.max_intensity_scale()));
  }
  const auto& zones = BodyModel::known_zones();
  for (int i = 0; i < m.focus_areas_size(); ++i) {
    if (std::find(zones.begin(), zones.end(), m.focus_areas(i)) == zones.end()) {
      d.error(loc.at("focus_areas", i),
              fmt::format("focus area '{}' is not a body zone", m.focus_areas(i)));
    }
  }
  const auto default_body = BodyModel::resolve(chair, {});
  for (int i = 0; i < m.required_capabilities_size(); ++i) {
    const std::string& cap = m.required_capabilities(i);
    std::string reason;
    const auto capability = parse_capability(cap, reason);
    if (!capability) {
      d.error(loc.at("required_capabilities", i),
              fmt::format("required capability '{}': {}", cut_utf8(cap, 200), reason));
    } else if (!default_body || !chair_has(chair, *default_body, *capability)) {
      d.error(loc.at("required_capabilities", i),
              fmt::format("chair '{}' lacks required capability '{}'", chair.profile().id(),
                          cut_utf8(cap, 200)));
    }
  }
  return d;
}

Expected<CheckedProgram, Diagnostics> check_program(const ProgramRef& program,
                                                    const ProgramCheckContext& context,
                                                    const PlanOptions& options,
                                                    const EnergyHistory& energy,
                                                    const chair::v1::SafetyLimits& session_limits) {
  Diagnostics d = check_metadata(*program, *context.chair);
  // The limits in force: the chair's, tightened by the program, then by the session.
  std::shared_ptr<const ChairModel> chair = context.chair;
  const auto& m = program->program.metadata();
  if (m.has_limits()) {
    auto tightened = tighten_limits(*chair, m.limits(), fmt::format("program '{}'", m.id()),
                                    program->locator().nested("metadata").at("limits"));
    if (!tightened) {
      d.append(tightened.error());
      d.sort();
      return Unexpected{std::move(d)};
    }
    chair = *tightened;
  }
  if (sets_any_limit(session_limits)) {
    auto tightened = tighten_limits(*chair, session_limits, "this session's limits", {},
                                    LooserLimit::kKeepStricter);
    if (!tightened) {
      d.append(tightened.error());
      d.sort();
      return Unexpected{std::move(d)};
    }
    chair = *tightened;
  }
  // The sitter's contraindication rules cap depth, air and heat through the chair's limits.
  if (const auto& sitter = options.scaling.sitter) {
    auto capped = chair_for_sitter(chair, *sitter);
    if (!capped) {
      d.append(capped.error());
      d.sort();
      return Unexpected{std::move(d)};
    }
    chair = *capped;
  }
  std::optional<SafetyGovernor> own_governor;
  if (chair != context.chair || options.scaling.sitter)
    own_governor.emplace(chair,
                         SessionLimits{context.governor->max_session_ms(), options.scaling.sitter});
  const SafetyGovernor& governor = own_governor ? *own_governor : *context.governor;
  // Plugins run on a guarded thread: a plugin stuck in a loop fails this plan, not chaird. An
  // abandoned worker may outlive this call, so the job owns copies of everything it uses.
  struct Job {
    Expected<std::shared_ptr<const Plan>, Diagnostics> plan = Unexpected{Diagnostics{}};
  };
  auto job = std::make_shared<Job>();
  const std::string overrun =
      run_guarded(context.plugin_budget, [job, program, chair, catalog = context.catalog,
                                          resolver = context.resolver, limits = context.limits,
                                          options](CallWatch& watch) {
        job->plan = Planner(limits).plan(program, resolver, chair, catalog, options, &watch);
      });
  if (!overrun.empty()) {
    d.error(program->locator().self(), overrun);
    d.sort();
    return Unexpected{std::move(d)};
  }
  auto& plan = job->plan;
  if (!plan) {
    d.append(plan.error());
    d.sort();
    return Unexpected{std::move(d)};
  }
  // As written: the sitter's rules may shorten the session, not the program.
  const std::int64_t planned = (*plan)->written_duration_ms;
  if (m.total_duration_ms() > 0 && m.total_duration_ms() != planned) {
    d.error(program->locator().nested("metadata").at("total_duration_ms"),
            fmt::format("metadata.total_duration_ms is {} ms but the steps add up to {} ms ({})",
                        m.total_duration_ms(), planned, format_mmss(planned)));
  }
  // A program runs the phases it includes, so it must not be offered to anyone they are not for.
  const Locator contraindications = program->locator().nested("metadata");
  const std::set<std::string> own(m.contraindications().begin(), m.contraindications().end());
  for (const auto& source : (*plan)->sources) {  // each included program once
    if (source.get() == program.get()) continue;
    std::string missing;
    std::set<std::string> told;
    for (const auto& c : source->program.metadata().contraindications()) {
      // An unknown one is refused in its own file.
      if (is_known_condition(c) && own.count(c) == 0 && told.insert(c).second)
        missing += (missing.empty() ? "" : ", ") + c;
    }
    if (!missing.empty()) {
      d.error(
          contraindications.at("contraindications", 0),
          fmt::format("the program includes '{}', which is not for people with: {}; list them in "
                      "contraindications too",
                      source->id(), missing));
    }
  }
  auto governed = governor.review((*plan)->timeline, energy);
  if (!governed) {
    // The governor judges the whole timeline; what has no step to point at belongs to the file.
    for (auto item : governed.error().items()) {
      if (item.where.file.empty()) item.where = program->locator().self();
      d.add(std::move(item));
    }
  }
  if (d.has_errors()) {
    d.sort();
    return Unexpected{std::move(d)};
  }
  CheckedProgram out{*plan, *governed, (*plan)->warnings};
  out.warnings.append(d);
  return out;
}

Expected<std::shared_ptr<const Plan>, Diagnostics> replan_rest(
    const std::shared_ptr<const Plan>& previous, std::int64_t from_ms, const PlanOptions& options,
    const PlannerLimits& limits, std::chrono::milliseconds plugin_budget,
    std::optional<StepReplacement> replacement) {
  struct Job {
    Expected<std::shared_ptr<const Plan>, Diagnostics> plan = Unexpected{Diagnostics{}};
  };
  auto job = std::make_shared<Job>();
  const std::string overrun =
      run_guarded(plugin_budget, [job, previous, from_ms, options, limits,
                                  replacement = std::move(replacement)](CallWatch& watch) {
        job->plan = Planner(limits).replan(*previous, from_ms, options, &watch,
                                           replacement ? &*replacement : nullptr);
      });
  if (!overrun.empty()) {
    Diagnostics d;
    d.error({}, overrun);
    return Unexpected{std::move(d)};
  }
  return std::move(job->plan);
}

}  // namespace chaird
