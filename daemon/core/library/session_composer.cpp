#include "library/session_composer.hpp"

#include <fmt/format.h>
#include <google/protobuf/text_format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "common/utf8_text.hpp"
#include "library/sitter_screening.hpp"
#include "planner/program_expander.hpp"
#include "safety/health_conditions.hpp"

namespace chaird {
namespace {

constexpr double kWrittenIntensityDefault = 0.5;  // a step that gives none (docs/programs.md)
// A main segment counts as work on the focus when at least this share of it is.
constexpr double kMinFocusShare = 0.25;
// Seams between programs are where a session feels stitched together: a few are enough.
constexpr std::size_t kMaxMainParts = 4;
constexpr std::size_t kMaxNamesListed = 6;
// Heat ends this long before the session does: the sitter does not get up from a hot pad
// (the therapist's review, heat-until-end).
constexpr std::int64_t kHeatOffBeforeEndMs = 120'000;

struct Segment {
  const LibraryEntry* entry = nullptr;
  int phase_index = 0;
  chair::v1::PhaseKind kind = chair::v1::PHASE_KIND_UNSPECIFIED;
  std::string label;
  std::int64_t duration_ms = 0;
  std::vector<std::string> zones;  // in the order they first appear
  double mean_intensity = 0.0;     // as written, weighted by time
  double focus_share = 0.0;        // of its time on the sitter's focus
  // Strong work on zones the sitter marked too strong: share of time x intensity x marks.
  double marked_load = 0.0;
  double score = 0.0;
  // From the end of its last heat step to its own end; -1: no heat.
  std::int64_t heat_tail_ms = -1;
  // The lowest max_intensity_scale of its program and the programs that one includes.
  std::optional<double> max_scale;
};

// The steps of some items (repeats included).
void steps_of(const google::protobuf::RepeatedPtrField<chair::v1::Item>& items,
              std::vector<const chair::v1::Step*>& out) {
  for (const auto& item : items) {
    if (item.has_step()) out.push_back(&item.step());
    if (item.has_repeat()) steps_of(item.repeat().items(), out);
  }
}

// Whether a step heats: its technique drives heaters, or it sits in a HEAT track.
bool heats(const chair::v1::Step& step, const TechniqueCatalog* catalog,
           const std::vector<const chair::v1::Step*>& in_heat_tracks) {
  if (std::find(in_heat_tracks.begin(), in_heat_tracks.end(), &step) != in_heat_tracks.end())
    return true;
  const LoadedTechnique* t = catalog != nullptr ? catalog->find(step.technique()) : nullptr;
  if (t == nullptr) return false;
  return std::any_of(t->description.actuators.begin(), t->description.actuators.end(),
                     [](const auto& a) { return a.id.rfind("heat", 0) == 0; });
}

// Whether heat, wherever it is in this order, ends long enough before the end.
bool heat_ends_in_time(const std::vector<const Segment*>& order) {
  std::int64_t after = 0;
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    if ((*it)->heat_tail_ms >= 0) return after + (*it)->heat_tail_ms >= kHeatOffBeforeEndMs;
    after += (*it)->duration_ms;
  }
  return true;
}

int rank(chair::v1::IntensityClass c) {
  switch (c) {
    case chair::v1::GENTLE:
      return 1;
    case chair::v1::STRONG:
      return 3;
    default:
      return 2;
  }
}

double target_intensity(chair::v1::IntensityClass c) {
  switch (c) {
    case chair::v1::GENTLE:
      return 0.3;
    case chair::v1::STRONG:
      return 0.7;
    default:
      return 0.5;
  }
}

const char* class_word(chair::v1::IntensityClass c) {
  switch (c) {
    case chair::v1::GENTLE:
      return "gentle";
    case chair::v1::STRONG:
      return "strong";
    default:
      return "moderate";
  }
}

const char* kind_word(chair::v1::PhaseKind k) {
  switch (k) {
    case chair::v1::WARM_UP:
      return "Warm-up";
    case chair::v1::COOL_DOWN:
      return "Cool-down";
    default:
      return "Main work";
  }
}

// "20 min", or "7:30 min" when it is not whole minutes.
std::string minutes(std::int64_t ms) {
  const std::int64_t s = (ms + 500) / 1000;
  if (s % 60 == 0) return fmt::format("{} min", s / 60);
  return fmt::format("{}:{:02} min", s / 60, s % 60);
}

std::string times(int n) {
  return n == 1 ? std::string("once") : n == 2 ? std::string("twice") : fmt::format("{} times", n);
}

std::string list_names(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < kMaxNamesListed; ++i)
    out += (i == 0 ? "'" : ", '") + names[i] + "'";
  if (names.size() > kMaxNamesListed)
    out += fmt::format(" and {} more", names.size() - kMaxNamesListed);
  return out;
}

