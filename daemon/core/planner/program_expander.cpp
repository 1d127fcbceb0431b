#include "planner/program_expander.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "common/utf8_text.hpp"

namespace chaird {
namespace {

using chair::v1::Item;
using google::protobuf::RepeatedPtrField;

// Steps inside items once repeats are expanded, saturating at cap so that a hostile file
// cannot overflow the count.
std::size_t count_steps(const RepeatedPtrField<Item>& items, std::size_t cap, int depth) {
  if (depth > 64) return cap;  // nesting beyond any limit; reported elsewhere
  std::size_t total = 0;
  for (const auto& item : items) {
    std::size_t n = 0;
    if (item.has_step()) {
      n = 1;
    } else if (item.has_repeat()) {
      const std::size_t body = count_steps(item.repeat().items(), cap, depth + 1);
      const std::size_t times = item.repeat().count();
      n = body != 0 && times > cap / body ? cap : body * times;
    }
    total = std::min(cap, total + n);
  }
  return total;
}

class Expander {
 public:
  Expander(const ProgramResolver& resolver, const ExpansionLimits& limits, Diagnostics& d)
      : resolver_(resolver), limits_(limits), d_(d) {}

  ExpandedProgram run(const ProgramRef& program) {
    std::vector<std::string> stack{program->id()};
    out_.sources.push_back(program);
    out_.duration_ms = expand_phases(*program, 0, stack);
    return std::move(out_);
  }

 private:
  std::int64_t expand_phases(const ProgramSource& program, std::int64_t cursor,
                             std::vector<std::string>& stack) {
    const Locator root = program.locator();
    if (program.program.phases_size() == 0) {
      d_.error(root.self(), fmt::format("program '{}' has no phases", program.id()));
    }
    for (int i = 0; i < program.program.phases_size() && !too_many_; ++i) {
      const auto& phase = program.program.phases(i);
      const Locator loc = root.nested("phases", i);
      if (!phase.include_program().empty()) {
        cursor = include(phase, loc, cursor, stack);
        continue;
      }
      if (bad_name("phase name", phase.name(), loc.at("name"))) continue;
      if (phase.tracks_size() == 0) {
        d_.error(loc.self(), fmt::format("phase '{}' has no tracks", phase_label(phase)));
        continue;
      }
      std::int64_t phase_end = cursor;
      for (int j = 0; j < phase.tracks_size() && !too_many_; ++j) {
        const auto& track = phase.tracks(j);
        const Locator track_loc = loc.nested("tracks", j);
        if (bad_name("track name", track.name(), track_loc.at("name"))) continue;
        if (track.items_size() == 0) {
          d_.error(track_loc.self(), fmt::format("track '{}' has no steps", track_label(track)));
          continue;
        }
        Context ctx{phase_label(phase), track_label(track), cursor, cursor, 0, ""};
        expand_items(track.items(), track_loc, ctx);
        phase_end = std::max(phase_end, ctx.cursor);
      }
      cursor = phase_end;
    }
    return cursor;
  }

  std::int64_t include(const chair::v1::Phase& phase, const Locator& loc, std::int64_t cursor,
                       std::vector<std::string>& stack) {
    const std::string& id = phase.include_program();
    const SourceLocation where = loc.at("include_program");
    if (phase.tracks_size() != 0 || !phase.name().empty() || !phase.from_program().empty()) {
      d_.error(where, "a phase with include_program holds nothing else");
      return cursor;
    }
    if (std::find(stack.begin(), stack.end(), id) != stack.end()) {
      std::string chain;
      for (const auto& s : stack) chain += s + " -> ";
      d_.error(where, fmt::format("program '{}' includes itself ({}{})", id, chain, id));
      return cursor;
    }
    if (static_cast<int>(stack.size()) > limits_.max_include_depth) {
      d_.error(where, fmt::format("includes nest more than {} deep", limits_.max_include_depth));
      return cursor;
    }
    // Its problems are in its own file, told the first time it was included.
    if (faulted_includes_.count(id) != 0) return cursor;
    ProgramRef included = resolver_ ? resolver_(id) : nullptr;
    if (!included) {
      d_.error(where, fmt::format("include_program: no program '{}' in the library", id));
      return cursor;
    }
    // Each program once among the sources, however often it is included: what reads them
    // (the contraindication and acceptance checks) then reads each once.
    if (std::none_of(out_.sources.begin(), out_.sources.end(),
                     [&](const ProgramRef& s) { return s.get() == included.get(); }))
      out_.sources.push_back(included);
    stack.push_back(id);
    const std::size_t problems = d_.items().size();
    cursor = expand_phases(*included, cursor, stack);
    if (d_.items().size() != problems) faulted_includes_.insert(id);
    stack.pop_back();
    return cursor;
  }