bool overlaps_any(const ChairModel& chair, const std::vector<std::string>& zones,
                  const std::string& zone) {
  return std::any_of(zones.begin(), zones.end(),
                     [&](const std::string& z) { return zones_overlap(chair, z, zone); });
}

// One phase of a library program on its own, as a program the expander and the rules read.
ProgramRef segment_program(const LibraryEntry& entry, int phase_index) {
  chair::v1::Program one;
  *one.mutable_metadata() = entry.program->program.metadata();
  *one.add_phases() = entry.program->program.phases(phase_index);
  std::string text;
  google::protobuf::TextFormat::PrintToString(one, &text);
  auto parsed = parse_program_text(text, entry.program->source.path);
  return parsed ? *parsed : nullptr;
}

// Weighs a segment for this sitter; false when it has nothing to work with.
bool measure(Segment& s, const ProgramRef& program, const ProgramResolver& resolver,
             const ComposeAsk& ask, const SitterPast& past, const ChairModel& chair,
             const TechniqueCatalog* catalog) {
  Diagnostics ignored;  // the library checked the program when it was loaded
  const ExpandedProgram expanded = expand_program(program, resolver, {}, ignored);
  if (expanded.steps.empty() || expanded.duration_ms <= 0) return false;
  s.duration_ms = expanded.duration_ms;
  std::vector<const chair::v1::Step*> heat;
  std::vector<const chair::v1::Step*> recline;  // moves the chair, works no zone
  for (const auto& phase : program->program.phases()) {
    for (const auto& track : phase.tracks()) {
      if (track.kind() == chair::v1::HEAT) steps_of(track.items(), heat);
      if (track.kind() == chair::v1::RECLINE) steps_of(track.items(), recline);
    }
  }
  for (const auto& step : expanded.steps) {
    if (!heats(*step.step, catalog, heat)) continue;
    const std::int64_t tail = s.duration_ms - step.end_ms;
    s.heat_tail_ms = s.heat_tail_ms < 0 ? tail : std::min(s.heat_tail_ms, tail);
  }
  double work_ms = 0.0;
  double intensity_ms = 0.0;
  double focus_ms = 0.0;
  std::map<std::string, std::pair<double, double>> marked;  // zone: time, intensity x time
  for (const auto& step : expanded.steps) {
    if (std::find(recline.begin(), recline.end(), step.step) != recline.end()) continue;
    const std::string& zone = step.step->zone();
    if (std::find(s.zones.begin(), s.zones.end(), zone) == s.zones.end()) s.zones.push_back(zone);
    const auto ms = static_cast<double>(step.end_ms - step.start_ms);
    const double intensity =
        step.step->has_intensity() ? step.step->intensity() : kWrittenIntensityDefault;
    work_ms += ms;
    intensity_ms += ms * intensity;
    if (ask.focus_areas.empty() || overlaps_any(chair, ask.focus_areas, zone)) focus_ms += ms;
    for (const auto& [z, count] : past.too_strong) {
      if (!zones_overlap(chair, z, zone)) continue;
      marked[z].first += ms;
      marked[z].second += ms * intensity;
    }
  }
  if (work_ms <= 0.0) return false;
  s.mean_intensity = intensity_ms / work_ms;
  s.focus_share = focus_ms / work_ms;
  for (const auto& [z, load] : marked)
    s.marked_load += load.second / work_ms * past.too_strong.at(z);
  // Warm-ups and cool-downs are lighter than the work they frame.
  const double target = s.kind == chair::v1::MAIN
                            ? target_intensity(ask.preferred)
                            : std::max(0.2, target_intensity(ask.preferred) - 0.15);
  const double fit = std::max(0.0, 1.0 - 2.0 * std::abs(s.mean_intensity - target));
  double relief = 0.0;
  if (auto it = past.relief.find(s.entry->program->id());
      it != past.relief.end() && it->second.sessions > 0) {
    const double drop =
        static_cast<double>(it->second.before - it->second.after) / it->second.sessions;
    relief = 0.05 * std::clamp(drop, -3.0, 3.0);
  }
  const int class_gap =
      std::abs(rank(s.entry->program->program.metadata().intensity_class()) - rank(ask.preferred));
  // The focus first; then how strong it is against what the sitter likes; then their past.
  s.score = 2.0 * s.focus_share + fit - 0.4 * class_gap - 1.5 * s.marked_load + relief;
  return true;
}

std::string why_of(const Segment& s, const ComposeAsk& ask, const SitterPast& past) {
  std::string why;
  if (s.kind == chair::v1::WARM_UP) {
    why = "to start gently";
  } else if (s.kind == chair::v1::COOL_DOWN) {
    why = "to end calmly";
  } else if (ask.focus_areas.empty()) {
    why = fmt::format("works {}", fmt::join(s.zones, ", "));
  } else {
    why =
        fmt::format("{:.0f}% of it on {}", s.focus_share * 100.0, fmt::join(ask.focus_areas, ", "));
  }
  const auto c = s.entry->program->program.metadata().intensity_class();
  if (s.kind == chair::v1::MAIN && c == ask.preferred)
    why += fmt::format("; {}, as you like it", class_word(c));
  if (auto it = past.relief.find(s.entry->program->id());
      it != past.relief.end() && it->second.sessions > 0 && it->second.after < it->second.before) {
    const double n = it->second.sessions;
    why += fmt::format("; your discomfort went from {:.0f} to {:.0f} after this program before",
                       it->second.before / n, it->second.after / n);
  }
  return why;
}

// The best segment of a kind that fits, or nullptr.
const Segment* best_of(const std::vector<Segment>& all, chair::v1::PhaseKind kind,
                       std::int64_t budget_ms, const std::vector<const Segment*>& used,
                       bool needs_focus) {
  const Segment* best = nullptr;
  for (const auto& s : all) {
    if (s.kind != kind || s.duration_ms > budget_ms) continue;
    if (std::find(used.begin(), used.end(), &s) != used.end()) continue;
    if (needs_focus && s.focus_share < kMinFocusShare) continue;
    // Ties go to the longer segment (it fills the time), then to the library's order.
    if (best == nullptr || s.score > best->score + 1e-9 ||
        (std::abs(s.score - best->score) <= 1e-9 && s.duration_ms > best->duration_ms))
      best = &s;
  }
  return best;
}

void keep_min(std::int64_t& into, std::int64_t v) {
  if (v > 0 && (into == 0 || v < into)) into = v;
}
void keep_min(double& into, double v) {
  if (v > 0 && (into == 0 || v < into)) into = v;
}
void keep_max(std::int64_t& into, std::int64_t v) {
  into = std::max(into, v);
}
void keep_max(double& into, double v) {
  into = std::max(into, v);
}

std::string hex64(std::uint64_t v) {
  return fmt::format("{:016x}", v);
}

std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace

chair::v1::SafetyLimits stricter_limits(const chair::v1::SafetyLimits& a,
                                        const chair::v1::SafetyLimits& b) {
  chair::v1::SafetyLimits out = a;
  // Maxima: the smaller set value; 0 is "not set".
  std::int64_t session = out.max_session_ms();
  keep_min(session, b.max_session_ms());
  out.set_max_session_ms(session);
  double kpa = out.max_airbag_kpa();
  keep_min(kpa, b.max_airbag_kpa());
  out.set_max_airbag_kpa(kpa);
  double heat = out.max_heat_c();
  keep_min(heat, b.max_heat_c());
  out.set_max_heat_c(heat);
  std::int64_t heat_on = out.heat_max_on_ms();
  keep_min(heat_on, b.heat_max_on_ms());
  out.set_heat_max_on_ms(heat_on);
  std::int64_t hold = out.airbag_max_hold_ms();
  keep_min(hold, b.airbag_max_hold_ms());
  out.set_airbag_max_hold_ms(hold);
  double tracking = out.max_tracking_error_mm();
  keep_min(tracking, b.max_tracking_error_mm());
  out.set_max_tracking_error_mm(tracking);
  // Stricter when longer or wider.
  std::int64_t window = out.heat_window_ms();
  keep_max(window, b.heat_window_ms());
  out.set_heat_window_ms(window);
  std::int64_t rest = out.motor_reverse_rest_ms();
  keep_max(rest, b.motor_reverse_rest_ms());
  out.set_motor_reverse_rest_ms(rest);
  double midline = out.midline_width_mm();
  keep_max(midline, b.midline_width_mm());
  out.set_midline_width_mm(midline);
  // Where depth limits overlap, the lowest holds.
  for (const auto& d : b.roller_depth()) *out.add_roller_depth() = d;
  return out;
}