  // Names are copied into every step they name, and a kiosk, chairctl and the log show them on
  // one line: a long one, or one that is not one plain line, is refused, without copying it into
  // the message.
  bool bad_name(const char* what, const std::string& name, const SourceLocation& where) {
    if (name.size() > limits_.max_name_bytes) {
      d_.error(where, fmt::format("{} is {} bytes long; at most {} are accepted", what, name.size(),
                                  limits_.max_name_bytes));
      return true;
    }
    if (!one_plain_line(name)) {
      d_.error(where, fmt::format("{} must be one line, without control characters, line "
                                  "separators or text-direction overrides",
                                  what));
      return true;
    }
    return false;
  }

  struct Context {
    std::string phase;
    std::string track;
    std::int64_t phase_start = 0;
    std::int64_t cursor = 0;
    int repeat_depth = 0;
    std::string round;  // "2/5" inside repeats
  };

  void expand_items(const RepeatedPtrField<Item>& items, const Locator& parent, Context& ctx) {
    for (int k = 0; k < items.size() && !too_many_; ++k) {
      const Item& item = items[k];
      const Locator loc = parent.nested("items", k);
      if (item.has_step()) {
        add_step(item.step(), loc.nested("step"), ctx);
      } else if (item.has_repeat()) {
        expand_repeat(item.repeat(), loc.nested("repeat"), ctx);
      } else {
        d_.error(loc.self(), "an item needs a step or a repeat");
      }
    }
  }

  void expand_repeat(const chair::v1::Repeat& repeat, const Locator& loc, Context& ctx) {
    if (ctx.repeat_depth + 1 > limits_.max_repeat_depth) {
      d_.error(loc.self(), fmt::format("repeats nest more than {} deep", limits_.max_repeat_depth));
      return;
    }
    if (repeat.count() == 0) {
      d_.error(loc.at("count"), "repeat needs a count of at least 1");
      return;
    }
    if (repeat.count() > limits_.max_repeat_count) {
      d_.error(loc.at("count"), fmt::format("repeat count {} is over the limit of {}",
                                            repeat.count(), limits_.max_repeat_count));
      return;
    }
    const std::size_t body = count_steps(repeat.items(), limits_.max_steps + 1, 0);
    if (body == 0) {
      d_.error(loc.self(), "repeat has no step in it: there is nothing to repeat");
      return;
    }
    const std::size_t expanded = repeat.count() > (limits_.max_steps + 1) / body
                                     ? limits_.max_steps + 1
                                     : body * repeat.count();
    if (out_.steps.size() + expanded > limits_.max_steps) {
      d_.error(loc.at("count"),
               fmt::format("repeat expands to {}{} steps; a program may have at most {}",
                           expanded > limits_.max_steps ? "more than " : "",
                           std::min(expanded, limits_.max_steps), limits_.max_steps));
      too_many_ = true;
      return;
    }
    const std::string outer_round = ctx.round;
    ++ctx.repeat_depth;
    for (std::uint32_t r = 0; r < repeat.count() && !too_many_; ++r) {
      ctx.round = fmt::format("{}{}/{}", outer_round.empty() ? "" : outer_round + ",", r + 1,
                              repeat.count());
      const std::size_t problems = d_.items().size();
      expand_items(repeat.items(), loc, ctx);
      // Every round is alike: a problem in one is in all, and the program is refused already.
      if (d_.items().size() != problems) break;
    }
    --ctx.repeat_depth;
    ctx.round = outer_round;
  }