Expected<Composition, std::string> compose_session(const ComposeAsk& asked, const SitterPast& past,
                                                   const ComposeSources& sources) {
  const ChairModel& chair = *sources.chair;
  ComposeAsk ask = asked;
  std::vector<std::string> explanations;
  // The chair's longest session (and chaird's, when it is shorter) bounds the time, whatever
  // the sitter has.
  std::int64_t longest = chair.limits().max_session_ms();
  keep_min(longest, sources.max_session_ms);
  if (longest > 0 && ask.available_ms > longest) {
    ask.available_ms = longest;
    explanations.push_back(
        fmt::format("Composed for {}: this chair runs sessions of at most that", minutes(longest)));
  }
  const ProgramResolver resolver = ProgramLibrary::resolver(sources.library);
  std::vector<Segment> segments;
  std::map<std::string, std::vector<std::string>> left_out;  // why: program names
  std::vector<std::string> refusing_reasons;                 // of the rules that refuse programs
  for (const auto& entry : sources.library->entries()) {
    const auto& meta = entry.program->program.metadata();
    // A program that keeps its sessions shorter than this one would be could not lend its
    // limits to it.
    if (meta.limits().max_session_ms() > 0 && meta.limits().max_session_ms() < ask.available_ms) {
      left_out["sessions this long (their own limits keep sessions shorter)"].push_back(
          meta.name());
      continue;
    }
    const std::vector<std::string> contraindications(meta.contraindications().begin(),
                                                     meta.contraindications().end());
    if (auto why = screen(contraindications, ask.conditions); !why.empty()) {
      left_out[fmt::format("{}", fmt::join(why, ", "))].push_back(meta.name());
      continue;
    }
    if (ask.preferred == chair::v1::GENTLE && meta.intensity_class() == chair::v1::STRONG) {
      left_out["a gentle session (they are strong)"].push_back(meta.name());
      continue;
    }
    std::optional<SitterRules> rules;
    if (!ask.conditions.empty() && sources.rules != nullptr) {
      rules.emplace(*sources.rules, ask.conditions, program_ids(entry.program, resolver), chair);
      // Judged whole, included programs too, as a start of it would be.
      const SitterVerdict whole = judge_for_sitter(entry.program, resolver, *rules, chair);
      if (!whole.refusals.empty()) {
        left_out[whole.refusals.front()->condition].push_back(meta.name());
        for (const ConditionRule* r : whole.refusals) {
          if (std::find(refusing_reasons.begin(), refusing_reasons.end(), r->reason) ==
              refusing_reasons.end())
            refusing_reasons.push_back(r->reason);
        }
        continue;
      }
    }
    // The program is held at the lowest cap of itself and what it includes; so are its phases.
    std::optional<double> cap;
    {
      Diagnostics ignored;  // the library checked the program when it was loaded
      for (const auto& source : expand_program(entry.program, resolver, {}, ignored).sources) {
        const auto& m = source->program.metadata();
        if (m.has_max_intensity_scale())
          cap = std::min(cap.value_or(m.max_intensity_scale()), m.max_intensity_scale());
      }
    }
    bool refused = false;
    for (int i = 0; i < entry.program->program.phases_size() && !refused; ++i) {
      const auto& phase = entry.program->program.phases(i);
      // An included program gives its own segments, once, as itself.
      if (!phase.include_program().empty()) continue;
      Segment s;
      s.entry = &entry;
      s.phase_index = i;
      s.kind = phase.kind() == chair::v1::PHASE_KIND_UNSPECIFIED ? chair::v1::MAIN : phase.kind();
      s.label = phase_label(phase);
      s.max_scale = cap;
      const ProgramRef one = segment_program(entry, i);
      if (one == nullptr) continue;
      if (rules) {
        const SitterVerdict verdict = judge_for_sitter(one, resolver, *rules, chair);
        if (!verdict.refusals.empty()) {
          left_out[verdict.refusals.front()->condition].push_back(meta.name());
          refused = true;
          continue;
        }
        if (verdict.nothing_left) continue;  // the rules skip all of it
      }
      if (measure(s, one, resolver, ask, past, chair, sources.catalog))
        segments.push_back(std::move(s));
    }
    if (refused) {
      segments.erase(std::remove_if(segments.begin(), segments.end(),
                                    [&](const Segment& s) { return s.entry == &entry; }),
                     segments.end());
    }
  }

  // Warm-up and cool-down take a share of the time; the main work the rest. With little time,
  // the main work comes first: the cool-down goes, then the warm-up.
  struct Choice {
    const Segment* warm = nullptr;
    const Segment* cool = nullptr;
    std::vector<const Segment*> mains;
  };
  const bool needs_focus = !ask.focus_areas.empty();
  auto choose = [&](bool with_warm, bool with_cool) {
    Choice c;
    std::vector<const Segment*> used;
    if (with_warm)
      c.warm = best_of(segments, chair::v1::WARM_UP, ask.available_ms / 4, used, false);
    if (c.warm != nullptr) used.push_back(c.warm);
    if (with_cool)
      c.cool = best_of(segments, chair::v1::COOL_DOWN, ask.available_ms / 5, used, false);
    if (c.cool != nullptr) used.push_back(c.cool);
    std::int64_t left =
        ask.available_ms - (c.warm ? c.warm->duration_ms : 0) - (c.cool ? c.cool->duration_ms : 0);
    while (c.mains.size() < kMaxMainParts) {
      const Segment* next = best_of(segments, chair::v1::MAIN, left, used, needs_focus);
      if (next == nullptr) break;
      c.mains.push_back(next);
      used.push_back(next);
      left -= next->duration_ms;
    }
    return c;
  };
  Choice chosen = choose(true, true);
  bool cool_dropped = false;  // for the main work's time, not for want of one that suits
  bool warm_dropped = false;
  if (chosen.mains.empty()) {
    chosen = choose(true, false);
    cool_dropped = true;
  }
  if (chosen.mains.empty()) {
    chosen = choose(false, false);
    warm_dropped = true;
  }
  if (chosen.mains.empty()) {
    std::int64_t shortest = 0;
    for (const auto& s : segments) {
      if (s.kind == chair::v1::MAIN && (!needs_focus || s.focus_share >= kMinFocusShare))
        keep_min(shortest, s.duration_ms);
    }
    const std::string where =
        needs_focus ? fmt::format(" on {}", fmt::join(ask.focus_areas, ", ")) : std::string();
    if (shortest == 0) {
      // The rules' own words first: they say what to do (see a doctor first).
      std::string reasons;
      for (const auto& r : refusing_reasons) reasons += " " + r;
      return Unexpected{fmt::format(
          "no program of this chair has main work{} that suits your answers.{} Please ask staff",
          where, reasons)};
    }
    return Unexpected{
        fmt::format("the shortest main work{} takes {}, more than the {} you "
                    "have; please allow more time",
                    where, minutes(shortest), minutes(ask.available_ms))};
  }
  // The main work builds up: gentlest first.
  std::stable_sort(
      chosen.mains.begin(), chosen.mains.end(),
      [](const Segment* a, const Segment* b) { return a->mean_intensity < b->mean_intensity; });

  const auto in_order = [](const Choice& c) {
    std::vector<const Segment*> order;
    if (c.warm) order.push_back(c.warm);
    order.insert(order.end(), c.mains.begin(), c.mains.end());
    if (c.cool) order.push_back(c.cool);
    return order;
  };
  std::vector<std::string> arranged;  // told after the parts
  bool reordered = false;
  // Heat ends two minutes before the end: a main work without heat last, or a longer
  // cool-down, when the order chosen would leave the sitter on a warm pad.
  if (!heat_ends_in_time(in_order(chosen))) {
    for (std::size_t i = 0; i + 1 < chosen.mains.size(); ++i) {
      Choice moved = chosen;
      std::rotate(moved.mains.begin() + static_cast<std::ptrdiff_t>(i),
                  moved.mains.begin() + static_cast<std::ptrdiff_t>(i) + 1, moved.mains.end());
      if (heat_ends_in_time(in_order(moved))) {
        chosen = moved;
        reordered = true;
        arranged.push_back(fmt::format(
            "'{}' of {} last, so that heat ends well before the end", chosen.mains.back()->label,
            chosen.mains.back()->entry->program->program.metadata().name()));
        break;
      }
    }
  }
  if (!heat_ends_in_time(in_order(chosen))) {
    std::int64_t others = 0;
    for (const Segment* s : in_order(chosen))
      if (s != chosen.cool) others += s->duration_ms;
    std::vector<const Segment*> cools;
    for (const auto& s : segments)
      if (s.kind == chair::v1::COOL_DOWN && others + s.duration_ms <= ask.available_ms)
        cools.push_back(&s);
    std::stable_sort(cools.begin(), cools.end(),
                     [](const Segment* a, const Segment* b) { return a->score > b->score; });
    for (const Segment* cool : cools) {
      Choice longer = chosen;
      longer.cool = cool;
      if (heat_ends_in_time(in_order(longer))) {
        chosen = longer;
        arranged.push_back("A cool-down long enough for heat to end well before the end");
        break;
      }
    }
  }
  if (!heat_ends_in_time(in_order(chosen))) {
    arranged.push_back(
        "Heat stays on into the last two minutes: no order or cool-down of these segments ends "
        "it sooner");
  }
  const std::vector<const Segment*> order = in_order(chosen);

  Composition out;
  chair::v1::Program program;
  auto& meta = *program.mutable_metadata();
  std::set<std::string> contraindications;
  std::set<std::string> capabilities;
  std::optional<double> max_scale;
  int strongest = 0;
  std::vector<std::string> from_names;
  std::int64_t total_ms = 0;
  for (const Segment* s : order) {
    const auto& source = s->entry->program->program;
    const auto& m = source.metadata();
    chair::v1::Phase phase = source.phases(s->phase_index);
    phase.set_name(cut_utf8(fmt::format("{} ({})", s->label, m.name()), 120));
    // A phase copied before (a saved composition) keeps naming where it first came from.
    if (phase.from_program().empty()) phase.set_from_program(m.id());
    *program.add_phases() = std::move(phase);
    contraindications.insert(m.contraindications().begin(), m.contraindications().end());
    capabilities.insert(m.required_capabilities().begin(), m.required_capabilities().end());
    if (s->max_scale) max_scale = std::min(max_scale.value_or(*s->max_scale), *s->max_scale);
    if (m.has_limits()) *meta.mutable_limits() = stricter_limits(meta.limits(), m.limits());
    strongest = std::max(strongest, rank(m.intensity_class()));
    if (std::find(from_names.begin(), from_names.end(), m.name()) == from_names.end())
      from_names.push_back(m.name());
    total_ms += s->duration_ms;
    ComposedPart part{
        s->kind, m.id(), m.name(), s->label, s->duration_ms, s->zones, why_of(*s, ask, past)};
    explanations.push_back(fmt::format("{}: '{}' of {} ({}): {}", kind_word(part.kind), part.phase,
                                       part.program_name, minutes(part.duration_ms), part.why));
    out.parts.push_back(std::move(part));
  }
  explanations.insert(explanations.end(), arranged.begin(), arranged.end());
  const auto missing = [&](const char* what, bool dropped, std::int64_t budget_ms) {
    explanations.push_back(
        dropped ? fmt::format("No {}: in {} the main work needs the time", what,
                              minutes(ask.available_ms))
                : fmt::format("No {}: none that suits you fits in {}", what, minutes(budget_ms)));
  };
  if (!chosen.warm) missing("warm-up", warm_dropped, ask.available_ms / 4);
  if (!chosen.cool) missing("cool-down", cool_dropped, ask.available_ms / 5);
  if (chosen.mains.size() > 1) {
    explanations.push_back(reordered ? "Main work in order of strength, gentlest first, but for "
                                       "the one with heat, which goes earlier"
                                     : "Main work in order of strength, gentlest first, so that "
                                       "it builds up");
  }
  if (const std::int64_t spare = ask.available_ms - total_ms; spare >= 60'000) {
    explanations.push_back(
        chosen.mains.size() == kMaxMainParts
            ? fmt::format("{} of your {}: at most {} main parts, so that the session does not "
                          "feel stitched together",
                          minutes(total_ms), minutes(ask.available_ms), kMaxMainParts)
            : fmt::format("{} of your {}: no other segment{} fits in the {} left",
                          minutes(total_ms), minutes(ask.available_ms),
                          needs_focus ? " on your focus" : "", minutes(spare)));
  }
  // Marks on the zones this session is about, not on every zone the sitter ever marked.
  std::vector<std::string> session_zones = ask.focus_areas;
  for (const auto& part : out.parts)
    session_zones.insert(session_zones.end(), part.zones.begin(), part.zones.end());
  for (const auto& [zone, count] : past.too_strong) {
    if (!overlaps_any(chair, session_zones, zone)) continue;
    explanations.push_back(
        fmt::format("Strong work on {} weighed against: you marked it too strong {} lately", zone,
                    times(count)));
  }
  for (const auto& [why, names] : left_out)
    explanations.push_back(fmt::format("Left out for {}: {}", why, list_names(names)));

  const std::string focus = ask.focus_areas.empty()
                                ? std::string("whole body")
                                : fmt::format("{}", fmt::join(ask.focus_areas, ", "));
  std::string name = fmt::format("For you: {}", focus);
  if (name.size() > 80) name = fmt::format("For you: {} areas", ask.focus_areas.size());
  meta.set_name(name);
  meta.set_summary(cut_utf8(
      fmt::format("Composed for {} from {}.", minutes(ask.available_ms), list_names(from_names)),
      600));
  meta.set_total_duration_ms(total_ms);
  for (const auto& f : ask.focus_areas) meta.add_focus_areas(f);
  meta.set_intensity_class(strongest == 1   ? chair::v1::GENTLE
                           : strongest == 3 ? chair::v1::STRONG
                                            : chair::v1::MODERATE);
  if (max_scale) meta.set_max_intensity_scale(*max_scale);
  meta.add_tags("composed");
  for (const auto& c : contraindications) meta.add_contraindications(c);
  for (const auto& c : capabilities) meta.add_required_capabilities(c);
  meta.set_author("chaird");
  meta.set_version("1");
  // The id says what it holds: the same composition for the same health answers has the same
  // id. The answers count although the text may not show them (a rule that only softens
  // changes no segment): the composition is kept under its id with the answers its start is
  // held to, and another sitter's composition must not take their place.
  meta.set_id("composed");
  std::string text;
  google::protobuf::TextFormat::PrintToString(program, &text);
  std::vector<std::string> answers = ask.conditions;
  std::sort(answers.begin(), answers.end());
  answers.erase(std::unique(answers.begin(), answers.end()), answers.end());
  meta.set_id("composed-" +
              hex64(fnv1a(fmt::format("{}\nconditions: {}", text, fmt::join(answers, ",")))));
  text.clear();
  google::protobuf::TextFormat::PrintToString(program, &text);
  auto parsed = parse_program_text(text, "composed/" + meta.id() + ".textproto");
  if (!parsed) {
    return Unexpected{fmt::format("the composed session could not be read back: {}",
                                  one_line(parsed.error().first_error(), 300))};
  }
  out.program = *parsed;
  out.text = std::move(text);
  out.explanations = std::move(explanations);
  return out;
}

}  // namespace chaird