  void add_step(const chair::v1::Step& step, const Locator& loc, Context& ctx) {
    const bool bad_step_name = bad_name("step name", step.name(), loc.at("name"));
    const bool bad_technique = bad_name("step technique", step.technique(), loc.at("technique"));
    const bool bad_zone = bad_name("step zone", step.zone(), loc.at("zone"));
    if (bad_step_name || bad_technique || bad_zone) return;
    const std::string base =
        step.name().empty() ? step.technique() + "@" + step.zone() : step.name();
    const std::string who = fmt::format("step '{}'", base);
    bool ok = true;
    if (step.duration_ms() <= 0) {
      d_.error(loc.at("duration_ms"),
               fmt::format("{}: duration_ms must be positive, got {}", who, step.duration_ms()));
      ok = false;
    } else if (step.duration_ms() > limits_.max_step_ms) {
      d_.error(loc.at("duration_ms"), fmt::format("{}: duration_ms {} is over the limit of {} ms",
                                                  who, step.duration_ms(), limits_.max_step_ms));
      ok = false;
    }
    if (step.has_intensity() &&
        !(std::isfinite(step.intensity()) && step.intensity() >= 0.0 && step.intensity() <= 1.0)) {
      d_.error(
          loc.at("intensity"),
          fmt::format("{}: intensity must be a number from 0 to 1, got {}", who, step.intensity()));
      ok = false;
    }
    if (step.has_tempo_cpm() && !(std::isfinite(step.tempo_cpm()) && step.tempo_cpm() > 0.0)) {
      d_.error(loc.at("tempo_cpm"), fmt::format("{}: tempo_cpm must be a positive number, got {}",
                                                who, step.tempo_cpm()));
      ok = false;
    }
    std::int64_t start = ctx.cursor;
    if (step.has_start_ms()) {
      if (ctx.repeat_depth > 0) {
        d_.error(loc.at("start_ms"),
                 fmt::format("{}: start_ms cannot be used inside a repeat", who));
        ok = false;
      } else if (step.start_ms() < 0) {
        d_.error(loc.at("start_ms"), fmt::format("{}: start_ms cannot be negative", who));
        ok = false;
      } else if (step.start_ms() > limits_.max_start_ms) {
        d_.error(loc.at("start_ms"),
                 fmt::format("{}: start_ms {} is over the limit of {} ms (a day into its phase)",
                             who, step.start_ms(), limits_.max_start_ms));
        ok = false;
      } else if (ctx.phase_start + step.start_ms() < ctx.cursor) {
        d_.error(loc.at("start_ms"),
                 fmt::format("{}: starts at {} ms, before the previous step of track '{}' ends "
                             "at {} ms",
                             who, step.start_ms(), ctx.track, ctx.cursor - ctx.phase_start));
        ok = false;
      } else {
        start = ctx.phase_start + step.start_ms();
      }
    }
    if (!ok) return;
    if (out_.steps.size() >= limits_.max_steps) {
      d_.error(loc.self(), fmt::format("a program may have at most {} steps", limits_.max_steps));
      too_many_ = true;
      return;
    }
    ExpandedStep s;
    s.step = &step;
    s.where = loc;
    s.name = ctx.round.empty() ? base : fmt::format("{} ({})", base, ctx.round);
    s.phase = ctx.phase;
    s.phase_start_ms = ctx.phase_start;
    s.track = ctx.track;
    s.start_ms = start;
    s.end_ms = start + step.duration_ms();
    ctx.cursor = s.end_ms;
    out_.steps.push_back(std::move(s));
  }

  const ProgramResolver& resolver_;
  const ExpansionLimits& limits_;
  Diagnostics& d_;
  ExpandedProgram out_;
  bool too_many_ = false;
  std::set<std::string> faulted_includes_;  // ids of included programs that had problems
};

}  // namespace

std::string phase_label(const chair::v1::Phase& phase) {
  if (!phase.name().empty()) return phase.name();
  switch (phase.kind()) {
    case chair::v1::WARM_UP:
      return "warm-up";
    case chair::v1::MAIN:
      return "main";
    case chair::v1::COOL_DOWN:
      return "cool-down";
    default:
      return "phase";
  }
}

std::string track_label(const chair::v1::Track& track) {
  if (!track.name().empty()) return track.name();
  switch (track.kind()) {
    case chair::v1::BACK_ROLLERS:
      return "back rollers";
    case chair::v1::AIR:
      return "air";
    case chair::v1::HEAT:
      return "heat";
    case chair::v1::RECLINE:
      return "recline";
    case chair::v1::FEET:
      return "feet";
    default:
      return "track";
  }
}

ExpandedProgram expand_program(const ProgramRef& program, const ProgramResolver& resolver,
                               const ExpansionLimits& limits, Diagnostics& diagnostics) {
  return Expander(resolver, limits, diagnostics).run(program);
}

}  // namespace chaird
